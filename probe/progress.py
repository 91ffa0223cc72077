"""Progress bars for sweeps (one for the sweep, one per portal under way) and the summary
table printed at the end of a sweep."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

STAGES_VI = {
    "discover": "lập sơ đồ trang", "performance": "hiệu năng", "functions": "chức năng",
    "layout": "bố cục", "access": "truy cập", "security": "an toàn thông tin",
    "emc": "EMC", "retry": "chờ thử lại (retry)", "skipped": "ngoài khung giờ (not started)",
    "done": "xong",
}
FINAL = frozenset({"done", "skipped"})


class _Bars:
    """The sweep's bar plus one bar per portal in flight (removed when it is done)."""

    def __init__(self, progress: Progress, total: int, families: tuple[str, ...]) -> None:
        self.progress = progress
        self.sweep = progress.add_task("[bold]Quét[/] (sweep)", total=total, stage="")
        self.steps = {"discover": 0, **{f: i + 1 for i, f in enumerate(families)}}
        self.portals: dict[str, TaskID] = {}

    def update(self, agency: Agency, stage: str) -> None:
        label = STAGES_VI.get(stage, stage)
        self.progress.update(self.sweep, stage=f"{agency.name}: {label}")
        if stage in FINAL:
            self.progress.advance(self.sweep)
            task = self.portals.pop(agency.id, None)
            if task is not None:
                self.progress.remove_task(task)
            return
        task = self.portals.get(agency.id)
        if task is None:
            task = self.progress.add_task(f"  {agency.name}", total=len(self.steps), stage="")
            self.portals[agency.id] = task
        done = self.steps.get(stage)
        self.progress.update(task, stage=label, **({"completed": done} if done is not None
                                                   else {}))


@contextmanager
def sweep_progress(console: Console, agencies: list[Agency], enabled: bool = True,
                   families: tuple[str, ...] = checks.FAMILIES,
                   ) -> Iterator[Callable[[Agency, str], None]]:
    """A callback `(agency, stage)` that drives the sweep's bar and one bar per portal."""
    if not enabled:
        yield lambda _agency, _stage: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[stage]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        yield _Bars(progress, len(agencies), families).update


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
