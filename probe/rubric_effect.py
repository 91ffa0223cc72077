"""What adopting another rubric would do to a stored sweep, agency by agency and item by item.

`rubric_effect(store, sweep_id, old, new)` scores the sweep's runs under both rubrics
(stored scores when that rubric made them, else judged now: `probe.judged`; nothing is
written) and ranks them per block as the official tables do. It gives each agency's total,
grade and rank before and after, each item's points moved over all agencies, and each
block's average and grade distribution before and after.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from probe.db.store import Store
from probe.judged import scores_for
from probe.ranking import BlockTable, block_tables
from probe.scoring import Rubric
from probe.tables import run_rows


@dataclass(frozen=True)
class Standing:
    """An agency under one rubric: total, grade and rank in its block (None: unranked)."""

    total: float | None
    grade: str | None
    rank: int | None


@dataclass(frozen=True)
class AgencyEffect:
    """One agency under the old and the new rubric, and its items whose points moved."""

    agency_id: str
    agency: str
    block: str
    run_id: str
    before: Standing
    after: Standing
    items: dict[str, tuple[float | None, float | None]]  # item id -> (before, after) points

    @property
    def delta(self) -> float:
        """Total after minus total before (0 when either is missing)."""
        if self.before.total is None or self.after.total is None:
            return 0.0
        return self.after.total - self.before.total

    @property
    def changed(self) -> bool:
        """Whether its total, grade, rank or any item's points moved."""
        return self.before != self.after or bool(self.items)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"agency_id": self.agency_id, "agency": self.agency, "block": self.block,
                "run_id": self.run_id, "before": vars(self.before), "after": vars(self.after),
                "delta": round(self.delta, 2),
                "items": {k: {"before": b, "after": a} for k, (b, a) in self.items.items()}}


@dataclass(frozen=True)
class ItemEffect:
    """One item over all agencies: how many it moved and by how many points in all."""

    item_id: str
    agencies: int
    points: float  # the sum of (after - before) over the agencies, unmeasured counting 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"item": self.item_id, "agencies": self.agencies, "points": round(self.points, 2)}


@dataclass(frozen=True)
class BlockEffect:
    """One block's average and grade counts under each rubric."""

    block: str
    average_before: float | None
    average_after: float | None
    grades_before: dict[str, int]
    grades_after: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(vars(self))


@dataclass(frozen=True)
class RubricEffect:
    """The effect of judging `sweep_id` under `new` instead of `old`."""

    sweep_id: str
    old: str
    new: str
    agencies: tuple[AgencyEffect, ...]  # every agency, largest change first
    items: tuple[ItemEffect, ...]  # items that moved, most points moved first
    blocks: tuple[BlockEffect, ...]
    judged_now: int  # runs scored now under either rubric (not stored)

    @property
    def grade_changes(self) -> int:
        return sum(1 for a in self.agencies if a.before.grade != a.after.grade)

    @property
    def rank_changes(self) -> int:
        return sum(1 for a in self.agencies if a.before.rank != a.after.rank)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (`probe rubric compare --json`, without the rubric changes)."""
        return {"sweep": self.sweep_id, "old": self.old, "new": self.new,
                "judged_now": self.judged_now, "grade_changes": self.grade_changes,
                "rank_changes": self.rank_changes,
                "blocks": [b.to_dict() for b in self.blocks],
                "items": [i.to_dict() for i in self.items],
                "agencies": [a.to_dict() for a in self.agencies]}


def rubric_effect(store: Store, sweep_id: str, old: Rubric, new: Rubric) -> RubricEffect:
    """The sweep's agencies and items under `old` and under `new` (see the module doc)."""
    runs = store.runs(sweep_id)
    judged = scores_for(store, runs, old), scores_for(store, runs, new)
    tables = [block_tables(run_rows(runs, side.totals())) for side in judged]
    standings = [_standings(side) for side in tables]
    agencies = [AgencyEffect(run.agency_id, run.agency_name, run.block, run.id,
                             standings[0][run.id], standings[1][run.id],
                             _items_moved(judged[0].scores[run.id], judged[1].scores[run.id]))
                for run in runs]
    agencies.sort(key=lambda a: (-abs(a.delta), a.block, a.agency))
    return RubricEffect(sweep_id, old.version, new.version, tuple(agencies),
                        _item_effects(agencies), _block_effects(*tables),
                        sum(len(side.judged_now) for side in judged))


def _standings(tables: list[BlockTable]) -> dict[str, Standing]:
    found = {}
    for table in tables:
        for row in table.rows:
            found[row["run_id"]] = Standing(row["total"], row["grade"], row.get("rank"))
        for row in table.unranked:
            found[row["run_id"]] = Standing(row["total"], row["grade"], None)
    return found


def _item_points(score: Mapping[str, Any]) -> dict[str, float | None]:
    return {item["id"]: item["points"] for item in score["items"]}


def _items_moved(before: Mapping[str, Any],
                 after: Mapping[str, Any]) -> dict[str, tuple[float | None, float | None]]:
    was, now = _item_points(before), _item_points(after)
    ids = [*was, *(i for i in now if i not in was)]
    return {i: (was.get(i), now.get(i)) for i in ids if was.get(i) != now.get(i)}


def _item_effects(agencies: list[AgencyEffect]) -> tuple[ItemEffect, ...]:
    moved: dict[str, list[float]] = {}
    for agency in agencies:
        for item_id, (before, after) in agency.items.items():
            moved.setdefault(item_id, []).append((after or 0.0) - (before or 0.0))
    effects = [ItemEffect(item_id, len(deltas), math.fsum(deltas))
               for item_id, deltas in moved.items()]
    return tuple(sorted(effects, key=lambda e: (-abs(e.points), -e.agencies, e.item_id)))


def _block_effects(before: list[BlockTable], after: list[BlockTable]) -> tuple[BlockEffect, ...]:
    now = {table.block: table for table in after}
    return tuple(BlockEffect(table.block, table.average, now[table.block].average,
                             _counts(table), _counts(now[table.block]))
                 for table in before if table.block in now)


def _counts(table: BlockTable) -> dict[str, int]:
    return {grade: int(value["count"]) for grade, value in table.distribution.items()}

