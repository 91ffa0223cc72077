"""The scoring engine: statuses, policies, outcomes, aggregates, grades and determinism."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from probe.models import ItemScore, Observation, PortalScore
from probe.scoring import UNGRADED, Rubric, load_rubric, parse_rubric, round2, score

STAMP = "2024-05-01T00:00:00+00:00"


def obs(name: str, value: Any, page: str | None = None, *, stat: str | None = None,
        outcome: str = "ok", check: str = "functions", unit: str = "bool",
        detail: str = "") -> Observation:
    """An observation with a fixed timestamp (scoring must not depend on it anyway)."""
    return Observation(check, name, value, unit, page=page, stat=stat,  # type: ignore[arg-type]
                       outcome=outcome, detail=detail, observed_at=STAMP)  # type: ignore[arg-type]


def ratio(value: Any, page: str | None = None, **kw: Any) -> Observation:
    return obs("nav.sections", value, page, check="layout", unit="ratio", **kw)


def fcp(value: Any, page: str | None = "/", **kw: Any) -> Observation:
    kw.setdefault("stat", "median")
    return obs("fcp", value, page, check="performance", unit="ms", **kw)


def rubric_of(items: list[dict[str, Any]], policy: str = "rescale") -> Rubric:
    """A one-group rubric of 100 points made of `items`."""
    for entry in items:
        entry.setdefault("title_vi", f"Mục {entry['id']}")
        entry.setdefault("title_en", f"Item {entry['id']}")
        entry.setdefault("remediation_vi", "Sửa lại")
        entry.setdefault("remediation_en", "Fix it")
        entry.setdefault("group", "all")
    return parse_rubric({
        "version": "test", "title": {"vi": "Thử", "en": "Test"}, "valid_from": "2024-01-01",
        "grades": {"A": 90, "B": 80, "C": 65, "D": 50, "E": 0},
        "unmeasured_policy": policy,
        "groups": [{"id": "all", "name_vi": "Tất cả", "name_en": "All", "points": 100}],
        "items": items,
    }, source="test")


def criterion(observation: str, weight: float = 1, **kind: Any) -> dict[str, Any]:
    return {"observation": observation, "weight": weight, "label_vi": f"nhãn {observation}",
            "label_en": f"label {observation}", **kind}


def one_item(points: float = 100, policy: str = "rescale", **kind: Any) -> Rubric:
    observation = kind.pop("observation", "nav.sections")
    return rubric_of([{"id": "X1", "points": points,
                       "criteria": [criterion(observation, **kind)]}], policy)


TWO_ITEMS = [
    {"id": "X1", "points": 60, "criteria": [criterion("search.works", expect=True)]},
    {"id": "X2", "points": 40, "criteria": [criterion("payment.offered", expect=True)]},
]


def two_items(policy: str = "rescale") -> Rubric:
    return rubric_of([dict(i) for i in TWO_ITEMS], policy)


def only(result: PortalScore) -> ItemScore:
    assert len(result.items) == 1
    return result.items[0]


# --------------------------------------------------------------------------- grades

@pytest.mark.parametrize(("total", "grade"), [
    (100, "A"), (90, "A"), (89.99, "B"), (80, "B"), (79.99, "C"), (65, "C"), (64.99, "D"),
    (50, "D"), (49.99, "E"), (0, "E")])
def test_grade_boundaries(total: float, grade: str) -> None:
    rubric = one_item(scale=True)
    assert rubric.grade_for(total) == grade
    assert load_rubric("2024").grade_for(total) == grade
    result = score([ratio(total / 100)], rubric)
    assert (result.total, result.grade) == (total, grade)


# --------------------------------------------------------------------------- statuses

def test_pass_partial_fail() -> None:
    rubric = one_item(scale=True)
    assert only(score([ratio(1.0)], rubric)).status == "pass"
    assert only(score([ratio(0.5)], rubric)).status == "partial"
    assert only(score([ratio(0.0)], rubric)).status == "fail"
    assert only(score([ratio(1.7)], rubric)).points == 100  # clipped to [0, 1]
    assert only(score([ratio(-1)], rubric)).points == 0


def test_points_round_to_two_decimals() -> None:
    rubric = one_item(points=100, scale=True)
    item = only(score([ratio(0.123456)], rubric))
    assert item.points == 12.35
    assert round2(2.675) == 2.68
    assert round2(0.125) == 0.13


def test_missing_observation_is_unmeasured_never_zero_or_full() -> None:
    item = only(score([], one_item(scale=True)))
    assert item.status == "unmeasured"
    assert item.points is None
    assert "thiếu quan sát" in item.reason and "no observation" in item.reason_en


def test_run_observations_are_ignored() -> None:
    rubric = one_item(observation="fcp", curve={"full": 1800, "none": 3000}, aggregate="median")
    assert only(score([fcp(100, stat="run")], rubric)).status == "unmeasured"
    mixed = [fcp(100, stat="run"), fcp(5000, stat="median")]
    assert only(score(mixed, rubric)).status == "fail"


def test_median_preferred_over_plain_value_on_same_page() -> None:
    rubric = one_item(observation="fcp", curve={"full": 1800, "none": 3000})
    both = [fcp(5000, stat=None), fcp(1000, stat="median")]
    assert only(score(both, rubric)).status == "pass"


def test_wrong_value_type_is_a_probe_defect() -> None:
    rubric = one_item(scale=True)
    for value in ("0.5", None, True, float("nan")):
        item = only(score([ratio(value)], rubric))
        assert item.status == "unmeasured", value
        assert "invalid observed value" in item.reason_en


# --------------------------------------------------------------------------- outcomes

def test_probe_error_is_unmeasured_and_left_out() -> None:
    rubric = two_items()
    observations = [obs("search.works", True),
                    obs("payment.offered", None, outcome="probe_error", detail="browser crashed")]
    result = score(observations, rubric)
    x2 = result.items[1]
    assert x2.status == "unmeasured" and x2.points is None
    assert "công cụ đo gặp lỗi: browser crashed" in x2.reason
    assert "the probe failed: browser crashed" in x2.reason_en
    assert "không tính vào tổng điểm" in x2.reason
    assert (result.total, result.grade) == (100.0, "A")


def test_portal_error_counts_against_the_agency() -> None:
    rubric = two_items()
    observations = [obs("search.works", True),
                    obs("payment.offered", None, "/thanh-toan", outcome="portal_error",
                        detail="HTTP 503")]
    result = score(observations, rubric)
    x2 = result.items[1]
    assert x2.status == "fail" and x2.points == 0
    assert "cổng lỗi ở 1 trang: /thanh-toan (HTTP 503)" in x2.reason
    assert "the portal failed on 1 page(s): /thanh-toan (HTTP 503)" in x2.reason_en
    assert (result.total, result.grade) == (60.0, "D")


def test_an_unreachable_portal_s_reason_says_why_in_each_language_without_a_page_list() -> None:
    """A portal that could not be reached fails every item on no page; the reason names the
    status by its label (Vietnamese in the Vietnamese text), not as a code with a '-' page."""
    detail = "http_error: HTTP error from the server — 2 lần thử (attempts): http_error 500"
    result = score([obs("search.works", None, "", outcome="portal_error", detail=detail),
                    obs("payment.offered", None, "", outcome="portal_error", detail=detail)],
                   two_items())
    item = result.items[0]
    assert item.status == "fail"
    assert "cổng lỗi: Máy chủ trả lỗi HTTP — 2 lần thử" in item.reason
    assert "http_error" not in item.reason.split("—")[0] and " - " not in item.reason
    assert "the portal failed: HTTP error from the server — 2 lần thử" in item.reason_en



def test_a_value_every_page_failed_to_give_is_not_told_twice() -> None:
    """'(median: portal failed; portal failed: connection refused; ...)' said it twice; with
    one page of two failed, the median over both is still shown."""
    detail = "connection_refused: connection refused"
    every = score([obs("fcp", None, "", check="performance", unit="ms", stat="median",
                       outcome="portal_error", detail=detail)], load_rubric("2024"))
    p1 = next(i for i in every.items if i.id == "P1")
    assert "cổng lỗi: Máy chủ từ chối kết nối; đủ điểm ≤ 1800 ms" in p1.reason
    assert p1.reason.count("cổng lỗi") == 1 and p1.reason_en.count("portal failed") == 1
    half = score([obs("fcp", 900.0, "/a", check="performance", unit="ms", stat="median"),
                  obs("fcp", None, "/b", check="performance", unit="ms", stat="median",
                      outcome="portal_error", detail=detail)], load_rubric("2024"))
    p1 = next(i for i in half.items if i.id == "P1")
    assert "của 2 trang: " in p1.reason and "cổng lỗi ở 1 trang: /b" in p1.reason


def test_probe_error_on_one_page_judges_the_others() -> None:
    rubric = one_item(scale=True)
    observations = [ratio(0.5, "/a"), ratio(None, "/b", outcome="probe_error")]
    item = only(score(observations, rubric))
    assert item.points == 50
    assert item.observations == ["layout/nav.sections@/a", "layout/nav.sections@/b"]


def test_portal_error_inside_a_median_is_the_worst_value() -> None:
    rubric = one_item(observation="fcp", curve={"full": 1800, "none": 3000}, aggregate="median")
    three = [fcp(1000, "/a"), fcp(1200, "/b"), fcp(None, "/c", outcome="portal_error")]
    assert only(score(three, rubric)).status == "pass"  # median of 1000, 1200, worst
    two = [fcp(1000, "/a"), fcp(None, "/c", outcome="portal_error")]
    assert only(score(two, rubric)).status == "fail"


def test_portal_error_inside_a_sum_fails() -> None:
    rubric = one_item(observation="axe.serious_critical", max=0, aggregate="sum")
    observations = [obs("axe.serious_critical", 0, "/a", check="access", unit="count"),
                    obs("axe.serious_critical", None, "/b", check="access", unit="count",
                        outcome="portal_error")]
    assert only(score(observations, rubric)).status == "fail"


# --------------------------------------------------------------------------- aggregates

def pages(values: list[Any], name: str = "search.works", unit: str = "bool") -> list[Observation]:
    return [obs(name, v, f"/p{i}", unit=unit) for i, v in enumerate(values)]


def test_all_and_any_for_bools() -> None:
    mixed = pages([True, False, True])
    assert only(score(mixed, one_item(observation="search.works", expect=True))).points == 0
    assert only(score(mixed, one_item(observation="search.works", expect=True,
                                      aggregate="any"))).points == 100
    assert only(score(pages([False]), one_item(observation="search.works", expect=False))
                ).points == 100


@pytest.mark.parametrize(("aggregate", "limit", "points"), [
    ("max", 3, 0), ("min", 3, 100), ("median", 3, 100), ("mean", 2.5, 0), ("sum", 8, 100),
    ("sum", 7, 0), ("all", 3, 0), ("any", 3, 100)])
def test_value_aggregates(aggregate: str, limit: float, points: float) -> None:
    observations = pages([1, 2, 5], "nav.max_service_depth", "clicks")  # median 2, mean 2.67
    rubric = one_item(observation="nav.max_service_depth", max=limit, aggregate=aggregate)
    assert only(score(observations, rubric)).points == points
    if aggregate == "mean":
        rubric = one_item(observation="nav.max_service_depth", max=2.7, aggregate="mean")
        assert only(score(observations, rubric)).points == 100


def test_min_threshold_and_range() -> None:
    rubric = one_item(observation="catalogue.procedures", min=10)
    one = [obs("catalogue.procedures", 9, unit="count")]
    assert only(score(one, rubric)).points == 0
    rubric = one_item(observation="catalogue.procedures", min=5, max=10)
    assert only(score(one, rubric)).points == 100


def test_weighted_criteria_and_reason() -> None:
    rubric = rubric_of([{"id": "X1", "points": 100, "criteria": [
        criterion("lookup.form", 0.4, expect=True),
        criterion("lookup.known_code", 0.3, expect=True),
        criterion("lookup.unknown_code", 0.3, expect=True)]}])
    observations = [obs("lookup.form", True), obs("lookup.known_code", True),
                    obs("lookup.unknown_code", False)]
    item = only(score(observations, rubric))
    assert (item.status, item.points) == ("partial", 70)
    assert item.reason == ("Đạt một phần (70/100 điểm). Chưa đạt: nhãn lookup.unknown_code "
                           "(kết quả: không). Đạt: nhãn lookup.form; nhãn lookup.known_code.")
    assert item.reason_en.startswith("Partly met (70/100 points). Not met: label "
                                     "lookup.unknown_code (observed: no).")
    assert item.observations == ["functions/lookup.form", "functions/lookup.known_code",
                                 "functions/lookup.unknown_code"]


def test_curve_partial_credit_reason() -> None:
    rubric = one_item(observation="fcp", curve={"full": 1800, "none": 3000}, aggregate="median")
    item = only(score([fcp(math.sqrt(1800 * 3000), "/a")], rubric))
    assert item.points == 50
    assert "đủ điểm ≤ 1800 ms, 0 điểm ≥ 3000 ms; đạt 50%" in item.reason


# --------------------------------------------------------------------------- policies

def test_rescale_policy() -> None:
    rubric = rubric_of([
        {"id": "X1", "points": 50, "criteria": [criterion("search.works", expect=True)]},
        {"id": "X2", "points": 30, "criteria": [criterion("nav.sections", scale=True)]},
        {"id": "X3", "points": 20, "criteria": [criterion("payment.offered", expect=True)]},
    ])
    result = score([obs("search.works", True), ratio(0.5)], rubric)
    # earned 50 + 15 of measured 80 -> 81.25, not 65 (X3 was not measured)
    assert result.total == 81.25
    assert result.grade == "B"
    assert result.groups["all"] == {"points": 65.0, "max": 100.0, "measured": 80.0}


def test_zero_policy() -> None:
    result = score([obs("search.works", True)], two_items("zero"))
    assert (result.total, result.grade) == (60.0, "D")
    assert result.items[1].status == "unmeasured"
    assert "tính 0 điểm" in result.items[1].reason


def test_nothing_measured() -> None:
    result = score([], two_items())
    assert (result.total, result.grade) == (0.0, UNGRADED)
    assert all(i.status == "unmeasured" for i in result.items)
    assert score([], two_items("zero")).grade == "E"


# --------------------------------------------------------------------------- attestations

def attested_rubric() -> Rubric:
    return rubric_of([
        {"id": "X1", "points": 80, "criteria": [criterion("search.works", expect=True)]},
        {"id": "Z1", "points": 20, "source": "attestation"},
    ])


def test_attestation() -> None:
    attestation = {"credit": 0.5, "by": "Nguyễn Văn A", "date": "2024-05-02",
                   "note": "phê duyệt cấp độ 3", "evidence": ["qd-123.pdf"]}
    result = score([obs("search.works", True)], attested_rubric(), {"Z1": attestation})
    z1 = result.items[1]
    assert (z1.status, z1.points, z1.max) == ("attested", 10, 20)
    assert z1.reason == ("Đã xác nhận: 10/20 điểm; người xác nhận: Nguyễn Văn A; "
                         "ngày 2024-05-02; phê duyệt cấp độ 3.")
    assert z1.observations == ["attestation/Z1", "qd-123.pdf"]
    assert result.total == 90.0
    by_points = score([obs("search.works", True)], attested_rubric(), {"Z1": {"points": 20}})
    assert by_points.total == 100.0


def test_attestations_alone_grade_no_portal() -> None:
    """A probe that measured nothing (its own failure) is not graded on the attested items:
    it would be 0/E without them and 100/A with them."""
    failed = [obs("search.works", None, outcome="probe_error", detail="browser crashed")]
    for attested in ({}, {"Z1": {"credit": 1}}):
        result = score(failed, attested_rubric(), attested)
        assert (result.total, result.grade) == (0.0, UNGRADED)
    assert score([obs("search.works", False)], attested_rubric(),
                 {"Z1": {"credit": 1}}).grade == "E"  # measured, then attested: graded


def test_an_item_rounded_to_full_points_passes_and_says_what_was_met() -> None:
    """Weights that sum to a hair under 1 (0.3333333 x 3) give every point: a pass."""
    thirds = rubric_of([{"id": "X1", "points": 100, "criteria": [
        criterion(name, weight=0.3333333, expect=True)
        for name in ("search.works", "payment.offered", "rating.available")]}])
    result = score([obs("search.works", True), obs("payment.offered", True),
                    obs("rating.available", True)], thirds)
    item = only(result)
    assert (item.points, item.status) == (100.0, "pass")
    assert item.reason.startswith("Đạt: ") and item.reason.count(";") == 2


def test_missing_attestation_is_unmeasured() -> None:
    result = score([obs("search.works", True)], attested_rubric())
    assert result.items[1].status == "unmeasured"
    assert result.total == 100.0


@pytest.mark.parametrize("bad", [{}, {"credit": 2}, {"points": 21}, {"credit": "yes"}])
def test_bad_attestation(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="attestation of Z1"):
        score([], attested_rubric(), {"Z1": bad})


# --------------------------------------------------------------------------- purity

def sample_observations() -> list[Observation]:
    values = {"fcp": [1500, 2300, 2900], "lcp": [2000, 2600, 4100], "ttfb": [500, 900, 1300]}
    out: list[Observation] = []
    for name, series in values.items():
        for i, value in enumerate(series):
            out.append(obs(name, value, f"/p{i}", stat="median", check="performance", unit="ms"))
            out.append(obs(name, value + 50, f"/p{i}", stat="run", check="performance",
                           unit="ms"))
    out += [obs("lookup.form", True), obs("lookup.known_code", True),
            obs("lookup.unknown_code", False), ratio(0.75),
            obs("https.used", True, check="security"),
            obs("tls.cert_valid", None, check="security", outcome="probe_error"),
            obs("payment.offered", None, "/tt", outcome="portal_error", detail="timeout")]
    return out


def test_deterministic() -> None:
    rubric = load_rubric("2024")
    observations = sample_observations()
    before = [o.to_dict() for o in observations]
    first = json.dumps(score(observations, rubric).to_dict(), ensure_ascii=False)
    second = json.dumps(score(observations, rubric).to_dict(), ensure_ascii=False)
    assert first == second
    assert [o.to_dict() for o in observations] == before  # inputs untouched
    shuffled = list(observations)
    random.Random(7).shuffle(shuffled)
    assert json.dumps(score(shuffled, rubric).to_dict(), ensure_ascii=False) == first
    again = json.dumps(score(observations, load_rubric("2024")).to_dict(), ensure_ascii=False)
    assert again == first


def test_result_shape_matches_the_contract() -> None:
    result = score(sample_observations(), load_rubric("2024")).to_dict()
    assert set(result) == {"rubric", "total", "grade", "groups", "items"}
    assert result["rubric"] == "2024"
    assert list(result["groups"]) == ["functions", "layout", "performance", "security",
                                      "access", "emc"]
    assert [i["id"] for i in result["items"]][:3] == ["F1", "F2", "F3"]
    for item in result["items"]:
        assert item["status"] in {"pass", "partial", "fail", "unmeasured", "attested"}
        assert item["reason"] and item["reason_en"]
        assert item["points"] is None or round(item["points"], 2) == item["points"]
    json.dumps(result)  # serialisable


def test_sample_portal_statuses_and_total() -> None:
    result = score(sample_observations(), load_rubric("2024"))
    statuses = {i.id: i.status for i in result.items if i.status != "unmeasured"}
    # S1: https ok but certificate check failed in the probe -> unmeasured, not judged.
    assert statuses == {"F3": "partial", "F6": "fail", "P1": "partial", "P2": "partial"}
    assert result.items[0].status == "unmeasured"
    earned = math.fsum(i.points or 0 for i in result.items)
    measured = math.fsum(i.max for i in result.items if i.status != "unmeasured")
    assert measured == 8 + 4 + 5 + 5
    assert result.total == round2(100 * earned / measured)
