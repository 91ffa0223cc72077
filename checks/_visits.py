"""One visit of each sampled page, shared by the families that read what a browser saw.

Security (mixed and injected content, cookie flags) and EMC (the snippet in raw and rendered
HTML, the tracker's traffic) look at the same sampled pages, and the run's HAR keeps them as
evidence. Each page is opened once for all three, as Lighthouse gathers once for all its
audits: `gather` visits the pages in one browser context (recording the HAR when asked) and
keeps what those families read from each page in a `PageVisit`.

In a sweep step, `fulfil` runs as the step's first job and the families await its visits
(`page_visits`) from their own lanes: `prime` made the promise they wait on. A family run
outside a sweep step gathers for itself.

The step also keeps what the visits fetched (`recording`: the HAR of every whole answer,
cookies intact, deleted with the step by `release`). Access and layout, which only read
pages, are served from it (`PortalContext.new_page(recording=...)`) and ask the portal only
for what it lacks: a slow portal is not made to answer the same pages again, and their
readings come from the very responses the stored HAR keeps.

What a visit keeps:
- the document as the server sent it (the main frame's first answer that is not a
  redirect: what an HTTP client would read) and the DOM once the page settled;
- the page's text (title, meta description, keywords, og: tags, text nodes) and its links,
  each with how it is hidden when it is (off-screen, microscopic, inline style), and its
  meta refreshes (`PAGE_TEXT_JS`);
- every request in order, each response's status, the main frame's navigations (redirect
  hops), the http:// subresources requested or reported by Chromium's mixed-content console
  messages, and the Set-Cookie values of the portal's own host;
- on the pages EMC reads in a browser (the home page; every sampled page of a single-page
  app), up to `TRACKING_WAIT_S` more for an active snippet's tracker to send its page view.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from playwright.async_api import ConsoleMessage, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

from checks._dom import (
    SECTIONS,
    SITEMAP_LINKS,
    PortalError,
    links_matching,
    main_navigation,
    open_url,
    page_links,
)
from checks._emc_snippet import TRACKING_WAIT_S, is_tracking, parse_emc, tracker_of
from checks._sampling import error_detail, error_outcome, hostname, portal_url, sampled_pages
from probe.audit.har import HAR_SUFFIX, har_bytes, redact_har
from probe.browser import close_context
from probe.context import PORTAL_LANES, PortalContext
from probe.models import Observation, Outcome
from probe.turns import take_turns
from probe.urls import netloc

log = logging.getLogger(__name__)
READERS = frozenset({"security", "emc"})  # the families that read the shared visits
CAPTURED_TYPES = ("sitemap", "procedure", "catalogue", "lookup")  # the layout check opens them
_PROMISE = "page_visits"
READ_WAIT_S = 5.0  # for a visit's document body and Set-Cookie headers, once it has loaded
# Blink names the request type in one or more words ("image", "XMLHttpRequest endpoint").
_MIXED_CONSOLE = re.compile(r"requested an insecure [\w ]+? '(http://[^']+)'")

PAGE_TEXT_JS = r"""() => {
  const parts = [document.title];
  for (const m of document.querySelectorAll(
      'meta[name=description i], meta[name=keywords i], meta[property^="og:"]')) {
    parts.push(m.getAttribute('content') || '');
  }
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  let size = 0;
  for (let n = walker.nextNode(); n && size < 400000; n = walker.nextNode()) {
    const tag = n.parentElement ? n.parentElement.tagName : '';
    if (tag === 'SCRIPT' || tag === 'STYLE') continue;
    parts.push(n.nodeValue); size += n.nodeValue.length;
  }
  const inlineHidden = new RegExp([
      'display:none', 'visibility:hidden', 'font-size:0(?![.\\d])', 'text-indent:-\\d{3,}',
      '(?:left|top):-\\d{3,}px', '(?:height|width):0(?:px)?(?![.\\d])'].join('|'));
  const width = document.documentElement.scrollWidth;
  const MENUS = 'nav, [role=navigation], [role=menu], .menu, .dropdown, .submenu, .sub-menu';
  const links = [];
  for (const a of document.querySelectorAll('a[href]')) {
    const r = a.getBoundingClientRect();
    const rendered = a.getClientRects().length > 0 &&
        (a.checkVisibility ? a.checkVisibility({visibilityProperty: true}) : true);
    let how = '';
    const outside = r.right + scrollX <= 0 || r.bottom + scrollY <= 0
        || r.left + scrollX > width + 500;
    const tiny = (r.width <= 1 && r.height <= 1) || parseFloat(getComputedStyle(a).fontSize) < 2;
    if (rendered && outside) {
      how = 'off-screen';
    } else if (rendered && tiny) {
      how = 'microscopic';
    } else if (!a.closest(MENUS)) {
      for (let el = a; el && el !== document.body; el = el.parentElement) {
        const style = (el.getAttribute('style') || '').toLowerCase().replace(/\s+/g, '');
        const zero = /(?:height|width):0(?:px)?(?![.\d])/.test(style);
        const clipped = zero && /overflow:hidden/.test(style);
        if ((!rendered && inlineHidden.test(style)) || clipped) { how = 'inline style'; break; }
      }
    }
    links.push({href: a.href, hiddenHow: how});
  }
  const refresh = Array.from(document.querySelectorAll('meta[http-equiv=refresh i]'))
      .map(m => m.getAttribute('content') || '');
  return {text: parts.join('\n'), links, refresh};
}"""


@dataclass
class PageVisit:
    """What the browser saw on one page (see the module docstring)."""

    url: str  # as asked
    final_url: str = ""
    status: int | None = None  # None for a route change inside a single-page app
    error: str = ""  # why the page could not be read
    outcome: Outcome = "ok"
    raw_html: str | None = None
    html: str = ""
    text: str = ""
    links: list[dict[str, object]] = field(default_factory=list)  # {href, hiddenHow}
    refresh: list[str] = field(default_factory=list)  # meta refresh contents
    navigations: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    insecure: set[str] = field(default_factory=set)
    set_cookies: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.outcome == "ok"

    @property
    def answered(self) -> bool:
        """Loaded with a 2xx answer (or as a route of a single-page app)."""
        return self.loaded and (self.status is None or 200 <= self.status < 300)


def not_visited(url: str) -> PageVisit:
    """The visit of a page the gather did not reach."""
    return PageVisit(url=url, error="page not visited", outcome="probe_error")


@dataclass(frozen=True)
class Recording:
    """What a sweep step's visits fetched, for the step's other families to read again."""

    path: Path  # a HAR of the answered requests, cookies intact, deleted with the step
    urls: frozenset[str]  # what it answers
    artifacts: list[str]  # the stored (redacted) HAR, to name as evidence

    def name_on(self, observations: list[Observation]) -> list[Observation]:
        """`observations`, those of the pages it holds naming it among their artifacts
        (they were read from what it served)."""
        for item in observations:
            if item.page in self.urls:
                self.name(item)
        return observations

    def name(self, item: Observation) -> None:
        """Name it among the artifacts of `item`, which was read from what it served."""
        item.artifacts = [*item.artifacts, *(a for a in self.artifacts
                                             if a not in item.artifacts)]


@dataclass
class Gathered:
    """The visits of one portal's pages, by URL in visit order, and its stored HAR."""

    visits: dict[str, PageVisit]
    har: str | None = None  # the HAR artifact's path, when one was recorded
    recording: Recording | None = None  # kept for a sweep step (`fulfil`)
    folder: tempfile.TemporaryDirectory[str] | None = None  # where `recording` lives

    def close(self) -> None:
        """Delete the recording (the sweep step has ended)."""
        if self.folder is not None:
            self.folder.cleanup()

    def of(self, urls: Sequence[str]) -> list[PageVisit]:
        """The visits of `urls`, in that order (`not_visited` for a page not reached)."""
        return [self.visits.get(url) or not_visited(url) for url in urls]

    @property
    def artifacts(self) -> list[str]:
        """The evidence of these visits to name on the observations made from them."""
        return [self.har] if self.har else []


