"""`probe demo`: the farm on loopback, swept, scored, ranked and reported."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from probe import status
from probe.context import ProbeSettings
from probe.db.store import Store
from probe.progress import sweep_progress
from probe.schedule import DEMO_SCHEDULE
from probe.sweep import PortalOutcome, SweepOptions, open_sweep, sweep


def run_demo(console: Console, workdir: Path, db: str, out_dir: Path, strict: bool,
             rubric: str = "2024", concurrency: int = 3) -> int:
    """Sweep the farm; print the ranking and how each grade compares with the farm's design."""
    from probe.commands import env_sampling, evidence_root, open_store
    from probe.farm import start_farm
    from probe.outputs import REPORT_FOLDER, writing
    from probe.report import write_report
    from probe.tables import print_ranking

    clock = time.monotonic()
    store = open_store(db)
    with start_farm(Path(workdir) / "farm-work") as farm:
        registry = farm.write_registry(Path(workdir) / "farm-work" / "registry.csv")
        console.print(f"Trang trại cổng mẫu (portal farm): {len(farm.agencies)} cổng trên "
                      f"127.0.0.1; sổ đăng ký (registry) {registry}")
        # Two timed pages per portal (3 runs each) keep the demo within minutes.
        sampling = {"perf_pages": 2, **env_sampling()}
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                                 **sampling, **farm.settings_overrides())
        options = SweepOptions(settings=settings, rubric=rubric, evidence_root=evidence_root(db),
                               concurrency=concurrency)
        outcomes = _sweep(console, store, farm.agencies, options, str(registry))
        expected = farm.expected_grades
    sweep_id = outcomes[0][0] if outcomes else ""
    print_ranking(console, store, sweep_id, rubric, None)
    mismatches = print_expectations(console, [o for _, o in outcomes], expected)
    with writing(out_dir, REPORT_FOLDER):
        index = write_report(store, sweep_id, rubric, out_dir, "vi")
    console.print(f"Báo cáo (report): {index}")
    console.print(f"Thời gian (wall time): {time.monotonic() - clock:.1f} s")
    return 1 if (strict and mismatches) else 0


def _sweep(console: Console, store: Store, agencies: list, options: SweepOptions,
           registry: str) -> list[tuple[str, PortalOutcome]]:
    sweep_id = open_sweep(store, registry, DEMO_SCHEDULE, options)  # a replay reads them
    with sweep_progress(console, agencies) as progress:
        outcomes = sweep(agencies, store, options, sweep_id, progress)
    store.finish_sweep(sweep_id)
    return [(sweep_id, outcome) for outcome in outcomes]


def print_expectations(console: Console, outcomes: list[PortalOutcome],
                       expected: dict[str, str]) -> int:
    """A table of expected vs measured grades; returns how many differ."""
    table = Table(title="Xếp loại dự kiến của trang trại (farm's designed grades)")
    for column in ("Cơ quan (agency)", "Trạng thái (status)", "Điểm (score)",
                   "Xếp loại (grade)", "Dự kiến (designed)", ""):
        table.add_column(column)
    mismatches = 0
    for outcome in outcomes:
        want = expected.get(outcome.agency.id, "?")
        same = outcome.score.grade == want
        mismatches += not same
        table.add_row(outcome.agency.name, status.label(outcome.status),
                      f"{outcome.score.total:.2f}",
                      outcome.score.grade, want, "✓" if same else "✗")
    console.print(table)
    return mismatches
