"""Terminal tables and CSV/JSON documents of stored results (rich)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe import status as statuses
from probe.advice import fix_first, unmeasured
from probe.db.schema import RunRow
from probe.db.store import Store
from probe.history import published_rows
from probe.judged import JudgedScores, judged_now_note, rubric_of_sweep, scores_for
from probe.models import SiteMap
from probe.ranking import BLOCK_NAMES as RANK_BLOCK_NAMES
from probe.ranking import GRADES, BlockTable, block_tables
from probe.scoring.rubric import Rubric

BLOCK_NAMES = {"ministry": "Khối bộ, ngành (ministries)",
               "province": "Khối địa phương (provinces)", "other": "Khác (other)"}
STATUS_MARK = {"pass": "✓ đạt", "partial": "◐ một phần", "fail": "✗ không đạt",
               "unmeasured": "? chưa đo", "attested": "✎ xác nhận"}


def sweep_rows(store: Store, sweep_id: str,
               rubric: Rubric) -> tuple[list[dict[str, Any]], JudgedScores]:
    """One row per run of the sweep (agency, block, vendor, status, total, grade) under
    `rubric`, and the scores they come from (`probe.judged.scores_for`)."""
    runs = store.runs(sweep_id)
    judged = scores_for(store, runs, rubric)
    return run_rows(runs, judged.totals()), judged


def run_rows(runs: Iterable[RunRow],
             totals: Mapping[str, tuple[float | None, str | None]]) -> list[dict[str, Any]]:
    """One row per run that has a (total, grade) in `totals`: agency, block, vendor, status,
    total, grade."""
    return [{"run_id": run.id, "agency_id": run.agency_id, "agency": run.agency_name,
             "block": run.block, "vendor": run.vendor, "status": run.status,
             "total": totals[run.id][0], "grade": totals[run.id][1]}
            for run in runs if run.id in totals]


def in_block(tables: list[BlockTable], block: str | None) -> list[BlockTable]:
    """The tables of `block` (all of them for None)."""
    return [t for t in tables if block is None or t.block == block]


def ranked(store: Store, sweep_id: str, rubric: Rubric,
           block: str | None) -> tuple[list[BlockTable], JudgedScores]:
    """The tables of a measured sweep ranked by its scores under `rubric` (judged now where
    `rubric` has stored none), and those scores."""
    rows, judged = sweep_rows(store, sweep_id, rubric)
    return in_block(block_tables(rows), block), judged


def published(store: Store, sweep_id: str, block: str | None) -> list[BlockTable]:
    """The tables of an imported (published) sweep, with their published ranks."""
    return in_block(block_tables(published_rows(store, sweep_id)), block)


def print_ranking(console: Console, store: Store, sweep_id: str, rubric: Rubric | str,
                  block: str | None) -> None:
    """The official-style ranking of a measured sweep per block (with run status), and a
    line on the runs judged now (`probe.judged`)."""
    rubric = rubric_of_sweep(store, sweep_id, rubric)
    tables, judged = ranked(store, sweep_id, rubric, block)
    print_tables(console, tables, with_status=True)
    if judged.judged_now:
        console.print(judged_now_note(len(judged.judged_now), rubric, sweep_id))


def emit_ranking(console: Console, tables: list[BlockTable], fmt: str, header: dict[str, Any],
                 with_status: bool, footer: str = "") -> None:
    """Ranking tables as `fmt` (table | csv | json), for measured and published sweeps alike.

    json: `header` (sweep, rubric or source, ...) plus each block's `BlockTable.to_dict()`;
    csv: block, rank, agency, grade, score, vendor (and status for measured sweeps);
    table: one table per block and its grade distribution, then `footer`.
    """
    if fmt == "json":
        print(json.dumps({**header, "blocks": [t.to_dict() for t in tables]},
                         ensure_ascii=False, indent=2))
    elif fmt == "csv":
        print(ranking_csv(tables, with_status), end="")
    else:
        print_tables(console, tables, with_status)
        if footer:
            console.print(footer)


def ranking_csv(tables: list[BlockTable], with_status: bool = False) -> str:
    """Ranking tables as CSV: block, rank, agency, grade, score, vendor[, status]."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["block", "rank", "agency", "grade", "score", "vendor",
                     *(["status"] if with_status else [])])
    for table in tables:
        for row in table.rows:
            status = [row.get("status")] if with_status else []
            writer.writerow([table.block, row["rank"], row["agency"], row["grade"],
                             score_text(row["total"], ""), row.get("vendor", ""), *status])
    return buffer.getvalue()


