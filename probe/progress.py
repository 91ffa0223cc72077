"""Progress bars for sweeps: one bar for the sweep, the current portal and stage beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from probe.models import Agency

STAGES_VI = {
    "discover": "lập sơ đồ trang", "performance": "hiệu năng", "functions": "chức năng",
    "layout": "bố cục", "access": "truy cập", "security": "an toàn thông tin",
    "emc": "EMC", "done": "xong",
}


@contextmanager
def sweep_progress(console: Console, agencies: list[Agency],
                   enabled: bool = True) -> Iterator[Callable[[Agency, str], None]]:
    """A callback `(agency, stage)` that drives a progress bar over `agencies`."""
    if not enabled:
        yield lambda _agency, _stage: None
        return
    columns = (TextColumn("[bold]Quét[/] (sweep)"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=len(agencies))

        def update(agency: Agency, stage: str) -> None:
            label = STAGES_VI.get(stage, stage)
            progress.update(task, description=f"{agency.name}: {label}")
            if stage == "done":
                progress.advance(task)

        yield update
