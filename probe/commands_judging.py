"""What the judging commands do: attest, trend, diff, rank --import and a bulk rescore.

The CLI (`probe.cli_judging`) only parses options. Bad input raises `UserError` (one line,
exit 2); output is Vietnamese first, English in brackets; `--json` prints one JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe import attestations, history
from probe.commands import (
    check_table_options,
    evidence_root,
    existing_store,
    given_rubric,
    loaded_rubric,
    open_store,
    rubric_for,
    stored_sweep_id,
)
from probe.console import plain_console
from probe.db.store import Store, StoreError, is_published
from probe.diffing import (
    MOVES,
    AgencyDiff,
    DiffError,
    EvidenceChange,
    Move,
    RunSide,
    SweepDiff,
    diff_runs,
    diff_sweeps,
)
from probe.errors import UserError
from probe.judged import judged_now_note, rubric_argument, rubric_of_sweep
from probe.ranking import collation_key
from probe.rescoring import rescore as rescore_runs
from probe.scoring import Rubric, RubricError, available_rubrics
from probe.tables import emit_ranking, in_block, published
from probe.trends import AgencyNotFound, Trend, TrendPoint, find_agency
from probe.trends import trend as agency_trend

out = plain_console()
CHANGE_LABELS = {"gained": "tăng điểm (gained)", "lost": "mất điểm (lost)",
                 "unmeasured": "không đo được (now unmeasured)",
                 "measured": "đo được trở lại (measured again)",
                 "changed": "đổi trạng thái (status changed)"}


def _dump(document: Any) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2))


# --- attest -------------------------------------------------------------------------------


def attest(agency: str, item: str, by: str, note: str, file: Path | None, credit: float,
           rubric: str | None, db: str, as_json: bool = False) -> int:
    """Record a person's attestation of an item for an agency (`probe attest`)."""
    _check_item(item, rubric)
    store = existing_store(db)
    agency_id = _agency_id(store, agency)
    try:
        attestation_id = attestations.record(store, evidence_root(db), agency_id, item, by,
                                             note, credit, file)
    except attestations.AttestationError as error:
        raise UserError(str(error)) from error
    row = next(r for r in store.attestations(agency_id) if r.id == attestation_id)
    if as_json:
        _dump(attestations.document(row))
        return 0
    stored = (f"; tệp (file) {row.file_name} sha256 {row.file_sha256} → "
              f"evidence/{row.file_path}" if row.file_path else "")
    out.print(f"Đã ghi nhận xác nhận (attestation recorded) #{row.id}: mục (item) {item}, "
              f"cơ quan (agency) {agency_id}, người xác nhận (by) {row.attested_by}, "
              f"mức (credit) {row.credit:g}, lúc (at) {row.recorded_at}{stored}")
    out.print("rank, show, diff và report tính ngay xác nhận này (chấm tạm, chưa lưu); chạy "
              "'probe rescore --rubric <bộ tiêu chí>' để lưu điểm (the read commands count it "
              "at once, judged now; run 'probe rescore' to store the scores)")
    return 0


def _check_item(item: str, rubric: str | None) -> None:
    """The item must be an attestation item of `rubric` (or of some packaged rubric)."""
    names = [rubric] if rubric else available_rubrics()
    rubrics = [loaded_rubric(name) for name in names]
    attestable = attestations.attestable_items(rubrics)
    if item not in attestable:
        known = ", ".join(sorted(attestable)) or "-"
        raise UserError(f"mục '{item}' không phải mục cần xác nhận trong bộ tiêu chí; có: "
                        f"{known} (item '{item}' is not an attestation item; known: {known})")


def _agency_id(store: Store, agency: str) -> str:
    """The stored agency id `agency` names (an id or a name), or a UserError."""
    try:
        agency_id, name = find_agency(store, agency)
    except AgencyNotFound as error:
        raise UserError(str(error)) from error
    if agency_id is None:
        raise UserError(f"cơ quan '{name}' chỉ có trong kết quả công bố, chưa được quét "
                        f"(agency only in published results, never probed)")
    return agency_id


# --- rescore ------------------------------------------------------------------------------


