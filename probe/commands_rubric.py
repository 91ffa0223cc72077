"""What the rubric commands do: list the packaged rubrics, validate a rubric file, and
compare two rubrics (what changes, and what it does to a stored sweep) before adopting one.

The CLI (`probe.cli`) only parses options. Bad input raises `UserError` (one line, exit 2);
output is Vietnamese first, English in brackets; `--json` prints one JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from probe.commands import existing_store, loaded_rubric, stored_sweep_id
from probe.console import plain_console
from probe.db.store import is_published, sqlite_file
from probe.errors import UserError
from probe.judged import judged_now_note
from probe.ranking import GRADES
from probe.rubric_effect import AgencyEffect, RubricEffect, Standing, rubric_effect
from probe.scoring import Rubric, RubricError, available_rubrics, load_rubric
from probe.scoring.rubric import Item
from probe.scoring.rubric_diff import RubricChange, describe, rubric_changes, rule_text
from probe.tables import BLOCK_NAMES, score_text

out = plain_console()


# --- list ---------------------------------------------------------------------------------


def list_rubrics(as_json: bool = False) -> int:
    """The packaged rubrics: version, validity, groups, items, points and title."""
    rubrics = [load_rubric(name) for name in available_rubrics()]
    if as_json:
        print(json.dumps([_summary(r) for r in rubrics], ensure_ascii=False, indent=2))
        return 0
    shown = Table(title="Bộ tiêu chí có sẵn (packaged rubrics)")
    for column in ("Phiên bản (version)", "Hiệu lực (valid)", "Mục (items)",
                   "Điểm (points)", "Tên (title)"):
        shown.add_column(column, overflow="fold")
    for rubric in rubrics:
        summary = _summary(rubric)
        shown.add_row(rubric.version, f"{rubric.valid_from}..{rubric.valid_to}",
                      str(summary["items"]), f"{rubric.max_points:g}", rubric.title_vi)
    out.print(shown)
    out.print("Dùng bằng (use with): --rubric PHIÊN_BẢN hoặc --rubric TỆP.yaml (a version or "
              "a file); kiểm tra tệp (check a file): probe rubric validate TỆP.yaml")
    return 0


def _summary(rubric: Rubric) -> dict[str, Any]:
    return {"version": rubric.version, "title_vi": rubric.title_vi, "title_en": rubric.title_en,
            "valid_from": rubric.valid_from, "valid_to": rubric.valid_to or None,
            "groups": len(rubric.groups), "items": len(rubric.items),
            "attestation_items": sum(1 for i in rubric.items if i.source == "attestation"),
            "points": rubric.max_points, "sha256": rubric.sha256}


# --- show ---------------------------------------------------------------------------------


def show(rubric: str, as_json: bool = False) -> int:
    """Every group and item of a rubric: points, what earns them (criteria, weights, rules)
    and, with --json, the remediation texts."""
    loaded = loaded_rubric(rubric)
    if as_json:
        print(json.dumps({**_summary(loaded), "grades": {b.grade: b.min for b in loaded.grades},
                          "unmeasured_policy": loaded.unmeasured_policy,
                          "groups": [vars(g) for g in loaded.groups],
                          "items": [_item_document(i) for i in loaded.items]},
                         ensure_ascii=False, indent=2))
        return 0
    out.print(f"{loaded.title_vi} ({loaded.title_en}) — phiên bản (version) {loaded.version}, "
              f"hiệu lực từ (in force from) {loaded.valid_from}; xếp loại (grades): "
              + ", ".join(f"{b.grade} ≥ {b.min:g}" for b in loaded.grades),
              markup=False, highlight=False)
    for group in loaded.groups:
        out.print(_group_table(loaded, group.id))
    return 0


def _group_table(rubric: Rubric, group_id: str) -> Table:
    group = rubric.group(group_id)
    shown = Table(title=f"{group.name_vi} ({group.name_en}): {group.points:g} điểm (points)")
    for column in ("Mục (item)", "Điểm (points)", "Tên (title)", "Cách chấm (how it is earned)"):
        shown.add_column(column, overflow="fold")
    for item in rubric.items_of(group_id):
        shown.add_row(item.id, f"{item.points:g}", item.title_vi, _earned(item))
    return shown


def _earned(item: Item) -> str:
    if item.source == "attestation":
        return ("người có thẩm quyền xác nhận: probe attest (attested by a person); khi chưa "
                f"xác nhận (when not attested): {item.unattested}")
    return "; ".join(f"{c.weight:g} × {c.label_vi}: {c.observation} {rule_text(c)}"
                     for c in item.criteria)


def _item_document(item: Item) -> dict[str, Any]:
    return {"id": item.id, "group": item.group, "points": item.points,
            "title_vi": item.title_vi, "title_en": item.title_en, "source": item.source,
            "remediation_vi": item.remediation_vi, "remediation_en": item.remediation_en,
            "criteria": [{"observation": c.observation, "weight": c.weight, "kind": c.kind,
                          "rule": rule_text(c), "aggregate": c.aggregate,
                          "label_vi": c.label_vi, "label_en": c.label_en}
                         for c in item.criteria]}


# --- validate -----------------------------------------------------------------------------


def validate(rubric: str, as_json: bool = False) -> int:
    """Every problem of a rubric file, each with its place (exit 1 when there is one)."""
    try:
        loaded = load_rubric(rubric)
    except RubricError as error:
        if as_json:
            print(json.dumps({"valid": False, "problems": error.messages}, ensure_ascii=False,
                             indent=2))
        else:
            for message in error.messages:
                out.print(message, markup=False, highlight=False)
            out.print(f"{len(error.messages)} lỗi (problems)")
        return 1
    summary = _summary(loaded)
    if as_json:
        print(json.dumps({"valid": True, **summary}, ensure_ascii=False, indent=2))
        return 0
    out.print(f"Hợp lệ: bộ tiêu chí {loaded.version}, {summary['groups']} nhóm, "
              f"{summary['items']} mục, {loaded.max_points:g} điểm, hiệu lực từ "
              f"{loaded.valid_from} (valid: groups, items, points, in force from); "
              f"sha256 {loaded.sha256[:12]}", markup=False, highlight=False)
    return 0


# --- compare ------------------------------------------------------------------------------


def compare(old: str, new: str, sweep_id: str | None, db: str, as_json: bool = False) -> int:
    """What `new` changes against `old`, and (given a stored sweep) what it does to it."""
    before, after = loaded_rubric(old), loaded_rubric(new)
    changes = rubric_changes(before, after)
    effect = _effect(before, after, sweep_id, db)
    if as_json:
        document = {"old": _summary(before), "new": _summary(after),
                    "changes": [c.to_dict() for c in changes],
                    "effect": effect.to_dict() if effect else None}
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    _print_changes(before, after, changes)
    if effect is None:
        out.print("Không có CSDL kết quả (no results database): chỉ so sánh nội dung hai bộ "
                  "tiêu chí (rubric contents only); --db và --sweep cho biết tác động lên một "
                  "đợt quét (effect on a sweep)")
        return 0
    _print_effect(effect, after)
    return 0


def _effect(before: Rubric, after: Rubric, sweep_id: str | None,
            db: str) -> RubricEffect | None:
    """The effect on `sweep_id` (the latest sweep when None and the database exists)."""
    path = sqlite_file(db)
    if sweep_id is None and path is not None and not path.exists():
        return None
    store = existing_store(db)
    chosen = stored_sweep_id(store, sweep_id or "latest")
    if is_published(store.sweep(chosen)):
        raise UserError(f"đợt '{chosen}' là bảng kết quả được nhập, không có bằng chứng để "
                        f"chấm lại (sweep '{chosen}' is an imported table without evidence)")
    return rubric_effect(store, chosen, before, after)


def _print_changes(before: Rubric, after: Rubric, changes: list[RubricChange]) -> None:
    scoring = [c for c in changes if c.scores]
    out.print(f"So sánh bộ tiêu chí (rubric comparison) {before.version} → {after.version}: "
              f"{len(scoring)} thay đổi về chấm điểm (changes that move scores), "
              f"{len(changes) - len(scoring)} về lời văn, hiệu lực (wording, validity)",
              markup=False, highlight=False)
    if before.sha256 == after.sha256:
        out.print("Hai tệp giống hệt nhau (the two files are identical)")
    for change in changes:
        vi, en = describe(change)
        out.print(f"  • {vi} ({en})", markup=False, highlight=False)


def _print_effect(effect: RubricEffect, after: Rubric) -> None:
    out.print(f"Tác động lên đợt quét (effect on sweep) {effect.sweep_id}: "
              f"{len(effect.agencies)} cơ quan (agencies); {effect.grade_changes} đổi xếp loại "
              f"(grade changed), {effect.rank_changes} đổi thứ hạng (rank changed)")
    out.print(_blocks_table(effect))
    moved = [a for a in effect.agencies if a.changed]
    if moved:
        out.print(_agencies_table(moved))
    if effect.items:
        out.print(_items_table(effect))
    if effect.judged_now:
        out.print(judged_now_note(effect.judged_now, after, effect.sweep_id))


def _blocks_table(effect: RubricEffect) -> Table:
    shown = Table(title="Theo khối (per block): trước → sau (before → after)")
    shown.add_column("Khối (block)")
    shown.add_column("Điểm TB (average)", no_wrap=True)
    for grade in GRADES:
        shown.add_column(grade, justify="right", no_wrap=True)
    for block in effect.blocks:
        shown.add_row(BLOCK_NAMES.get(block.block, block.block),
                      f"{score_text(block.average_before)} → {score_text(block.average_after)}",
                      *(f"{block.grades_before.get(g, 0)} → {block.grades_after.get(g, 0)}"
                        for g in GRADES))
    return shown


def _agencies_table(moved: list[AgencyEffect]) -> Table:
    shown = Table(title=f"Cơ quan thay đổi (agencies that move): {len(moved)}, thay đổi lớn "
                        f"nhất trước (largest change first)")
    for column in ("Cơ quan (agency)", "Điểm (score)", "Δ", "Xếp loại (grade)", "Hạng (rank)",
                   "Mục (items)"):
        shown.add_column(column, overflow="fold")
    for agency in moved:
        shown.add_row(agency.agency, f"{score_text(agency.before.total)} → "
                                     f"{score_text(agency.after.total)}",
                      f"{agency.delta:+.2f}", _pair(agency.before, agency.after, "grade"),
                      _pair(agency.before, agency.after, "rank"),
                      ", ".join(f"{i} {_points(b)}→{_points(a)}"
                                for i, (b, a) in agency.items.items()))
    return shown


def _items_table(effect: RubricEffect) -> Table:
    shown = Table(title="Mục thay đổi điểm (items whose points move), trên mọi cơ quan "
                        "(over all agencies)")
    for column in ("Mục (item)", "Số cơ quan (agencies)", "Tổng điểm (points, sum)"):
        shown.add_column(column, justify="right")
    for item in effect.items:
        shown.add_row(item.item_id, str(item.agencies), f"{item.points:+.2f}")
    return shown


def _pair(before: Standing, after: Standing, field: str) -> str:
    was, now = getattr(before, field), getattr(after, field)
    shown = (str(v) if v is not None else "—" for v in (was, now))
    return " → ".join(shown) if was != now else str(was if was is not None else "—")


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"

