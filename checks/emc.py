"""EMC (E1-E2): the national monitoring snippet on sampled pages, and whether it runs.

How each observation is made:
- The snippet is read by `parse_emc`, a pure function, from each sampled page's raw HTML
  (httpx) and, for single-page apps (`sitemap.rendered`) and the home page, from the
  rendered DOM too. It tells active code from code inside HTML comments, JS comments,
  non-JavaScript <script> types or inline text of a <script src> (never executed); reads
  `_govaq.push([...])` calls in any formatting (minified one-liners included); resolves
  simple expressions (`u + 'tracking'` with `var u = '...'`); and treats template
  placeholders ('{{siteId}}', '<%= id %>', '${id}', ...), '', '0', 'null' as an empty site id.
- emc.snippet_pages: share of sampled pages (that answered) whose snippet is active
  (pushes trackPageView), or on which the browser saw a tracking request.
- emc.site_id / emc.tracker_https: over the active snippets: every one sets a non-empty
  site id / an https:// tracker URL (protocol-relative counts on HTTPS pages). A site id set
  from a variable counts when the browser's tracking request carries a non-empty idsite.
- emc.script_loaded / emc.tracking_request (home page, browser network log): the tracker
  script (the snippet's src, or any *gov-tracking* script) answered 2xx; a request to the
  tracker URL (or a */tracking path on the tracker host) was sent after the page view.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Page, Request, Response

from checks._dom import PortalError, open_url
from checks._emc_snippet import (
    EMC_HOST,
    TRACKING_WAIT_S,
    EmcSnippet,
    is_tracker_script,
    is_tracking,
    parse_emc,
    site_id_problem,
    strip_js_comments,
)
from checks._sampling import (
    browser_page,
    error_detail,
    error_outcome,
    observation,
    portal_url,
    sampled_pages,
    unmeasured,
)
from probe.context import PortalContext
from probe.models import Observation

__all__ = ["EMC_HOST", "NAMES", "is_tracker_script", "is_tracking", "parse_emc",
           "strip_js_comments", "run"]

NAMES = ("emc.snippet_pages", "emc.site_id", "emc.tracker_https", "emc.script_loaded",
         "emc.tracking_request")
# --------------------------------------------------------------------------------------
# The browser's network log
# --------------------------------------------------------------------------------------


@dataclass
class Visit:
    """What the browser saw on one page: its DOM and the tracker's traffic."""

    url: str
    html: str = ""
    error: str = ""
    scripts: list[tuple[str, int | None]] = field(default_factory=list)  # (url, status)
    tracking: list[str] = field(default_factory=list)


class _Network:
    """Watches a page's requests for the tracker script and tracking requests."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.responses: list[tuple[str, int]] = []
        self.failures: list[str] = []
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _response(self, response: Response) -> None:
        self.responses.append((response.url, response.status))

    def _failed(self, request: Request) -> None:
        self.failures.append(request.url)

    def reset(self) -> None:
        self.requests, self.responses, self.failures = [], [], []


async def _wait_for_tracking(network: _Network, tracker: str | None) -> None:
    """Give the async tracker a few seconds to send its request."""
    deadline = time.monotonic() + TRACKING_WAIT_S
    while time.monotonic() < deadline:
        if any(is_tracking(u, tracker) for u in network.requests):
            return
        await asyncio.sleep(0.1)


async def _visit(page: Page, network: _Network, url: str, ctx: PortalContext,
                 expected: EmcSnippet | None) -> Visit:
    """Load `url`, keep its DOM and the tracker's traffic."""
    visit = Visit(url=url)
    network.reset()
    try:
        await open_url(page, url, ctx.settings.page_timeout_ms)
    except PortalError as error:
        visit.error = str(error)
        return visit
    visit.html = await page.content()
    snippet = parse_emc(visit.html, page.url)
    tracker = (snippet.tracker_url if snippet.active else None) or (
        expected.tracker_url if expected else None)
    if snippet.active or (expected and expected.active):
        await _wait_for_tracking(network, tracker)
    src = snippet.script_src or (expected.script_src if expected else None)
    statuses = dict(network.responses)
    visit.scripts = [(u, statuses.get(u)) for u in network.requests if is_tracker_script(u, src)]
    visit.tracking = [u for u in network.requests if is_tracking(u, tracker)]
    return visit