def rescore(rubric: str, sweep_id: str | None, db: str, as_json: bool = False) -> int:
    """Re-judge stored runs in bulk (a faster drop-in for `commands.rescore`)."""
    judged = loaded_rubric(rubric)
    store = existing_store(db)
    if sweep_id:
        sweep_id = stored_sweep_id(store, sweep_id)
    summary = rescore_runs(store, judged, sweep_id)
    if as_json:
        _dump(summary.to_dict())
        return 0
    grades = ", ".join(f"{g} {n}" for g, n in summary.grades.items())
    out.print(f"Đã chấm lại {summary.runs} lượt theo bộ tiêu chí {summary.rubric}: "
              f"{summary.written} thay đổi, {summary.unchanged} giữ nguyên; {grades} "
              f"(re-scored {summary.runs} runs under rubric {summary.rubric}: "
              f"{summary.written} written, {summary.unchanged} unchanged) "
              f"in {summary.seconds['total']:.2f} s")
    return 0


# --- rank --import ------------------------------------------------------------------------


def import_ranking(path: Path, db: str, block: str | None = None, fmt: str = "table",
                   published_on: str | None = None) -> int:
    """Store a published results CSV as an imported sweep and print its tables."""
    check_table_options(block, fmt)
    store = open_store(db)
    try:
        imported = history.import_results(store, path, published_on)
    except history.HistoryError as error:
        raise UserError(str(error)) from error
    what = "Đã nhập (imported)" if imported.created else "Đã có sẵn (already imported)"
    emit_ranking(out, in_block(imported.tables(), block), fmt,
                 {"sweep": imported.sweep_id, "source": imported.source,
                  "created": imported.created}, with_status=False,
                 footer=f"{what}: {len(imported.rows)} dòng (rows) → đợt (sweep) "
                        f"{imported.sweep_id}")
    return 0


def rank_published(sweep_id: str, db: str, block: str | None = None,
                   fmt: str = "table") -> int:
    """Print the tables of an imported sweep (`probe rank --sweep h-...`)."""
    check_table_options(block, fmt)
    store = existing_store(db)
    sweep = store.sweep(stored_sweep_id(store, sweep_id))
    if not is_published(sweep):
        raise UserError(f"đợt '{sweep.id}' không phải bảng kết quả được nhập "
                        f"(sweep '{sweep.id}' is not an imported table)")
    emit_ranking(out, published(store, sweep.id, block), fmt,
                 {"sweep": sweep.id, "source": sweep.registry_path}, with_status=False,
                 footer=f"Bảng kết quả công bố (published table) {sweep.registry_path}, "
                        f"đợt (sweep) {sweep.id}")
    return 0


# --- trend --------------------------------------------------------------------------------


def trend(agency: str, rubric: str | None, db: str, as_json: bool = False,
          last: int | None = None) -> int:
    """An agency's total, grade and groups over sweeps, the newest `last` of them when given
    (`probe trend`)."""
    given = given_rubric(rubric)
    store = existing_store(db)
    judged = rubric_for(store, given, _newest_sweep_of(store, agency))
    try:
        found = agency_trend(store, agency, judged).newest(last)
    except AgencyNotFound as error:
        raise UserError(str(error)) from error
    if as_json:
        _dump(found.to_dict())
    else:
        out.print(_trend_table(found, judged))
    return 0


def _newest_sweep_of(store: Store, agency: str) -> str | None:
    """The sweep of the agency's newest run (None: no such agency, or no sweep)."""
    try:
        agency_id, _ = find_agency(store, agency)
    except AgencyNotFound:
        return None
    return store.run(agency_id).sweep_id if agency_id else None


def _trend_table(found: Trend, rubric: Rubric) -> Table:
    """Compact columns (fits 80 columns); the caption spells the headers out."""
    shown = Table(title=f"{found.agency} ({found.agency_id or 'kết quả công bố'}) — "
                        f"bộ tiêu chí (rubric) {found.rubric}")
    shown.add_column("Ngày", no_wrap=True)
    for column in ("Đợt", "Điểm", "Loại"):
        shown.add_column(column, overflow="fold")
    codes = [_group_code(rubric, g.id) for g in rubric.groups]
    for code, group in zip(codes, rubric.groups, strict=True):
        shown.add_column(f"{code}/{group.points:g}", justify="right")
    shown.add_column("Ghi chú", overflow="fold")
    for point in found.points:
        total = "—" if point.total is None else f"{point.total:.2f}"
        groups = [f"{point.groups[g.id]:g}" if g.id in point.groups else "—"
                  for g in rubric.groups]
        shown.add_row(point.date[:10], point.sweep_id, total, point.grade or "—", *groups,
                      _trend_note(point))
    legend = "; ".join(f"{c} {g.name_vi} ({g.name_en})" for c, g in
                       zip(codes, rubric.groups, strict=True))
    empty = "Chưa có đợt quét nào (no sweeps yet). " if not found.points else ""
    older = (f"{found.older} đợt cũ hơn không hiện (older sweeps not shown); bỏ --last để "
             f"xem hết (drop --last for all). " if found.older else "")
    unscored = (f"Chạy 'probe rescore --rubric {rubric_argument(rubric)}' để chấm các đợt "
                f"chưa chấm (re-score unscored sweeps). " if any(
                    p.source == "probe" and p.grade is None for p in found.points) else "")
    shown.caption = (f"{empty}{older}{unscored}Ngày (date), Đợt (sweep), Điểm (total), "
                     f"Loại (grade); {legend}; Ghi chú (note)")
    return shown


