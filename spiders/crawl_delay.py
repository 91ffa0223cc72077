"""A Scrapy extension that spaces a host's requests as its robots.txt Crawl-delay asks."""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.utils.httpobj import urlparse_cached

from probe import crawl_delay
from spiders.budget import Budget

ASKED = "robotstxt/crawl_delay/asked/"  # + host: the Crawl-delay that host's robots.txt asks
KEPT = "robotstxt/crawl_delay/kept/"  # + host: the pause kept between its requests


class RobotsCrawlDelay:
    """Once a host's robots.txt is parsed, its download slot waits the Crawl-delay it asks
    (`probe.crawl_delay.kept`) between two requests; what it asked goes into the stats."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.cap_s = Budget.from_dict(settings.getdict("PROBE_BUDGET")).max_crawl_delay

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsCrawlDelay:
        """Scrapy hook: listen for each parsed robots.txt."""
        extension = cls(crawler)
        crawler.signals.connect(extension.robots_parsed, signal=signals.robots_parsed)
        return extension

    def robots_parsed(self, robotparser: Any, request: Any) -> None:
        """Slow the request's host down to the Crawl-delay its robots.txt asks, if any."""
        asked = crawl_delay.asked(robotparser, self.user_agent)
        if asked is None:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        own_s = slot.delay if slot else self.crawler.settings.getfloat("DOWNLOAD_DELAY")
        pause = crawl_delay.kept(asked, own_s, self.cap_s)
        downloader.per_slot_settings.setdefault(key, {})["delay"] = pause  # if made again
        if slot is not None:
            slot.delay = pause
        host = urlparse_cached(request).hostname or ""
        self.crawler.stats.set_value(ASKED + host, asked)
        self.crawler.stats.set_value(KEPT + host, pause)


def crawl_delays(stats: dict[str, Any]) -> dict[str, dict[str, float]]:
    """host -> {"asked": its robots.txt Crawl-delay, "kept": the pause kept}, from a
    crawler's stats."""
    hosts = [key[len(ASKED):] for key in stats if key.startswith(ASKED)]
    return {host: {"asked": float(stats[ASKED + host]), "kept": float(stats[KEPT + host])}
            for host in hosts}
