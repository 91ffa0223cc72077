"""`probe rubric`: list the packaged rubrics, validate a file, compare two rubrics and see
what adopting the new one would do to a stored sweep."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probe.cli import app
from probe.db import Store
from probe.judged import scores_for
from probe.rescoring import rescore
from probe.rubric_effect import rubric_effect
from probe.scoring import load_rubric, parse_rubric_text
from probe.scoring.rubric import rubrics_dir
from probe.scoring.rubric_diff import rubric_changes
from probe.synthetic import fill_sweep
from tests.judging_helpers import db_url, new_store, steady_profiles

BASE = (rubrics_dir() / "2024.yaml").read_text(encoding="utf-8")


def edited(*swaps: tuple[str, str]) -> str:
    """The 2024 rubric text as version 2026-draft with each (old, new) replaced once."""
    text = BASE.replace('version: "2024"', 'version: "2026-draft"', 1)
    for old, new in swaps:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


BAND = ("  B: 80\n", "  B: 70\n")
CURVE = ("curve: {full: 1800, none: 3000}", "curve: {full: 600, none: 3000}")
F1_TO_F2 = ("  - id: F1\n    group: functions\n    points: 8\n",
            "  - id: F1\n    group: functions\n    points: 7\n")
F2_FROM_F1 = ("  - id: F2\n    group: functions\n    points: 6\n",
              "  - id: F2\n    group: functions\n    points: 7\n")
WEIGHTS = ("        expect: true\n        weight: 0.3\n        label_vi: có danh mục thủ tục",
           "        expect: true\n        weight: 0.2\n        label_vi: có danh mục thủ tục")
WEIGHTS_BACK = ("        expect: true\n        weight: 0.1\n        label_vi: danh mục được phân",
                "        expect: true\n        weight: 0.2\n        label_vi: danh mục được phân")
TITLE = ("title_vi: Công khai danh mục thủ tục hành chính, dịch vụ công trực tuyến",
         "title_vi: Công khai danh mục thủ tục hành chính và dịch vụ công trực tuyến")


def changes_of(text: str) -> list[tuple[object, ...]]:
    found = rubric_changes(load_rubric("2024"), parse_rubric_text(text, "draft.yaml"))
    return [(c.subject, c.what, c.detail, c.before, c.after) for c in found]


def test_every_kind_of_change_is_named_and_texts_come_last() -> None:
    text = edited(TITLE, BAND, CURVE, F1_TO_F2, F2_FROM_F1, WEIGHTS, WEIGHTS_BACK)
    assert changes_of(text) == [
        ("grades", "band", "B", 80.0, 70.0),
        ("F1", "points", "", 8.0, 7.0),
        ("F1", "weight", "catalogue.present", 0.3, 0.2),
        ("F1", "weight", "catalogue.paginated", 0.1, 0.2),
        ("F2", "points", "", 6.0, 7.0),
        ("P1", "rule", "fcp", "1800–3000 ms (trung vị các trang, median over pages)",
         "600–3000 ms (trung vị các trang, median over pages)"),
        ("F1", "text", "", None, None),
    ]
    assert changes_of(BASE) == []


def test_the_attestation_variant_adds_three_items_and_moves_security_points() -> None:
    found = rubric_changes(load_rubric("2024"), load_rubric("2024-attest"))
    added = {(c.subject, c.after) for c in found if c.what == "added"}
    assert added == {("S7", 2.0), ("S8", 2.0), ("S9", 1.0)}
    moved = {c.subject: c.before - c.after for c in found if c.what == "points"}
    assert math.isclose(sum(moved.values()), 5.0)  # what the new items take
    text = {c.to_dict()["text_vi"] for c in found}
    assert "S7 (security): mục mới, 2 điểm" in text


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """A night of 24 synthetic portals scored under 2024."""
    made = new_store(tmp_path)
    fill_sweep(made, steady_profiles(24), "n1", "2024-05-01T18:00:00+00:00")
    rescore(made, "2024")
    return made


def test_a_lower_band_changes_grades_of_exactly_the_totals_between_and_no_rank(
        store: Store) -> None:
    draft = parse_rubric_text(edited(BAND), "draft.yaml")
    effect = rubric_effect(store, "s-n1", load_rubric("2024"), draft)
    between = [a for a in effect.agencies
               if a.before.total is not None and 70 <= a.before.total < 80]
    assert between and effect.grade_changes == len(between)
    assert all((a.before.grade, a.after.grade) == ("C", "B") for a in between)
    assert effect.rank_changes == 0 and effect.items == ()
    assert effect.judged_now == 24  # the draft was judged now; 2024 read as stored
    assert all(b.average_before == b.average_after for b in effect.blocks)
    assert sum(b.grades_after["B"] - b.grades_before["B"] for b in effect.blocks) == len(
        between)


def test_a_stricter_curve_costs_exactly_what_each_agency_s_item_loses(store: Store) -> None:
    draft = parse_rubric_text(edited(CURVE), "draft.yaml")
    effect = rubric_effect(store, "s-n1", load_rubric("2024"), draft)
    assert [item.item_id for item in effect.items] == ["P1"]
    (p1,) = effect.items
    losers = [a for a in effect.agencies if a.items]
    assert p1.agencies == len(losers) > 0 and p1.points < 0
    assert math.isclose(p1.points, math.fsum(a.items["P1"][1] - a.items["P1"][0]
                                             for a in losers))
    assert all(a.delta <= 0 for a in effect.agencies)
    deltas = [abs(a.delta) for a in effect.agencies]
    assert deltas == sorted(deltas, reverse=True)  # largest change first
    after = scores_for(store, store.runs("s-n1"), draft).scores
    assert {a.run_id: a.after.total for a in effect.agencies} == {
        run_id: round(s["total"], 2) for run_id, s in after.items()}


def test_rubric_commands_through_the_cli(store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["rubric", "list", "--json"]).output)
    assert [(r["version"], r["points"]) for r in listed] == [("2024", 100.0),
                                                              ("2024-attest", 100.0)]
    draft = tmp_path / "draft.yaml"
    draft.write_text(edited(BAND, CURVE), encoding="utf-8")
    valid = runner.invoke(app, ["rubric", "validate", str(draft)])
    assert valid.exit_code == 0 and "Hợp lệ: bộ tiêu chí 2026-draft" in valid.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(edited(("    points: 8\n", "    points: 9\n")), encoding="utf-8")
    refused = runner.invoke(app, ["rubric", "validate", str(broken), "--json"])
    assert refused.exit_code == 1
    problems = json.loads(refused.output)["problems"]
    assert problems and all(str(broken) in p for p in problems)

    compared = runner.invoke(app, ["rubric", "compare", "2024", str(draft), "--json",
                                   "--db", db_url(tmp_path)])
    document = json.loads(compared.output)
    assert [c["what"] for c in document["changes"]] == ["band", "rule"]
    assert document["effect"]["sweep"] == "s-n1" and document["effect"]["judged_now"] == 24
    text = runner.invoke(app, ["rubric", "compare", "2024", str(draft), "--db",
                               db_url(tmp_path)], env={"COLUMNS": "200"}).output
    assert "Xếp loại B: ngưỡng xếp loại 80 → 70" in text
    assert f"probe rescore --rubric {draft} --sweep s-n1" in text
    alone = runner.invoke(app, ["rubric", "compare", "2024", str(draft), "--db",
                                db_url(tmp_path / "none")])
    assert alone.exit_code == 0 and "chỉ so sánh nội dung" in alone.output


def test_rubric_show_tells_every_item_and_how_it_is_earned() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["rubric", "show", "2024-attest"], env={"COLUMNS": "250"}).output
    rubric = load_rubric("2024-attest")
    for item in rubric.items:
        assert f"│ {item.id} " in text, item.id
    assert "fcp 1800–3000 ms (trung vị các trang" in text
    assert "khi chưa xác nhận (when not attested): fail" in text
    document = json.loads(runner.invoke(app, ["rubric", "show", "--json"]).output)
    assert document["version"] == "2024" and len(document["items"]) == 30
    assert math.isclose(sum(g["points"] for g in document["groups"]), 100.0)
    f3 = next(i for i in document["items"] if i["id"] == "F3")
    assert [c["observation"] for c in f3["criteria"]] == [
        "lookup.form", "lookup.known_code", "lookup.unknown_code"]
    assert f3["remediation_vi"] and f3["remediation_en"]
