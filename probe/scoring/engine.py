"""Scoring: observations x rubric -> item points, group sums, total and grade.

Pure: no I/O, no clock, no randomness; the same input always gives the same output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from probe.models import ItemScore, ItemStatus, Observation, PortalScore
from probe.scoring import text
from probe.scoring.judge import CriterionResult, JudgeCache, judge
from probe.scoring.rubric import Item, Rubric

UNGRADED = "-"  # grade when nothing at all could be measured under the rescale policy
_FULL = 1.0 - 1e-9
Attestations = Mapping[str, Mapping[str, Any]]


def round2(value: float) -> float:
    """Round half up to 2 decimals (2.675 -> 2.68), the way people round points."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def score(observations: Sequence[Observation], rubric: Rubric,
          attestations: Attestations | None = None, *,
          cache: JudgeCache | None = None) -> PortalScore:
    """Judge a portal's observations under `rubric`.

    `attestations` maps item id -> {"credit": 0..1 | "points": n, "by", "date", "note",
    "evidence"} for items with `source: attestation`; other items ignore it. `cache` (one
    dict shared by a batch of portals) only saves time; results are the same without it.
    """
    by_name = index_by_name(observations)
    items = [score_item(item, observations, rubric, (attestations or {}).get(item.id),
                        by_name=by_name, cache=cache)
             for item in rubric.items]
    total = total_of(items, rubric)
    grade = UNGRADED if total is None else rubric.grade_for(total)
    return PortalScore(rubric=rubric.version, total=0.0 if total is None else total,
                       grade=grade, groups=groups_of(items, rubric), items=items)


def index_by_name(observations: Sequence[Observation]) -> dict[str, list[Observation]]:
    """Observations grouped by name, each group in the original order."""
    by_name: dict[str, list[Observation]] = {}
    for observation in observations:
        by_name.setdefault(observation.name, []).append(observation)
    return by_name


def is_counted(item: ItemScore) -> bool:
    """Whether an item enters the total (measured by the probe or attested)."""
    return item.status != "unmeasured" and item.points is not None


def total_of(items: Sequence[ItemScore], rubric: Rubric) -> float | None:
    """The total on 100 under the rubric's policy; None when rescaling has nothing to go on:
    no item the probe measures was measured (attested items alone grade no portal, so a
    probe that failed is never scored against the agency). The "zero" policy counts every
    unmeasured item as 0, as its rubric says."""
    earned = math.fsum(i.points for i in items if is_counted(i) and i.points is not None)
    if rubric.unmeasured_policy == "zero":
        return round2(100.0 * earned / rubric.max_points)
    if not any(is_counted(i) and rubric.item(i.id).source != "attestation" for i in items):
        return None
    return round2(100.0 * earned / math.fsum(i.max for i in items if is_counted(i)))


def groups_of(items: Sequence[ItemScore], rubric: Rubric) -> dict[str, dict[str, float]]:
    """Per group: points earned, official max, and the max of the items actually measured."""
    groups: dict[str, dict[str, float]] = {}
    for group in rubric.groups:
        mine = [i for i in items if i.group == group.id and is_counted(i)]
        groups[group.id] = {
            "points": round2(math.fsum(i.points for i in mine if i.points is not None)),
            "max": group.points,
            "measured": round2(math.fsum(i.max for i in mine)),
        }
    return groups


