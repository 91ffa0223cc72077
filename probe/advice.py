"""What a self-check tells an agency to do first: the items that lost the most points, each
with the rubric's remediation, and the items the probe could not measure.

Pure: it reads a scored check's items (`probe check --json`'s "items") and the rubric they
were judged by. An item judged "partial" or "fail" lost `max - points`; an attested item or
one left unmeasured (a probe failure, never the portal's) lost nothing the agency can fix by
changing its portal, so it is listed apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from probe.scoring.rubric import Rubric

LOSING = ("partial", "fail")


@dataclass(frozen=True)
class Advice:
    """One item to fix: how many points it lost and what the rubric says to do."""

    item_id: str
    title_vi: str
    title_en: str
    lost: float
    remediation_vi: str
    remediation_en: str


def fix_first(items: Sequence[Mapping[str, Any]], rubric: Rubric) -> list[Advice]:
    """The items that lost points, most points lost first (ties in the check's order)."""
    known = {item.id: item for item in rubric.items}
    found = []
    for index, scored in enumerate(items):
        spec = known.get(str(scored["id"]))
        if scored["status"] not in LOSING or scored["points"] is None or spec is None:
            continue
        lost = round(float(scored["max"]) - float(scored["points"]), 2)
        if lost > 0:
            found.append((-lost, index, Advice(spec.id, spec.title_vi, spec.title_en, lost,
                                               spec.remediation_vi, spec.remediation_en)))
    return [advice for _, _, advice in sorted(found, key=lambda entry: entry[:2])]


def unmeasured(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ids of the items the probe could not measure, in the check's order."""
    return [str(item["id"]) for item in items if item["status"] == "unmeasured"]
