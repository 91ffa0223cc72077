"""Rubric validation: every broken rubric gives a clear error naming file, item and field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from probe.scoring import RubricError, load_rubric
from probe.scoring.rubric import parse_rubric

RUBRIC_FILE = Path(__file__).resolve().parent.parent / "probe" / "rubrics" / "2024.yaml"


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_BASE: dict[str, Any] = yaml.load(RUBRIC_FILE.read_text(encoding="utf-8"), Loader=_LOADER)


def base() -> dict[str, Any]:
    """The packaged 2024 rubric as plain data, to break one thing at a time."""
    return copy.deepcopy(_BASE)


def item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(i for i in data["items"] if i["id"] == item_id)


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.dump(data, Dumper=_DUMPER,
                                                        allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, data: dict[str, Any] | str) -> list[str]:
    path = write(tmp_path, data)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert caught.value.source == str(path)
    assert all(m.startswith(str(path)) for m in caught.value.messages)
    return caught.value.messages


def test_unchanged_copy_is_valid(tmp_path: Path) -> None:
    rubric = load_rubric(write(tmp_path, base(), "copy.yaml"))
    assert rubric.version == "2024"
    assert len(rubric.items) == 30


def test_item_points_not_summing_to_group(tmp_path: Path) -> None:
    data = base()
    item(data, "F3")["points"] = 7
    messages = errors_of(tmp_path, data)
    assert len(messages) == 1
    assert "nhóm functions: tổng điểm các mục 49 ≠ 50" in messages[0]
    assert "group functions: item points sum to 49, not the group's 50" in messages[0]


def test_group_points_not_summing_to_100(tmp_path: Path) -> None:
    data = base()
    data["groups"][1]["points"] = 6  # layout 6: its items no longer match either
    item(data, "L1")["points"] = 2
    messages = errors_of(tmp_path, data)
    assert any("tổng điểm các nhóm 101 ≠ 100" in m and "group points sum to 101, not 100" in m
               for m in messages)


def test_weights_not_summing_to_one(tmp_path: Path) -> None:
    data = base()
    item(data, "F3")["criteria"][0]["weight"] = 0.3
    messages = errors_of(tmp_path, data)
    assert len(messages) == 1
    assert "Mục F3: tổng trọng số 0.9 ≠ 1 (item F3: weights sum to 0.9, not 1)" in \
        messages[0].replace("mục F3", "Mục F3")


def test_error_names_the_line(tmp_path: Path) -> None:
    text = RUBRIC_FILE.read_text(encoding="utf-8")
    broken = text.replace("        weight: 0.4\n        label_vi: có biểu mẫu tra cứu",
                          "        weight: 0.3\n        label_vi: có biểu mẫu tra cứu")
    assert broken != text
    messages = errors_of(tmp_path, broken)
    line = next(n for n, row in enumerate(broken.splitlines(), start=1) if "id: F3" in row)
    assert messages[0].startswith(f"{tmp_path / 'broken.yaml'}:{line}: mục F3: tổng trọng số")


def test_unknown_observation(tmp_path: Path) -> None:
    data = base()
    item(data, "F3")["criteria"][2]["observation"] = "lookup.unknown_cod"
    messages = errors_of(tmp_path, data)
    assert len(messages) == 1
    assert "mục F3, tiêu chí 3 (lookup.unknown_cod)" in messages[0]
    assert "unknown observation 'lookup.unknown_cod'; did you mean 'lookup.unknown_code'?" \
        in messages[0]


@pytest.mark.parametrize("key", ["between", "regex", "equals"])
def test_unknown_criterion_kind(tmp_path: Path, key: str) -> None:
    data = base()
    criterion = item(data, "F2")["criteria"][0]
    del criterion["expect"]
    criterion[key] = [1, 2]
    messages = errors_of(tmp_path, data)
    assert any(f"'{key}' is not a supported criterion kind or field" in m for m in messages)
    assert any("mục F2, tiêu chí 1 (search.works)" in m for m in messages)


def test_criterion_without_kind(tmp_path: Path) -> None:
    data = base()
    del item(data, "F2")["criteria"][0]["expect"]
    messages = errors_of(tmp_path, data)
    assert any("needs exactly one criterion kind" in m and "found: -" in m for m in messages)


def test_criterion_with_two_kinds(tmp_path: Path) -> None:
    data = base()
    item(data, "P1")["criteria"][0]["max"] = 3000
    messages = errors_of(tmp_path, data)
    assert any("found: curve, threshold" in m for m in messages)


def test_overlapping_grade_bands(tmp_path: Path) -> None:
    data = base()
    data["grades"] = {"A": 90, "B": 80, "C": 80, "D": 50, "E": 0}
    messages = errors_of(tmp_path, data)
    assert any("mức B và C chồng lấn" in m and "grades B and C overlap" in m for m in messages)


def test_unsorted_grade_bands(tmp_path: Path) -> None:
    data = base()
    data["grades"] = {"A": 90, "C": 65, "B": 80, "D": 50, "E": 0}
    messages = errors_of(tmp_path, data)
    assert any("grades must be sorted from highest to lowest: B (80) comes after C (65)" in m
               for m in messages)


def test_grade_bands_must_reach_zero(tmp_path: Path) -> None:
    data = base()
    data["grades"] = {"A": 90, "B": 80, "C": 65, "D": 50}
    messages = errors_of(tmp_path, data)
    assert any("the lowest grade must start at 0" in m for m in messages)


def test_grade_bound_out_of_range(tmp_path: Path) -> None:
    data = base()
    data["grades"]["A"] = 120
    assert any("grade A: lower bound must be a number in 0..100" in m
               for m in errors_of(tmp_path, data))


def test_duplicate_item_ids(tmp_path: Path) -> None:
    data = base()
    twin = copy.deepcopy(item(data, "F10"))
    twin["id"] = "F9"
    item(data, "F9")["points"] = 1  # keep the sums right: only the duplicate is wrong
    data["items"][data["items"].index(item(data, "F10"))] = twin
    twin["points"] = 4
    messages = errors_of(tmp_path, data)
    assert any("mã mục 'F9' bị lặp" in m and "duplicate item id 'F9'" in m for m in messages)


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    original = "    points: 8\n    title_vi: Tra cứu"
    text = RUBRIC_FILE.read_text(encoding="utf-8").replace(
        original, "    points: 8\n" + original)
    messages = errors_of(tmp_path, text)
    assert len(messages) == 1
    assert "duplicate key 'points'" in messages[0]


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    text = "version: '2024'\ntitle:\n  vi: x\n  en: [unclosed\ngrades: {A: 90}\n"
    messages = errors_of(tmp_path, text)
    assert len(messages) == 1
    assert ": lỗi cú pháp YAML" in messages[0]
    assert "YAML syntax error" in messages[0]
    assert messages[0].startswith(f"{tmp_path / 'broken.yaml'}:")
    line = int(messages[0].split(":")[1])
    assert 4 <= line <= 5


def test_not_a_mapping(tmp_path: Path) -> None:
    messages = errors_of(tmp_path, "- just\n- a list\n")
    assert any("must be a mapping" in m for m in messages)


BREAKERS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unknown top-level field": (lambda d: d.update(polcy="x"), "unknown field 'polcy'"),
    "bad policy": (lambda d: d.update(unmeasured_policy="ignore"),
                   "'unmeasured_policy' must be one of rescale, zero"),
    "bad date": (lambda d: d.update(valid_from="April 2024"), "'valid_from' must be a YYYY"),
    "missing remediation": (lambda d: item(d, "F1").pop("remediation_vi"),
                            "item F1: field 'remediation_vi' must be a non-empty string"),
    "unknown group": (lambda d: item(d, "L4").update(group="layuot"),
                      "item L4: group 'layuot' is not defined"),
    "expect not bool": (lambda d: item(d, "F2")["criteria"][0].update(expect="yes"),
                        "'expect' must be true or false"),
    "scale not true": (lambda d: item(d, "L3")["criteria"][0].update(scale=2),
                       "'scale' only takes true"),
    "curve reversed": (lambda d: item(d, "P1")["criteria"][0].update(
        curve={"full": 3000, "none": 1800}), "'curve' needs 0 < full < none"),
    "curve keys": (lambda d: item(d, "P1")["criteria"][0].update(curve={"good": 1}),
                   "'curve' must have exactly the keys 'full' and 'none'"),
    "min above max": (lambda d: item(d, "L2")["criteria"][1].update(min=5),
                      "'min' 5 is greater than 'max' 3"),
    "bad aggregate": (lambda d: item(d, "P1")["criteria"][0].update(aggregate="p90"),
                      "'aggregate' must be one of all, any"),
    "value aggregate on bool": (lambda d: item(d, "F2")["criteria"][0].update(aggregate="sum"),
                                "'aggregate: sum' does not apply to 'expect'"),
    "unit mismatch": (lambda d: item(d, "F2")["criteria"][0].update(observation="fcp"),
                      "kind 'expect' cannot judge unit 'ms'"),
    "text unit": (lambda d: item(d, "S3")["criteria"][0].update(
        observation="tls.version", expect=None), "'expect' must be true or false"),
    "weight out of range": (lambda d: item(d, "F2")["criteria"][0].update(weight=1.5),
                            "'weight' must be a number in (0, 1]"),
    "missing label": (lambda d: item(d, "F2")["criteria"][0].pop("label_en"),
                      "field 'label_en' must be a non-empty string"),
    "negative points": (lambda d: item(d, "F2").update(points=-6),
                        "item F2: field 'points' must be a positive number"),
    "no criteria": (lambda d: item(d, "F2").update(criteria=[]),
                    "'criteria' must be a non-empty list"),
    "bad source": (lambda d: item(d, "F2").update(source="person"),
                   "'source' must be probe or attestation"),
    "duplicate group": (lambda d: d["groups"].append(dict(d["groups"][0])),
                        "duplicate group id 'functions'"),
}


@pytest.mark.parametrize("case", list(BREAKERS))
def test_each_breakage_is_reported(tmp_path: Path, case: str) -> None:
    data = base()
    breaker, expected = BREAKERS[case]
    breaker(data)
    messages = errors_of(tmp_path, data)
    assert any(expected in m for m in messages), messages
    for message in messages:  # Vietnamese first, English in parentheses
        assert message.endswith(")")


def test_many_problems_reported_together(tmp_path: Path) -> None:
    data = base()
    item(data, "F3")["criteria"][0]["weight"] = 0.3
    item(data, "A2")["criteria"][0]["observation"] = "axe.serious"
    data["grades"] = {"A": 90, "B": 90, "E": 0}
    messages = errors_of(tmp_path, data)
    assert len(messages) == 3


def test_unknown_packaged_name() -> None:
    with pytest.raises(RubricError) as caught:
        load_rubric("1999")
    assert "available: 2024" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError) as caught:
        load_rubric(tmp_path / "nope.yaml")
    assert "rubric file not found" in str(caught.value)


def test_parse_rubric_from_data() -> None:
    rubric = parse_rubric(base(), source="inline")
    assert rubric.source == "inline"
    with pytest.raises(RubricError):
        parse_rubric({"version": "x"}, source="inline")


def test_attestation_item_takes_no_criteria(tmp_path: Path) -> None:
    data = base()
    item(data, "F2")["source"] = "attestation"
    messages = errors_of(tmp_path, data)
    assert any("an attestation item takes no criteria" in m for m in messages)