def score_item(item: Item, observations: Sequence[Observation], rubric: Rubric,
               attestation: Mapping[str, Any] | None = None, *,
               by_name: Mapping[str, list[Observation]] | None = None,
               cache: JudgeCache | None = None) -> ItemScore:
    """Judge one item: every criterion, then status, points and reasons.

    `by_name` (from `index_by_name(observations)`) and `cache` (see `score`) only save
    time: the result is the same without them.
    """
    if item.source == "attestation":
        return attested_item(item, attestation, rubric)
    results = [judge(c, observations if by_name is None else by_name.get(c.observation, []),
                     cache)
               for c in item.criteria]
    if cache is None:
        return _item_score(item, results, rubric)
    # Cached criterion results are the same objects for the same evidence (kept alive by the
    # cache, so their ids are unique): the item's outcome can be reused, as a fresh copy.
    key = ("item", id(item), id(rubric), *(id(r) for r in results))
    hit = cache.get(key)
    if hit is None or hit[0] is not item or hit[1] is not rubric \
            or any(a is not b for a, b in zip(hit[2], results, strict=True)):
        hit = (item, rubric, tuple(results), _item_score(item, results, rubric))
        cache[key] = hit
    made: ItemScore = hit[3]
    return ItemScore(**{**made.__dict__, "observations": list(made.observations)})


def _item_score(item: Item, results: list[CriterionResult], rubric: Rubric) -> ItemScore:
    """Status, points and reasons of a probed item from its criterion results."""
    refs = sorted({ref for r in results for ref in r.refs})
    if not all(r.measured for r in results):
        missing = [r for r in results if not r.measured]
        return ItemScore(item.id, item.group, None, item.points, "unmeasured",
                         _unmeasured_reason(missing, rubric, "vi"),
                         _unmeasured_reason(missing, rubric, "en"), refs)
    credit = math.fsum(r.criterion.weight * (r.credit or 0.0) for r in results)
    points = round2(item.points * min(1.0, credit))
    status = _status(points, item.points)
    return ItemScore(item.id, item.group, points, item.points, status,
                     _reason(status, results, points, item.points, "vi"),
                     _reason(status, results, points, item.points, "en"), refs)


def _status(points: float, maximum: float) -> ItemStatus:
    """pass when the item keeps every point as shown (a credit a hair under full, from a
    timing just past a curve's knee or weights summing to 0.9999999, rounds to them)."""
    if points >= maximum:
        return "pass"
    if points <= 0:
        return "fail"
    return "partial"


def _label(result: CriterionResult, lang: str) -> str:
    return result.criterion.label_vi if lang == "vi" else result.criterion.label_en


def _short(result: CriterionResult, lang: str) -> str:
    """A criterion that fell short: its label, what was seen and any partial credit."""
    seen = result.seen_vi if lang == "vi" else result.seen_en
    credit = result.credit or 0.0
    graded = 0.0 < credit < 1.0 and result.criterion.kind != "scale"
    share = f"; {text.credit_share(credit, lang)}" if graded else ""
    return f"{_label(result, lang)} ({seen}{share})"


def _met(result: CriterionResult, lang: str) -> str:
    """A criterion that was met: its label, with the value for measured quantities."""
    seen = result.seen_vi if lang == "vi" else result.seen_en
    show = result.criterion.kind != "expect" or result.portal_errors
    return f"{_label(result, lang)} ({seen})" if show and seen else _label(result, lang)


def _reason(status: ItemStatus, results: list[CriterionResult], points: float,
            maximum: float, lang: str) -> str:
    """The reason text of a measured item, naming what failed."""
    vi = lang == "vi"
    short = "; ".join(_short(r, lang) for r in results if (r.credit or 0.0) < _FULL)
    met = "; ".join(_met(r, lang) for r in results if (r.credit or 0.0) >= _FULL)
    if status == "pass":  # every criterion, a credit that rounds to full points included
        return f"{'Đạt' if vi else 'Met'}: {'; '.join(_met(r, lang) for r in results)}."
    if status == "fail" and not met:
        return f"{'Không đạt' if vi else 'Not met'}: {short}."
    got = f"{text.number(points, lang)}/{text.number(maximum, lang)}"
    head = (f"Đạt một phần ({got} điểm). Chưa đạt: " if vi
            else f"Partly met ({got} points). Not met: ")
    if status == "fail":
        head = f"Không đạt ({got} điểm): " if vi else f"Not met ({got} points): "
    tail = f" {'Đạt' if vi else 'Met'}: {met}." if met else ""
    return f"{head}{short}.{tail}"