class _PageLog:
    """Routes one browser page's network and console events into the visit under way."""

    def __init__(self, page: Page, portal_host: str) -> None:
        self.page = page
        self.portal_host = portal_host
        self.visit: PageVisit | None = None
        self._cookies: list[asyncio.Future[list[str]]] = []
        self._raw: asyncio.Future[str] | None = None
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("console", self._console)

    def start(self, visit: PageVisit) -> None:
        self.visit, self._cookies, self._raw = visit, [], None

    def _request(self, request: Request) -> None:
        if (visit := self.visit) is None:
            return
        visit.requests.append(request.url)
        if main_navigation(self.page, request):
            visit.navigations.append(request.url)
        elif request.url.startswith("http://"):
            visit.insecure.add(request.url)

    def _response(self, response: Response) -> None:
        if (visit := self.visit) is None:
            return
        visit.statuses[response.url] = response.status
        if hostname(response.url) == self.portal_host:
            self._cookies.append(asyncio.ensure_future(response.header_values("set-cookie")))
        redirect = 300 <= response.status < 400
        if self._raw is None and not redirect and main_navigation(self.page, response.request):
            self._raw = asyncio.ensure_future(response.text())

    def _console(self, message: ConsoleMessage) -> None:
        if self.visit is not None and (found := _MIXED_CONSOLE.search(message.text)):
            self.visit.insecure.add(found.group(1))

    async def finish(self) -> None:
        """Stop recording into the visit; read its document and Set-Cookie values, for at
        most `READ_WAIT_S` (Playwright waits for a body until its request has finished,
        which a document whose parsing a guard stopped may never do)."""
        visit, self.visit = self.visit, None
        if visit is None:
            return
        reads = [*self._cookies, *([self._raw] if self._raw else [])]
        if reads:
            _, late = await asyncio.wait(reads, timeout=READ_WAIT_S)
            for read in late:
                read.cancel()
        visit.set_cookies = [value for read in self._cookies for value in _result(read) or []]
        visit.raw_html = _result(self._raw) if self._raw else None


