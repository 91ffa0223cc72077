"""Orchestration: registry rows -> discovery -> checks -> observations -> scores -> store."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, async_playwright

import checks
from probe import attestations
from probe import status as statuses
from probe.context import PortalContext, ProbeSettings
from probe.db.store import Store, new_id, run_row
from probe.discovery import discover
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, PortalScore, SiteMap, utc_now
from probe.observations import CATALOGUE
from probe.quiet import QuietLock
from probe.scoring import load_rubric, score
from probe.urls import is_private_host

log = logging.getLogger(__name__)

Progress = Callable[[Agency, str], None]
TIMED_FAMILIES = frozenset({"performance"})


@dataclass
class SweepOptions:
    """What a sweep needs besides its agencies."""

    settings: ProbeSettings = field(default_factory=ProbeSettings)
    rubric: str = "2024"
    families: tuple[str, ...] = checks.FAMILIES
    evidence_root: Path = Path("evidence")
    concurrency: int = 1
    quiet: QuietLock = field(default_factory=QuietLock)

    def hold(self, family: str) -> AbstractAsyncContextManager[None]:
        """Timed families run alone on the machine; everything else shares it."""
        return self.quiet.exclusive() if family in TIMED_FAMILIES else self.quiet.shared()


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


async def _gather(agency: Agency, sitemap: SiteMap, browser: Browser, options: SweepOptions,
                  run_id: str, progress: Progress) -> list[Observation]:
    evidence = EvidenceStore(options.evidence_root, run_id)
    ctx = PortalContext(agency=agency, sitemap=sitemap, browser=browser, evidence=evidence,
                        settings=options.settings)
    found: list[Observation] = []
    for family in options.families:
        async with options.hold(family):
            progress(agency, family)
            found += await _run_family(family, ctx)
    return found


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


async def probe_portal(agency: Agency, browser: Browser, store: Store, options: SweepOptions,
                       sweep_id: str | None = None,
                       progress: Progress = _noop) -> PortalOutcome:
    """Discover, check, store and score one portal."""
    run_id, started, clock = new_id("r"), utc_now(), time.monotonic()
    async with options.hold("discover"):
        progress(agency, "discover")
        sitemap, status, detail = await _discover(agency, options.settings)
    observations = _discovery_observations(sitemap, status == statuses.COMPLETED)
    if status == statuses.COMPLETED:
        observations += await _gather(agency, sitemap, browser, options, run_id, progress)
    else:
        outcome = "probe_error" if status in statuses.PROBE_SIDE else "portal_error"
        observations += unobservable(_names_of(options.families), outcome,
                                     f"{status}: {detail}")
    duration = round(time.monotonic() - clock, 2)
    store.save_run(run_row(agency, run_id, sweep_id, final_url=sitemap.portal,
                           handover=sitemap.handover, rendered=sitemap.rendered, status=status,
                           status_detail=detail, started_at=started, finished_at=utc_now(),
                           duration_s=duration), sitemap, observations)
    portal_score = score(observations, load_rubric(options.rubric),
                         attestations.for_agency(store, agency.id))
    store.save_score(run_id, portal_score)
    progress(agency, "done")
    return PortalOutcome(run_id, agency, status, detail, sitemap, observations, portal_score,
                         duration)


async def _sweep(agencies: list[Agency], store: Store, options: SweepOptions,
                 sweep_id: str | None, progress: Progress) -> list[PortalOutcome]:
    async with async_playwright() as pw:
        from probe.browser import launch

        browser = await launch(pw, loopback_only=options.settings.loopback_only,
                               ca_file=options.settings.ca_file)
        gate = asyncio.Semaphore(max(1, options.concurrency))

        async def one(agency: Agency) -> PortalOutcome:
            async with gate:
                return await probe_portal(agency, browser, store, options, sweep_id, progress)

        try:
            return list(await asyncio.gather(*(one(agency) for agency in agencies)))
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