def print_tables(console: Console, tables: list[BlockTable], with_status: bool) -> None:
    """Each block's ranking table, then its grade distribution."""
    for table in tables:
        console.print(_rank_table(table, with_status))
        console.print(_distribution(table))


def score_text(total: float | None, missing: str = "—") -> str:
    """A total as the tables print it (2 decimals), or `missing`."""
    return missing if total is None else f"{total:.2f}"


def _rank_table(table: BlockTable, with_status: bool) -> Table:
    name_vi, name_en = RANK_BLOCK_NAMES.get(table.block, (table.block, table.block))
    shown = Table(title=f"{name_vi} ({name_en}) — {table.count} cơ quan (agencies); "
                        f"điểm trung bình (average) {score_text(table.average)}")
    for column in ("Hạng (rank)", "Cơ quan (agency)", "Xếp loại (grade)", "Điểm (score)",
                   "Doanh nghiệp (vendor)", *(["Trạng thái (status)"] if with_status else [])):
        shown.add_column(column)
    for row in table.rows:
        status = [statuses.label(row.get("status") or "completed")] if with_status else []
        shown.add_row(str(row["rank"]), row["agency"], row["grade"], score_text(row["total"]),
                      row.get("vendor", ""), *status)
    return shown


def _distribution(table: BlockTable) -> Table:
    shown = Table(title="Tỷ lệ mức độ xếp hạng (grade distribution)")
    for grade in GRADES:
        shown.add_column(grade, justify="right")
    shown.add_row(*[f"{int(table.distribution[g]['count'])}/{table.count} "
                    f"({table.distribution[g]['percent']:g} %)" for g in GRADES])
    return shown


def print_sitemap(console: Console, sitemap: SiteMap) -> None:
    """The pages discovery found, with type and click depth."""
    title = f"{sitemap.portal} — {len(sitemap.pages)} trang (pages)"
    if sitemap.handover:
        title += f"; chuyển sang (hand-over) {sitemap.handover}"
    if sitemap.error:
        title += f"; lỗi (error) {statuses.label(sitemap.error)}"
    shown = Table(title=title)
    for column in ("Độ sâu (depth)", "Loại (type)", "URL", "Mẫu (template)"):
        shown.add_column(column)
    for page in sorted(sitemap.pages, key=lambda p: (p.depth, p.url)):
        shown.add_row(str(page.depth), page.type, page.url, page.template)
    console.print(shown)


def print_check(console: Console, document: dict[str, Any],
                rubric: Rubric | None = None) -> None:
    """A self-check: status, total, grade, every group and item; with the `rubric` it was
    judged by, what to fix first."""
    console.print(Text.assemble((document["agency"], "bold"), f" {document['url']}"))
    console.print("Trạng thái (status): " + statuses.both_languages(
        document["status"], document.get("status_detail") or ""), highlight=False)
    console.print(Text.assemble("Tổng điểm (total): ", (str(document["total"]), "bold"),
                                " — xếp loại (grade) ", (str(document["grade"]), "bold"),
                                f" (bộ tiêu chí {document['rubric']}; run {document['run_id']})"))
    _print_scores(console, document["status"], document.get("groups") or {}, document["items"],
                  rubric)


def print_where_to_look(console: Console, run_id: str, db_option: str = "") -> None:
    """The commands that show a run's evidence; `db_option` ("--db URL", or "" for the
    default database) goes into them."""
    where = f" {db_option}" if db_option else ""
    console.print(f"Chi tiết từng quan sát và bằng chứng (every observation, its evidence): "
                  f"probe show {run_id}{where}; báo cáo HTML (report): "
                  f"probe report --run {run_id}{where}")