def _unmeasured_reason(missing: list[CriterionResult], rubric: Rubric, lang: str) -> str:
    """Why an item could not be judged, and what that means for the total."""
    parts = "; ".join(
        f"{_label(r, lang)} — {r.criterion.observation}: "
        f"{r.seen_vi if lang == 'vi' else r.seen_en}" for r in missing)
    if rubric.unmeasured_policy == "zero":
        effect = "tính 0 điểm theo bộ tiêu chí" if lang == "vi" else "counted as 0 by the rubric"
    else:
        effect = ("không tính vào tổng điểm" if lang == "vi"
                  else "left out of the total")
    head = "Chưa đo được" if lang == "vi" else "Not measured"
    return f"{head} ({effect}): {parts}."


def attested_item(item: Item, attestation: Mapping[str, Any] | None,
                  rubric: Rubric) -> ItemScore:
    """An item a person attests (paperwork the probe cannot see)."""
    if attestation is None and item.unattested == "fail":
        return ItemScore(item.id, item.group, 0.0, item.points, "fail",
                         "Không đạt: mục cần người có thẩm quyền xác nhận, chưa có xác nhận "
                         "(bộ tiêu chí tính 0 điểm khi thiếu xác nhận).",
                         "Not met: this item needs a person's attestation and none was "
                         "recorded (the rubric counts a missing attestation as 0).", [])
    if attestation is None:
        vi = ("Chưa đo được: mục cần người có thẩm quyền xác nhận, chưa có xác nhận")
        en = "Not measured: this item needs a person's attestation and none was recorded"
        effect_vi, effect_en = (("tính 0 điểm", "counted as 0")
                                if rubric.unmeasured_policy == "zero"
                                else ("không tính vào tổng điểm", "left out of the total"))
        return ItemScore(item.id, item.group, None, item.points, "unmeasured",
                         f"{vi} ({effect_vi}).", f"{en} ({effect_en}).", [])
    points = round2(_attested_points(item, attestation))
    by = str(attestation.get("by", "")).strip()
    when = str(attestation.get("date", "")).strip()
    note = str(attestation.get("note", "")).strip()
    got_vi = f"{text.number(points, 'vi')}/{text.number(item.points, 'vi')} điểm"
    got_en = f"{text.number(points, 'en')}/{text.number(item.points, 'en')} points"
    vi = "; ".join(p for p in (got_vi, f"người xác nhận: {by}" if by else "",
                                f"ngày {when}" if when else "", note) if p)
    en = "; ".join(p for p in (got_en, f"attested by: {by}" if by else "",
                                f"on {when}" if when else "", note) if p)
    evidence = attestation.get("evidence", [])
    refs = [f"attestation/{item.id}"] + sorted(str(e) for e in evidence)
    return ItemScore(item.id, item.group, points, item.points, "attested",
                     f"Đã xác nhận: {vi}.", f"Attested: {en}.", refs)


def _attested_points(item: Item, attestation: Mapping[str, Any]) -> float:
    """Points from an attestation's `credit` (0..1) or `points` (0..max)."""
    if "credit" in attestation:
        credit = attestation["credit"]
        if not _is_number(credit) or not 0 <= credit <= 1:
            raise ValueError(f"attestation of {item.id}: credit must be in [0, 1], "
                             f"got {credit!r}")
        return item.points * float(credit)
    if "points" in attestation:
        points = attestation["points"]
        if not _is_number(points) or not 0 <= points <= item.points:
            raise ValueError(f"attestation of {item.id}: points must be in [0, {item.points}]"
                             f", got {points!r}")
        return float(points)
    raise ValueError(f"attestation of {item.id}: needs 'credit' or 'points'")


def _is_number(value: Any) -> TypeGuard[float]:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))
