"""Runs discovery crawls in this (fresh) process: `python -m spiders.run REQUEST OUTPUT`.

REQUEST is a JSON file {"urls": [...], "settings": {...}, "budget": {...}, "parallel": n};
OUTPUT receives {"results": {url: {"sitemap": SiteMap dict, "notes": {...}}}}.
Scrapy's reactor cannot be restarted, so `probe.discovery` starts one process per call;
inside it, portals are crawled concurrently (`parallel` at a time), and app shells are then
mapped with Chromium in the same event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probe.context import USER_AGENT
from probe.models import PageInfo, SiteMap
from spiders.budget import Budget, worst_stop
from spiders.settings import scrapy_settings
from spiders.urlrules import canonical_url
from spiders.warm import warm_up

if TYPE_CHECKING:
    from spiders.render import RenderResult

REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
MIN_RENDER_S = 3.0  # the browser gets at least this long for the home page


@dataclass
class DiscoveryRequest:
    """What the parent process asks for."""

    urls: list[str]
    budget: Budget
    user_agent: str = USER_AGENT
    ca_file: str | None = None
    loopback_only: bool = True
    allow_private: bool = False  # else private addresses are refused (spiders.scope)
    page_timeout_ms: int = 15_000
    national_hosts: tuple[str, ...] = ()
    resolve: dict[str, str] = field(default_factory=dict)  # test host -> loopback address
    parallel: int = 4

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiscoveryRequest:
        """Parse the request file's JSON."""
        settings = data.get("settings", {})
        return cls(
            urls=list(data["urls"]), budget=Budget.from_dict(data.get("budget", {})),
            user_agent=settings.get("user_agent") or USER_AGENT,
            ca_file=settings.get("ca_file"), loopback_only=settings.get("loopback_only", True),
            allow_private=bool(settings.get("allow_private", False)),
            page_timeout_ms=int(settings.get("page_timeout_ms", 15_000)),
            national_hosts=tuple(settings.get("national_portal_hosts", ())),
            resolve=dict(settings.get("resolve", {})), parallel=int(data.get("parallel", 4)),
        )


def needs_browser(sitemap: SiteMap, notes: dict[str, Any]) -> bool:
    """True when the home page is an app shell (or routes by hash) and was reachable."""
    return sitemap.error is None and bool(notes.get("app_shell") or notes.get("hash_routes"))


def merge_rendered(sitemap: SiteMap, rendered: RenderResult, budget: Budget) -> SiteMap:
    """The crawl's SiteMap with the browser's pages first, crawl-only pages after.

    When the browser could not map the app at all, the crawl's pages stay and `error`
    says why (probe_error when the browser itself failed).
    """
    if rendered.error and not rendered.pages:
        sitemap.error = rendered.error
        sitemap.stopped_by = None
        return sitemap
    seen = {canonical_url(p.url) for p in rendered.pages}
    extra = [p for p in sitemap.pages if canonical_url(p.url) not in seen]
    pages: list[PageInfo] = sorted(rendered.pages, key=lambda p: p.depth) + extra
    sitemap.pages = pages[: budget.max_pages]
    sitemap.rendered = True
    hits = set(rendered.hits) | ({"max_pages"} if len(pages) > budget.max_pages else set())
    if sitemap.stopped_by:
        hits.add(sitemap.stopped_by)
    sitemap.stopped_by = worst_stop(hits)
    sitemap.capped = {**sitemap.capped, **rendered.capped}
    return sitemap


async def render(sitemap: SiteMap, request: DiscoveryRequest, remaining: float,
                 ) -> tuple[SiteMap, str]:
    """Map an app-shell portal with Chromium; the merged SiteMap and any error detail."""
    from spiders.render import RenderOptions, render_map

    budget = request.budget.for_handover() if sitemap.handover else request.budget
    options = RenderOptions(user_agent=request.user_agent, ca_file=request.ca_file,
                            loopback_only=request.loopback_only,
                            page_timeout_ms=request.page_timeout_ms,
                            extra_hosts=tuple(request.resolve),
                            block_private=not request.allow_private)
    rendered = await render_map(sitemap.portal, budget, options, max(MIN_RENDER_S, remaining))
    return merge_rendered(sitemap, rendered, budget), rendered.error_detail