def _print_scores(console: Console, status: str, groups: dict[str, dict[str, float]],
                  items: list[dict[str, Any]], rubric: Rubric | None) -> None:
    """The groups, every item, then what to fix first (or why nothing was judged). A portal
    that was not read gives every item the same reason: one line says so instead of a table
    (`--json` keeps each item)."""
    unread = statuses.unread(status)
    if groups:
        console.print(_groups_table(groups, rubric))
    if not unread or not items:
        console.print(_items_table(items))
    else:
        console.print(f"{len(items)} mục (items): không mục nào được đo trên cổng; lý do từng "
                      f"mục: --json (no item could be measured on the portal; each item's "
                      f"reason: --json)")
    if unread == "probe":
        console.print("Lỗi của công cụ đo, không phải của cổng: chạy lại sau (a probe failure, "
                      "not the portal's: run the check again)")
    elif unread == "portal":
        console.print(f"Nên sửa trước (fix first): cổng không trả lời được "
                      f"({statuses.label(status)}); mọi mục chưa được chấm cho đến khi cổng "
                      "truy cập được (the portal could not be read; no item is judged until it "
                      "can)")
    elif rubric is not None:
        _print_fix_first(console, items, rubric)


def _groups_table(groups: dict[str, dict[str, float]], rubric: Rubric | None) -> Table:
    shown = Table(title="Theo nhóm tiêu chí (by criteria group)")
    for column in ("Nhóm (group)", "Điểm (points)", "Đo được (measured)"):
        shown.add_column(column)
    for group_id, figures in groups.items():
        name = group_id
        if rubric is not None and any(g.id == group_id for g in rubric.groups):
            group = rubric.group(group_id)
            name = f"{group.name_vi} ({group.name_en})"
        shown.add_row(name, f"{figures['points']:g}/{figures['max']:g}",
                      f"{figures['measured']:g}/{figures['max']:g}")
    return shown


def _print_fix_first(console: Console, items: list[dict[str, Any]], rubric: Rubric,
                     shown: int = 5) -> None:
    """The items that lost the most points with the rubric's remediation, then the items
    the probe could not measure."""
    advice = fix_first(items, rubric)
    if advice:
        console.print(Text("Nên sửa trước (fix first): các mục mất nhiều điểm nhất (the items "
                           "that lost the most points)", style="bold"))
    for rank, one in enumerate(advice[:shown], 1):
        console.print(f"{rank}. {one.item_id} {one.title()} — mất (lost) {one.lost:g} điểm; "
                      f"sửa đến mục này (fixed up to here): {one.total_after:g} điểm, xếp "
                      f"loại (grade) {one.grade_after}. {one.remediation()}")
    if len(advice) > shown:
        others = ", ".join(f"{a.item_id} (−{a.lost:g})" for a in advice[shown:])
        console.print(f"Các mục khác còn mất điểm (other items that lost points): {others}")
    missing = unmeasured(items)
    if missing:
        console.print(f"Chưa đo được (not measured; lỗi của công cụ đo, không tính cho cổng — a "
                      f"probe failure, not the portal's): {', '.join(missing)}")


def _items_table(items: list[dict[str, Any]]) -> Table:
    """Every item, a section per group (the groups table names them): the reason, the widest
    column, keeps the room a group column took."""
    shown = Table()
    for column in ("Mục (item)", "Điểm (points)", "Kết quả (status)", "Lý do (reason)"):
        shown.add_column(column)
    for index, item in enumerate(items):
        points = "—" if item["points"] is None else f"{item['points']:g}"
        last_of_group = index + 1 == len(items) or items[index + 1]["group"] != item["group"]
        shown.add_row(item["id"], f"{points}/{item['max']:g}",
                      STATUS_MARK.get(item["status"], item["status"]), item["reason"],
                      end_section=last_of_group)
    return shown


def print_run(console: Console, document: dict[str, Any], rubric: Rubric | None = None) -> None:
    """One stored run: what was seen and how it was judged."""
    console.print(Text.assemble((document["agency"]["name"], "bold"), f" {document['url']} — "
                                f"{statuses.label(document['status'])} ({document['run_id']})"))
    shown = Table(title=f"Quan sát (observations): {len(document['observations'])}")
    for column in ("Nhóm (check)", "Quan sát (name)", "Giá trị (value)", "Đơn vị (unit)",
                   "Thống kê (stat)", "Kết quả (outcome)", "Trang (page)"):
        shown.add_column(column)
    for obs in document["observations"]:
        shown.add_row(obs["check"], obs["name"], str(obs["value"]), obs["unit"],
                      obs["stat"] or "", obs["outcome"], obs["page"] or "")
    console.print(shown)
    if document["scores"]:
        scores = document["scores"]
        console.print(f"Tổng điểm (total) {scores['total']} — xếp loại (grade) {scores['grade']}")
        _print_scores(console, document["status"], scores.get("groups") or {}, scores["items"],
                      rubric)
