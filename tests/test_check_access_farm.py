"""checks.access against the portal farm: each profile shows what profiles.py says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import access
from probe.models import Observation
from tests.fixtures.checks_psae.farm_kit import FarmKit, values

pytestmark = pytest.mark.slow
PROFILES = ("tinh-binh-minh", "bo-kinh-te-bien", "thanh-pho-hai-dang", "tinh-son-cuoc",
            "tinh-lam-giang", "tinh-phu-an")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmKit]:
    farm_kit = FarmKit(Path(tmp_path_factory.mktemp("farm")))
    yield farm_kit
    farm_kit.stop()


@pytest.fixture(scope="module")
def found(kit: FarmKit) -> dict[str, list[Observation]]:
    results = kit.run(access.run, PROFILES, concurrent=True)
    for agency_id, rows in results.items():
        assert not [o for o in rows if o.outcome != "ok"], agency_id
    return results


def _all(rows: list[Observation], name: str) -> list:
    return [o.value for o in rows if o.name == name]


def _rules(rows: list[Observation]) -> str:
    return " ".join(o.detail for o in rows if o.name == "axe.violations")


def test_exemplary_portal(found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-binh-minh"]
    assert _all(rows, "mobile.viewport_meta") == [True] * 3
    assert _all(rows, "mobile.overflow_360") == [False] * 3
    assert _all(rows, "mobile.overflow_320") == [False] * 3
    assert _all(rows, "axe.violations") == [0] * 3
    assert min(_all(rows, "mobile.text_legible")) >= 0.95
    assert min(_all(rows, "mobile.tap_targets_ok")) >= 0.9, [
        o.detail for o in rows if o.name == "mobile.tap_targets_ok"]
    seen = values(rows)
    assert seen["robots.allows"] and seen["sitemap_xml"] and seen["page.title_lang"]


def test_poor_portal(found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-son-cuoc"]
    assert _all(rows, "mobile.viewport_meta") == [False] * 3
    assert _all(rows, "mobile.overflow_360") == [True] * 3
    assert _all(rows, "mobile.overflow_320") == [True] * 3
    assert max(_all(rows, "mobile.text_legible")) < 0.5  # a 980 px layout shrunk to 360 px
    assert min(_all(rows, "axe.serious_critical")) >= 3
    for rule in ("image-alt", "html-has-lang", "color-contrast"):
        assert rule in _rules(rows)
    seen = values(rows)
    assert seen["page.title_lang"] is False and seen["sitemap_xml"] is False


def test_city_with_unlabelled_inputs_and_low_contrast(found: dict[str, list[Observation]]
                                                      ) -> None:
    rows = found["thanh-pho-hai-dang"]
    assert "label" in _rules(rows) and "color-contrast" in _rules(rows)
    assert values(rows)["sitemap_xml"] is False
    assert _all(rows, "mobile.overflow_360") == [False] * 3


def test_spa_icon_buttons_without_names(found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-lam-giang"]
    assert "button-name" in _rules(rows)
    assert values(rows)["sitemap_xml"] is False and values(rows)["page.title_lang"] is True


def test_ministry_is_accessible(found: dict[str, list[Observation]]) -> None:
    rows = found["bo-kinh-te-bien"]
    assert _all(rows, "axe.serious_critical") == [0] * 3
    assert values(rows)["sitemap_xml"] is True


def test_handover_national_portal_low_contrast(found: dict[str, list[Observation]]) -> None:
    rows = found["tinh-phu-an"]
    assert "color-contrast" in _rules(rows)
    assert values(rows)["sitemap_xml"] is False


def test_broken_portal_is_a_portal_error(kit: FarmKit) -> None:
    rows = kit.run(access.run, ["bo-ha-tang-so"], page_timeout_ms=3000)["bo-ha-tang-so"]
    assert {o.outcome for o in rows} == {"portal_error"}