def _group_code(rubric: Rubric, group_id: str) -> str:
    """A group's short code: the letter its items start with (F, L, P, S, A, E)."""
    items = rubric.items_of(group_id)
    letters = {i.id[0] for i in items if i.id}
    return letters.pop() if len(letters) == 1 else group_id


def _trend_note(point: TrendPoint) -> str:
    if point.source == "published":
        return f"công bố, hạng {point.rank} (published)"
    if point.grade is None:
        return "chưa chấm (unscored)"
    return "" if point.status == "completed" else point.status


# --- diff ---------------------------------------------------------------------------------


def diff(sweep_a: str, sweep_b: str, rubric: str | None, db: str, as_json: bool = False) -> int:
    """Grade changes, items gained and lost and their evidence between two sweeps."""
    given = given_rubric(rubric)
    store = existing_store(db)
    try:
        later = store.sweep(sweep_b).id
    except StoreError:
        later = None  # diff_sweeps says why
    judged = rubric_for(store, given, later)
    try:
        result = diff_sweeps(store, sweep_a, sweep_b, judged)
    except DiffError as error:
        raise UserError(str(error)) from error
    if as_json:
        _dump(result.to_dict())
    else:
        print_diff(out, result)
        if result.judged_now:
            out.print(judged_now_note(result.judged_now, judged))
    return 0


def print_diff(console: Console, result: SweepDiff) -> None:
    """The diff as text: a summary line, then each agency with a change."""
    console.print(f"So sánh (compare) {result.sweep_before} → {result.sweep_after}, "
                  f"bộ tiêu chí (rubric) {result.rubric}: {result.compared} cơ quan "
                  f"(agencies), {len(result.agencies)} có thay đổi (changed), "
                  f"{result.within_noise} chỉ dao động trong phạm vi nhiễu đo "
                  f"(moved within measurement noise)")
    for missing, label in ((result.only_before, "chỉ có ở đợt trước (only before)"),
                           (result.only_after, "chỉ có ở đợt sau (only after)")):
        if missing:
            console.print(f"{label}: {', '.join(missing)}")
    for agency in result.agencies:
        _print_agency(console, agency)
    if result.noise_grade_changes:
        flips = ", ".join(f"{a.agency_id} {a.before.score['grade']}→{a.after.score['grade']} "
                          f"({a.before.score['total']:.2f}→{a.after.score['total']:.2f})"
                          for a in result.noise_grade_changes)
        console.print(f"Đổi xếp loại chỉ do nhiễu đo, sát ngưỡng (grade flips within "
                      f"measurement noise, near a boundary): {flips}")


MOVE_LABELS: dict[Move, str] = {
    "unreachable": "không truy cập được (unreachable)", "down": "tụt hạng (grade down)",
    "unmeasured": "lỗi công cụ, cần chạy lại (probe failed: run again)",
    "reachable": "hoàn tất trở lại (completed again)", "up": "lên hạng (grade up)"}
MOVERS_LISTED = 10  # agencies named in the line; the rest are counted


def print_since_previous_sweep(console: Console, store: Store, sweep_id: str,
                               rubric: Rubric | str) -> None:
    """After a sweep: what changed since the previous sweep of its schedule (`probe diff`
    in brief), so the morning's log says which agencies moved, worst news first; nothing
    when there is no earlier sweep, or none comparable under `rubric`."""
    previous = store.previous_sweep(store.sweep(sweep_id))
    if previous is None:
        return
    try:
        result = diff_sweeps(store, previous.id, sweep_id,
                             rubric_of_sweep(store, sweep_id, rubric))
    except (DiffError, RubricError):
        return
    console.print(f"So với đợt trước cùng lịch (since the previous sweep of this schedule) "
                  f"{previous.id}: {len(result.agencies)}/{result.compared} cơ quan có thay đổi "
                  f"(agencies changed), {_moves(result.agencies)}. "
                  f"Chi tiết (details): probe diff {previous.id} {sweep_id}")


