"""Charts of the HTML report as plain shapes, drawn server-side as inline SVG.

Pure geometry: each function returns a `Chart` (rectangles, texts, lines, circles) that the
template `report_charts.html` writes out as SVG with Jinja autoescaping, so labels taken
from portals stay text. No JavaScript and no external asset: the report opens offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

GRADE_CSS = {g: f"fill-{g}" for g in "ABCDE"}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "guide"


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    css: str
    title: str = ""


@dataclass
class Chart:
    """One SVG figure: its size, its accessible name and its shapes."""

    kind: str
    width: float
    height: float
    label: str
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    polyline: str = ""


@dataclass(frozen=True)
class HBar:
    """One horizontal bar: its label, its length as a share of the axis, its value text."""

    label: str
    share: float
    text: str
    css: str = "fill-bar"


def _clamp(share: float) -> float:
    return max(0.0, min(1.0, share))


def hbar_chart(label: str, bars: Sequence[HBar], guides: Sequence[tuple[float, str]] = (),
               width: float = 560.0) -> Chart:
    """Horizontal bars, each with its label above it; dashed guides at shares of the axis."""
    bar_w, row_h, top = width - 90.0, 44.0, 22.0 if guides else 4.0
    chart = Chart("hbar", width, top + row_h * len(bars) + 4, label)
    for share, name in guides:
        x = 4 + bar_w * _clamp(share)
        chart.lines.append(Line(x, top - 4, x, chart.height - 2))
        chart.texts.append(Text(x, top - 8, name, "middle", "axis"))
    for index, bar in enumerate(bars):
        y = top + row_h * index
        chart.texts.append(Text(4, y + 14, bar.label, "start", "label"))
        chart.rects.append(Rect(4, y + 20, bar_w, 16, "fill-track"))
        chart.rects.append(Rect(4, y + 20, round(bar_w * _clamp(bar.share), 1), 16, bar.css,
                                f"{bar.label}: {bar.text}"))
        chart.texts.append(Text(bar_w + 10, y + 33, bar.text, "start", "value"))
    return chart


@dataclass(frozen=True)
class Column:
    """One vertical column: label under it, value text over it, height as a share."""

    label: str
    share: float
    text: str
    css: str


def column_chart(label: str, columns: Sequence[Column], height: float = 170.0) -> Chart:
    """Vertical columns on a common baseline (e.g. the share of each grade in a block)."""
    col_w, gap, plot_h, base = 44.0, 18.0, height - 46.0, height - 24.0
    width = gap + (col_w + gap) * len(columns)
    chart = Chart("columns", width, height, label)
    chart.lines.append(Line(gap / 2, base, width - gap / 2, base, "axis-line"))
    for index, column in enumerate(columns):
        x = gap + (col_w + gap) * index
        h = round(plot_h * _clamp(column.share), 1)
        chart.rects.append(Rect(x, base - h, col_w, h, column.css,
                                f"{column.label}: {column.text}"))
        chart.texts.append(Text(x + col_w / 2, base - h - 6, column.text, "middle", "value"))
        chart.texts.append(Text(x + col_w / 2, base + 17, column.label, "middle", "label"))
    return chart


@dataclass(frozen=True)
class Point:
    """One point of a line chart: its x label, its value (None: not scored) and text."""

    label: str
    value: float | None
    text: str
    current: bool = False


LABELLED_POINTS = 6  # x labels a dense line chart keeps (a date label is about 60 px wide)
VALUED_POINTS = 12  # up to this many points, each shows its value; beyond, the current one


def line_chart(label: str, points: Sequence[Point], y_max: float = 100.0,
               guides: Sequence[tuple[float, str]] = (), width: float = 520.0) -> Chart:
    """Values over time, oldest left; guides are horizontal lines at values (grade bands).

    A year of nightly points keeps every dot (each titled with its label and value), but
    only `LABELLED_POINTS` x labels, evenly spread, and only the current point's value."""
    height, left, right, top, base, inset = 190.0, 28.0, 8.0, 16.0, 150.0, 40.0
    chart = Chart("line", width, height, label)
    span = width - left - right - 2 * inset
    step = span / max(1, len(points) - 1)
    y_of = lambda v: round(base - (base - top) * _clamp(v / y_max), 1)  # noqa: E731
    for value, name in guides:
        chart.lines.append(Line(left, y_of(value), width - right, y_of(value)))
        chart.texts.append(Text(left - 6, y_of(value) + 4, name, "end", "axis"))
    chart.lines.append(Line(left, base, width - right, base, "axis-line"))
    labelled = labelled_points(points)
    dense = len(points) > VALUED_POINTS
    coords = []
    for index, point in enumerate(points):
        x = round(left + inset + (step * index if len(points) > 1 else span / 2), 1)
        if index in labelled:
            chart.texts.append(Text(x, base + 18, point.label, "middle", "axis"))
        if point.value is None:
            continue
        coords.append(f"{x},{y_of(point.value)}")
        radius = 6 if point.current else 2 if dense else 4
        chart.circles.append(Circle(x, y_of(point.value), radius,
                                    "dot-current" if point.current else "dot",
                                    f"{point.label}: {point.text}"))
        if point.current or not dense:
            chart.texts.append(Text(x, y_of(point.value) - 10, point.text, "middle", "value"))
    chart.polyline = " ".join(coords) if len(coords) > 1 else ""
    return chart