def _result(read: asyncio.Future[Any]) -> Any:
    """What a finished read gave, or None when it failed or did not finish."""
    if not read.done() or read.cancelled() or read.exception() is not None:
        return None
    return read.result()


# --- visiting -----------------------------------------------------------------------------


async def _visit(page: Page, page_log: _PageLog, url: str, ctx: PortalContext,
                 linger: bool) -> PageVisit:
    """Open `url` in `page` and keep what the families read from it."""
    visit = PageVisit(url=url)
    page_log.start(visit)
    try:
        loaded = await open_url(page, url, ctx.settings.page_timeout_ms)
        visit.final_url, visit.status = loaded.url, loaded.status
        if not loaded.download:  # reading a page may not take longer than loading it
            limit_s = ctx.settings.page_timeout_ms / 1000 + (TRACKING_WAIT_S if linger else 0)
            await asyncio.wait_for(_read(page, visit, linger), limit_s)
    except PortalError as error:
        visit.error, visit.outcome = str(error), "portal_error"
    except (PlaywrightError, TimeoutError) as error:
        visit.error, visit.outcome = error_detail(error), error_outcome(error)
        log.info("visit of %s failed: %s", url, visit.error)
    finally:
        await page_log.finish()
    return visit


async def _read(page: Page, visit: PageVisit, linger: bool) -> None:
    """The loaded page's DOM, text and links; with `linger`, the tracker's time."""
    visit.html = await page.content()
    found = await page.evaluate(PAGE_TEXT_JS)
    visit.text, visit.links, visit.refresh = found["text"], found["links"], found["refresh"]
    if linger:
        await _wait_for_tracker(visit)


async def _wait_for_tracker(visit: PageVisit) -> None:
    """Give an active EMC snippet's asynchronous tracker its time to send the page view."""
    rendered = parse_emc(visit.html, visit.final_url)
    raw = parse_emc(visit.raw_html, visit.url) if visit.raw_html is not None else None
    if not (rendered.active or (raw and raw.active)):
        return
    tracker = tracker_of(rendered, raw)
    deadline = time.monotonic() + TRACKING_WAIT_S
    while time.monotonic() < deadline:
        if any(is_tracking(u, tracker) for u in visit.requests):
            return
        await asyncio.sleep(0.1)


async def _visit_all(ctx: PortalContext, urls: Sequence[str], lingering: set[str],
                     har_path: Path | None) -> dict[str, PageVisit]:
    """Visit `urls` in one context (recording a HAR with embedded bodies into `har_path`).

    The first URL, the home page, is visited alone (a cold cache: the tracker script is
    fetched); recording, its links to a human site map and to the catalogue are added. Then
    `PORTAL_LANES` pages of the context take the other URLs in turn: on a slow server the
    visits wait for several answers at once, still within the one host slot the context
    holds. The context is guarded like every check's and pooled in a sweep.
    """
    recording = {"record_har_path": str(har_path), "record_har_content": "embed"} \
        if har_path else {}
    context, page = await ctx.new_page(**recording)
    portal_host = hostname(portal_url(ctx))
    visits: dict[str, PageVisit] = {}
    try:
        home = visits[urls[0]] = await _visit(page, _PageLog(page, portal_host), urls[0], ctx,
                                              urls[0] in lingering)
        rest = list(urls[1:])
        if har_path and home.loaded:
            rest = [u for u in await _linked_extras(page, urls[0]) if u not in urls] + rest
        lanes = [page] + [await context.new_page() for _ in range(min(PORTAL_LANES, len(rest)) - 1)]

        async def visit(lane: tuple[Page, _PageLog], url: str) -> PageVisit:
            return await _visit(*lane, url, ctx, url in lingering)

        logs = [(lane, _PageLog(lane, portal_host)) for lane in lanes]
        visits.update(zip(rest, await take_turns(logs, rest, visit), strict=True))
    finally:
        await close_context(context)  # writes the HAR
    return visits


