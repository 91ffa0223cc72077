"""One crawler process serving a batch's maps as they are asked for (`CrawlerSession`):
real Scrapy against loopback sites, the same maps as a one-shot crawl, one start-up for
many portals, and clear failures when the process dies or a URL is malformed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from probe.context import ProbeSettings
from probe.discovery import Budget, CrawlerSession, discover
from probe.models import SiteMap
from probe.urls import BadUrl
from tests.fixtures.discovery.sites import Reply, Routes, Server, classic_site, fixed

pytestmark = pytest.mark.slow

FAST = Budget(max_pages=40, max_depth=4, per_template=5, delay=0.0, per_host=4, time_limit=30)
SETTINGS = ProbeSettings(allow_private=True, loopback_only=True, page_timeout_ms=5000)


@pytest.fixture
def sites() -> Iterator[list[Server]]:
    servers = [Server(classic_site()), Server(classic_site(procedures=3)),
               Server(fixed(404, "không tìm thấy"))]
    yield servers
    for server in servers:
        server.stop()


def slow_site(seconds: float) -> Routes:
    """A home page that takes `seconds` to answer."""
    return lambda _path, _query: Reply("<html><body>chậm</body></html>", delay_s=seconds)


def pages(sitemap: SiteMap) -> list[tuple[str, str, int]]:
    return sorted((p.url, p.type, p.depth) for p in sitemap.pages)


def test_one_process_maps_each_portal_as_asked_like_a_one_shot_crawl(
        sites: list[Server], monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[tuple[str, ...]] = []
    real_exec = asyncio.create_subprocess_exec

    async def counting_exec(*command: str, **kwargs: object) -> asyncio.subprocess.Process:
        spawned.append(command)
        return await real_exec(*command, **kwargs)  # type: ignore[arg-type]

    async def scenario() -> list[SiteMap]:
        async with CrawlerSession(SETTINGS, FAST) as crawler:
            first = await crawler.discover(sites[0].url)  # one, then two side by side
            rest = await asyncio.gather(*(crawler.discover(s.url) for s in sites[1:]))
            return [first, *rest]

    monkeypatch.setattr(asyncio, "create_subprocess_exec", counting_exec)
    served = asyncio.run(scenario())
    monkeypatch.undo()
    assert len(spawned) == 1 and "--serve" in spawned[0]
    assert [m.portal for m in served] == [s.url for s in sites]
    assert served[2].error == "http_error" and served[0].error is None
    for server, sitemap in zip(sites[:2], served[:2], strict=True):
        alone = discover(server.url, SETTINGS, FAST)
        assert pages(sitemap) == pages(alone) and len(sitemap.pages) > 3


def test_a_malformed_url_raises_and_the_process_goes_on(sites: list[Server]) -> None:
    async def scenario() -> SiteMap:
        async with CrawlerSession(SETTINGS, FAST) as crawler:
            with pytest.raises(BadUrl):
                await crawler.discover("http://[::1/khong-hop-le")
            return await crawler.discover(sites[0].url)

    assert asyncio.run(scenario()).error is None


def test_a_dead_crawler_process_fails_its_portals_without_hanging() -> None:
    server = Server(slow_site(20.0))

    async def scenario() -> tuple[SiteMap, SiteMap, float]:
        async with CrawlerSession(SETTINGS, FAST) as crawler:
            asked = asyncio.ensure_future(crawler.discover(server.url))
            await asyncio.sleep(3.0)  # the crawl is waiting on the slow home page
            clock = time.monotonic()
            crawler._process.kill()  # type: ignore[union-attr]
            pending = await asked
            later = await crawler.discover(server.url)
            return pending, later, time.monotonic() - clock

    try:
        pending, later, seconds = asyncio.run(scenario())
    finally:
        server.stop()
    assert pending.error == "probe_error" and later.error == "probe_error"
    assert pending.portal == server.url and later.portal == server.url
    assert seconds < 5.0
