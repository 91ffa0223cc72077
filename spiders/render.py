"""Maps a single-page app with a real browser: render, collect links (hash routes too),
visit each under the same budgets as the crawl, classify by the rendered DOM.

Chromium is always launched through `probe.browser.launch` (resolver rules, extra CA), and
its pages are kept harmless by `probe.browser.PageGuard`, as the checks' pages are: a route
whose script never ends has it stopped (its page gets the `script_stopped` signal), and the
walk goes on in a new tab.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from protego import Protego

from probe import crawl_delay
from probe.browser import (
    SCRIPT_STOPPED,
    PageEvents,
    PageGuard,
    close_context,
    guard_pages,
    launch,
    leave,
    next_tab,
    playwright,
    spoil,
)
from probe.models import PageInfo
from spiders.budget import Budget
from spiders.classify import classify_features
from spiders.errors import classify_error
from spiders.features import Link, extract_features
from spiders.portal_map import external_hosts
from spiders.safe_links import casts_a_vote
from spiders.urlrules import Frontier, is_hash_route, scope_of, url_template

SETTLE_TICK_S = 0.05
SETTLE_MAX_S = 4.0
QUIET_S = 0.15
ROUTE_SPARE_S = 5.0  # a route's time beyond its load, settling and the guard's limit
_SKIP_SUFFIXES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip", ".rar", ".jpg", ".png")


@dataclass
class RenderResult:
    """Pages seen in the browser, the budgets that cut the walk, and any home-page error."""

    pages: list[PageInfo] = field(default_factory=list)
    hits: set[str] = field(default_factory=set)
    capped: dict[str, int] = field(default_factory=dict)  # as SiteMap.capped
    error: str | None = None
    error_detail: str = ""


@dataclass(frozen=True)
class RenderOptions:
    """Browser-side knobs: trust, network scope, identity, timeouts."""

    user_agent: str
    ca_file: str | None = None
    loopback_only: bool = True
    page_timeout_ms: int = 15_000
    extra_hosts: tuple[str, ...] = ()
    block_private: bool = False  # refuse private addresses at the resolver (no --allow-private)
    script_watchdog_s: float = 10.0  # a script holding a route's renderer this long is stopped
    obey_robots: bool = True  # False only for the operator's own portal

    @property
    def route_limit_s(self) -> float:
        """The longest one route may take: load, settle, a script stopped, reading."""
        return (self.page_timeout_ms / 1000 + SETTLE_MAX_S + self.script_watchdog_s
                + ROUTE_SPARE_S)


class RateLimiter:
    """At most one navigation per `delay` seconds to the portal's host."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Sleep until the next navigation may start."""
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
            self._next = max(now, self._next) + self.delay


_SHAPE_JS = ("() => [document.body ? document.body.innerText.length : 0,"
             " document.getElementsByTagName('*').length, location.href]")


class Settler:
    """Tracks a page's network activity to tell when a route has finished rendering.

    A route is settled when no request is in flight, none started or ended for
    `QUIET_S`, and the DOM's shape stayed the same for two ticks (with some text).
    """

    def __init__(self, page: Page) -> None:
        self.inflight = 0
        self.last_activity = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, _: Any) -> None:
        self.inflight += 1
        self.last_activity = time.monotonic()

    def _ended(self, _: Any) -> None:
        self.inflight = max(0, self.inflight - 1)
        self.last_activity = time.monotonic()

    def quiet(self) -> bool:
        """True when the network has been idle for QUIET_S."""
        return self.inflight == 0 and time.monotonic() - self.last_activity >= QUIET_S

    async def settle(self, page: Page) -> None:
        """Wait (at most SETTLE_MAX_S) until the network is quiet and the DOM stable."""
        deadline = time.monotonic() + SETTLE_MAX_S
        last: Any = None
        stable = 0
        while (left := deadline - time.monotonic()) > 0:
            try:
                shape = await asyncio.wait_for(page.evaluate(_SHAPE_JS), left)
            except TimeoutError:  # a script holds the renderer: the page guard will stop it
                return
            except PlaywrightError:
                shape = None
            stable = stable + 1 if shape == last else 0
            if stable >= 2 and self.quiet() and shape and shape[0] > 0:
                return
            last = shape
            await asyncio.sleep(SETTLE_TICK_S)


