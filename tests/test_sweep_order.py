"""A sweep starts the portals expected to take longest first and keeps results in registry
order."""

import asyncio
from pathlib import Path

from probe import sweep
from probe.db.store import Store, run_row
from probe.registry import Agency


def _run(agency_id: str) -> sweep._PortalRun:
    agency = Agency(id=agency_id, name=agency_id, block="province",
                    portal_url=f"https://{agency_id}.example/")
    return sweep._PortalRun(agency)


def test_unknown_portals_then_the_longest_last_time_come_first_ties_in_registry_order() -> None:
    runs = [_run(name) for name in "abcde"]
    durations = {"a": 9.0, "b": 40.0, "c": 9.0, "d": 12.5}  # e never completed
    assert sweep._longest_first(runs, durations) == [4, 1, 3, 0, 2]


def test_last_durations_are_each_agencys_latest_completed_run(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    rows = [("a", "completed", "2026-11-20T01:00:00", 30.0),
            ("a", "completed", "2026-11-21T01:00:00", 12.0),
            ("a", "timeout", "2026-11-22T01:00:00", 90.0),
            ("b", "dns_error", "2026-11-22T01:00:00", 5.0),
            ("c", "completed", "2026-11-22T01:00:00", 7.5)]
    for number, (agency_id, status, started, seconds) in enumerate(rows):
        agency = _run(agency_id).agency
        store.save_run(run_row(agency, f"r{number}", None, status=status, started_at=started,
                               duration_s=seconds), None, [], None)
    assert store.last_durations(["a", "b", "c", "z"]) == {"a": 12.0, "c": 7.5}


def test_bounded_starts_jobs_in_the_order_asked_and_answers_in_the_order_given() -> None:
    started: list[str] = []
    running = 0
    most = 0

    async def job(name: str) -> str:
        nonlocal running, most
        started.append(name)
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return name.upper()

    async def scenario() -> list[str]:
        jobs = [job(name) for name in ("a", "b", "c", "d")]
        return await sweep._bounded(2, jobs, start_order=[3, 1, 0, 2])

    assert asyncio.run(scenario()) == ["A", "B", "C", "D"]
    assert started == ["d", "b", "a", "c"] and most == 2
