"""The packaged 2024 rubric: its shape, and a unit test for every item.

The expected values below are written from criteria.md, not read back from the rubric, so a
wrong threshold or a wrong observation in the YAML file fails here.
"""

from __future__ import annotations

import math

import pytest

from probe.models import ItemScore, Observation, Stat
from probe.observations import CATALOGUE
from probe.scoring import Item, Rubric, load_rubric, score
from probe.scoring.rubric import available_rubrics, resolve_rubric

RUBRIC = load_rubric("2024")

GROUP_POINTS = {"functions": 50, "layout": 5, "performance": 20, "security": 15, "access": 5,
                "emc": 5}

# criteria.md "Item-level default rubric": item -> points.
ITEM_POINTS = {
    "F1": 8, "F2": 6, "F3": 8, "F4": 5, "F5": 6, "F6": 4, "F7": 5, "F8": 3, "F9": 3, "F10": 2,
    "L1": 1, "L2": 2, "L3": 1, "L4": 1,
    "P1": 5, "P2": 5, "P3": 4, "P4": 3, "P5": 3,
    "S1": 5, "S2": 3, "S3": 2, "S4": 2, "S5": 1, "S6": 2,
    "A1": 2, "A2": 2, "A3": 1,
    "E1": 3, "E2": 2,
}

# item -> the observations it is judged on.
ITEM_OBSERVATIONS = {
    "F1": {"catalogue.present", "catalogue.paginated", "procedure.fields"},
    "F2": {"search.works"},
    "F3": {"lookup.form", "lookup.known_code", "lookup.unknown_code"},
    "F4": {"sso.national"},
    "F5": {"submission.entry", "submission.toan_trinh_label"},
    "F6": {"payment.offered"},
    "F7": {"rating.available", "rating.three_levels"},
    "F8": {"feedback.available"},
    "F9": {"support.faq", "support.guides", "support.hotline"},
    "F10": {"statistics.published"},
    "L1": {"header.agency_name", "header.logo"},
    "L2": {"nav.sections", "nav.max_service_depth"},
    "L3": {"footer.fields"},
    "L4": {"sitemap_or_breadcrumbs"},
    "P1": {"fcp"}, "P2": {"lcp"}, "P3": {"speed_index"}, "P4": {"tbt"},
    "P5": {"availability.ok_ratio", "ttfb"},
    "S1": {"https.used", "tls.cert_valid"},
    "S2": {"http.redirects_https", "hsts"},
    "S3": {"tls.legacy_accepted"},
    "S4": {"headers.security"},
    "S5": {"cookies.flags_ok", "mixed_content.count"},
    "S6": {"injected.count"},
    "A1": {"mobile.viewport_meta", "mobile.overflow_360", "mobile.overflow_320"},
    "A2": {"axe.serious_critical"},
    "A3": {"robots.allows", "sitemap_xml", "page.title_lang"},
    "E1": {"emc.snippet_pages", "emc.site_id", "emc.tracker_https"},
    "E2": {"emc.script_loaded", "emc.tracking_request"},
}

# A value that fully satisfies each observation, and one that earns nothing.
BOOL_FALSE_IS_GOOD = {"mobile.overflow_360", "mobile.overflow_320", "tls.legacy_accepted"}
PASS_VALUES: dict[str, float] = {
    "procedure.fields": 1.0, "nav.sections": 1.0, "nav.max_service_depth": 3,
    "footer.fields": 1.0, "fcp": 1800, "lcp": 2500, "speed_index": 3400, "tbt": 200,
    "availability.ok_ratio": 1.0, "ttfb": 800, "headers.security": 1.0,
    "mixed_content.count": 0, "injected.count": 0, "axe.serious_critical": 0,
    "emc.snippet_pages": 1.0,
}
FAIL_VALUES: dict[str, float] = {
    "procedure.fields": 0.0, "nav.sections": 0.0, "nav.max_service_depth": 4,
    "footer.fields": 0.0, "fcp": 3000, "lcp": 4000, "speed_index": 5800, "tbt": 600,
    "availability.ok_ratio": 0.9, "ttfb": 1800, "headers.security": 0.0,
    "mixed_content.count": 1, "injected.count": 1, "axe.serious_critical": 1,
    "emc.snippet_pages": 0.0,
}
VIETNAMESE_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
MEDIAN_OBSERVATIONS = {"fcp", "lcp", "speed_index", "tbt", "ttfb"}