def renderable(url: str, scope: str) -> bool:
    """True for in-scope http(s) URLs that may be app pages (hash routes included)."""
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and scope_of(url) == scope
            and not parts.path.lower().endswith(_SKIP_SUFFIXES))


class AppMapper:
    """Breadth-first walk of an app's routes with a few browser tabs."""

    def __init__(self, home_url: str, budget: Budget, options: RenderOptions,
                 deadline: float) -> None:
        self.home_url = home_url
        self.scope = scope_of(home_url)
        self.budget = budget
        self.options = options
        self.deadline = deadline
        self.frontier = Frontier(budget)
        self.limiter = RateLimiter(budget.delay)
        self.queue: asyncio.Queue[tuple[str, int, str]] = asyncio.Queue()
        self.result = RenderResult()
        self.robots: Protego | None = None
        self.home_status: int | None = None

    async def run(self, browser: Browser) -> RenderResult:
        """Render the home page, then its routes, within the budgets."""
        context = await browser.new_context(user_agent=self.options.user_agent,
                                            accept_downloads=False)  # never saved
        context.set_default_timeout(self.options.page_timeout_ms)
        guard = await guard_pages(context, self.options.script_watchdog_s)
        try:
            await self._load_robots(context)
            self.frontier.mark_seen(self.home_url)
            self.frontier.scheduled = 1
            self.queue.put_nowait((self.home_url, 0, ""))
            workers = [asyncio.create_task(self._worker(context, guard))
                       for _ in range(max(1, min(self.budget.per_host, 4)))]
            await self.queue.join()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        finally:
            await close_context(context)  # bounded: a hung renderer must not hold the walk
            self._mark_stopped(guard.events)
        self.result.hits |= self.frontier.hits
        self.result.capped = dict(self.frontier.capped.most_common())
        return self.result

    def _mark_stopped(self, events: PageEvents) -> None:
        """Routes whose script the guard stopped say so in their signals."""
        stopped = set(events.stopped_scripts)
        for page in self.result.pages:
            if page.url in stopped and SCRIPT_STOPPED not in page.signals:
                page.signals.append(SCRIPT_STOPPED)

    async def _load_robots(self, context: BrowserContext) -> None:
        """Fetch robots.txt once; routes it disallows are not rendered (unless the operator
        lifted robots.txt for its own portal)."""
        if not self.options.obey_robots:
            return
        parts = urlsplit(self.home_url)
        try:
            answer = await context.request.get(f"{parts.scheme}://{parts.netloc}/robots.txt")
            if answer.ok:
                self.robots = Protego.parse(await answer.text())
        except PlaywrightError:
            self.robots = None
        if self.robots is not None:  # its Crawl-delay spaces the navigations, as the crawl's
            self.limiter.delay = crawl_delay.pause(self.robots, self.options.user_agent,
                                                   self.budget.delay, self.budget.max_crawl_delay)

    def _allowed(self, url: str) -> bool:
        """robots.txt verdict for the URL's path (hash routes share their document's path)."""
        return self.robots is None or self.robots.can_fetch(url, self.options.user_agent)

    async def _worker(self, context: BrowserContext, guard: PageGuard) -> None:
        """Take routes from the queue and render them in one tab (a new one after a tab
        whose script the guard had to stop: `probe.browser.next_tab`)."""
        page = await context.new_page()
        await guard.attach(page)
        settler = Settler(page)
        while True:
            url, depth, link_text = await self.queue.get()
            try:
                if time.monotonic() >= self.deadline:
                    self.frontier.hits.add("time_limit")
                    continue
                if (tab := await next_tab(page)) is not page:
                    page, settler = tab, Settler(tab)
                await self._visit(page, settler, url, depth, link_text)
            except Exception as error:  # noqa: BLE001 - one bad route must not end the walk
                self._failed(url, depth, error)
            finally:
                self.queue.task_done()

    async def _visit(self, page: Page, settler: Settler, url: str, depth: int,
                     link_text: str) -> None:
        """Render one route within `route_limit_s`; a route over it spoils its tab."""
        await self.limiter.wait()
        limit = self.options.route_limit_s
        try:
            await asyncio.wait_for(self._render(page, settler, url, depth, link_text), limit)
        except PlaywrightTimeoutError:  # its load timed out (page_timeout_ms)
            spoil(page)
            raise
        except TimeoutError as error:
            spoil(page)
            raise TimeoutError(f"route not rendered within {limit:.0f} s: {url}") from error

    async def _render(self, page: Page, settler: Settler, url: str, depth: int,
                      link_text: str) -> None:
        """Load one route, record it as a page, queue its links."""
        await leave(page)  # a script of the route left behind would hold the navigation
        response = await page.goto(url, wait_until="load")
        if response is not None:
            status: int | None = response.status
            if depth == 0:
                self.home_status = status
        else:
            status = self.home_status  # same-document (hash) navigation
        await settler.settle(page)
        features = extract_features(await page.content(), page.url)
        page_type, signals = classify_features(url, features, depth == 0, link_text)
        signals += [f"external:{host}" for host in external_hosts(features, self.scope)]
        self.result.pages.append(PageInfo(
            url=url, type=page_type, depth=depth, template=url_template(url), signals=signals,
            status=status, title=(await page.title())[:200]))
        self._queue_links(features.links + features.get_forms, depth + 1)

    def _queue_links(self, links: list[Link], depth: int) -> None:
        """Admit in-scope links (hash routes included) that robots.txt allows."""
        for link in links:
            if not renderable(link.url, self.scope) or not self._allowed(link.url) \
                    or casts_a_vote(link.text, link.url):
                continue
            if time.monotonic() >= self.deadline:
                self.frontier.hits.add("time_limit")
                return
            url = self.frontier.admit(link.url, depth)
            if url is not None:
                self.queue.put_nowait((url, depth, link.text))

    def _failed(self, url: str, depth: int, error: BaseException) -> None:
        """A route that could not be rendered: the home page's failure is the portal's."""
        status = classify_error(error)
        if depth == 0:
            self.result.error = status
            self.result.error_detail = f"{type(error).__name__}: {error}"[:300]
            return
        self.result.pages.append(PageInfo(url=url, depth=depth, template=url_template(url),
                                          signals=[f"error:{status}"]))


def is_route(url: str) -> bool:
    """True when `url` names an app route through its fragment ('#/vi/...')."""
    return is_hash_route(urlsplit(url).fragment)


async def render_map(home_url: str, budget: Budget, options: RenderOptions,
                     time_limit: float) -> RenderResult:
    """Map the app at `home_url` in headless Chromium within `budget` and `time_limit` s."""
    mapper = AppMapper(home_url, budget, options, time.monotonic() + time_limit)
    grace = time_limit + options.route_limit_s  # the last route begun may finish
    try:
        async with playwright() as pw:
            browser = await launch(pw, loopback_only=options.loopback_only,
                                   extra_hosts=options.extra_hosts, ca_file=options.ca_file,
                                   block_private=options.block_private)
            try:
                return await asyncio.wait_for(mapper.run(browser), timeout=grace)
            finally:
                await browser.close()
    except TimeoutError:
        mapper.result.hits |= mapper.frontier.hits | {"time_limit"}
        return mapper.result
    except Exception as error:  # noqa: BLE001 - a browser that will not start is our fault
        return RenderResult(error="probe_error", error_detail=f"{type(error).__name__}: {error}")
