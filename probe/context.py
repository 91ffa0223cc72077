"""What a check is given: the agency, its site map, a running browser, an evidence store."""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from probe.audit.har import HarTransport
from probe.browser import PageEvents, guard_pages, merge_events, refuse_private
from probe.evidence import EvidenceStore
from probe.models import Agency, SiteMap
from probe.urls import is_private_host

if TYPE_CHECKING:
    from probe.pool import Lease

USER_AGENT = "dvc-probe/0.1 (+https://github.com/dvc-probe/dvc-probe; read-only evaluation probe)"
# Requests (page loads or fetches) one check has in flight at once on one portal, within the
# host slot its browser context holds: what a slow server's answers may overlap by.
PORTAL_LANES = 2


@dataclass
class ProbeSettings:
    """Knobs of one probing run (politeness, sampling, trust)."""

    ca_file: str | None = None
    allow_private: bool = False
    loopback_only: bool = True
    perf_runs: int = 3
    perf_pages: int = 3
    throttling: str = "none"  # timed loads: "none" or "mobile" (Lighthouse's, probe.throttling)
    sample_pages: int = 6
    traces: bool = True  # keep a Playwright trace of the functions check's interactions
    page_timeout_ms: int = 15_000
    # Hostile portals: a page whose script keeps the renderer busy this long has it stopped
    # (probe.browser.PageGuard); in a sweep, a check family gets this long per portal, and
    # all of a portal's families together get `portal_budget_s`.
    script_watchdog_s: float = 10.0
    check_budget_s: float = 240.0
    portal_budget_s: float = 600.0
    user_agent: str = USER_AGENT
    # robots.txt is obeyed unless the operator lifts it for its own portal (`probe check
    # --ignore-robots`): never in a sweep of other agencies' portals.
    obey_robots: bool = True
    national_portal_hosts: tuple[str, ...] = ("dichvucong.gov.vn",)
    national_sso_hosts: tuple[str, ...] = ("xacthuc.dichvucong.gov.vn", "sso.dancuquocgia.gov.vn",
                                           "vneid.gov.vn")
    extra: dict[str, str] = field(default_factory=dict)


def as_of_run_start(settings: ProbeSettings, started_at: str) -> ProbeSettings:
    """`settings` for the checks of a run that started at `started_at` (ISO, UTC): they act
    as of that day, whenever they run. The unknown dossier code the look-up tries carries
    the day, so a run that crosses midnight and its replay months later try the same code."""
    return replace(settings, extra={**settings.extra, "today": started_at[:10]})


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context: system roots plus the CA in `ca_file`."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def http_client(settings: ProbeSettings, **options: object) -> httpx.AsyncClient:
    """An httpx client that verifies TLS with the extra CA, names the probe and follows
    redirects (`options` override these). Kept to loopback, it ignores proxy variables."""
    defaults = {
        "verify": ssl_context(settings.ca_file),
        "headers": {"User-Agent": settings.user_agent},
        "timeout": settings.page_timeout_ms / 1000,
        "follow_redirects": True,
        "trust_env": not settings.loopback_only,
    }
    return httpx.AsyncClient(**{**defaults, **options})


@dataclass
class PortalContext:
    """Everything one check family needs to examine one portal."""

    agency: Agency
    sitemap: SiteMap
    browser: Browser
    evidence: EvidenceStore
    settings: ProbeSettings
    # In a sweep, the browser pool's lease of `browser`: counts its pages (recycling) and
    # holds the portal host's politeness slot while a context is open (probe.pool).
    lease: Lease | None = None
    page_events: list[PageEvents] = field(default_factory=list)  # one per context opened
    # What the timed families' untimed parts gathered earlier in the sweep (checks.preparation)
    prepared: dict[str, Any] = field(default_factory=dict)
    # What one job of a sweep step gathers for the step's families (checks._visits)
    shared: dict[str, Any] = field(default_factory=dict)

    async def new_page(self, timed: bool = False, recording: Path | None = None,
                       **context_options: object) -> tuple[BrowserContext, Page]:
        """A fresh browser context and page with the probe's user agent; close the context.

        With `recording` (a HAR file), requests it answers are served from it and the others
        go to the network as usual: a check reads the pages the sweep step's visits already
        fetched without asking the portal again (checks._visits.recording).

        Requests to private addresses are refused (see `private_allowed`) except in `timed`
        contexts: any route makes Chromium pause every request for the driver (about a third
        slower on a 30-request page here), which would distort the timings. Timed loads only
        open pages the crawler mapped inside the portal's scope.

        Every context refuses downloads (nothing is ever saved or opened) and its pages are
        guarded (`probe.browser.PageGuard`: dialogs answered, pop-ups blocked, endless
        scripts stopped); what they tried is collected in `page_events`.
        """
        options = {"user_agent": self.settings.user_agent, **context_options,
                   "accept_downloads": False}
        opener = self.lease.new_context if self.lease else self.browser.new_context
        context = await opener(**options)
        context.set_default_timeout(self.settings.page_timeout_ms)
        guard = await guard_pages(context, self.settings.script_watchdog_s)
        self.page_events.append(guard.events)
        await self.route(context, timed, recording)
        page = await context.new_page()
        await guard.attach(page)
        return context, page

    async def route(self, context: BrowserContext, timed: bool,
                    recording: Path | None) -> None:
        """Where the requests of a context `new_page` opens go (see there)."""
        if not timed:
            await refuse_private(context, self.private_allowed())
        if recording is not None and not timed:  # consulted first, then the refusal above
            await context.route_from_har(recording, not_found="fallback")

    def page_events_summary(self) -> str:
        """What this portal's pages tried (dialogs, pop-ups, downloads, stopped scripts)."""
        return merge_events(self.page_events).summary()

    def private_allowed(self) -> bool:
        """Whether this portal's checks may reach private addresses: with --allow-private,
        or when the portal itself is on one (the entry checks already demanded the flag)."""
        return self.settings.allow_private or is_private_host(self.agency.portal_url)

    def http_client(self, recording: Path | None = None,
                    **options: object) -> httpx.AsyncClient:
        """An httpx client that verifies TLS with the extra CA and names the probe; with
        `recording` (a HAR file), what it answers is served from it, as in `new_page`."""
        if recording is None:
            return http_client(self.settings, **options)
        network = httpx.AsyncHTTPTransport(verify=ssl_context(self.settings.ca_file),
                                           trust_env=not self.settings.loopback_only)
        served = HarTransport(json.loads(recording.read_text(encoding="utf-8")), network)
        return http_client(self.settings, transport=served, **options)