def observe(name: str, value: bool | float, page: str | None = None,
            outcome: str = "ok") -> Observation:
    """An observation as a check would record it (medians for timings)."""
    spec = CATALOGUE[name]
    stat: Stat = "median" if name in MEDIAN_OBSERVATIONS else None
    return Observation(spec.check, name, value, spec.unit, page=page, stat=stat,
                       outcome=outcome, observed_at="2024-05-01T00:00:00+00:00")  # type: ignore[arg-type]


def good(name: str) -> bool | float:
    if CATALOGUE[name].unit == "bool":
        return name not in BOOL_FALSE_IS_GOOD
    return PASS_VALUES[name]


def bad(name: str) -> bool | float:
    if CATALOGUE[name].unit == "bool":
        return name in BOOL_FALSE_IS_GOOD
    return FAIL_VALUES[name]


def item_score(rubric: Rubric, item_id: str, observations: list[Observation]) -> ItemScore:
    return next(i for i in score(observations, rubric).items if i.id == item_id)


def test_packaged_name_resolves() -> None:
    assert "2024" in available_rubrics()
    assert resolve_rubric("2024").name == "2024.yaml"
    assert load_rubric(resolve_rubric("2024")) == RUBRIC


def test_header_fields() -> None:
    assert RUBRIC.version == "2024"
    assert RUBRIC.valid_from == "2024-04-03"
    assert RUBRIC.unmeasured_policy == "rescale"
    assert [(b.grade, b.min) for b in RUBRIC.grades] == [
        ("A", 90), ("B", 80), ("C", 65), ("D", 50), ("E", 0)]
    assert RUBRIC.title_vi and RUBRIC.title_en
    assert len(RUBRIC.sha256) == 64


def test_groups_are_official() -> None:
    assert {g.id: g.points for g in RUBRIC.groups} == GROUP_POINTS
    assert RUBRIC.max_points == 100
    for group in RUBRIC.groups:
        assert math.fsum(i.points for i in RUBRIC.items_of(group.id)) == group.points


def test_every_item_of_criteria_md() -> None:
    assert {i.id: i.points for i in RUBRIC.items} == ITEM_POINTS
    assert {i.id: {c.observation for c in i.criteria} for i in RUBRIC.items} == ITEM_OBSERVATIONS


@pytest.mark.parametrize("item", RUBRIC.items, ids=lambda i: i.id)
def test_item_texts(item: Item) -> None:
    for text in (item.title_vi, item.title_en, item.remediation_vi, item.remediation_en):
        assert len(text) > 10
    assert any(ch in item.remediation_vi for ch in VIETNAMESE_LETTERS)
    for criterion in item.criteria:
        assert criterion.label_vi and criterion.label_en
    assert math.fsum(c.weight for c in item.criteria) == pytest.approx(1.0)


@pytest.mark.parametrize("item_id", list(ITEM_OBSERVATIONS))
def test_item_full_credit(item_id: str) -> None:
    observations = [observe(n, good(n)) for n in sorted(ITEM_OBSERVATIONS[item_id])]
    result = item_score(RUBRIC, item_id, observations)
    assert result.status == "pass"
    assert result.points == ITEM_POINTS[item_id] == result.max
    assert result.reason.startswith("Đạt: ")
    assert result.reason_en.startswith("Met: ")
    assert len(result.observations) == len(ITEM_OBSERVATIONS[item_id])


@pytest.mark.parametrize("item_id", list(ITEM_OBSERVATIONS))
def test_item_failing(item_id: str) -> None:
    observations = [observe(n, bad(n)) for n in sorted(ITEM_OBSERVATIONS[item_id])]
    result = item_score(RUBRIC, item_id, observations)
    assert result.status == "fail"
    assert result.points == 0
    assert result.reason.startswith("Không đạt")
    assert result.reason_en.startswith("Not met")
    item = RUBRIC.item(item_id)
    for criterion in item.criteria:  # the reason names every unmet criterion
        assert criterion.label_vi in result.reason
        assert criterion.label_en in result.reason_en


@pytest.mark.parametrize("item_id", list(ITEM_OBSERVATIONS))
def test_item_missing_is_unmeasured(item_id: str) -> None:
    names = sorted(ITEM_OBSERVATIONS[item_id])
    for missing in names:  # any one missing observation leaves the item unmeasured
        observations = [observe(n, good(n)) for n in names if n != missing]
        result = item_score(RUBRIC, item_id, observations)
        assert result.status == "unmeasured"
        assert result.points is None
        assert missing in result.reason
        assert result.reason.startswith("Chưa đo được")