def labelled_points(points: Sequence[Point]) -> set[int]:
    """The indices whose x label is drawn: all when they fit, else `LABELLED_POINTS` evenly
    spread from the first to the last; the current point's label replaces those too close
    to it."""
    count = len(points)
    if count <= LABELLED_POINTS:
        return set(range(count))
    gap = (count - 1) / (LABELLED_POINTS - 1)
    spread = {round(i * gap) for i in range(LABELLED_POINTS)}
    current = next((i for i, p in enumerate(points) if p.current), None)
    if current is None or current in spread:
        return spread
    return {i for i in spread if abs(i - current) >= 0.8 * gap} | {current}


def strip_chart(label: str, runs: Sequence[float], median: float | None, unit: str,
                median_text: str = "", width: float = 420.0) -> Chart:
    """Timed runs as dots on one axis from 0, the median as a tick (a timing distribution)."""
    height, left, right, mid = 46.0, 8.0, 100.0, 18.0
    chart = Chart("strip", width, height, label)
    top = max([*runs, median or 0.0]) or 1.0
    x_of = lambda v: round(left + (width - left - right) * _clamp(v / (top * 1.1)), 1)  # noqa: E731
    chart.lines.append(Line(left, mid, width - right, mid, "axis-line"))
    chart.texts.append(Text(left, height - 4, f"0 {unit}".strip(), "start", "axis"))
    chart.texts.append(Text(width - right, height - 4, f"{top * 1.1:.4g} {unit}".strip(), "end",
                            "axis"))
    for value in runs:
        chart.circles.append(Circle(x_of(value), mid, 5, "dot-run", f"{value:g} {unit}"))
    if median is not None:
        chart.lines.append(Line(x_of(median), mid - 11, x_of(median), mid + 11, "median"))
        chart.texts.append(Text(width - right + 8, mid + 4, median_text or f"{median:g}",
                                "start", "value"))
    return chart


@dataclass(frozen=True)
class Stack:
    """One stacked bar: a label and (count, css, title) segments, with a value text."""

    label: str
    segments: tuple[tuple[int, str, str], ...]
    text: str


def stacked_chart(label: str, stacks: Sequence[Stack], width: float = 560.0) -> Chart:
    """Horizontal 100 % bars split into segments (e.g. the grades of one vendor's portals)."""
    bar_w, row_h = width - 130.0, 44.0
    chart = Chart("stacked", width, row_h * len(stacks) + 4, label)
    for index, stack in enumerate(stacks):
        y = row_h * index
        chart.texts.append(Text(4, y + 14, stack.label, "start", "label"))
        total = sum(count for count, _, _ in stack.segments) or 1
        x = 4.0
        for count, css, title in stack.segments:
            w = round(bar_w * count / total, 1)
            if w > 0:
                chart.rects.append(Rect(x, y + 20, w, 16, css, title))
            x += w
        chart.texts.append(Text(bar_w + 12, y + 33, stack.text, "start", "value"))
    return chart
