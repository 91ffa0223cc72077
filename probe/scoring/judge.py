"""Judging one criterion: which observations count, how they combine, what credit they earn.

Rules (data-independent, the rubric file supplies the numbers):
- Only observations of the criterion's name with stat None or "median" count ("run" is a
  single timed run). When a page has both, the median wins.
- outcome "probe_error" is ignored; when nothing else is left the criterion is unmeasured.
- outcome "portal_error" earns no credit: under `all`/`any` it is a failing observation;
  under a value aggregate it counts as the worst possible value (+inf for upper-bounded
  kinds, -inf for lower-bounded thresholds, 0 for scale).
- A value of the wrong type (or None/NaN) with outcome "ok" is a probe-side defect: the
  criterion is unmeasured rather than scored.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from probe import status
from probe.models import Observation, ObservationValue
from probe.observations import CATALOGUE
from probe.scoring import text
from probe.scoring.curves import curve_credit
from probe.scoring.rubric import Criterion

USED_STATS = (None, "median")


@dataclass(frozen=True)
class CriterionResult:
    """The credit one criterion earned (None when unmeasured) and what was seen."""

    criterion: Criterion
    credit: float | None
    refs: tuple[str, ...]
    seen_vi: str
    seen_en: str
    portal_errors: int = 0

    @property
    def measured(self) -> bool:
        """True when the criterion could be judged."""
        return self.credit is not None


def observation_ref(observation: Observation) -> str:
    """A short reference 'check/name@page' (no '@page' for portal-wide facts)."""
    ref = f"{observation.check}/{observation.name}"
    return f"{ref}@{observation.page}" if observation.page else ref


def relevant(criterion: Criterion, observations: Sequence[Observation]) -> list[Observation]:
    """Observations the criterion may use: its name, stat None/median, medians preferred."""
    named = [o for o in observations
             if o.name == criterion.observation and o.stat in USED_STATS]
    median_pages = {o.page for o in named if o.stat == "median"}
    return [o for o in named if o.stat == "median" or o.page not in median_pages]


def is_valid_value(criterion: Criterion, value: ObservationValue) -> bool:
    """Whether an ok observation's value has the type the criterion judges."""
    if criterion.kind == "expect":
        return isinstance(value, bool)
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and not math.isnan(value))


def value_credit(criterion: Criterion, value: ObservationValue) -> float:
    """Credit in [0, 1] that one (valid) value earns under the criterion."""
    if criterion.kind == "expect":
        return 1.0 if value is criterion.expect else 0.0
    if not isinstance(value, int | float):
        raise TypeError(f"{criterion.observation}: numeric value expected, got {value!r}")
    number = float(value)
    if criterion.kind == "scale":
        return min(1.0, max(0.0, number)) if math.isfinite(number) else 0.0
    if criterion.kind == "curve" and criterion.curve is not None:
        return curve_credit(number, criterion.curve.full, criterion.curve.none)
    low_ok = criterion.min is None or number >= criterion.min
    high_ok = criterion.max is None or number <= criterion.max
    return 1.0 if low_ok and high_ok else 0.0


def worst_value(criterion: Criterion) -> float:
    """The value a portal failure stands for inside a value aggregate."""
    if criterion.kind == "scale":
        return 0.0
    if criterion.kind == "threshold" and criterion.max is None:
        return -math.inf
    return math.inf


def combine(values: list[float], how: str) -> float:
    """Combine values with a value aggregate (max, min, median, mean, sum)."""
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    if how == "median":
        return float(statistics.median(sorted(values)))
    if how == "sum":
        return math.fsum(values)
    return math.fsum(values) / len(values)


def _number(value: ObservationValue) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"numeric value expected, got {value!r}")


JudgeCache = dict[tuple[Any, ...], tuple[Any, ...]]  # memo of pure results, one batch


def judge(criterion: Criterion, observations: Sequence[Observation],
          cache: JudgeCache | None = None) -> CriterionResult:
    """Judge one criterion against all of a portal's observations.

    `cache` (a dict shared over many portals, e.g. one re-scoring batch) only saves time:
    the result depends only on the criterion and the fields of the relevant observations
    that judging reads, which form the key.
    """
    found = relevant(criterion, observations)
    if cache is None:
        return _judge_found(criterion, found)
    key = _cache_key(criterion, found)
    if key is None:
        return _judge_found(criterion, found)
    hit = cache.get(key)
    if hit is not None and hit[0] is criterion:  # ids are only unique while alive
        cached: CriterionResult = hit[1]
        return cached
    result = _judge_found(criterion, found)
    cache[key] = (criterion, result)
    return result


