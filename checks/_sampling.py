"""Helpers shared by the performance, security, access and EMC families.

- `sampled_pages`: the pages a family looks at (home first, a few per URL template).
- `error_outcome` / `error_detail`: whose fault an exception is (portal or probe) and a
  short English reason, so a failure becomes an observation instead of a crash.
- `foreign_host`: is a URL outside the agency's own sites and the government's domain?
- `browser_page`: a fresh browser context and page, closed on exit.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from checks._dom import PortalError, observe
from probe.browser import close_context
from probe.context import PortalContext
from probe.models import Observation, ObservationValue, Outcome, PageInfo, Stat
from probe.urls import host_matches

GOVERNMENT_SUFFIX = ".gov.vn"
# Government sites outside gov.vn (the government portal and its newspaper).
GOVERNMENT_DOMAINS = ("chinhphu.vn", "baochinhphu.vn")


def portal_url(ctx: PortalContext) -> str:
    """The portal's home URL: the site map's, else the registry's."""
    return ctx.sitemap.portal or ctx.agency.portal_url


def sampled_pages(ctx: PortalContext, limit: int) -> list[PageInfo]:
    """Up to `limit` pages of the site map, one per URL template, the home page first.

    An empty site map (discovery failed or found nothing) still yields the home page.
    """
    limit = max(1, limit)
    home_url = portal_url(ctx)
    usable = [p for p in ctx.sitemap.pages if p.depth == 0 or not leaves_scope(ctx, p)]
    mapped = replace(ctx.sitemap, pages=usable)
    pages = mapped.sample(per_template=1, limit=limit) if usable else []
    home = ctx.sitemap.first("home")
    if home is not None:
        pages = [home, *[p for p in pages if p.url != home.url]]
    elif not any(p.url == home_url for p in pages):
        pages = [PageInfo(url=home_url, type="home"), *pages]
    else:
        pages = sorted(pages, key=lambda p: p.url != home_url)
    return pages[:limit]


# axe-core needs minutes on a 100,000-element page; Lighthouse already flags 1,400.
AXE_MAX_ELEMENTS = 20_000
# axe runs in one stretch, about 1.1 ms an element here on a quiet machine (23 s on a
# 21,000-element page: bench/axe_busy.py), so about 24 s at AXE_MAX_ELEMENTS;
# the limit allows for a loaded machine and for a page script stopped while axe runs.
AXE_LIMIT_S = 90.0
AXE_S_PER_ELEMENT = 0.0011
AXE_START_S = 5.0  # reading axe-core's 500 KB script into the page


def axe_busy_s(elements: int) -> float:
    """How long axe may keep a page of `elements` busy before the page guard takes the busy
    renderer for a runaway page script: three times its quiet-machine time."""
    return AXE_START_S + 3 * AXE_S_PER_ELEMENT * elements


async def dom_elements(page: Page) -> int:
    """How many elements the page's document holds."""
    return int(await page.evaluate("() => document.getElementsByTagName('*').length"))


TOO_LARGE = "too_large"  # the crawler's signal for a page over its size cap


def leaves_scope(ctx: PortalContext, page: PageInfo) -> bool:
    """True for a page no browser should open: one the crawler saw redirect to a host
    outside the portal (other than the national portal and SSO), or one over the crawler's
    size cap. Loading either would leave the portal's scope or blow the time budget."""
    if TOO_LARGE in page.signals:
        return True
    trusted = (*ctx.settings.national_portal_hosts, *ctx.settings.national_sso_hosts)
    targets = [s.split(":", 1)[1] for s in page.signals if s.startswith("redirect:")]
    return any(not host_matches(target, trusted) for target in targets)


def observation(name: str, value: ObservationValue, page: str | None, detail: str = "",
                outcome: Outcome = "ok", artifacts: Sequence[str] = (),
                stat: Stat = None) -> Observation:
    """A catalogue-checked observation, optionally one timed run or an aggregate (`stat`)."""
    made = observe(name, value, page, detail, outcome, artifacts)
    return replace(made, stat=stat) if stat is not None else made


def unmeasured(names: Sequence[str], page: str | None, outcome: Outcome, detail: str,
               stat: Stat = None) -> list[Observation]:
    """One observation per name with value None and the reason it could not be made."""
    return [observation(n, None, page, detail, outcome, stat=stat) for n in names]


_NET_ERROR = re.compile(r"net::ERR_[A-Z_0-9]+")
_PROBE_SIDE = ("Target page, context or browser has been closed", "Browser has been closed",
               "Target closed", "Connection closed")


def error_outcome(error: BaseException) -> Outcome:
    """Whose fault `error` is: the portal's (network, TLS, timeout, 5xx) or the probe's."""
    if isinstance(error, PortalError | httpx.TransportError | ssl.SSLError | TimeoutError
                  | PlaywrightTimeoutError | ConnectionError):
        return "portal_error"
    if isinstance(error, PlaywrightError):
        message = str(error)
        if any(marker in message for marker in _PROBE_SIDE):
            return "probe_error"
        return "portal_error" if _NET_ERROR.search(message) else "probe_error"
    return "probe_error"


def error_detail(error: BaseException, limit: int = 160) -> str:
    """A one-line English reason for `error` (the net::ERR_* code when there is one)."""
    message = str(error).split("\n", 1)[0].strip()
    found = _NET_ERROR.search(message)
    if found:
        message = found.group(0)
    if isinstance(error, PlaywrightTimeoutError | TimeoutError | httpx.TimeoutException):
        message = f"timed out ({message})" if message else "timed out"
    text = f"{error.__class__.__name__}: {message}" if message else error.__class__.__name__
    return text[:limit]


def hostname(url: str) -> str:
    """The lower-cased host name of `url` (no port)."""
    return (urlsplit(url).hostname or "").lower()


_SECOND_LEVEL = {"gov", "com", "net", "org", "edu", "ac", "int", "info", "biz", "name", "pro",
                 "health", "co"}


def registered_domain(host: str) -> str:
    """A rough registered domain: three labels under a country's second level (hanoi.gov.vn,
    abc.com.vn), else two (vnpt.vn, example.com); an IP address is its own domain."""
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def foreign_host(url: str, portal: str, trusted: Sequence[str] = ()) -> bool:
    """True when `url` leaves the agency's sites: another registered domain, not *.gov.vn,
    not one of the `trusted` hosts (national portal, national SSO). Relative URLs are not
    foreign."""
    host = hostname(url)
    if not host:
        return False
    own = hostname(portal)
    if host == own or host.endswith(GOVERNMENT_SUFFIX) or host == GOVERNMENT_SUFFIX[1:]:
        return False
    if any(host == t or host.endswith("." + t) for t in (*trusted, *GOVERNMENT_DOMAINS)):
        return False
    return registered_domain(host) != registered_domain(own)


@asynccontextmanager
async def browser_page(ctx: PortalContext, **options: object
                       ) -> AsyncIterator[tuple[BrowserContext, Page]]:
    """A fresh browser context and page with the probe's user agent, closed on exit."""
    context, page = await ctx.new_page(**options)
    try:
        yield context, page
    finally:
        await close_context(context)
