"""The portal-mapping spider: crawls one portal's own origin and classifies every page.

Spiders only crawl and classify: politeness and budgets come from settings
(`spiders.settings`), pages go to the pipeline (`spiders.pipelines`) as `{"page": PageInfo}`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from twisted.python.failure import Failure

from probe.models import PageInfo, SiteMap
from probe.urls import host_matches, is_private_host
from spiders.budget import Budget, worst_stop
from spiders.classify import classify_features
from spiders.crawl_delay import crawl_delays
from spiders.errors import classify_error, status_for_http
from spiders.features import Link, PageFeatures, absolute, extract_features
from spiders.pipelines import Sink
from spiders.safe_links import casts_a_vote
from spiders.scope import PrivateAddressRefused, refuses
from spiders.urlrules import Frontier, is_hash_route, scope_of, url_template

MAX_EXTERNAL_SIGNALS = 20
TOO_LARGE_MESSAGE = "larger than download max size"  # Scrapy's DownloadCancelledError text
_SKIP_EXTENSIONS = tuple(sorted({"." + ext for ext in IGNORED_EXTENSIONS}))
_HOME_STATUSES = list(range(400, 600))
Item = dict[str, Any]


def external_hosts(features: PageFeatures, scope: str) -> list[str]:
    """Distinct hosts (host[:port]) outside `scope` that the page links, frames or posts to."""
    urls = [link.url for link in features.links] + features.embeds
    hosts: list[str] = []
    for url in urls:
        if urlsplit(url).scheme in ("http", "https"):
            host = scope_of(url)
            if host and host != scope and host not in hosts:
                hosts.append(host)
    return hosts[:MAX_EXTERNAL_SIGNALS]


def _retry_after(response: Response) -> str:
    """' (Retry-After: N)' when the answer asks the client to come back later."""
    value = response.headers.get(b"Retry-After", b"").decode("latin-1").strip()
    return f" (Retry-After: {value[:40]})" if value else ""


def crawlable(url: str) -> bool:
    """True for http(s) URLs that may be an HTML page (not a file download, not a hash route)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or is_hash_route(parts.fragment):
        return False
    return not parts.path.lower().endswith(_SKIP_EXTENSIONS)