def _cache_key(criterion: Criterion, found: list[Observation]) -> tuple[Any, ...] | None:
    """What judging reads, as a hashable key (the value's type too: True == 1 == 1.0)."""
    key = (id(criterion), *((o.check, o.name, o.page, o.stat, o.outcome, o.detail,
                             type(o.value), o.value) for o in found))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _judge_found(criterion: Criterion, found: list[Observation]) -> CriterionResult:
    """Judge one criterion against its relevant observations."""
    usable = [o for o in found if o.outcome != "probe_error"]
    refs = tuple(sorted({observation_ref(o) for o in found}))
    if not usable:
        return _unmeasured(criterion, found, refs)
    broken = [o for o in usable if o.outcome == "ok" and not is_valid_value(criterion, o.value)]
    if broken:
        value = broken[0].value
        return CriterionResult(criterion, None, refs,
                               f"giá trị đo không hợp lệ ({value!r}), lỗi của công cụ đo",
                               f"invalid observed value ({value!r}), a probe defect")
    if criterion.aggregate in ("all", "any"):
        return _judge_each(criterion, usable, refs)
    return _judge_combined(criterion, usable, refs)


def _unmeasured(criterion: Criterion, found: list[Observation],
                refs: tuple[str, ...]) -> CriterionResult:
    if not found:
        return CriterionResult(criterion, None, refs, "thiếu quan sát", "no observation")
    detail = next((o.detail for o in found if o.detail), "")
    suffix = f": {detail}" if detail else ""
    return CriterionResult(criterion, None, refs, f"công cụ đo gặp lỗi{suffix}",
                           f"the probe failed{suffix}")


def _portal_note(failed: list[Observation], lang: str) -> str:
    """Where and why the portal failed; a failure of no page is the whole portal's (it could
    not be reached), told without a page list."""
    if not failed:
        return ""
    detail = status.told(next((o.detail for o in failed if o.detail), ""), lang)
    pages = [o.page for o in failed if o.page]
    if not pages:
        detail = f": {detail}" if detail else ""
        return f"cổng lỗi{detail}" if lang == "vi" else f"the portal failed{detail}"
    detail = f" ({detail})" if detail else ""
    if lang == "vi":
        return f"cổng lỗi ở {len(pages)} trang: {text.pages_list(pages)}{detail}"
    return f"the portal failed on {len(pages)} page(s): {text.pages_list(pages)}{detail}"


def _judge_each(criterion: Criterion, usable: list[Observation],
                refs: tuple[str, ...]) -> CriterionResult:
    """`all` (lowest credit counts) or `any` (highest credit counts), page by page."""
    credits = [0.0 if o.outcome == "portal_error" else value_credit(criterion, o.value)
               for o in usable]
    credit = min(credits) if criterion.aggregate == "all" else max(credits)
    failed = [o for o in usable if o.outcome == "portal_error"]
    seen = {lang: _seen_each(criterion, usable, credits, failed, lang) for lang in ("vi", "en")}
    return CriterionResult(criterion, credit, refs, seen["vi"], seen["en"], len(failed))


def _seen_each(criterion: Criterion, usable: list[Observation], credits: list[float],
               failed: list[Observation], lang: str) -> str:
    unit = CATALOGUE[criterion.observation].unit
    ok = [(o, c) for o, c in zip(usable, credits, strict=True) if o.outcome == "ok"]
    parts: list[str] = []
    if len(usable) == 1 and ok:
        word = "kết quả" if lang == "vi" else "observed"
        parts.append(f"{word}: {text.fmt_value(ok[0][0].value, unit, lang)}")
    elif ok:
        short = [(o, c) for o, c in ok if c < 1.0]
        listed = text.pages_list([f"{o.page or '-'} ({text.fmt_value(o.value, unit, lang)})"
                                  for o, _ in short])
        n, m = len(short), len(usable)
        if not short:
            parts.append(f"đạt ở {m}/{m} trang" if lang == "vi" else f"met on {m} of {m} pages")
        elif lang == "vi":
            parts.append(f"chưa đạt ở {n}/{m} trang: {listed}")
        else:
            parts.append(f"not met on {n} of {m} pages: {listed}")
    parts.append(_portal_note(failed, lang))
    parts.append(text.requirement(criterion, unit, lang))
    return "; ".join(p for p in parts if p)


def _judge_combined(criterion: Criterion, usable: list[Observation],
                    refs: tuple[str, ...]) -> CriterionResult:
    """Value aggregates: combine the values, then judge the combined value once."""
    worst = worst_value(criterion)
    values = [worst if o.outcome == "portal_error" else _number(o.value) for o in usable]
    combined = combine(values, criterion.aggregate)
    credit = value_credit(criterion, combined) if not math.isnan(combined) else 0.0
    failed = [o for o in usable if o.outcome == "portal_error"]
    unit = CATALOGUE[criterion.observation].unit
    seen: dict[str, str] = {}
    for lang in ("vi", "en"):
        vi_word, en_word = text.AGGREGATE_WORDS[criterion.aggregate]
        word = vi_word if lang == "vi" else en_word
        count = (f" của {len(usable)} trang" if lang == "vi" else f" of {len(usable)} pages"
                 ) if len(usable) > 1 else ""
        value = "" if len(failed) == len(usable) else \
            f"{word}{count}: {text.fmt_value(combined, unit, lang)}"  # else the note says it
        parts = [value, _portal_note(failed, lang), text.requirement(criterion, unit, lang)]
        seen[lang] = "; ".join(p for p in parts if p)
    return CriterionResult(criterion, credit, refs, seen["vi"], seen["en"], len(failed))