async def crawl_all(request: DiscoveryRequest) -> dict[str, dict[str, Any]]:
    """Crawl every URL (a few at a time), then render the app shells."""
    from scrapy.crawler import AsyncCrawlerRunner

    from spiders.portal_map import PortalMapSpider

    settings = scrapy_settings(request.budget, request.user_agent, request.ca_file,
                               request.national_hosts, request.page_timeout_ms / 1000)
    warm_up(settings)  # imports belong to start-up, not to the first portal's time
    runner = AsyncCrawlerRunner(settings)
    results: dict[str, dict[str, Any]] = {}
    gate = asyncio.Semaphore(max(1, request.parallel))

    async def one(url: str) -> None:
        async with gate:
            started = time.monotonic()

            def sink(sitemap: SiteMap, notes: dict[str, Any]) -> None:
                results[url] = {"sitemap": sitemap, "notes": notes}

            try:
                await runner.crawl(PortalMapSpider, portal_url=url, sink=sink,
                                   allow_private=request.allow_private)
            except Exception as error:  # noqa: BLE001 - recorded as the probe's own failure
                results[url] = {"sitemap": SiteMap(portal=url, error="probe_error"),
                                "notes": {"error_detail": f"{type(error).__name__}: {error}"}}
            entry = results.setdefault(url, {"sitemap": SiteMap(portal=url, error="probe_error"),
                                             "notes": {"error_detail": "crawl produced nothing"}})
            if needs_browser(entry["sitemap"], entry["notes"]):
                remaining = request.budget.time_limit - (time.monotonic() - started)
                entry["sitemap"], detail = await render(entry["sitemap"], request, remaining)
                if detail:
                    entry["notes"]["render_error"] = detail
            entry["notes"]["seconds"] = round(time.monotonic() - started, 3)

    await asyncio.gather(*(one(url) for url in dict.fromkeys(request.urls)))
    return {url: {"sitemap": r["sitemap"].to_dict(), "notes": r["notes"]}
            for url, r in results.items()}


def install(request: DiscoveryRequest) -> Any:
    """Install the asyncio reactor and, loopback-only, the resolver that keeps us there."""
    from scrapy.utils.reactor import install_reactor

    install_reactor(REACTOR)
    from twisted.internet import reactor

    if request.loopback_only:
        from spiders.tls import LoopbackResolver

        reactor.installResolver(LoopbackResolver(reactor, request.resolve))  # type: ignore
    else:
        from scrapy.resolver import CachingThreadedResolver

        timeout = max(1.0, min(request.page_timeout_ms / 1000, request.budget.time_limit))
        CachingThreadedResolver(reactor, 10_000, timeout).install_on_reactor()  # type: ignore
    return reactor


def run(request: DiscoveryRequest) -> dict[str, dict[str, Any]]:
    """Run all crawls to completion inside a reactor; return the results by URL."""
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.log import configure_logging

    warnings.filterwarnings("ignore", message=".*DOWNLOADER_CLIENTCONTEXTFACTORY.*")
    configure_logging({"LOG_LEVEL": "WARNING", "LOG_INSTALL_ROOT_HANDLER": True})
    reactor = install(request)
    box: dict[str, Any] = {}

    def done(outcome: Any) -> None:
        box["outcome"] = outcome
        reactor.stop()

    deferred = deferred_from_coro(crawl_all(request))
    deferred.addBoth(done)
    reactor.run(installSignalHandlers=False)
    outcome = box.get("outcome")
    if not isinstance(outcome, dict):
        raise RuntimeError(f"discovery failed: {outcome}")
    return outcome


def main(argv: list[str] | None = None) -> int:
    """Entry point: read the request file, crawl, write the output file."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m spiders.run REQUEST.json OUTPUT.json", file=sys.stderr)
        return 2
    request = DiscoveryRequest.from_dict(json.loads(Path(args[0]).read_text(encoding="utf-8")))
    try:
        results = run(request)
    except Exception:
        logging.getLogger(__name__).exception("discovery process failed")
        return 1
    Path(args[1]).write_text(json.dumps({"results": results}, ensure_ascii=False),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
