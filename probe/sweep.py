"""Orchestration: registry rows -> discovery -> checks -> observations -> scores -> store."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from playwright.async_api import Browser, async_playwright

import checks
from probe import attestations
from probe import status as statuses
from probe.audit.har import capture_har
from probe.audit.manifest import seal_after_run
from probe.context import PortalContext, ProbeSettings
from probe.db.store import Store, new_id, run_row
from probe.discovery import discover
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, PortalScore, SiteMap, utc_now
from probe.observations import CATALOGUE
from probe.scoring import load_rubric, score
from probe.urls import is_private_host

log = logging.getLogger(__name__)

Progress = Callable[[Agency, str], None]
T = TypeVar("T")
TIMED_FAMILIES = frozenset({"performance"})


@dataclass
class SweepOptions:
    """What a sweep needs besides its agencies."""

    settings: ProbeSettings = field(default_factory=ProbeSettings)
    rubric: str = "2024"
    families: tuple[str, ...] = checks.FAMILIES
    evidence_root: Path = Path("evidence")
    concurrency: int = 1


@dataclass
class PortalOutcome:
    """One portal probed and judged (already stored)."""

    run_id: str
    agency: Agency
    status: str
    status_detail: str
    sitemap: SiteMap
    observations: list[Observation]
    score: PortalScore
    duration_s: float


def _noop(_agency: Agency, _stage: str) -> None:
    return None


def unobservable(names: list[str], outcome: str, detail: str) -> list[Observation]:
    """One observation per name saying it could not be made, and why."""
    return [Observation(check=CATALOGUE[name].check, name=name, value=None,
                        unit=CATALOGUE[name].unit, outcome=outcome, detail=detail)
            for name in names]


def _discovery_observations(sitemap: SiteMap, reachable: bool) -> list[Observation]:
    found = [
        Observation("discovery", "portal.reachable", reachable, "bool", page=sitemap.portal,
                    detail=sitemap.error or "home page answered"),
        Observation("discovery", "discovery.pages", len(sitemap.pages), "count",
                    page=sitemap.portal, detail=f"stopped by {sitemap.stopped_by or 'nothing'}"),
    ]
    if sitemap.handover:
        found.append(Observation("discovery", "portal.handover", sitemap.handover, "text",
                                 page=sitemap.portal, detail="hand-over to the national portal"))
    return found


def _names_of(families: tuple[str, ...]) -> list[str]:
    return [name for name, spec in CATALOGUE.items() if spec.check in families]


async def _run_family(family: str, ctx: PortalContext) -> list[Observation]:
    clock = time.monotonic()
    try:
        found = await checks.load(family)(ctx)
        log.info("check %s on %s: %.1f s", family, ctx.agency.portal_url, time.monotonic() - clock)
        return found
    except Exception as error:  # a probe failure must not sink the run
        log.warning("check %s failed on %s: %r", family, ctx.agency.portal_url, error)
        log.debug("traceback", exc_info=True)
        detail = f"probe failure in {family}: {error.__class__.__name__}: {error}"[:300]
        return unobservable(_names_of((family,)), "probe_error", detail)


@dataclass
class _PortalRun:
    """One portal while a sweep is under way."""

    agency: Agency
    run_id: str = field(default_factory=lambda: new_id("r"))
    started: str = field(default_factory=utc_now)
    clock: float = field(default_factory=time.monotonic)
    sitemap: SiteMap | None = None
    status: str = statuses.COMPLETED
    detail: str = ""
    observations: list[Observation] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.status == statuses.COMPLETED


async def _discover(agency: Agency, settings: ProbeSettings) -> tuple[SiteMap, str, str]:
    if is_private_host(agency.portal_url) and not settings.allow_private:
        detail = ("địa chỉ nội bộ bị từ chối, dùng --allow-private "
                  "(private address refused; use --allow-private)")
        return SiteMap(portal=agency.portal_url, error="probe_error"), "probe_error", detail
    try:
        sitemap = await asyncio.to_thread(discover, agency.portal_url, settings)
    except Exception as error:
        log.warning("discovery failed on %s: %r", agency.portal_url, error)
        log.debug("traceback", exc_info=True)
        return (SiteMap(portal=agency.portal_url, error="probe_error"), "probe_error",
                f"discovery failed: {error.__class__.__name__}: {error}"[:300])
    status = sitemap.error or statuses.COMPLETED
    return sitemap, status, statuses.label(status, "en") if sitemap.error else ""


async def _discovery_step(run: _PortalRun, options: SweepOptions, progress: Progress) -> None:
    progress(run.agency, "discover")
    run.sitemap, run.status, run.detail = await _discover(run.agency, options.settings)
    run.observations = _discovery_observations(run.sitemap, run.reachable)
    if not run.reachable:
        outcome = "probe_error" if run.status in statuses.PROBE_SIDE else "portal_error"
        run.observations += unobservable(_names_of(options.families), outcome,
                                         f"{run.status}: {run.detail}")


async def _check_step(run: _PortalRun, families: tuple[str, ...], browser: Browser,
                      options: SweepOptions, progress: Progress, capture: bool = False) -> None:
    """Run `families` on a reachable portal; with `capture`, record its redacted HAR too."""
    if not run.reachable or run.sitemap is None:
        return
    ctx = PortalContext(agency=run.agency, sitemap=run.sitemap, browser=browser,
                        evidence=EvidenceStore(options.evidence_root, run.run_id),
                        settings=options.settings)
    for family in families:
        progress(run.agency, family)
        run.observations += await _run_family(family, ctx)
    if capture:
        await capture_har(ctx)


def _finish(run: _PortalRun, store: Store, options: SweepOptions, sweep_id: str | None,
            progress: Progress) -> PortalOutcome:
    """Store the run with its site map and observations, then score it."""
    sitemap = run.sitemap or SiteMap(portal=run.agency.portal_url)
    duration = round(time.monotonic() - run.clock, 2)
    store.save_run(run_row(run.agency, run.run_id, sweep_id, final_url=sitemap.portal,
                           handover=sitemap.handover, rendered=sitemap.rendered,
                           status=run.status, status_detail=run.detail,
                           started_at=run.started, finished_at=utc_now(),
                           duration_s=duration), sitemap, run.observations)
    portal_score = score(run.observations, load_rubric(options.rubric),
                         attestations.for_agency(store, run.agency.id))
    store.save_score(run.run_id, portal_score)
    seal_after_run(store, options.evidence_root, run.run_id)  # manifest, its hash, the chain
    progress(run.agency, "done")
    return PortalOutcome(run.run_id, run.agency, run.status, run.detail, sitemap,
                         run.observations, portal_score, duration)


async def _bounded(limit: int, jobs: list[Awaitable[T]]) -> list[T]:
    """Await `jobs`, at most `limit` at a time; results in the order given."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return list(await asyncio.gather(*(one(job) for job in jobs)))