async def browse(ctx: PortalContext, urls: Sequence[str],
                 raw: dict[str, EmcSnippet]) -> dict[str, Visit]:
    """Visit `urls` in one fresh context (cold cache: the tracker script must be fetched)."""
    visits: dict[str, Visit] = {}
    async with browser_page(ctx) as (_, page):
        network = _Network(page)
        for url in urls:
            visits[url] = await _visit(page, network, url, ctx, raw.get(url))
    return visits


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------


async def fetch_raw(ctx: PortalContext, urls: Sequence[str]) -> dict[str, tuple[int | None, str]]:
    """Raw HTML of each URL: (status, text) or (None, error); stops when the home page
    (the first URL) fails."""
    found: dict[str, tuple[int | None, str]] = {}
    async with ctx.http_client() as client:
        for index, url in enumerate(urls):
            try:
                response = await client.get(url)
                found[url] = (response.status_code, response.text)
            except Exception as error:  # the page failed; recorded in the detail
                found[url] = (None, error_detail(error))
            status = found[url][0]
            if index == 0 and (status is None or status >= 500):
                break  # the home page failed: the portal is down, spare the other pages
    return found


def _best(candidates: Sequence[EmcSnippet]) -> EmcSnippet:
    """The most complete reading of a page's snippet among raw HTML and rendered DOM."""
    ranked = sorted(candidates, key=lambda s: (not s.active, not s.site_id_ok, not s.present))
    return ranked[0]


def _idsite(requests: Sequence[str]) -> str | None:
    """A non-empty idsite parameter among tracking requests."""
    for url in requests:
        value = parse_qs(urlsplit(url).query).get("idsite", [""])[0]
        if value.strip() and not site_id_problem(value, ""):
            return value
    return None


@dataclass
class PageReading:
    """The snippet of one sampled page, and where it was read from."""

    url: str
    snippet: EmcSnippet
    tracking: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.snippet.active or bool(self.tracking)


def snippet_observations(readings: Sequence[PageReading], home: str,
                         skipped: Sequence[str]) -> list[Observation]:
    """emc.snippet_pages, emc.site_id and emc.tracker_https."""
    active = [r for r in readings if r.active]
    missing = [f"{r.url} ({r.snippet.summary()})" for r in readings if not r.active]
    detail = f"{len(active)} of {len(readings)} sampled pages carry an active snippet"
    if missing:
        detail += "; without: " + ", ".join(missing[:3])
    if skipped:
        detail += f"; {len(skipped)} page(s) did not answer"
    found = [observation("emc.snippet_pages", round(len(active) / len(readings), 4), home,
                         detail)]
    if not active:
        reason = readings[0].snippet.summary() if readings else "no page"
        return found + [observation("emc.site_id", False, home, f"no active snippet: {reason}"),
                        observation("emc.tracker_https", False, home,
                                    f"no active snippet: {reason}")]
    found.append(_site_id_observation(active, home))
    found.append(_tracker_observation(active, home))
    return found


def _site_id_observation(active: Sequence[PageReading], home: str) -> Observation:
    """emc.site_id over the pages with an active snippet."""
    bad, ids = [], set()
    for reading in active:
        snippet = reading.snippet
        if snippet.site_id_ok and snippet.site_id is not None:
            ids.add(snippet.site_id)
            continue
        runtime = _idsite(reading.tracking)
        if runtime:
            ids.add(f"{runtime} (from the tracking request)")
        else:
            bad.append(f"{reading.url}: {snippet.site_id_note or 'site id not readable'}")
    if bad:
        return observation("emc.site_id", False, home, "; ".join(bad[:3]))
    return observation("emc.site_id", True, home, "site id " + ", ".join(sorted(ids)))


