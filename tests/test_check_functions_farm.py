"""The functions and layout families end to end on the portal farm (probe.farm).

Expectations come from each profile's feature set (probe/farm/profiles.py), not from a
table copied here: a feature the profile lacks must be observed as missing, one it has as
present. Site maps know only the home page, so every feature is reached by following
links from the rendered page (single-page app included). A hand-over portal is judged on
the national stand-in it hands citizens to.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from probe.audit.har import REDACTED
from probe.observations import CATALOGUE
from tests.fixtures.checks_fl.runner import FarmRuns, farm_results

pytestmark = pytest.mark.slow

FUNCTION_NAMES = [n for n, s in CATALOGUE.items() if s.check == "functions"]
LAYOUT_NAMES = [n for n, s in CATALOGUE.items() if s.check == "layout"]

# observation -> the farm features it needs (all of them)
NEEDS: dict[str, tuple[str, ...]] = {
    "catalogue.present": ("catalogue",),
    "catalogue.paginated": ("catalogue",),
    "search.works": ("search", "search_results"),
    "lookup.form": ("lookup",),
    "lookup.known_code": ("lookup",),
    "lookup.unknown_code": ("lookup", "lookup_not_found"),
    "sso.national": ("login", "sso"),
    "submission.entry": ("submission",),
    "submission.toan_trinh_label": ("toan_trinh_label",),
    "payment.offered": ("payment",),
    "rating.available": ("rating",),
    "rating.three_levels": ("rating", "rating_three_levels"),
    "feedback.available": ("feedback",),
    "support.faq": ("faq",),
    "support.hotline": ("hotline",),
    "support.guides": ("guides",),
    "statistics.published": ("statistics",),
    "header.agency_name": ("header_name",),
    "header.logo": ("logo",),
}
NAV_SECTIONS: tuple[tuple[str, ...], ...] = (  # any one feature links the section
    ("catalogue",), ("submission",), ("lookup",), ("payment",), ("feedback",), ("rating",),
    ("statistics",), ("faq", "guides"), ("login",))
FOOTER = ("footer_governing", "footer_address", "footer_phone", "footer_email",
          "footer_responsible")


@pytest.fixture(scope="module")
def farm() -> FarmRuns:
    return farm_results()


def features(farm: FarmRuns, agency_id: str) -> set[str]:
    """What the portal citizens end up on offers (the national one after a hand-over)."""
    profile = farm.profiles[agency_id]
    shown = farm.national if profile.kind == "handover" else profile
    return {str(f) for f in shown.features}


def expected(farm: FarmRuns, agency_id: str) -> dict[str, object]:
    """The value each observation should have on that portal."""
    have = features(farm, agency_id)
    values: dict[str, object] = {name: all(f in have for f in need)
                                 for name, need in NEEDS.items()}
    if farm.profiles[agency_id].kind == "handover":
        values["header.agency_name"] = False  # the national portal names itself
    values["procedure.fields"] = 1.0 if "procedure_details" in have else pytest.approx(4 / 6,
                                                                                       abs=1e-3)
    values["nav.sections"] = pytest.approx(
        sum(any(f in have for f in section) for section in NAV_SECTIONS) / len(NAV_SECTIONS),
        abs=1e-3)
    values["footer.fields"] = pytest.approx(sum(f in have for f in FOOTER) / len(FOOTER),
                                            abs=1e-3)
    values["sitemap_or_breadcrumbs"] = "sitemap_page" in have or "breadcrumbs" in have
    values["statistics.fields"] = (3 + ("statistics_satisfaction" in have)
                                   if "statistics" in have else 0)
    return values


def working(farm: FarmRuns) -> list[str]:
    return [aid for aid, p in farm.profiles.items() if p.kind != "broken"]


def test_every_farm_portal_is_probed(farm: FarmRuns) -> None:
    assert set(farm.runs) == set(farm.profiles)
    for agency_id, run in farm.runs.items():
        names = {o.name for o in run.observations}
        assert names == set(FUNCTION_NAMES) | set(LAYOUT_NAMES), agency_id


@pytest.mark.parametrize("family", ["functions", "layout"])
def test_observations_match_each_profile(farm: FarmRuns, family: str) -> None:
    mismatches = []
    for agency_id in working(farm):
        run = farm.runs[agency_id]
        for name, want in expected(farm, agency_id).items():
            for o in run.of(name):
                if o.check != family:
                    continue
                if o.outcome != "ok" or o.value != want:
                    mismatches.append(f"{agency_id} {name}: {o.value!r} ({o.outcome}) "
                                      f"want {want!r} - {o.detail}")
    assert not mismatches, "\n".join(mismatches)


def test_exemplary_portal_has_everything(farm: FarmRuns) -> None:
    exemplary = [aid for aid, p in farm.profiles.items() if p.expected_grade == "A"]
    assert exemplary
    for agency_id in exemplary:
        run = farm.runs[agency_id]
        for o in run.observations:
            if o.name == "nav.max_service_depth":
                continue  # home-only site map: no click depths to read
            assert o.outcome == "ok" and o.value not in (False, 0, None), o
        assert run.value("catalogue.procedures") >= 20


def test_single_page_app_is_probed_like_a_classic_portal(farm: FarmRuns) -> None:
    apps = [aid for aid, p in farm.profiles.items() if p.kind == "spa"]
    assert apps
    for agency_id in apps:
        run = farm.runs[agency_id]
        for name in ("catalogue.present", "search.works", "lookup.known_code",
                     "lookup.unknown_code", "submission.entry"):
            assert run.value(name) is True, run.one(name)
        assert all(o.value == 1.0 for o in run.of("procedure.fields"))
        assert "#/" in (run.one("lookup.known_code").page or "")


def test_broken_portal_is_a_portal_error(farm: FarmRuns) -> None:
    broken = [aid for aid, p in farm.profiles.items() if p.kind == "broken"]
    for agency_id in broken:
        for o in farm.runs[agency_id].observations:
            assert (o.outcome, o.value) == ("portal_error", None), o


def test_search_and_lookups_keep_screenshots(farm: FarmRuns) -> None:
    shots = 0
    for agency_id in working(farm):
        run = farm.runs[agency_id]
        for name in ("lookup.known_code", "lookup.unknown_code", "search.works"):
            for artifact in run.one(name).artifacts:
                assert run.evidence_root is not None
                assert (run.evidence_root / artifact).stat().st_size > 1000
                shots += 1
    assert shots >= 10


def test_farm_received_no_posts(farm: FarmRuns) -> None:
    for agency_id, run in farm.runs.items():
        assert run.posts == [], agency_id


def test_farm_portals_take_seconds_not_minutes(farm: FarmRuns) -> None:
    for agency_id in working(farm):
        profile = farm.profiles[agency_id]
        # a few seconds plus the portal's own latency, with room for a busy CI machine
        budget = 30 + 15 * profile.latency_ms / 1000
        for family, seconds in farm.runs[agency_id].seconds.items():
            assert seconds < budget, (agency_id, family, seconds)


def test_interactions_keep_a_redacted_trace(farm: FarmRuns) -> None:
    """search and look-up carry a Playwright trace (DOM snapshots, network) with every
    cookie value redacted; the farm sets a random session cookie on every answer."""
    for agency_id in working(farm):
        run = farm.runs[agency_id]
        traces = {a for name in ("search.works", "lookup.known_code")
                  for a in run.one(name).artifacts if a.endswith(".trace.zip")}
        if run.one("search.works").outcome != "ok":
            continue
        assert len(traces) == 1, agency_id
        assert run.evidence_root is not None
        with zipfile.ZipFile(run.evidence_root / traces.pop()) as archive:
            names = archive.namelist()
            network = archive.read(next(n for n in names if n.endswith(".network")))
        assert any(n.endswith(".trace") for n in names)
        headers = [h for line in network.splitlines()
                   for part in ("request", "response")
                   for h in json.loads(line).get("snapshot", {}).get(part, {}).get("headers", [])]
        cookies = [h["value"] for h in headers if h["name"].lower() in ("cookie", "set-cookie")]
        assert cookies and set(cookies) == {REDACTED}, agency_id