@pytest.mark.parametrize("item_id", list(ITEM_OBSERVATIONS))
def test_item_probe_error_is_unmeasured(item_id: str) -> None:
    observations = [observe(n, None, outcome="probe_error")  # type: ignore[arg-type]
                    for n in sorted(ITEM_OBSERVATIONS[item_id])]
    assert item_score(RUBRIC, item_id, observations).status == "unmeasured"


@pytest.mark.parametrize("item_id", list(ITEM_OBSERVATIONS))
def test_item_portal_error_fails(item_id: str) -> None:
    observations = [observe(n, None, outcome="portal_error")  # type: ignore[arg-type]
                    for n in sorted(ITEM_OBSERVATIONS[item_id])]
    result = item_score(RUBRIC, item_id, observations)
    assert result.status == "fail"
    assert result.points == 0
    assert "cổng lỗi" in result.reason
    assert "portal failed" in result.reason_en


def test_f3_unknown_code_reason() -> None:
    observations = [observe("lookup.form", True), observe("lookup.known_code", True),
                    observe("lookup.unknown_code", False)]
    result = item_score(RUBRIC, "F3", observations)
    assert result.status == "partial"
    assert result.points == 5.6
    assert "Chưa đạt: tra cứu mã hồ sơ không tồn tại báo rõ là không tìm thấy" in result.reason
    assert "an unknown dossier code gets a clear not-found message" in result.reason_en


@pytest.mark.parametrize(("fcp", "points"), [(1000, 5.0), (1800, 5.0), (2324, 2.5),
                                             (3000, 0.0), (4500, 0.0)])
def test_p1_curve_points(fcp: float, points: float) -> None:
    result = item_score(RUBRIC, "P1", [observe("fcp", fcp, page="/")])
    assert result.points == pytest.approx(points, abs=0.01)


def test_p1_is_median_over_pages() -> None:
    pages = [observe("fcp", v, page=f"/p{i}") for i, v in enumerate([900, 1500, 9000])]
    runs = [Observation("performance", "fcp", 9999, "ms", page="/p0", stat="run")]
    assert item_score(RUBRIC, "P1", pages + runs).status == "pass"


def test_p5_needs_every_page_2xx_and_fast_ttfb() -> None:
    result = item_score(RUBRIC, "P5", [observe("availability.ok_ratio", 0.95),
                                       observe("ttfb", 700, page="/")])
    assert result.points == 1.5
    assert result.status == "partial"


def test_l2_depth_is_the_deepest_page() -> None:
    observations = [observe("nav.sections", 1.0), observe("nav.max_service_depth", 2, "/a"),
                    observe("nav.max_service_depth", 5, "/b")]
    result = item_score(RUBRIC, "L2", observations)
    assert result.points == 1.0
    assert "lớn nhất của 2 trang: 5 lần nhấp" in result.reason


def test_a2_sums_violations_over_pages() -> None:
    observations = [observe("axe.serious_critical", 0, "/a"),
                    observe("axe.serious_critical", 2, "/b")]
    result = item_score(RUBRIC, "A2", observations)
    assert result.status == "fail"
    assert "tổng của 2 trang: 2" in result.reason


def test_a1_bool_all_pages() -> None:
    observations = [observe("mobile.viewport_meta", True, "/a"),
                    observe("mobile.viewport_meta", False, "/b"),
                    observe("mobile.overflow_360", False), observe("mobile.overflow_320", False)]
    result = item_score(RUBRIC, "A1", observations)
    assert result.points == 1.2
    assert "chưa đạt ở 1/2 trang: /b" in result.reason


def test_e1_partial_snippet_coverage() -> None:
    observations = [observe("emc.snippet_pages", 0.5), observe("emc.site_id", True),
                    observe("emc.tracker_https", True)]
    assert item_score(RUBRIC, "E1", observations).points == 2.25


def test_full_portal_scores_100_a() -> None:
    observations = [observe(n, good(n)) for names in ITEM_OBSERVATIONS.values() for n in names]
    result = score(observations, RUBRIC)
    assert result.total == 100.0
    assert result.grade == "A"
    assert all(i.status == "pass" for i in result.items)
    assert result.groups["functions"] == {"points": 50.0, "max": 50.0, "measured": 50.0}


def test_failing_portal_scores_0_e() -> None:
    observations = [observe(n, bad(n)) for names in ITEM_OBSERVATIONS.values() for n in names]
    result = score(observations, RUBRIC)
    assert (result.total, result.grade) == (0.0, "E")
    assert all(i.status == "fail" for i in result.items)
