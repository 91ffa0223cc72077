"""Wording for reasons: values with units and requirements, in Vietnamese and English."""

from __future__ import annotations

import math

from probe.models import ObservationValue
from probe.scoring.rubric import Criterion

Lang = str  # "vi" or "en"

AGGREGATE_WORDS: dict[str, tuple[str, str]] = {
    "max": ("lớn nhất", "maximum"),
    "min": ("nhỏ nhất", "minimum"),
    "median": ("trung vị", "median"),
    "mean": ("trung bình", "mean"),
    "sum": ("tổng", "sum"),
}
MAX_PAGES_LISTED = 3


def number(value: float, lang: Lang) -> str:
    """A number without float noise; Vietnamese uses a decimal comma."""
    text = f"{round(value, 2):g}"
    return text.replace(".", ",") if lang == "vi" else text


def fmt_value(value: ObservationValue | float, unit: str, lang: Lang) -> str:
    """An observed value with its unit, e.g. 'có', '87,5%', '2350 ms', '4 lần nhấp'."""
    if isinstance(value, bool):
        return ("có" if value else "không") if lang == "vi" else ("yes" if value else "no")
    if value is None:
        return "trống" if lang == "vi" else "empty"
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return "cổng lỗi" if lang == "vi" else "portal failed"
    if unit == "ratio":
        return f"{number(value * 100, lang)}%"
    if unit == "ms":
        return f"{round(value)} ms"
    if unit == "clicks":
        return f"{number(value, lang)} {'lần nhấp' if lang == 'vi' else 'clicks'}"
    return number(value, lang)


def requirement(criterion: Criterion, unit: str, lang: Lang) -> str:
    """What the criterion asks for, e.g. 'yêu cầu ≤ 3 lần nhấp', or '' for bools and scales."""
    vi = lang == "vi"
    if criterion.kind == "curve" and criterion.curve is not None:
        full = fmt_value(criterion.curve.full, unit, lang)
        none = fmt_value(criterion.curve.none, unit, lang)
        return (f"đủ điểm ≤ {full}, 0 điểm ≥ {none}" if vi
                else f"full credit ≤ {full}, none ≥ {none}")
    if criterion.kind != "threshold":
        return ""
    word = "yêu cầu" if vi else "required"
    low, high = criterion.min, criterion.max
    if low is not None and high is not None:
        return f"{word} {fmt_value(low, unit, lang)}–{fmt_value(high, unit, lang)}"
    if low is not None:
        return f"{word} ≥ {fmt_value(low, unit, lang)}"
    if high is not None:
        return f"{word} ≤ {fmt_value(high, unit, lang)}"
    return ""


def pages_list(pages: list[str]) -> str:
    """At most a few page names, then an ellipsis."""
    shown = pages[:MAX_PAGES_LISTED]
    more = ", …" if len(pages) > MAX_PAGES_LISTED else ""
    return ", ".join(shown) + more


def credit_share(credit: float, lang: Lang) -> str:
    """Partial credit as a percentage, e.g. 'đạt 54%' / '54% credit'."""
    percent = str(round(credit * 100))
    return f"đạt {percent}%" if lang == "vi" else f"{percent}% credit"
