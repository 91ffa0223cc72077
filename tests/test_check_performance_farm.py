"""checks.performance against the portal farm: latency shows in TTFB, failures are the
portal's. One timed page per portal (three cold runs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import performance
from probe.models import Observation
from tests.fixtures.checks_psae.farm_kit import FarmKit, home_value

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # run alone, first (Makefile)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmKit]:
    farm_kit = FarmKit(Path(tmp_path_factory.mktemp("farm")))
    yield farm_kit
    farm_kit.stop()


@pytest.fixture(scope="module")
def found(kit: FarmKit) -> dict[str, list[Observation]]:
    return kit.run(performance.run, ("tinh-binh-minh", "tinh-son-cuoc", "tinh-lam-giang"))


def _median(kit: FarmKit, rows: list[Observation], agency_id: str, name: str) -> float:
    return home_value(rows, name, kit.agency(agency_id).portal_url)


def test_exemplary_portal_is_fast(kit: FarmKit, found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-binh-minh"]
    assert {o.outcome for o in rows} == {"ok"}
    assert _median(kit, rows, "tinh-binh-minh", "ttfb") < 800
    assert _median(kit, rows, "tinh-binh-minh", "fcp") < 1800
    assert _median(kit, rows, "tinh-binh-minh", "tbt") < 200
    assert [o.value for o in rows if o.name == "availability.ok_ratio"] == [1.0]


def test_poor_portal_answers_after_two_seconds(kit: FarmKit,
                                               found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-son-cuoc"]
    ttfb = _median(kit, rows, "tinh-son-cuoc", "ttfb")
    assert 2000 <= ttfb < 2400
    assert _median(kit, rows, "tinh-son-cuoc", "fcp") >= ttfb


def test_spa_paints_after_its_scripts(kit: FarmKit, found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-lam-giang"]
    assert {o.outcome for o in rows} == {"ok"}
    fcp = _median(kit, rows, "tinh-lam-giang", "fcp")
    assert fcp >= _median(kit, rows, "tinh-lam-giang", "ttfb")
    assert _median(kit, rows, "tinh-lam-giang", "lcp") >= fcp


def test_set_latency_shows_in_ttfb(kit: FarmKit) -> None:
    kit.farm.set_latency("tinh-binh-minh", 400)
    try:
        rows = kit.run(performance.run, ["tinh-binh-minh"])["tinh-binh-minh"]
    finally:
        kit.farm.set_latency("tinh-binh-minh", 40)
    # The lower bound is the fidelity claim; the upper one only allows for a busy CI
    # machine (bench figures, not this test, measure the +-30 ms target).
    assert 400 <= _median(kit, rows, "tinh-binh-minh", "ttfb") < 750


def test_broken_portal_is_a_portal_error(kit: FarmKit) -> None:
    rows = kit.run(performance.run, ["bo-ha-tang-so"], page_timeout_ms=3000)["bo-ha-tang-so"]
    assert {o.outcome for o in rows} == {"portal_error"}
    assert any("HTTP 500" in o.detail for o in rows)
