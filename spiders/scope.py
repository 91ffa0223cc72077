"""Keeping a crawl in scope: requests to loopback, link-local and private addresses are
refused before any connection is made, unless the crawl allows private hosts.

`PrivateHostGuard` is a downloader middleware placed before robots.txt handling, so it sees
every request the crawl would send: links, redirect hops (Scrapy schedules each hop as a new
request), and robots.txt fetches. A crawl allows private hosts when the probe runs with
`--allow-private`, or when the portal itself is on a private host (the entry checks refused
such a portal without `--allow-private`, so it was allowed).
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from probe.urls import is_private_host


class PrivateAddressRefused(IgnoreRequest):
    """A request to a private address (loopback, link-local, RFC 1918) was refused."""


def refuses(url: str, allow_private: bool) -> bool:
    """True when a crawl with `allow_private` must not request `url`."""
    return not allow_private and is_private_host(url)


class PrivateHostGuard:
    """Downloader middleware: refuse private-address requests; the spider notes each one."""

    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateHostGuard:
        """Scrapy hook: keep the crawler (its spider says whether private hosts are allowed)."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Raise PrivateAddressRefused for a refused URL (Scrapy then calls the errback)."""
        spider = getattr(self.crawler, "spider", None)
        if not refuses(request.url, getattr(spider, "allow_private", False)):
            return
        note = getattr(spider, "note_refused", None)
        if note is not None:
            note(request.url)
        raise PrivateAddressRefused(
            f"private address refused (allow_private): {request.url[:200]}")
