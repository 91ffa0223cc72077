"""What a check is given: the agency, its site map, a running browser, an evidence store."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from probe.browser import refuse_private
from probe.evidence import EvidenceStore
from probe.models import Agency, SiteMap
from probe.urls import is_private_host

USER_AGENT = "dvc-probe/0.1 (+https://github.com/dvc-probe/dvc-probe; read-only evaluation probe)"


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
    user_agent: str = USER_AGENT
    national_portal_hosts: tuple[str, ...] = ("dichvucong.gov.vn",)
    national_sso_hosts: tuple[str, ...] = ("xacthuc.dichvucong.gov.vn", "sso.dancuquocgia.gov.vn",
                                           "vneid.gov.vn")
    extra: dict[str, str] = field(default_factory=dict)


def ssl_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context: system roots plus the CA in `ca_file`."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


@dataclass
class PortalContext:
    """Everything one check family needs to examine one portal."""

    agency: Agency
    sitemap: SiteMap
    browser: Browser
    evidence: EvidenceStore
    settings: ProbeSettings

    async def new_page(self, timed: bool = False,
                       **context_options: object) -> tuple[BrowserContext, Page]:
        """A fresh browser context and page with the probe's user agent; close the context.

        Requests to private addresses are refused (see `private_allowed`) except in `timed`
        contexts: any route makes Chromium pause every request for the driver (about a third
        slower on a 30-request page here), which would distort the timings. Timed loads only
        open pages the crawler mapped inside the portal's scope.
        """
        options = {"user_agent": self.settings.user_agent, **context_options}
        context = await self.browser.new_context(**options)
        context.set_default_timeout(self.settings.page_timeout_ms)
        if not timed:
            await refuse_private(context, self.private_allowed())
        return context, await context.new_page()

    def private_allowed(self) -> bool:
        """Whether this portal's checks may reach private addresses: with --allow-private,
        or when the portal itself is on one (the entry checks already demanded the flag)."""
        return self.settings.allow_private or is_private_host(self.agency.portal_url)

    def http_client(self, **options: object) -> httpx.AsyncClient:
        """An httpx client that verifies TLS with the extra CA and names the probe."""
        defaults = {
            "verify": ssl_context(self.settings.ca_file),
            "headers": {"User-Agent": self.settings.user_agent},
            "timeout": self.settings.page_timeout_ms / 1000,
            "follow_redirects": True,
        }
        return httpx.AsyncClient(**{**defaults, **options})
