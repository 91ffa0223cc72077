"""Progress bars for sweeps (one for the sweep, one per portal under way) and the summary
table printed at the end of a sweep."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

import checks
from probe import status as statuses
from probe.models import Agency
from probe.sweep import ENDED

STAGES_VI = {
    "discover": "lập sơ đồ trang", "performance": "hiệu năng", "functions": "chức năng",
    "layout": "bố cục", "access": "truy cập", "security": "an toàn thông tin",
    "emc": "EMC", "retry": "chờ thử lại (retry)", "skipped": "ngoài khung giờ (not started)",
    "done": "xong",
}
FINAL = frozenset({"done", "skipped"})
WAITING = "chờ lượt (waiting)"  # between a portal's untimed families and its timed turn


@dataclass
class _PortalBar:
    """One portal's bar: its steps are discovery, then each family (some side by side)."""

    task: TaskID
    stage: str = ""  # the last stage that is not a family: discover, retry
    mapped: bool = False  # a family has started, so discovery has ended
    running: list[str] = field(default_factory=list)
    ended: int = 0  # families ended

    @property
    def completed(self) -> int:
        return int(self.mapped) + self.ended

    def label(self) -> str:
        if self.running:
            return " + ".join(STAGES_VI.get(f, f) for f in self.running)
        return WAITING if self.mapped else STAGES_VI.get(self.stage, self.stage)


class _Bars:
    """The sweep's bar plus one bar per portal in flight (removed when it is done)."""

    def __init__(self, progress: Progress, total: int, families: tuple[str, ...],
                 title: str) -> None:
        self.progress = progress
        self.sweep = progress.add_task(title, total=total, stage="")
        self.families = families
        self.portals: dict[str, _PortalBar] = {}

    def update(self, agency: Agency, stage: str) -> None:
        family = stage.removesuffix(ENDED)
        if family == stage:
            label = STAGES_VI.get(stage, stage)
            self.progress.update(self.sweep, stage=f"{agency.name}: {label}")
        if stage in FINAL:
            self.progress.advance(self.sweep)
            bar = self.portals.pop(agency.id, None)
            if bar is not None:
                self.progress.remove_task(bar.task)
            return
        bar = self.portals.get(agency.id) or self._add(agency)
        if family != stage:
            bar.running = [f for f in bar.running if f != family]
            bar.ended += 1
        elif stage in self.families:
            bar.mapped = True
            bar.running.append(stage)
        else:
            bar.stage = stage
        self.progress.update(bar.task, stage=bar.label(), completed=bar.completed)

    def _add(self, agency: Agency) -> _PortalBar:
        task = self.progress.add_task(f"  {agency.name}", total=len(self.families) + 1,
                                      stage="")
        self.portals[agency.id] = bar = _PortalBar(task)
        return bar


@contextmanager
def sweep_progress(console: Console, agencies: list[Agency], enabled: bool = True,
                   families: tuple[str, ...] = checks.FAMILIES, title: str = "Quét (sweep)",
                   ) -> Iterator[Callable[[Agency, str], None]]:
    """A callback `(agency, stage)` that drives the sweep's bar and one bar per portal."""
    if not enabled:
        yield lambda _agency, _stage: None
        return
    columns = (TextColumn("{task.description}", markup=False), BarColumn(),  # agency names
               MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[stage]}", markup=False))
    with Progress(*columns, console=console, transient=False) as progress:
        yield _Bars(progress, len(agencies), families, title).update


def summary_rows(items: list[Any]) -> list[dict[str, Any]]:
    """Per status: portals, retried portals, redone portals, duration min/median/max.

    `items` are the sweep's plan rows (`SweepPortalRow`); pending ones count as 'pending'.
    """
    groups: dict[str, list[Any]] = {}
    for item in items:
        key = item.status if item.state == "done" else "pending"
        groups.setdefault(key, []).append(item)
    rows = []
    for key in sorted(groups, key=lambda k: (k == "pending", k != statuses.COMPLETED, k)):
        members = groups[key]
        times = [m.duration_s for m in members if m.state == "done"]
        rows.append({"status": key, "portals": len(members),
                     "retried": sum(1 for m in members if m.attempts > 1),
                     "redone": sum(1 for m in members if m.redone),
                     "min_s": min(times, default=None),
                     "median_s": statistics.median(times) if times else None,
                     "max_s": max(times, default=None)})
    return rows


def print_summary(console: Console, items: list[Any], wall_s: float) -> None:
    """The end-of-sweep table: status counts, retries, redone runs and durations."""
    table = Table(title=f"Tổng kết đợt quét (sweep summary): {len(items)} cổng (portals), "
                        f"{wall_s:.1f} s",
                  caption="thời gian mỗi cổng, giây: nhỏ nhất / trung vị / lớn nhất "
                          "(seconds per portal: min / median / max)")
    table.add_column("Trạng thái (status)")
    for column in ("Cổng (portals)", "Thử lại (retried)", "Làm lại (redone)"):
        table.add_column(column, justify="right", max_width=9)
    table.add_column("Thời gian (s)", justify="right", no_wrap=True)
    for row in summary_rows(items):
        name = ("Chưa quét (pending)" if row["status"] == "pending"
                else f"{statuses.label(row['status'])} ({row['status']})")
        times = " / ".join(_seconds(row[k]) for k in ("min_s", "median_s", "max_s"))
        table.add_row(name, str(row["portals"]), str(row["retried"]), str(row["redone"]),
                      times)
    console.print(table)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