async def _linked_extras(page: Page, home: str) -> list[str]:
    """Same-site links of the home page to a human site map and to the catalogue: the layout
    check follows them when discovery did not list such pages."""
    try:
        links = await page_links(page)
    except PlaywrightError:
        return []
    found: list[str] = []
    for phrases in (SITEMAP_LINKS, SECTIONS["catalogue"]):
        for link in links_matching(links, phrases, home):
            target = link.href.split("#")[0]
            if netloc(target) == netloc(home) and not target.lower().split("?")[0] \
                    .endswith(".xml"):
                found.append(target)
                break
    return list(dict.fromkeys(found))


# --- what is visited ----------------------------------------------------------------------


def read_urls(ctx: PortalContext) -> list[str]:
    """The pages security and EMC read: the sampled pages, the home page first."""
    return [p.url for p in sampled_pages(ctx, ctx.settings.sample_pages)]


def browsed_urls(ctx: PortalContext) -> list[str]:
    """The pages EMC reads in a browser: every sampled page of a single-page app, else the
    home page."""
    urls = read_urls(ctx)
    return urls if ctx.sitemap.rendered else urls[:1]


def capture_limit(ctx: PortalContext) -> int:
    """How many sampled pages the HAR keeps: as many as any check samples."""
    return max(ctx.settings.sample_pages, ctx.settings.perf_pages, 1)


def capture_urls(ctx: PortalContext) -> list[str]:
    """What the HAR keeps: the sampled pages, the first site-map, procedure, catalogue and
    look-up pages (the layout check opens them), robots.txt and sitemap.xml."""
    urls = [p.url for p in sampled_pages(ctx, capture_limit(ctx))]
    for page_type in CAPTURED_TYPES:
        if info := ctx.sitemap.first(page_type):
            urls.append(info.url)
    home = portal_url(ctx)
    urls += [urljoin(home, "/robots.txt"), urljoin(home, "/sitemap.xml")]
    return list(dict.fromkeys(urls))


def _records(ctx: PortalContext) -> bool:
    """Whether a gather asked to record the HAR does: not with `extra["har_capture"] = "off"`,
    nor when the run's evidence already holds one (a run is captured once)."""
    if ctx.settings.extra.get("har_capture") == "off":
        return False
    return not any(ctx.evidence.run_dir.glob(f"*{HAR_SUFFIX}"))


# --- gathering ----------------------------------------------------------------------------


async def gather(ctx: PortalContext, record: bool = False, read: bool = True,
                 keep: bool = False) -> Gathered:
    """Visit the pages security and EMC read (with `read`), once; with `record`, also what
    the HAR keeps, stored as a redacted HAR artifact (unless `_records` says no), and with
    `keep` its `Recording` too (close the result to delete it)."""
    record = record and _records(ctx)
    urls = read_urls(ctx) if read else []
    if not record:
        lingering = set(browsed_urls(ctx))
        return Gathered(await _visit_all(ctx, urls, lingering, None) if urls else {})
    urls = list(dict.fromkeys([*urls, *capture_urls(ctx)]))
    folder = tempfile.TemporaryDirectory(prefix="probe-har-")
    kept: Recording | None = None
    try:
        path = Path(folder.name) / "pages.har"
        visits = await _visit_all(ctx, urls, set(browsed_urls(ctx)), path)
        if (har := _read_har(ctx, path)) is None:
            return Gathered(visits)
        har.setdefault("log", {})["_dvcProbePages"] = list(visits)
        answered = _write_answered(har, path) if keep else None
        stored = ctx.evidence.put(har_bytes(redact_har(har)), HAR_SUFFIX)
        kept = Recording(path, answered, [stored]) if answered is not None else None
        return Gathered(visits, stored, kept, folder if kept else None)
    finally:
        if kept is None:
            folder.cleanup()


