"""What to fix first: the items that lost the most points, each with the rubric's
remediation, what fixing it adds to the total, and the total and grade once it and every
item above it are fixed. The self-check's terminal output (`probe check`, `probe show`) and
the HTML report's agency pages both read it.

Pure: it reads scored items (`probe check --json`'s "items") and the rubric they were judged
by. An unmeasured item (a probe failure, never the portal's) is listed apart: under the
"rescale" policy it is out of the total, under "zero" it counts as lost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from probe.scoring import round2
from probe.scoring.rubric import Item, Rubric

EPSILON = 0.005  # a point lost below this is rounding, not a fault


@dataclass(frozen=True)
class Advice:
    """One item to fix and what fixing it is worth."""

    item_id: str
    spec: Item | None  # the rubric's item (titles, remediation); None if it has no such item
    lost: float  # the item's points lost
    gain_total: float  # what fixing it adds to the total out of 100
    total_after: float  # the total once it and every item above it are fixed
    grade_after: str

    def title(self, lang: str = "vi") -> str:
        return "" if self.spec is None else self.spec.title(lang)

    def remediation(self, lang: str = "vi") -> str:
        return "" if self.spec is None else self.spec.remediation(lang)


def fix_first(items: Sequence[Mapping[str, Any]], rubric: Rubric) -> list[Advice]:
    """The items that lost points, most points lost first (ties by item id)."""
    zero = rubric.unmeasured_policy == "zero"
    counted = [i for i in items
               if zero or (i["status"] != "unmeasured" and i["points"] is not None)]
    measured = rubric.max_points if zero else math.fsum(float(i["max"]) for i in counted)
    running = math.fsum(float(i["points"] or 0.0) for i in counted)
    lost = sorted(((float(i["max"]) - float(i["points"] or 0.0), str(i["id"])) for i in counted),
                  key=lambda entry: (-entry[0], entry[1]))
    found = []
    for points, item_id in (entry for entry in lost if entry[0] > EPSILON):
        running += points
        after = round2(100.0 * running / measured) if measured else 0.0
        found.append(Advice(item_id, rubric.find_item(item_id), round(points, 2),
                            100.0 * points / measured if measured else 0.0, after,
                            rubric.grade_for(after)))
    return found


def unmeasured(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the items the probe could not measure, in the check's order."""
    return [str(item["id"]) for item in items if item["status"] == "unmeasured"]
