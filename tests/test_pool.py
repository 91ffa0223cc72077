"""The browser pool against a real Chromium: browsers recycled after N pages (a new process)
and when their memory exceeds the bound, never while a portal holds them; portals on one
host share its politeness slots; a sweep through the pool leaves no Chromium behind."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import Browser, async_playwright

from probe.browser import launch
from probe.hostlimit import HostLimiter
from probe.pool import BrowserPool, Lease, PoolSettings
from probe.proctree import tree

pytestmark = pytest.mark.slow
T = TypeVar("T")
PORTAL = "https://tinh-a.example/"


def state(pid: int) -> tuple[str, str]:
    """(command name, state letter) of a process; ("", "") when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", ""
    return stat[stat.find("(") + 1:stat.rfind(")")], stat[stat.rfind(")") + 2]


def alive(pid: int | None) -> bool:
    """Whether the process runs (a zombie does not)."""
    return pid is not None and state(pid)[1] not in ("", "Z")


def chromium_descendants() -> list[int]:
    """Living Chromium processes under this test process."""
    return [pid for pid in tree(os.getpid())[1:]
            if "chrom" in state(pid)[0] and alive(pid)]


def with_pool(settings: PoolSettings, body: Callable[[BrowserPool], Awaitable[T]],
              limiter: HostLimiter | None = None) -> T:
    """Run `body` with a pool of real Chromium browsers; every browser closed after."""
    async def main() -> T:
        async with async_playwright() as pw:
            def launcher() -> Awaitable[Browser]:
                return launch(pw, loopback_only=True)

            async with BrowserPool(launcher, settings, limiter or HostLimiter()) as pool:
                return await body(pool)

    return asyncio.run(main())


async def open_pages(lease: Lease, count: int) -> None:
    """`count` pages opened through the lease, as checks open them (one context each)."""
    for _ in range(count):
        context = await lease.new_context()
        await context.new_page()
        await context.close()


def test_a_browser_is_recycled_after_n_pages_with_a_new_process() -> None:
    async def body(pool: BrowserPool) -> dict[str, Any]:
        pids = []
        for _ in range(3):
            async with pool.lease(PORTAL) as lease:
                pids.append(lease.pid)
                await open_pages(lease, 2)
                assert lease.pages == 2
        first_alive = alive(pids[0])
        return {"pids": pids, "first_alive": first_alive, "launched": pool.launched,
                "recycled": [(r.pid, r.reason, r.pages) for r in pool.recycled]}

    found = with_pool(PoolSettings(browsers=1, pages_per_browser=4), body)
    first, second, third = found["pids"]
    assert first is not None and first == second  # 2 + 2 pages: worn after the second lease
    assert third != first and not found["first_alive"]  # the old process is gone
    assert found["launched"] == 2
    assert found["recycled"][0] == (first, "pages", 4)


def test_a_worn_browser_is_never_recycled_while_a_portal_holds_it() -> None:
    async def body(pool: BrowserPool) -> dict[str, Any]:
        events: list[str] = []
        held = asyncio.Event()

        async def holder() -> int | None:
            async with pool.lease(PORTAL) as lease:
                await open_pages(lease, 3)  # worn now (pages_per_browser=2), still held
                held.set()
                await asyncio.sleep(1.0)
                events.append("holder working")
                await open_pages(lease, 1)  # the worn browser still serves its holder
                assert lease.browser.is_connected()
                events.append("holder done")
                return lease.pid

        async def newcomer() -> int | None:
            await held.wait()
            async with pool.lease(PORTAL) as lease:
                events.append("newcomer got a browser")
                return lease.pid

        old, new = await asyncio.gather(holder(), newcomer())
        return {"events": events, "old": old, "new": new, "old_alive": alive(old)}

    found = with_pool(PoolSettings(browsers=1, pages_per_browser=2), body)
    assert found["events"] == ["holder working", "holder done", "newcomer got a browser"]
    assert found["new"] != found["old"] and not found["old_alive"]


def test_the_memory_bound_recycles_a_browser() -> None:
    async def body(pool: BrowserPool) -> dict[str, Any]:
        async with pool.lease(PORTAL) as lease:
            first = lease.pid
            await open_pages(lease, 1)
        async with pool.lease(PORTAL) as lease:
            second = lease.pid
        return {"first": first, "second": second,
                "recycled": [(r.pid, r.reason, r.rss_mb) for r in pool.recycled]}

    # A real browser holds far more than 1 MiB: worn by memory after its first lease.
    found = with_pool(PoolSettings(browsers=1, pages_per_browser=1000, memory_mb=1), body)
    assert found["second"] != found["first"]
    pid, reason, rss_mb = found["recycled"][0]
    assert (pid, reason) == (found["first"], "memory") and rss_mb > 50


def test_portals_on_one_host_share_its_politeness_slot() -> None:
    async def body(pool: BrowserPool) -> dict[str, Any]:
        spans: list[tuple[str, float, float]] = []

        async def portal(name: str, url: str) -> None:
            async with pool.lease(url) as lease:
                context = await lease.new_context()
                start = time.monotonic()
                await context.new_page()
                await asyncio.sleep(0.4)
                spans.append((name, start, time.monotonic()))
                await context.close()

        await asyncio.gather(portal("a", "https://dvc.example/p/a"),
                             portal("b", "https://dvc.example/p/b"),
                             portal("c", "https://other.example/"))
        return {"spans": {name: (start, end) for name, start, end in spans},
                "browsers": pool.launched}

    limiter = HostLimiter(per_host=1, delay=0.0)
    found = with_pool(PoolSettings(browsers=2), body, limiter)
    (a_start, a_end), (b_start, b_end) = found["spans"]["a"], found["spans"]["b"]
    assert a_end <= b_start or b_end <= a_start  # one at a time on dvc.example
    assert limiter.peak == {"dvc.example": 1, "other.example": 1}
    assert found["browsers"] == 2


def test_a_sweep_recycles_its_browsers_and_leaves_no_chromium(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from probe.context import ProbeSettings
    from probe.db.store import Store
    from probe.farm import start_farm
    from probe.sweep import SweepOptions, sweep
    from spiders.budget import Budget

    with start_farm(tmp_path / "farm") as farm:
        agencies = [a for a in farm.agencies if a.id in ("tinh-binh-minh", "tinh-lam-giang")]
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                                 sample_pages=2, **farm.settings_overrides())
        options = SweepOptions(settings=settings, families=("layout", "access"),
                               evidence_root=tmp_path / "evidence", concurrency=2,
                               budget=Budget(max_pages=10, time_limit=20),
                               pool=PoolSettings(browsers=2, pages_per_browser=2))
        store = Store(f"sqlite:///{tmp_path / 'results.db'}")
        with caplog.at_level(logging.INFO, logger="probe.pool"):
            outcomes = sweep(agencies, store, options)
        store.close()
    assert [o.status for o in outcomes] == ["completed", "completed"]
    recycled = [r for r in caplog.records if r.getMessage().startswith("browser")
                and "closed (pages)" in r.getMessage()]
    assert recycled, [r.getMessage() for r in caplog.records]
    assert chromium_descendants() == []
