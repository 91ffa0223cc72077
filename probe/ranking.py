"""Ranking tables in the official form: per block, competition ranks, average, grade shares.

Pure functions over rows (agency, block, total, grade, vendor); no database, no files.
Published tables rank by score with competition ranking (ties share a rank and the next
rank skips: 1, 1, 3). Historical imports may only carry grades: their published ranks came
from hidden scores (e.g. 2023: ministries B ranked 3, 4, 5, 6), so they cannot be derived
from grades and are kept as published, after a consistency check.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")
BLOCKS: tuple[str, ...] = ("ministry", "province", "other")
BLOCK_NAMES: dict[str, tuple[str, str]] = {
    "ministry": ("Bộ, ngành", "Ministries and agencies"),
    "province": ("Tỉnh, thành phố", "Provinces and cities"),
    "other": ("Khác", "Other"),
}
RankSource = Literal["score", "published", "grade"]


Row = dict[str, Any]
Distribution = dict[str, dict[str, float]]


@dataclass(frozen=True)
class ResultRow:
    """One agency's result: a score and grade, or (historical) a grade and a published rank.

    Tables also take plain mappings with the same keys; any other keys (run_id, status, ...)
    are carried through to the table rows.
    """

    agency: str
    block: str
    grade: str
    total: float | None = None
    vendor: str = ""
    rank: int | None = None


@dataclass(frozen=True)
class BlockTable:
    """The ranking table of one block, as published: ranks, average, grade distribution.

    `rows`: dicts with rank, agency, block, grade, total, vendor (and the input's other keys),
    best first; `distribution`: grade -> {"count", "percent"} for A..E; `unranked`: rows
    without a grade A-E (nothing measured), left out of ranks, average and distribution.
    """

    block: str
    rows: tuple[Row, ...]
    average: float | None
    distribution: Distribution
    rank_source: RankSource
    unranked: tuple[Row, ...] = field(default=())

    @property
    def count(self) -> int:
        """Number of ranked agencies."""
        return len(self.rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with the block's Vietnamese and English names."""
        name_vi, name_en = BLOCK_NAMES.get(self.block, (self.block, self.block))
        return {"block": self.block, "name_vi": name_vi, "name_en": name_en,
                "count": self.count, "average": self.average,
                "distribution": {g: dict(v) for g, v in self.distribution.items()},
                "rank_source": self.rank_source, "rows": [dict(r) for r in self.rows],
                "unranked": [dict(r) for r in self.unranked]}


def _round2(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """Rank of each score, higher is better; ties share a rank and the next skips (1, 1, 3)."""
    ordered = sorted(scores, reverse=True)
    first: dict[float, int] = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[value] for value in scores]


def grade_ranks(grades: Sequence[str]) -> list[int]:
    """Competition ranks from grades alone (all A share rank 1, then all B, ...)."""
    return competition_ranks([-float(GRADES.index(g)) for g in grades])


def grade_distribution(grades: Sequence[str]) -> Distribution:
    """Count and percentage (2 decimals) of each grade A–E, as the official tables show."""
    total = len(grades)
    shares: Distribution = {}
    for grade in GRADES:
        count = sum(1 for g in grades if g == grade)
        shares[grade] = {"count": count,
                         "percent": _round2(100.0 * count / total) if total else 0.0}
    return shares


def block_average(totals: Iterable[float | None]) -> float | None:
    """The mean total (2 decimals) of the rows that have one, or None."""
    known = [t for t in totals if t is not None]
    return _round2(math.fsum(known) / len(known)) if known else None


def collation_key(name: str) -> tuple[str, str]:
    """A sort key for Vietnamese names: letters without diacritics first, then exact text."""
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return plain.casefold(), name


def as_row(row: ResultRow | Mapping[str, Any]) -> Row:
    """A row as a dict with agency, block, grade, total, vendor and rank (None if absent)."""
    data = asdict(row) if isinstance(row, ResultRow) else dict(row)
    for key in ("agency", "block", "grade"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"dòng kết quả thiếu '{key}' (result row without '{key}'): {data}")
    total = data.get("total")
    data["total"] = None if total is None else float(total)
    data.setdefault("vendor", "")
    data.setdefault("rank", None)
    return data


def check_published_ranks(rows: Sequence[ResultRow | Mapping[str, Any]]) -> list[str]:
    """Problems with published ranks of one block: not competition ranks, or against grades."""
    problems: list[str] = []
    ordered = sorted((as_row(r) for r in rows), key=lambda r: r["rank"] or 0)
    previous: Row | None = None
    for position, row in enumerate(ordered, start=1):
        name, rank, grade = row["agency"], row["rank"], row["grade"]
        if rank is None:
            problems.append(f"{name}: thiếu thứ hạng (no published rank)")
        elif previous is None or rank != previous["rank"]:
            if rank != position:
                problems.append(f"{name}: hạng {rank} phải là {position} theo cách xếp hạng "
                                f"đồng hạng (rank {rank} should be {position} under "
                                f"competition ranking)")
        elif grade != previous["grade"]:
            problems.append(f"{name}: đồng hạng {rank} nhưng khác xếp loại "
                            f"(shares rank {rank} with a different grade)")
        if previous is not None and _grade_index(grade) < _grade_index(previous["grade"]):
            problems.append(f"{name}: xếp loại {grade} đứng sau {previous['grade']} "
                            f"(grade {grade} ranked below {previous['grade']})")
        previous = row
    return problems


def _grade_index(grade: str) -> int:
    return GRADES.index(grade) if grade in GRADES else len(GRADES)


def block_table(block: str, rows: Iterable[ResultRow | Mapping[str, Any]]) -> BlockTable:
    """The table of one block: ranked by score when every row has one, else by the
    published rank when every row has one, else by grade (competition ranking)."""
    mine = [r for r in (as_row(r) for r in rows) if r["block"] == block]
    graded = [r for r in mine if r["grade"] in GRADES]
    unranked = tuple(r for r in mine if r["grade"] not in GRADES)
    source, ranked = _rank(graded)
    return BlockTable(block=block, rows=tuple(ranked),
                      average=block_average(r["total"] for r in graded),
                      distribution=grade_distribution([r["grade"] for r in graded]),
                      rank_source=source, unranked=unranked)


def _rank(rows: list[Row]) -> tuple[RankSource, list[Row]]:
    """Rank rows by score, published rank or grade; ties listed by agency name."""
    if rows and all(r["total"] is not None for r in rows):
        ordered = sorted(rows, key=lambda r: (-r["total"], collation_key(r["agency"])))
        return "score", _ranked(ordered, competition_ranks([r["total"] for r in ordered]))
    if rows and all(r["rank"] is not None for r in rows):
        problems = check_published_ranks(rows)
        if problems:
            raise ValueError("; ".join(problems))
        ordered = sorted(rows, key=lambda r: r["rank"])  # stable: published order in ties
        return "published", _ranked(ordered, [r["rank"] for r in ordered])
    ordered = sorted(rows, key=lambda r: (GRADES.index(r["grade"]), collation_key(r["agency"])))
    return "grade", _ranked(ordered, grade_ranks([r["grade"] for r in ordered]))


def _ranked(rows: list[Row], ranks: list[int]) -> list[Row]:
    """Rows with their table rank; a different published rank is kept as published_rank."""
    out = []
    for rank, row in zip(ranks, rows, strict=True):
        published = row.get("rank")
        ranked = {**row, "rank": rank}
        if published is not None and published != rank:
            ranked["published_rank"] = published
        out.append(ranked)
    return out


def block_tables(rows: Iterable[ResultRow | Mapping[str, Any]]) -> list[BlockTable]:
    """One table per block present: ministries, provinces, others, then any other block."""
    normalised = [as_row(r) for r in rows]
    present = {r["block"] for r in normalised}
    blocks = [b for b in BLOCKS if b in present] + sorted(present - set(BLOCKS))
    return [block_table(block, normalised) for block in blocks]


def rows_from_csv(text: str) -> list[ResultRow]:
    """Parse results CSV text (block, agency, grade; optional rank, total, vendor).

    Raises ValueError naming the line of every bad row.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = {"block", "agency", "grade"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"thiếu cột {', '.join(sorted(missing))} "
                         f"(missing columns {', '.join(sorted(missing))})")
    rows: list[ResultRow] = []
    problems: list[str] = []
    for record in reader:
        try:
            rows.append(_row(record))
        except ValueError as error:
            problems.append(f"dòng {reader.line_num} (line {reader.line_num}): {error}")
    if problems:
        raise ValueError("\n".join(problems))
    return rows


def _row(record: dict[str, str]) -> ResultRow:
    """One CSV record as a ResultRow; ValueError on a bad grade, rank or total."""
    grade = (record.get("grade") or "").strip()
    if grade not in GRADES:
        raise ValueError(f"xếp loại '{grade}' không hợp lệ (invalid grade)")
    rank_text = (record.get("rank") or "").strip()
    total_text = (record.get("total") or "").strip()
    try:
        rank = int(rank_text) if rank_text else None
        total = float(total_text) if total_text else None
    except ValueError as error:
        raise ValueError(f"thứ hạng/điểm không phải số (rank/total not a number: {error})") \
            from error
    if total is not None and not 0 <= total <= 100:  # nan and inf fail this too
        raise ValueError(f"điểm '{total_text}' phải từ 0 đến 100 (total must be 0-100)")
    if rank is not None and rank < 1:
        raise ValueError(f"thứ hạng '{rank_text}' phải từ 1 (rank must be 1 or more)")
    return ResultRow(agency=(record.get("agency") or "").strip(),
                     block=(record.get("block") or "").strip(), grade=grade, total=total,
                     vendor=(record.get("vendor") or "").strip(), rank=rank)
