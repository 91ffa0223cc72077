"""The second packaged rubric (2024-attest), validity dates and the `unattested` item option."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
import yaml

from probe.models import Observation
from probe.scoring import RubricError, available_rubrics, load_rubric, parse_rubric, score
from probe.scoring.rubric import rubrics_dir

DEFAULT = load_rubric("2024")
ATTEST = load_rubric("2024-attest")
PAPERWORK = ("S7", "S8", "S9")


def raw(name: str = "2024") -> dict[str, Any]:
    """A packaged rubric as plain data, to break on purpose."""
    data = yaml.safe_load((rubrics_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def test_both_rubrics_are_packaged_and_differ() -> None:
    assert {"2024", "2024-attest"} <= set(available_rubrics())
    assert ATTEST.version == "2024-attest"
    assert ATTEST.sha256 != DEFAULT.sha256
    assert ATTEST.valid_from == DEFAULT.valid_from == "2024-04-03"


def test_group_totals_and_grades_match_the_default() -> None:
    assert [(g.id, g.points) for g in ATTEST.groups] == [(g.id, g.points) for g in DEFAULT.groups]
    assert ATTEST.grades == DEFAULT.grades
    for group in ATTEST.groups:
        assert math.fsum(i.points for i in ATTEST.items_of(group.id)) == group.points


def test_only_the_security_group_changes() -> None:
    for item in DEFAULT.items:
        if item.group != "security":
            assert ATTEST.item(item.id) == item
    probed = [i for i in ATTEST.items_of("security") if i.source == "probe"]
    assert math.fsum(i.points for i in probed) == 10
    assert [i.id for i in probed] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    for item_id in ("S1", "S2", "S3", "S4", "S5", "S6"):
        assert ATTEST.item(item_id).criteria == DEFAULT.item(item_id).criteria


def test_paperwork_items_are_attestations_worth_zero_when_missing() -> None:
    for item_id in PAPERWORK:
        item = ATTEST.item(item_id)
        assert item.source == "attestation" and item.unattested == "fail"
        assert item.criteria == ()
    assert math.fsum(ATTEST.item(i).points for i in PAPERWORK) == 5


@pytest.mark.parametrize("rubric", [DEFAULT, ATTEST], ids=["2024", "2024-attest"])
def test_every_item_has_titles_and_remediation_in_both_languages(rubric: Any) -> None:
    for item in rubric.items:
        for text in (item.title_vi, item.title_en, item.remediation_vi, item.remediation_en):
            assert len(text) > 10, item.id


def test_missing_paperwork_fails_and_attested_paperwork_counts() -> None:
    observations = [Observation("security", "https.used", True, "bool",
                                observed_at="2024-05-01T00:00:00+00:00")]
    missing = {i.id: i for i in score(observations, ATTEST).items}
    for item_id in PAPERWORK:
        assert missing[item_id].status == "fail" and missing[item_id].points == 0
        assert "attestation" in missing[item_id].reason_en
    attested = {i.id: i for i in score(observations, ATTEST, {
        "S7": {"credit": 1, "by": "Trần Thị B", "date": "2024-05-02", "note": "QĐ 12"},
        "S9": {"credit": 0.5, "by": "Trần Thị B", "date": "2024-05-02"}}).items}
    assert attested["S7"].status == "attested" and attested["S7"].points == 2
    assert attested["S9"].points == 0.5
    assert attested["S8"].status == "fail"


def test_valid_to_is_optional_and_checked() -> None:
    assert DEFAULT.valid_to == ""
    assert DEFAULT.applies_on("2030-01-01") and not DEFAULT.applies_on("2024-04-02")
    data = raw()
    data["valid_to"] = "2024-12-31"
    bounded = parse_rubric(data, source="inline")
    assert bounded.valid_to == "2024-12-31"
    assert bounded.applies_on("2024-12-31T23:00:00+00:00")
    assert not bounded.applies_on("2025-01-01")


@pytest.mark.parametrize("valid_to, expected", [
    ("2024-01-01", "'valid_to' 2024-01-01 is before 'valid_from' 2024-04-03"),
    ("end of 2024", "'valid_to' must be a YYYY-MM-DD date"),
])
def test_bad_valid_to(valid_to: str, expected: str) -> None:
    data = raw()
    data["valid_to"] = valid_to
    with pytest.raises(RubricError) as caught:
        parse_rubric(data, source="inline")
    assert expected in str(caught.value)


@pytest.mark.parametrize("item_id, value, expected", [
    ("F2", "fail", "'unattested' only applies to attestation items"),
    ("S7", "zero", "'unattested' must be unmeasured or fail"),
])
def test_bad_unattested(item_id: str, value: str, expected: str) -> None:
    data = raw("2024-attest")
    next(i for i in data["items"] if i["id"] == item_id)["unattested"] = value
    with pytest.raises(RubricError) as caught:
        parse_rubric(data, source="inline")
    assert expected in str(caught.value)


def test_rebalanced_points_are_validated() -> None:
    data = raw("2024-attest")
    next(i for i in data["items"] if i["id"] == "S7")["points"] = 3
    with pytest.raises(RubricError) as caught:
        parse_rubric(data, source="inline")
    assert "group security: item points sum to 16, not the group's 15" in str(caught.value)
