"""Runs discovery crawls in this (fresh) process: `python -m spiders.run REQUEST OUTPUT`.

REQUEST is a JSON file {"urls": [...], "settings": {...}, "budget": {...}, "parallel": n};
OUTPUT receives {"results": {url: {"sitemap": SiteMap dict, "notes": {...}}}}.
Scrapy's reactor cannot be restarted, so `probe.discovery` starts one process per call;
inside it, portals are crawled concurrently (`parallel` at a time), and app shells are then
mapped with Chromium in the same event loop.

`python -m spiders.run --serve REQUEST` instead maps each portal asked for on standard
input and answers on standard output as soon as it is mapped (`serve`): a sweep keeps one
such process for a batch and asks for each portal when a slot frees up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

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
    obey_robots: bool = True  # False only for the operator's own portal
    page_timeout_ms: int = 15_000
    script_watchdog_s: float = 10.0  # the app walker's page guard (spiders.render)
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
            obey_robots=bool(settings.get("obey_robots", True)),
            page_timeout_ms=int(settings.get("page_timeout_ms", 15_000)),
            script_watchdog_s=float(settings.get("script_watchdog_s", 10.0)),
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
                            block_private=not request.allow_private,
                            script_watchdog_s=request.script_watchdog_s,
                            obey_robots=request.obey_robots)
    rendered = await render_map(sitemap.portal, budget, options, max(MIN_RENDER_S, remaining))
    return merge_rendered(sitemap, rendered, budget), rendered.error_detail


def _runner(request: DiscoveryRequest) -> Any:
    """A crawler runner with the request's settings, its imports warmed up."""
    from scrapy.crawler import AsyncCrawlerRunner

    settings = scrapy_settings(request.budget, request.user_agent, request.ca_file,
                               request.national_hosts, request.page_timeout_ms / 1000,
                               env_proxies=not request.loopback_only,
                               obey_robots=request.obey_robots)
    warm_up(settings)  # imports belong to start-up, not to the first portal's time
    return AsyncCrawlerRunner(settings)


async def crawl_one(runner: Any, request: DiscoveryRequest, url: str) -> dict[str, Any]:
    """Crawl one portal, then render it when it is an app shell: its result entry
    ({"sitemap": SiteMap dict, "notes": {...}}); the probe's own failures included."""
    from spiders.portal_map import PortalMapSpider

    started = time.monotonic()
    found: dict[str, Any] = {}

    def sink(sitemap: SiteMap, notes: dict[str, Any]) -> None:
        found.update(sitemap=sitemap, notes=notes)

    try:
        await runner.crawl(PortalMapSpider, portal_url=url, sink=sink,
                           allow_private=request.allow_private)
    except Exception as error:  # noqa: BLE001 - recorded as the probe's own failure
        found = {"sitemap": SiteMap(portal=url, error="probe_error"),
                 "notes": {"error_detail": f"{type(error).__name__}: {error}"}}
    if not found:
        found = {"sitemap": SiteMap(portal=url, error="probe_error"),
                 "notes": {"error_detail": "crawl produced nothing"}}
    if needs_browser(found["sitemap"], found["notes"]):
        remaining = request.budget.time_limit - (time.monotonic() - started)
        found["sitemap"], detail = await render(found["sitemap"], request, remaining)
        if detail:
            found["notes"]["render_error"] = detail
    found["sitemap"].robots_ignored = not request.obey_robots
    found["notes"]["seconds"] = round(time.monotonic() - started, 3)
    return {"sitemap": found["sitemap"].to_dict(), "notes": found["notes"]}


async def crawl_all(request: DiscoveryRequest) -> dict[str, dict[str, Any]]:
    """Crawl every URL (a few at a time), each app shell rendered after its crawl."""
    runner = _runner(request)
    gate = asyncio.Semaphore(max(1, request.parallel))

    async def one(url: str) -> tuple[str, dict[str, Any]]:
        async with gate:
            return url, await crawl_one(runner, request, url)

    return dict(await asyncio.gather(*(one(url) for url in dict.fromkeys(request.urls))))


async def serve(request: DiscoveryRequest, asked: BinaryIO, answers: TextIO) -> dict[str, Any]:
    """Crawl each portal as it is asked for, until `asked` ends: every line read is
    {"id": n, "url": u}, every line written {"id": n, "url": u, "sitemap": ..., "notes": ...}
    as soon as that portal is mapped (the caller bounds how many are under way)."""
    runner = _runner(request)
    pending: set[asyncio.Task[None]] = set()

    async def one(ask: dict[str, Any]) -> None:
        try:
            entry = await crawl_one(runner, request, ask["url"])
        except Exception as error:  # noqa: BLE001 - answered as the probe's own failure
            entry = {"sitemap": SiteMap(portal=ask["url"], error="probe_error").to_dict(),
                     "notes": {"error_detail": f"{type(error).__name__}: {error}"}}
        answers.write(json.dumps({**ask, **entry}, ensure_ascii=False) + "\n")
        answers.flush()

    while line := await asyncio.to_thread(asked.readline):
        task = asyncio.ensure_future(one(json.loads(line)))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return {}


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


def run(request: DiscoveryRequest,
        work: Callable[[DiscoveryRequest], Awaitable[dict[str, Any]]] = crawl_all,
        ) -> dict[str, Any]:
    """Run `work` (all the request's crawls by default) to completion inside a reactor;
    return what it returns (the results by URL)."""
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.log import configure_logging

    warnings.filterwarnings("ignore", message=".*DOWNLOADER_CLIENTCONTEXTFACTORY.*")
    configure_logging({"LOG_LEVEL": "WARNING", "LOG_INSTALL_ROOT_HANDLER": True})
    reactor = install(request)
    box: dict[str, Any] = {}

    def done(outcome: Any) -> None:
        box["outcome"] = outcome
        reactor.stop()

    deferred = deferred_from_coro(work(request))
    deferred.addBoth(done)
    reactor.run(installSignalHandlers=False)
    outcome = box.get("outcome")
    if not isinstance(outcome, dict):
        raise RuntimeError(f"discovery failed: {outcome}")
    return outcome


def _serve_stdio(request: DiscoveryRequest) -> int:
    """`serve` on this process's standard input and output; anything else that writes to
    standard output goes to standard error, so the answers stay one JSON per line."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    run(request, lambda r: serve(r, sys.stdin.buffer, answers))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: `REQUEST OUTPUT` crawls the request's URLs into the output file;
    `--serve REQUEST` crawls the URLs asked on standard input (see `serve`)."""
    args = sys.argv[1:] if argv is None else argv
    serving = len(args) == 2 and args[0] == "--serve"
    if len(args) != 2:
        print("usage: python -m spiders.run REQUEST.json OUTPUT.json\n"
              "       python -m spiders.run --serve REQUEST.json", file=sys.stderr)
        return 2
    request = DiscoveryRequest.from_dict(json.loads(Path(args[-1 if serving else 0])
                                                    .read_text(encoding="utf-8")))
    try:
        if serving:
            return _serve_stdio(request)
        results = run(request)
    except Exception:
        logging.getLogger(__name__).exception("discovery process failed")
        return 1
    Path(args[1]).write_text(json.dumps({"results": results}, ensure_ascii=False),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
