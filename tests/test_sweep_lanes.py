"""A portal's check step keeps as many leases busy as its host's politeness allows, never
more, and counts its wall time once against the portal's budget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from checks import functions
from probe import sweep as sweep_module
from probe.context import PortalContext
from probe.models import Agency, SiteMap
from spiders.budget import Budget

FAMILIES = ("functions", "layout", "access", "security", "emc")


class Recorder:
    """Stands in for the browser pool and the check families: who runs when, on which lease."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.leases = 0
        self.order: list[str] = []

    @asynccontextmanager
    async def lease(self, _portal_url: str) -> AsyncIterator[Any]:
        self.leases += 1
        yield SimpleNamespace(browser=None, number=self.leases)

    def family(self, name: str) -> Any:
        async def run(ctx: PortalContext) -> list[Any]:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.order.append(name)
            await asyncio.sleep(0.3)
            self.running -= 1
            return [(name, ctx.lease.number)]  # type: ignore[union-attr]
        return run


def _step(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, per_host: int,
          recorder: Recorder | None = None) -> tuple[Recorder, Any, float]:
    recorder = recorder or Recorder()
    monkeypatch.setattr(sweep_module.checks, "load", recorder.family)
    agency = Agency(id="x", name="Tỉnh X", block="province", portal_url="http://127.0.0.1:1/")
    run = sweep_module._PortalRun(agency)
    run.sitemap = SiteMap(portal=agency.portal_url)
    options = sweep_module.SweepOptions(evidence_root=tmp_path,
                                        budget=Budget(per_host=per_host))
    clock = time.monotonic()
    asyncio.run(sweep_module._check_step(run, FAMILIES, recorder,  # type: ignore[arg-type]
                                         options, lambda *_: None))
    return recorder, run, time.monotonic() - clock


def test_a_portals_families_run_two_at_a_time_on_two_leases(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    recorder, run, wall = _step(monkeypatch, tmp_path, per_host=2)
    assert recorder.peak == 2 and recorder.leases == 2
    assert wall < 1.3  # five 0.3 s families in three rounds, not five
    assert [name for name, _ in run.observations] == list(FAMILIES)  # the families' order
    assert {lease for _, lease in run.observations} == {1, 2}
    assert run.check_s == pytest.approx(wall, abs=0.1)  # charged once, not per lane
    assert run.charging_since is None


def test_one_visitor_per_host_means_one_family_at_a_time(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    recorder, run, wall = _step(monkeypatch, tmp_path, per_host=1)
    assert recorder.peak == 1 and recorder.leases == 1
    assert recorder.order == list(FAMILIES) and wall >= 1.5
    assert run.check_s == pytest.approx(wall, abs=0.1)


def test_a_lane_that_cannot_get_a_browser_raises_its_own_error(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    """Not an ExceptionGroup: the command line turns known errors into one clear line."""
    class NoBrowser(Recorder):
        @asynccontextmanager
        async def lease(self, _portal_url: str) -> AsyncIterator[Any]:
            raise RuntimeError("Chromium không khởi động được")
            yield

    with pytest.raises(RuntimeError, match="Chromium"):
        _step(monkeypatch, tmp_path, per_host=2, recorder=NoBrowser())


def test_a_runs_checks_act_as_of_the_day_it_started(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """A run begun at 23:59 tries the unknown dossier code of its start day after midnight too,
    the code its replay (probe.audit.replay, as of the run's start) tries again."""
    class Dated(Recorder):
        def family(self, name: str) -> Any:
            async def run(ctx: PortalContext) -> list[Any]:
                return [functions.unknown_code("000.00.19.H71-250312-0007", functions.as_of(ctx))]
            return run

    agency = Agency(id="x", name="Tỉnh X", block="province", portal_url="http://127.0.0.1:1/")
    run = sweep_module._PortalRun(agency)
    run.started, run.sitemap = "2026-11-24T23:59:33+00:00", SiteMap(portal=agency.portal_url)
    monkeypatch.setattr(sweep_module.checks, "load", Dated().family)
    options = sweep_module.SweepOptions(evidence_root=tmp_path, budget=Budget(per_host=2))
    asyncio.run(sweep_module._check_step(run, ("functions",), Dated(),  # type: ignore[arg-type]
                                         options, lambda *_: None))
    assert run.observations == ["000.00.19.H71-261124-9999"]