async def _sweep(agencies: list[Agency], store: Store, options: SweepOptions,
                 sweep_id: str | None, progress: Progress) -> list[PortalOutcome]:
    """Three phases: discovery side by side; timed checks one portal at a time with
    nothing else running (so concurrency cannot distort them); the other checks side by
    side, each portal stored and scored as soon as its checks end."""
    runs = [_PortalRun(agency) for agency in agencies]
    timed = tuple(f for f in options.families if f in TIMED_FAMILIES)
    untimed = tuple(f for f in options.families if f not in TIMED_FAMILIES)
    async with async_playwright() as pw:
        from probe.browser import launch

        browser = await launch(pw, loopback_only=options.settings.loopback_only,
                               ca_file=options.settings.ca_file)
        try:
            await _bounded(options.concurrency,
                           [_discovery_step(run, options, progress) for run in runs])
            for run in runs:
                await _check_step(run, timed, browser, options, progress)

            async def rest(run: _PortalRun) -> PortalOutcome:
                await _check_step(run, untimed, browser, options, progress, capture=True)
                return _finish(run, store, options, sweep_id, progress)

            return await _bounded(options.concurrency, [rest(run) for run in runs])
        finally:
            await browser.close()


def sweep(agencies: list[Agency], store: Store, options: SweepOptions, sweep_id: str | None = None,
          progress: Progress = _noop) -> list[PortalOutcome]:
    """Probe the agencies, `options.concurrency` at a time, with one browser.

    Each run is stored as it finishes; outcomes come back in registry order.
    """
    return asyncio.run(_sweep(agencies, store, options, sweep_id, progress))


def probe_one(agency: Agency, store: Store, options: SweepOptions,
              progress: Progress = _noop) -> PortalOutcome:
    """Probe, store and score a single portal outside any sweep."""
    return sweep([agency], store, options, None, progress)[0]