def _read_har(ctx: PortalContext, path: Path) -> dict[str, Any] | None:
    """The HAR the visits' context wrote, or None (logged) when unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("HAR capture failed on %s: %r", ctx.agency.portal_url, error)
        return None


def _write_answered(har: dict[str, Any], path: Path) -> frozenset[str]:
    """Write over `path` the HAR of the requests that got a whole answer, and return their
    URLs: one the visits cancelled, or whose body never ended, would stall a page served
    from it (Playwright stalls an answer recorded with status -1), so the network is asked
    for those again."""
    log_part = har.get("log", {})
    answered = [e for e in log_part.get("entries", []) if _whole(e.get("response") or {})]
    path.write_text(json.dumps({"log": {**log_part, "entries": answered}}, ensure_ascii=False),
                    encoding="utf-8")
    return frozenset(str(e.get("request", {}).get("url", "")) for e in answered)


def _whole(response: dict[str, Any]) -> bool:
    """Whether a HAR response is a real answer whose body was read whole."""
    content = response.get("content") or {}
    status = response.get("status")
    return isinstance(status, int) and status >= 100 and not response.get("_failureText") \
        and ("text" in content or not content.get("size"))


class BudgetSpent(RuntimeError):
    """The portal's time budget ran out before the page visits ended: the probe's limit, not
    a portal failure (the readers' items are unmeasured as probe_error)."""


def prime(shared: dict[str, Any]) -> None:
    """Promise the families of a sweep step the visits that the step's `fulfil` gathers."""
    promise: asyncio.Future[Gathered] = asyncio.get_running_loop().create_future()
    promise.add_done_callback(lambda done: done.cancelled() or done.exception())
    shared[_PROMISE] = promise


async def fulfil(ctx: PortalContext, record: bool, read: bool, limit_s: float) -> str | None:
    """`gather(ctx, record, read)` within `limit_s`, keeping the promise `prime` made in
    `ctx.shared`: the visits, or the error that stopped them. The HAR's path, or None; never
    raises an error."""
    promise: asyncio.Future[Gathered] = ctx.shared[_PROMISE]
    try:
        if limit_s <= 0:
            raise BudgetSpent("page visits not begun: the portal's time budget is spent")
        try:
            gathered = await asyncio.wait_for(gather(ctx, record, read, keep=True),
                                              limit_s)
        except TimeoutError as error:
            raise BudgetSpent(f"page visits cut short by the portal's time budget "
                              f"({limit_s:.0f} s left)") from error
        promise.set_result(gathered)
        return gathered.har
    except Exception as error:  # the families report it, each for its own observations
        log.warning("page visits of %s failed: %s", ctx.agency.portal_url, error_detail(error))
        promise.set_exception(error)
        return None
    finally:
        if not promise.done():  # cancelled with the step
            promise.cancel()


async def page_visits(ctx: PortalContext) -> Gathered:
    """The visits of the pages security and EMC read: the sweep step's (awaited, never
    cancelled by a waiter's own time limit), else gathered now."""
    promise: asyncio.Future[Gathered] | None = ctx.shared.get(_PROMISE)
    if promise is None:
        return await gather(ctx)
    return await asyncio.shield(promise)


async def _step_visits(ctx: PortalContext) -> Gathered | None:
    """The sweep step's visits; None outside a sweep step or when they failed (the caller
    then asks the portal itself)."""
    if _PROMISE not in ctx.shared:
        return None
    try:
        return await page_visits(ctx)
    except Exception:  # the visits failed: the caller asks for itself
        return None


async def recording(ctx: PortalContext) -> Recording | None:
    """What the sweep step's visits fetched, to serve pages from
    (`PortalContext.new_page(recording=...)`); None outside a sweep step, when nothing was
    recorded, or when the visits failed: the caller then asks the portal itself."""
    gathered = await _step_visits(ctx)
    return gathered.recording if gathered else None


def release(shared: dict[str, Any]) -> None:
    """Delete what the sweep step's visits kept for its families (the step has ended)."""
    promise: asyncio.Future[Gathered] | None = shared.get(_PROMISE)
    if promise is not None and promise.done() and not promise.cancelled() \
            and promise.exception() is None:
        promise.result().close()


async def answers(ctx: PortalContext, urls: Sequence[str]) -> dict[str, tuple[int | None, str]]:
    """How the sweep step's shared visits saw those of `urls` they opened: (HTTP status,
    reason), or (None, why the portal failed). Pages they did not open, or could not for the
    probe's own reasons, are left out, as is everything outside a sweep step."""
    if (gathered := await _step_visits(ctx)) is None:
        return {}
    seen = gathered.visits
    found: dict[str, tuple[int | None, str]] = {}
    for url in urls:
        visit = seen.get(url)
        if visit is not None and visit.loaded and visit.status is not None:
            found[url] = (visit.status, f"HTTP {visit.status}")
        elif visit is not None and visit.outcome == "portal_error":
            found[url] = (None, visit.error)
    return found
