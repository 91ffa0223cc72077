"""Scoring: the pure judging layer (observations x rubric file -> points, grade, reasons)."""

from probe.scoring.curves import curve_credit
from probe.scoring.engine import UNGRADED, round2, score, score_item
from probe.scoring.rubric import (
    Criterion,
    Curve,
    GradeBand,
    Group,
    Item,
    Rubric,
    RubricError,
    available_rubrics,
    load_rubric,
    parse_rubric,
    parse_rubric_text,
)

__all__ = [
    "UNGRADED",
    "Criterion",
    "Curve",
    "GradeBand",
    "Group",
    "Item",
    "Rubric",
    "RubricError",
    "available_rubrics",
    "curve_credit",
    "load_rubric",
    "parse_rubric",
    "parse_rubric_text",
    "round2",
    "score",
    "score_item",
]