def _tracker_observation(active: Sequence[PageReading], home: str) -> Observation:
    """emc.tracker_https over the pages with an active snippet."""
    urls = {r.snippet.tracker_url for r in active if r.snippet.tracker_url}
    bad = [f"{r.url}: {r.snippet.tracker_url or 'no setTrackerUrl'}" for r in active
           if not r.snippet.tracker_https(r.url) and not
           (r.snippet.tracker_url is None and r.tracking and
            all(t.startswith("https://") for t in r.tracking))]
    if bad:
        return observation("emc.tracker_https", False, home, "tracker not https: "
                           + "; ".join(bad[:3]))
    shown = ", ".join(sorted(urls)) or "tracking requests over https"
    return observation("emc.tracker_https", True, home, f"tracker {shown}")


def network_observations(visit: Visit, snippet: EmcSnippet, home: str) -> list[Observation]:
    """emc.script_loaded and emc.tracking_request from the home page's network log."""
    if visit.error:
        return unmeasured(NAMES[3:], home, "portal_error", visit.error)
    loaded = [(u, s) for u, s in visit.scripts if s is not None and 200 <= s < 300]
    if loaded:
        script = observation("emc.script_loaded", True, home,
                             f"{loaded[0][0]} answered {loaded[0][1]}")
    elif visit.scripts:
        tried = ", ".join(f"{u} ({s or 'failed'})" for u, s in visit.scripts[:2])
        script = observation("emc.script_loaded", False, home, f"not loaded: {tried}")
    else:
        script = observation("emc.script_loaded", False, home,
                             f"tracker script never requested ({snippet.summary()})")
    if visit.tracking:
        request = observation("emc.tracking_request", True, home,
                              f"{len(visit.tracking)} request(s): {visit.tracking[0][:150]}")
    else:
        request = observation("emc.tracking_request", False, home,
                              f"no tracking request within {TRACKING_WAIT_S:.0f} s of load "
                              f"({snippet.summary()})")
    return [script, request]


async def run(ctx: PortalContext) -> list[Observation]:
    """The EMC snippet on sampled pages and its traffic on the home page."""
    home = portal_url(ctx)
    try:
        urls = [p.url for p in sampled_pages(ctx, ctx.settings.sample_pages)]
        raw = await fetch_raw(ctx, urls)
        status, text = raw[urls[0]]
        if status is None or status >= 500:
            reason = text if status is None else f"HTTP {status}"
            return unmeasured(NAMES, home, "portal_error", f"home page failed: {reason}")
        return await _observe(ctx, home, urls, raw)
    except Exception as error:  # a probe failure must not sink the run
        return unmeasured(NAMES, home, "probe_error", f"probe failure: {error_detail(error)}")


async def _observe(ctx: PortalContext, home: str, urls: Sequence[str],
                   raw: dict[str, tuple[int | None, str]]) -> list[Observation]:
    """Combine raw HTML, rendered DOM and the network log into observations."""
    answered = [u for u in urls if raw[u][0] is not None and 200 <= (raw[u][0] or 0) < 300]
    skipped = [u for u in urls if u not in answered]
    parsed = {u: parse_emc(raw[u][1], u) for u in answered}
    browsed = urls if ctx.sitemap.rendered else urls[:1]
    visits: dict[str, Visit] = {}
    network: list[Observation] = []
    try:
        visits = await browse(ctx, browsed, parsed)
    except Exception as error:  # the browser side failed: the HTML reading still counts
        network = unmeasured(NAMES[3:], home, error_outcome(error), error_detail(error))
    readings = []
    for url in answered:
        visit = visits.get(url)
        candidates = [parsed[url]]
        if visit and visit.html:
            candidates.append(parse_emc(visit.html, url))
        readings.append(PageReading(url, _best(candidates), visit.tracking if visit else []))
    if not readings:
        return unmeasured(NAMES, home, "portal_error", "no sampled page answered 2xx")
    found = snippet_observations(readings, home, skipped)
    if urls[0] in visits:
        home_snippet = readings[0].snippet if readings[0].url == urls[0] else EmcSnippet()
        network = network_observations(visits[urls[0]], home_snippet, home)
    return found + network
