"""The report's tables as CSV and JSON files beside the HTML (ranking and vendors).

CSV is UTF-8 with a byte-order mark so spreadsheet programs read Vietnamese correctly;
text cells that a spreadsheet would run as a formula (=, +, -, @) are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from probe.ranking import BLOCK_NAMES, GRADES, BlockTable
from probe.scoring import round2

RANKING_COLUMNS = ("block", "block_name", "rank", "agency", "grade", "vendor", "score")
VENDOR_COLUMNS = ("vendor", "portals", "average", "best", "worst", *GRADES)
EXPORTS = ("ranking.csv", "ranking.json", "vendors.csv", "vendors.json")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that cannot start a spreadsheet formula; other values unchanged."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(columns: Iterable[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = list(columns)
    writer.writerow(names)
    for row in rows:
        writer.writerow([spreadsheet_safe("" if row.get(c) is None else row.get(c))
                         for c in names])
    return buffer.getvalue()


def ranking_rows(table: BlockTable) -> list[dict[str, Any]]:
    """The official table of one block: rank, agency, grade, vendor, score (+ ids)."""
    name = BLOCK_NAMES.get(table.block, (table.block, table.block))[0]
    return [{"block": table.block, "block_name": name, "rank": r.get("rank"),
             "agency": r["agency"], "grade": r["grade"], "vendor": r.get("vendor") or "",
             "score": r.get("total"), "agency_id": r.get("agency_id"),
             "run_id": r.get("run_id"), "status": r.get("status")} for r in table.rows]


def ranking_document(meta: dict[str, Any], tables: list[BlockTable]) -> dict[str, Any]:
    """The ranking tables as JSON-ready data, with averages and grade distributions."""
    blocks = []
    for table in tables:
        name_vi, name_en = BLOCK_NAMES.get(table.block, (table.block, table.block))
        blocks.append({"block": table.block, "name_vi": name_vi, "name_en": name_en,
                       "count": table.count, "average": table.average,
                       "distribution": {g: dict(v) for g, v in table.distribution.items()},
                       "rows": ranking_rows(table),
                       "unranked": [{"agency": r["agency"], "vendor": r.get("vendor") or "",
                                     "run_id": r.get("run_id"), "status": r.get("status")}
                                    for r in table.unranked]})
    return {**meta, "blocks": blocks}


def vendor_rows(tables: list[BlockTable]) -> list[dict[str, Any]]:
    """Per vendor: portals, average, best and worst score, count of each grade."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        for row in table.rows:
            groups.setdefault(row.get("vendor") or "", []).append(row)
    found = []
    for vendor, rows in groups.items():
        totals = [r["total"] for r in rows if r.get("total") is not None]
        found.append({"vendor": vendor, "portals": len(rows),
                      "average": round2(math.fsum(totals) / len(totals)) if totals else None,
                      "best": max(totals) if totals else None,
                      "worst": min(totals) if totals else None,
                      **{g: sum(1 for r in rows if r["grade"] == g) for g in GRADES}})
    return sorted(found, key=lambda v: (-(v["average"] or 0.0), v["vendor"]))


def write_exports(out_dir: Path, meta: dict[str, Any], tables: list[BlockTable]) -> list[Path]:
    """ranking.csv/.json and vendors.csv/.json in `out_dir`; returns the paths."""
    rows = [row for table in tables for row in ranking_rows(table)]
    vendors = vendor_rows(tables)
    texts = {
        "ranking.csv": _csv(RANKING_COLUMNS, rows),
        "ranking.json": _json(ranking_document(meta, tables)),
        "vendors.csv": _csv(VENDOR_COLUMNS, vendors),
        "vendors.json": _json({**meta, "vendors": vendors}),
    }
    paths = []
    for name, text in texts.items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8-sig" if name.endswith(".csv") else "utf-8")
        paths.append(path)
    return paths


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