class PortalMapSpider(scrapy.Spider):
    """Maps one portal: breadth first from its home page, inside its own host:port."""

    name = "portal_map"

    def __init__(self, portal_url: str, sink: Sink | None = None, allow_private: bool = False,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_url = portal_url
        # A portal on a private host was only let in with --allow-private (see spiders.scope).
        self.allow_private = allow_private or is_private_host(portal_url)
        self.refused: list[str] = []
        self.sink = sink
        self.portal = portal_url
        self.scope = scope_of(portal_url)
        self.handover: str | None = None
        self.error: str | None = None
        self.error_detail = ""
        self.app_shell = False
        self.hash_routes = 0
        self.budget = Budget()
        self.national_hosts: tuple[str, ...] = ()
        self.frontier = Frontier(self.budget)
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalMapSpider:
        """Scrapy hook: read the budget and national hosts from the crawl settings."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.budget = Budget.from_dict(crawler.settings.getdict("PROBE_BUDGET"))
        spider.national_hosts = tuple(crawler.settings.getlist("PROBE_NATIONAL_HOSTS"))
        spider.frontier = Frontier(spider.budget)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        """The portal URL; redirects from it are followed (its final URL is the portal)."""
        yield Request(self.start_url, callback=self.on_home, errback=self.home_failed,
                      dont_filter=True,
                      meta={"handle_httpstatus_list": _HOME_STATUSES, "page_depth": 0})

    # -- callbacks -----------------------------------------------------------------------
    # Scrapy reads and parses the source of a generator callback on every response (its
    # cache is keyed by bound methods, which die at once), a few ms each. The callbacks are
    # therefore plain methods that return the generators below.

    def on_home(self, response: Response) -> Iterator[Item | Request]:
        """Callback of the home page request."""
        return self.parse_home(response)

    def on_page(self, response: Response) -> Iterator[Item | Request]:
        """Callback of every other page request."""
        return self.parse_page(response)

    def on_page_failed(self, failure: Failure) -> Iterator[Item]:
        """Errback of every other page request."""
        return self.page_failed(failure)

    # -- the home page -------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Item | Request]:
        """Settle the portal's final URL, scope and hand-over, then map the home page."""
        self.portal = response.url
        self.scope = scope_of(response.url)
        budget = self.budget
        if host_matches(response.url, self.national_hosts) and \
                not host_matches(self.start_url, self.national_hosts):
            self.handover = response.url
            budget = budget.for_handover()
        self.frontier = Frontier(budget)
        self.frontier.scheduled = 1
        for url in (self.start_url, response.url, *response.meta.get("redirect_urls", [])):
            self.frontier.mark_seen(url)
        if (error := status_for_http(response.status)) is not None:
            self.error = error
            self.error_detail = f"HTTP {response.status}" + _retry_after(response)
            yield {"page": self._bare_page(response.url, 0, response.status, "", True)}
            return
        yield from self.parse_page(response, is_home=True)

    def home_failed(self, failure: Failure) -> None:
        """The home page could not be fetched: record the taxonomy status."""
        self.error = classify_error(failure.value)
        self.error_detail = f"{type(failure.value).__name__}: {failure.value}"[:300]

    def note_refused(self, url: str) -> None:
        """Remember a URL the scope guard refused (a private address)."""
        if url not in self.refused and len(self.refused) < MAX_EXTERNAL_SIGNALS:
            self.refused.append(url[:300])

    # -- every page ----------------------------------------------------------------------

    def parse_page(self, response: Response, is_home: bool = False) -> Iterator[Item | Request]:
        """Classify one page, record it, and follow its in-scope links."""
        depth: int = response.meta.get("page_depth", 0)
        link_text: str = response.meta.get("link_text", "")
        if 300 <= response.status < 400:
            yield from self._redirected(response, depth, link_text)
            return
        if not isinstance(response, TextResponse):
            self.frontier.release(response.url)
            return
        features = extract_features(response.text, response.url)
        page_type, signals = classify_features(response.url, features, is_home, link_text)
        signals += [f"external:{host}" for host in external_hosts(features, self.scope)]
        title = features.title[:200]
        yield {"page": PageInfo(url=response.url, type=page_type, depth=depth,
                                template=url_template(response.url), signals=signals,
                                status=response.status, title=title)}
        if is_home:
            self.app_shell = features.app_shell
        self.hash_routes += sum(1 for link in features.links
                                if is_hash_route(urlsplit(link.url).fragment))
        if response.status < 400:
            yield from self._follow(features.links + features.get_forms, depth + 1)

    def _redirected(self, response: Response, depth: int, link_text: str,
                    ) -> Iterator[Item | Request]:
        """A redirect: follow it inside the scope; record it as a page when it leaves."""
        location = response.headers.get(b"Location", b"").decode("latin-1")
        target = (absolute(response.url, location) or "") if location else ""
        if target and scope_of(target) == self.scope:
            self.frontier.release(response.url)
            yield from self._follow([Link(target, link_text)], depth)
            return
        page_type, signals = classify_features(response.url, PageFeatures(), False, link_text)
        if target:
            parts = urlsplit(target)
            signals += [f"redirect:{parts.scheme}://{parts.netloc}{parts.path}",
                        f"external:{scope_of(target)}"]
            if refuses(target, self.allow_private):
                self.note_refused(target)
                signals.append(f"refused:private {scope_of(target)}")
        yield {"page": PageInfo(url=response.url, type=page_type, depth=depth,
                                template=url_template(response.url), signals=signals,
                                status=response.status)}

    def _follow(self, links: list[Link], depth: int) -> Iterator[Request]:
        """Requests for the in-scope links the frontier admits (budgets permitting)."""
        for link in links:
            if not crawlable(link.url) or scope_of(link.url) != self.scope:
                continue
            if casts_a_vote(link.text, link.url):  # read-only: a poll's answer is not followed
                continue
            if self._out_of_time():
                return
            url = self.frontier.admit(link.url, depth)
            if url is None:
                continue
            yield Request(url, callback=self.on_page, errback=self.on_page_failed,
                          meta={"page_depth": depth, "link_text": link.text,
                                "dont_redirect": True, "handle_httpstatus_all": True})

    def _out_of_time(self) -> bool:
        """True (and noted) once the time budget is spent."""
        if time.monotonic() - self.started < self.budget.time_limit:
            return False
        self.frontier.hits.add("time_limit")
        return True

    def page_failed(self, failure: Failure) -> Iterator[Item]:
        """A page other than home failed: robots refusals give their slot back; other
        failures are recorded as a page with no status and an 'error:' signal."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(PrivateAddressRefused):
            self.frontier.release(request.url)
            return
        status = classify_error(failure.value)
        depth = request.meta.get("page_depth", 0)
        page = self._bare_page(request.url, depth, None, request.meta.get("link_text", ""))
        page.signals.append(f"error:{status}")
        if failure.check(PrivateAddressRefused):
            page.signals.append("refused:private")
        if TOO_LARGE_MESSAGE in str(failure.value):  # over DOWNLOAD_MAXSIZE: never opened
            page.signals.append("too_large")
        yield {"page": page}

    def _bare_page(self, url: str, depth: int, status: int | None, link_text: str,
                   is_home: bool = False) -> PageInfo:
        """A page known only by its URL (error answers, failures)."""
        page_type, signals = classify_features(url, PageFeatures(), is_home, link_text)
        return PageInfo(url=url, type=page_type, depth=depth, template=url_template(url),
                        signals=signals, status=status)

    # -- the result ----------------------------------------------------------------------

    def sitemap_header(self, reason: str) -> SiteMap:
        """The SiteMap without its pages: portal, hand-over, error and the budget that hit."""
        hits = set(self.frontier.hits)
        if reason == "closespider_timeout":
            hits.add("time_limit")
        return SiteMap(portal=self.portal, handover=self.handover, error=self.error,
                       stopped_by=None if self.error else worst_stop(hits),
                       capped=dict(self.frontier.capped.most_common()),
                       crawl_delays=crawl_delays(self.crawler.stats.get_stats()))

    def crawl_notes(self) -> dict[str, Any]:
        """What the runner needs beyond the SiteMap: app-shell hints, error detail, budgets."""
        return {"app_shell": self.app_shell, "hash_routes": self.hash_routes,
                "error_detail": self.error_detail, "hits": sorted(self.frontier.hits),
                "refused": list(self.refused),
                "seconds": round(time.monotonic() - self.started, 3)}
