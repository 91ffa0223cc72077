"""checks.emc against the portal farm and its EMC stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import emc
from tests.fixtures.checks_psae.farm_kit import FarmKit, values

pytestmark = pytest.mark.slow
PROFILES = ("tinh-binh-minh", "bo-kinh-te-bien", "thanh-pho-hai-dang", "tinh-son-cuoc",
            "tinh-lam-giang", "tinh-phu-an")
ALL_GOOD = {"emc.snippet_pages": 1.0, "emc.site_id": True, "emc.tracker_https": True,
            "emc.script_loaded": True, "emc.tracking_request": True}
NOTHING = {"emc.snippet_pages": 0.0, "emc.site_id": False, "emc.tracker_https": False,
           "emc.script_loaded": False, "emc.tracking_request": False}


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmKit]:
    farm_kit = FarmKit(Path(tmp_path_factory.mktemp("farm")))
    yield farm_kit
    farm_kit.stop()


@pytest.fixture(scope="module")
def found(kit: FarmKit) -> dict[str, dict]:
    results = kit.run(emc.run, PROFILES)
    for agency_id, rows in results.items():
        assert not [o for o in rows if o.outcome != "ok"], agency_id
    return {agency_id: values(rows) for agency_id, rows in results.items()}


def test_exemplary_portal_sends_its_page_view(kit: FarmKit, found: dict[str, dict]) -> None:
    assert found["tinh-binh-minh"] == ALL_GOOD
    assert any(hit.get("site_id") == "2271" for hit in kit.farm.emc_hits())


def test_ministry_snippet_on_the_home_page_only(found: dict[str, dict]) -> None:
    seen = found["bo-kinh-te-bien"]
    assert 0 < seen["emc.snippet_pages"] < 1
    assert seen["emc.tracking_request"] is True and seen["emc.site_id"] is True


def test_commented_out_snippet(found: dict[str, dict]) -> None:
    assert found["thanh-pho-hai-dang"] == NOTHING


def test_poor_portal_has_no_snippet(found: dict[str, dict]) -> None:
    assert found["tinh-son-cuoc"] == NOTHING


def test_spa_minified_snippet(found: dict[str, dict]) -> None:
    assert found["tinh-lam-giang"] == ALL_GOOD


def test_handover_national_snippet(found: dict[str, dict]) -> None:
    assert found["tinh-phu-an"] == ALL_GOOD


def test_broken_portal_is_a_portal_error(kit: FarmKit) -> None:
    rows = kit.run(emc.run, ["bo-ha-tang-so"], page_timeout_ms=3000)["bo-ha-tang-so"]
    assert {o.outcome for o in rows} == {"portal_error"}
