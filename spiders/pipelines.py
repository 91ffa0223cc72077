"""Item pipeline: collects a crawl's pages and hands one SiteMap to a sink at the end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy import Spider, signals

from probe.models import PageInfo, SiteMap

# Receives the finished SiteMap and the spider's notes (app-shell hints, error detail...).
Sink = Callable[[SiteMap, dict[str, Any]], None]


class SiteMapPipeline:
    """Collects `{"page": PageInfo}` items; on spider close builds the SiteMap.

    The spider supplies what only it knows (final portal URL, hand-over, error, budgets
    hit) through `spider.sitemap_header(reason)`; the SiteMap and `spider.crawl_notes()` go
    to `spider.sink`.
    """

    def __init__(self) -> None:
        self.pages: list[PageInfo] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> SiteMapPipeline:
        """Scrapy hook: listen for the close signal, which carries the close reason."""
        pipeline = cls()
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        """Keep the page of a page item."""
        page = item.get("page")
        if isinstance(page, PageInfo):
            self.pages.append(page)
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Build the SiteMap (shallowest pages first) and give it to the spider's sink."""
        sitemap: SiteMap = spider.sitemap_header(reason)  # type: ignore[attr-defined]
        sitemap.pages = sorted(self.pages, key=lambda p: p.depth)
        sink: Sink | None = getattr(spider, "sink", None)
        if sink is not None:
            sink(sitemap, spider.crawl_notes())  # type: ignore[attr-defined]
