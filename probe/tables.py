"""Terminal tables and CSV/JSON documents of stored results (rich)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console
from rich.table import Table

from probe import status as statuses
from probe.db.store import Store
from probe.models import SiteMap
from probe.ranking import BlockTable, block_tables

BLOCK_NAMES = {"ministry": "Khối bộ, ngành (ministries)",
               "province": "Khối địa phương (provinces)", "other": "Khác (other)"}
STATUS_MARK = {"pass": "✓ đạt", "partial": "◐ một phần", "fail": "✗ không đạt",
               "unmeasured": "? chưa đo", "attested": "✎ xác nhận"}


def sweep_rows(store: Store, sweep_id: str, rubric: str) -> list[dict[str, Any]]:
    """One row per run of the sweep: agency, block, vendor, status, total, grade."""
    rows = []
    for run in store.runs(sweep_id):
        scored = store.score(run.id, rubric)
        if scored is None:
            continue
        rows.append({"run_id": run.id, "agency_id": run.agency_id, "agency": run.agency_name,
                     "block": run.block, "vendor": run.vendor, "status": run.status,
                     "total": scored["total"], "grade": scored["grade"]})
    return rows


def ranked(store: Store, sweep_id: str, rubric: str, block: str | None) -> list[BlockTable]:
    tables = block_tables(sweep_rows(store, sweep_id, rubric))
    return [t for t in tables if block is None or t.block == block]


def print_ranking(console: Console, store: Store, sweep_id: str, rubric: str,
                  block: str | None) -> None:
    """The official-style ranking per block, with average and grade distribution."""
    for table in ranked(store, sweep_id, rubric, block):
        console.print(_rank_table(table))
        console.print(_distribution(table))


def _rank_table(table: BlockTable) -> Table:
    shown = Table(title=f"{BLOCK_NAMES.get(table.block, table.block)} — "
                        f"điểm trung bình (average) {table.average:.2f}")
    for column in ("Hạng (rank)", "Cơ quan (agency)", "Xếp loại (grade)", "Điểm (score)",
                   "Doanh nghiệp (vendor)", "Trạng thái (status)"):
        shown.add_column(column)
    for row in table.rows:
        shown.add_row(str(row["rank"]), row["agency"], row["grade"], f"{row['total']:.2f}",
                      row.get("vendor", ""), statuses.label(row.get("status", "completed")))
    return shown


def _distribution(table: BlockTable) -> Table:
    shown = Table(title="Tỷ lệ mức độ xếp hạng (grade distribution)")
    for grade in "ABCDE":
        shown.add_column(grade, justify="right")
    shown.add_row(*[f"{table.distribution[g]['count']} ({table.distribution[g]['percent']:.1f} %)"
                    for g in "ABCDE"])
    return shown


def ranking_document(store: Store, sweep_id: str, rubric: str,
                     block: str | None) -> dict[str, Any]:
    """The ranking as JSON-ready data."""
    return {"sweep": sweep_id, "rubric": rubric,
            "blocks": [t.to_dict() for t in ranked(store, sweep_id, rubric, block)]}


def ranking_csv(store: Store, sweep_id: str, rubric: str, block: str | None) -> str:
    """The ranking as CSV: block, rank, agency, grade, score, vendor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["block", "rank", "agency", "grade", "score", "vendor", "status"])
    for table in ranked(store, sweep_id, rubric, block):
        for row in table.rows:
            writer.writerow([table.block, row["rank"], row["agency"], row["grade"],
                             f"{row['total']:.2f}", row.get("vendor", ""), row.get("status")])
    return buffer.getvalue()


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


def print_check(console: Console, document: dict[str, Any]) -> None:
    """A self-check: status, total, grade, then every item."""
    console.print(f"[bold]{document['agency']}[/] {document['url']}")
    console.print(f"Trạng thái (status): {statuses.label(document['status'])} "
                  f"{document.get('status_detail') or ''}")
    console.print(f"Tổng điểm (total): [bold]{document['total']}[/] — "
                  f"xếp loại (grade) [bold]{document['grade']}[/] "
                  f"(bộ tiêu chí {document['rubric']}; run {document['run_id']})")
    console.print(_items_table(document["items"]))


def _items_table(items: list[dict[str, Any]]) -> Table:
    shown = Table()
    for column in ("Mục (item)", "Nhóm (group)", "Điểm (points)", "Kết quả (status)",
                   "Lý do (reason)"):
        shown.add_column(column)
    for item in items:
        points = "—" if item["points"] is None else f"{item['points']:g}"
        shown.add_row(item["id"], item["group"], f"{points}/{item['max']:g}",
                      STATUS_MARK.get(item["status"], item["status"]), item["reason"])
    return shown


def print_run(console: Console, document: dict[str, Any]) -> None:
    """One stored run: what was seen and how it was judged."""
    console.print(f"[bold]{document['agency']['name']}[/] {document['url']} — "
                  f"{statuses.label(document['status'])} ({document['run_id']})")
    shown = Table(title=f"Quan sát (observations): {len(document['observations'])}")
    for column in ("check", "name", "value", "unit", "stat", "outcome", "page"):
        shown.add_column(column)
    for obs in document["observations"]:
        shown.add_row(obs["check"], obs["name"], str(obs["value"]), obs["unit"],
                      obs["stat"] or "", obs["outcome"], obs["page"] or "")
    console.print(shown)
    if document["scores"]:
        console.print(f"Tổng điểm (total) {document['scores']['total']} — "
                      f"xếp loại (grade) {document['scores']['grade']}")
        console.print(_items_table(document["scores"]["items"]))
