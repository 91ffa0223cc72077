"""Over time: one agency's total, grade and each group's points per sweep, plus published
grades (`trend`); each block's average over a schedule's sweeps (`national_trend`).

Runs outside a sweep (one-off `probe check` self-checks, often of a staging copy) are left
out. A sweep with several runs of the agency (a retried portal) counts its latest run. Rows
of imported published tables (`probe rank --import`) match the agency by name (letters
without diacritics, case-insensitive) and carry the published grade and rank.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from probe.db.schema import SweepRow
from probe.db.store import Store
from probe.diffing import latest_runs
from probe.judged import made_by
from probe.ranking import block_tables, collation_key
from probe.scoring import Rubric
from probe.tables import run_rows

Source = Literal["probe", "published"]


class AgencyNotFound(LookupError):
    """No stored run or published row names the agency (message with suggestions)."""


@dataclass(frozen=True)
class TrendPoint:
    """The agency in one sweep: score and grade (None when not scored), per-group points."""

    date: str
    sweep_id: str
    source: Source
    run_id: str | None = None
    status: str = ""
    total: float | None = None
    grade: str | None = None
    groups: dict[str, float] = field(default_factory=dict)
    rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"date": self.date, "sweep_id": self.sweep_id, "source": self.source,
                "run_id": self.run_id, "status": self.status, "total": self.total,
                "grade": self.grade, "groups": dict(self.groups), "rank": self.rank}


@dataclass(frozen=True)
class Trend:
    """An agency's points over time under one rubric, oldest first."""

    agency_id: str | None
    agency: str
    rubric: str
    groups: tuple[str, ...]
    points: tuple[TrendPoint, ...]
    older: int = 0  # points left out before these (`newest`)

    def newest(self, count: int | None) -> Trend:
        """The trend with only its newest `count` points (all when None)."""
        if count is None or count >= len(self.points):
            return self
        return replace(self, points=self.points[-count:],
                       older=self.older + len(self.points) - count)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (`probe trend --json`)."""
        return {"agency_id": self.agency_id, "agency": self.agency, "rubric": self.rubric,
                "groups": list(self.groups), "points": [p.to_dict() for p in self.points],
                "older_points": self.older}


def name_key(name: str) -> str:
    """A name compared without diacritics, case or surrounding spaces."""
    return collation_key(" ".join(name.split()))[0]


def find_agency(store: Store, query: str) -> tuple[str | None, str]:
    """(agency id or None, name) of the agency `query` names: an id, or a name."""
    agencies = store.agencies()
    for agency_id, name in agencies:
        if agency_id == query:
            return agency_id, name
    wanted = name_key(query)
    for agency_id, name in agencies:
        if name_key(name) == wanted:
            return agency_id, name
    published = {r["agency"] for r in store.published_results()}
    for name in sorted(published):
        if name_key(name) == wanted:
            return None, name
    known = sorted({a for pair in agencies for a in pair} | published)
    close = difflib.get_close_matches(query, known, n=3, cutoff=0.6)
    hint = f"; có phải (did you mean): {', '.join(close)}" if close else ""
    raise AgencyNotFound(f"không có cơ quan '{query}' trong CSDL (no such agency){hint}")


def trend(store: Store, query: str, rubric: Rubric) -> Trend:
    """The trend of the agency `query` names, under `rubric` (stored scores)."""
    agency_id, name = find_agency(store, query)
    sweeps = {s.id: s for s in store.sweeps()}
    points = _probed(store, agency_id, rubric, sweeps) if agency_id else []
    points += _published(store, name, sweeps)
    points.sort(key=lambda p: (p.date, p.sweep_id))
    return Trend(agency_id, name, rubric.version, tuple(g.id for g in rubric.groups),
                 tuple(points))


def _probed(store: Store, agency_id: str, rubric: Rubric,
            sweeps: dict[str, SweepRow]) -> list[TrendPoint]:
    """One point per sweep in which the agency was probed."""
    by_sweep: dict[str, list[Any]] = {}
    for run in store.runs_of_agency(agency_id):
        if run.sweep_id is not None:
            by_sweep.setdefault(run.sweep_id, []).append(run)
    runs = [latest_runs(found)[agency_id] for found in by_sweep.values()]
    stored = store.stored_scores(rubric.version, run_ids=[r.id for r in runs])
    scores = {run_id: row for run_id, row in stored.items() if made_by(row, rubric)}
    points = []
    for run in runs:
        scored = scores.get(run.id)
        sweep = sweeps.get(run.sweep_id or "")
        groups = {g: float(v["points"]) for g, v in json.loads(scored.groups_json).items()
                  } if scored else {}
        points.append(TrendPoint(
            date=sweep.started_at if sweep else run.started_at, sweep_id=run.sweep_id or "",
            source="probe", run_id=run.id, status=run.status,
            total=scored.total if scored else None,
            grade=scored.grade if scored else None, groups=groups))
    return points


def _published(store: Store, name: str, sweeps: dict[str, SweepRow]) -> list[TrendPoint]:
    """One point per imported published table that names the agency."""
    wanted = name_key(name)
    points = []
    for row in store.published_results():
        if name_key(row["agency"]) != wanted:
            continue
        sweep = sweeps.get(row["sweep_id"])
        points.append(TrendPoint(date=sweep.started_at if sweep else "",
                                 sweep_id=row["sweep_id"], source="published",
                                 status="published", total=row["total"], grade=row["grade"],
                                 rank=row["rank"]))
    return points


@dataclass(frozen=True)
class BlockAverages:
    """One sweep's block averages (block -> average total; None when nothing was graded)."""

    date: str
    sweep_id: str
    averages: dict[str, float | None]


def national_trend(store: Store, sweep: SweepRow, rubric: Rubric,
                   current: dict[str, float | None] | None = None) -> list[BlockAverages]:
    """The block averages of every completed sweep of `sweep`'s schedule up to it, and of
    `sweep` itself, oldest first, under the scores `rubric` stored (this very text, as
    `trend` reads them). `current` gives `sweep`'s own averages when the caller has them
    (its ranking, perhaps judged now)."""
    chosen = [s for s in store.sweeps() if s.schedule == sweep.schedule
              and (s.status == "completed" or s.id == sweep.id)
              and (s.started_at, s.id) <= (sweep.started_at, sweep.id)]
    return [BlockAverages(s.started_at, s.id, current if current is not None and s.id == sweep.id
                          else _block_averages(store, s.id, rubric))
            for s in chosen]


def _block_averages(store: Store, sweep_id: str, rubric: Rubric) -> dict[str, float | None]:
    runs = store.runs(sweep_id)
    totals = store.score_totals([run.id for run in runs], rubric.version, rubric.sha256)
    tables = block_tables(run_rows(runs, totals))
    return {table.block: table.average for table in tables}