def _moves(agencies: Sequence[AgencyDiff]) -> str:
    """How many changed grade or status, by kind, and the first of them, worst news first."""
    moved = sorted((a for a in agencies if a.move), key=_worst_first)
    counted = ", ".join(f"{n} {MOVE_LABELS[kind]}" for kind in MOVES
                        if (n := sum(a.move == kind for a in moved)))
    listed = [f"{a.agency} {a.before.score.get('grade') or '—'} → "
              f"{a.after.score.get('grade') or '—'}"
              + (f" ({a.before.status} → {a.after.status})" if a.status_changed else "")
              for a in moved[:MOVERS_LISTED]]
    if len(moved) > MOVERS_LISTED:
        listed.append(f"và {len(moved) - MOVERS_LISTED} cơ quan khác "
                      f"(and {len(moved) - MOVERS_LISTED} more)")
    text = f"{len(moved)} đổi xếp loại hoặc trạng thái (grade or status changed)"
    return f"{text}: {counted}; {'; '.join(listed)}" if moved else text


def _worst_first(agency: AgencyDiff) -> tuple[int, tuple[str, str]]:
    """Sort key: the kind of move (`MOVES` order), then the agency's name as Vietnamese sorts."""
    return MOVES.index(agency.move) if agency.move else len(MOVES), collation_key(agency.agency)


def print_since_last(console: Console, store: Store, run_id: str, rubric: Rubric) -> None:
    """After a check: what changed since the agency's previous run in this database (the
    items gained and lost and the evidence behind them, as `probe diff` tells it)."""
    run = store.run(run_id)
    earlier = [r for r in store.runs_of_agency(run.agency_id)
               if (r.started_at, r.id) < (run.started_at, run.id)]
    if not earlier:
        return
    previous = earlier[-1]
    before, after = store.score(previous.id, rubric.version), store.score(run.id, rubric.version)
    if before is None or after is None:
        return
    change = diff_runs((run.agency_id, run.agency_name, run.block),
                       RunSide(previous.id, previous.status, before),
                       RunSide(run.id, run.status, after),
                       store.observations(previous.id), store.observations(run.id), rubric)
    console.print(Text(f"So với lần kiểm tra trước (since the last check) {previous.id}, "
                       f"{previous.started_at[:16].replace('T', ' ')}:", style="bold"))
    if change.reported:
        _print_agency(console, change)
    else:
        console.print(f"  không đổi ngoài phạm vi nhiễu đo (nothing changed beyond measurement "
                      f"noise): {after['total']:.2f} {after['grade']}")


def _print_agency(console: Console, agency: AgencyDiff) -> None:
    before, after = agency.before.score, agency.after.score
    line = (f" ({agency.agency_id}): {before['total']:.2f} {before['grade']} → "
            f"{after['total']:.2f} {after['grade']}")
    if agency.status_changed:
        line += f"; trạng thái (status) {agency.before.status} → {agency.after.status}"
    console.print(Text.assemble((agency.agency, "bold"), line))
    if agency.items:
        shown = Table(show_header=True)
        for column in ("Mục (item)", "Thay đổi (change)", "Điểm (points)",
                       "Bằng chứng thay đổi (evidence that changed)"):
            shown.add_column(column)
        for item in agency.items:
            shown.add_row(item.id, CHANGE_LABELS[item.change],
                          f"{_points(item.points_before)} → {_points(item.points_after)}"
                          f" /{item.max:g}",
                          "\n".join(describe(e) for e in item.evidence))
        console.print(shown)
    for change in agency.timing:
        console.print(f"  {describe(change)}")


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def describe(change: EvidenceChange) -> str:
    """One line for a changed observation, Vietnamese first."""
    if change.kind == "attestation":
        return f"xác nhận (attestation): {change.after or '—'}"
    if change.kind == "timing" and change.timing is not None:
        shift = change.timing
        word = ("chậm hơn (regression)" if shift.verdict == "regression"
                else "nhanh hơn (improvement)")
        return (f"{change.ref}: {word} trung vị (median) {shift.median_a:g} → "
                f"{shift.median_b:g}; lượt đo (runs) {list(shift.runs_a)} → "
                f"{list(shift.runs_b)}; p={shift.p_value:.3g}")
    outcome = ""
    if change.outcome_before != change.outcome_after:
        outcome = f" [{change.outcome_before} → {change.outcome_after}]"
    moved = f" (trước đó ở / before at {change.page_before})" if change.page_before else ""
    return f"{change.ref}: {change.before!r} → {change.after!r}{outcome}{moved}"
