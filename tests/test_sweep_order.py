"""A sweep starts the portals expected to take longest first and keeps results in registry
order."""

import asyncio
from pathlib import Path

import pytest

from probe import order, sweep
from probe.context import ProbeSettings
from probe.db.store import Store, run_row
from probe.registry import Agency
from probe.sweep import SweepOptions
from tests.fixtures.discovery.sites import Reply, Routes, Server


def _run(agency_id: str) -> sweep._PortalRun:
    agency = Agency(id=agency_id, name=agency_id, block="province",
                    portal_url=f"https://{agency_id}.example/")
    return sweep._PortalRun(agency)


def test_unknown_portals_slowest_home_page_first_then_the_longest_last_time() -> None:
    known = [9.0, 40.0, None, 12.5, None, 9.0]
    first_byte = [0.0, 0.0, 0.2, 0.0, 1.5, 0.0]
    assert order.longest_first(known, first_byte) == [4, 2, 1, 3, 0, 5]


def test_home_pages_are_timed_to_their_first_byte_and_failures_count_as_fast() -> None:
    def home(seconds: float) -> Routes:
        return lambda _path, _query: Reply("<html>trang chủ</html>", delay_s=seconds)

    servers = [Server(home(0.0)), Server(home(0.8)), Server(home(0.3))]
    try:
        urls = [s.url for s in servers] + ["http://127.0.0.1:9/", "http://[::1/"]
        found = asyncio.run(order.first_bytes(urls, ProbeSettings()))
    finally:
        for server in servers:
            server.stop()
    assert found[1] >= 0.8 and 0.3 <= found[2] < found[1] and found[0] < found[2]
    assert found[3:] == [0.0, 0.0]
    assert all("dvc-probe" in agent for server in servers for _, _, agent in server.log)


def test_a_sweep_times_home_pages_only_when_portals_queue_for_slots(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[list[str]] = []

    async def first_bytes(urls: list[str], _settings: object) -> list[float]:
        asked.append(list(urls))
        return [float(len(url)) for url in urls]

    monkeypatch.setattr(order, "first_bytes", first_bytes)
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    store.save_run(run_row(_run("bb").agency, "r1", None, status="completed",
                           started_at="2026-11-22T01:00:00", duration_s=50.0), None, [], None)
    runs = [_run(name) for name in ("a", "bb", "cccc", "dd")]

    def start(concurrency: int) -> list[int]:
        options = SweepOptions(concurrency=concurrency)
        return asyncio.run(sweep._start_order(runs, store, options))

    assert start(2) == [2, 3, 0, 1]  # unknown by home page (here: URL length), then known
    assert asked == [[runs[0].agency.portal_url, runs[2].agency.portal_url,
                      runs[3].agency.portal_url]]
    assert start(1) == [0, 2, 3, 1] and start(4) == [0, 2, 3, 1]  # nobody queues: not asked
    assert len(asked) == 1


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
