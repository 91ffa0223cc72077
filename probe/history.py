"""Published (historical) rankings: import a results CSV as a sweep and rank it again.

A file like `results-2023.csv` (block, rank, agency, grade, vendor; total optional) holds an
official table as published. Importing it checks every row and every block's published
ranks (competition ranking, consistent with grades), then stores it as a sweep of status
"imported" whose id derives from the file's content, so importing the same file twice
stores it once. Its tables come out of `probe.ranking.block_tables` with the published ranks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from probe.db.store import Store, StoreError
from probe.models import utc_now
from probe.ranking import (
    BLOCKS,
    BlockTable,
    ResultRow,
    block_tables,
    check_published_ranks,
    rows_from_csv,
)


class HistoryError(ValueError):
    """A results file that cannot be imported; the message names every problem."""


@dataclass(frozen=True)
class Imported:
    """An imported results file: its sweep, rows and whether this call stored it."""

    sweep_id: str
    source: str
    rows: tuple[ResultRow, ...]
    created: bool

    def tables(self) -> list[BlockTable]:
        """The ranking tables of the file, ranked by the published ranks."""
        return block_tables(self.rows)


def read_results(path: Path) -> tuple[list[ResultRow], str]:
    """The checked rows of a results CSV and the file's SHA-256; HistoryError on problems."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise HistoryError(f"{path}: không đọc được tệp (cannot read file: {error})") from error
    try:
        rows = rows_from_csv(text)
    except ValueError as error:
        problems = "; ".join(str(error).splitlines())
        raise HistoryError(f"{path}: {problems}") from error
    problems = [f"khối '{r.block}' không hợp lệ: {r.agency} (unknown block)"
                for r in rows if r.block not in BLOCKS]
    if not rows:
        problems.append("tệp không có dòng kết quả nào (no result rows)")
    for block in sorted({r.block for r in rows}):
        mine = [r for r in rows if r.block == block]
        if all(r.rank is not None for r in mine):
            problems += [f"{block}: {p}" for p in check_published_ranks(mine)]
    if problems:
        raise HistoryError(f"{path}: " + "; ".join(problems))
    return rows, hashlib.sha256(data).hexdigest()


def sweep_id_for(sha256: str) -> str:
    """The sweep id of an imported file: derived from its content."""
    return f"h-{sha256[:16]}"


def publication_date(path: Path, published_on: str | None = None) -> str:
    """When the table was published: `published_on` (YYYY or YYYY-MM-DD), else the year in
    the file name (results-2023.csv -> "2023"), else now. Sweeps sort by this text, so an
    imported table takes its place in history rather than becoming the "latest" sweep."""
    if published_on is not None:
        if not re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", published_on):
            raise HistoryError(f"ngày công bố '{published_on}' phải có dạng YYYY hoặc YYYY-MM-DD "
                               f"(publication date must be YYYY or YYYY-MM-DD)")
        if len(published_on) > 4:
            try:
                date.fromisoformat(published_on)
            except ValueError as error:
                raise HistoryError(f"ngày công bố '{published_on}' không có thật "
                                   f"(no such date)") from error
        return published_on
    year = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", path.name)
    return year.group(0) if year else utc_now()


def import_results(store: Store, path: Path, published_on: str | None = None) -> Imported:
    """Store the results file as an imported sweep (once per content); returns it."""
    started_at = publication_date(path, published_on)
    rows, sha = read_results(path)
    sweep_id = sweep_id_for(sha)
    try:
        store.sweep(sweep_id)
        created = False
    except StoreError:
        store.save_published(sweep_id, started_at, str(path),
                             [_stored(r) for r in rows])
        created = True
    return Imported(sweep_id, str(path), tuple(rows), created)


def _stored(row: ResultRow) -> dict[str, Any]:
    return asdict(row)


def published_rows(store: Store, sweep_id: str) -> list[ResultRow]:
    """The rows of an imported sweep, as ResultRows (empty for a probed sweep); rank them with
    `block_tables`."""
    return [ResultRow(agency=r["agency"], block=r["block"], grade=r["grade"], total=r["total"],
                      vendor=r["vendor"], rank=r["rank"])
            for r in store.published_results(sweep_id)]
