"""Loading a crawl's components before any portal's clock starts, and keeping them offline.

Scrapy imports its downloader, handlers, middlewares and extensions when the first crawler
is built. That import time (about a second) is the process's start-up, not the mapping of
the first portal. `warm_up` imports them once, up front, so that each portal's `seconds`
measures its own crawl.

It also gives Scrapy's cookie middleware a public-suffix list that never goes online.
tldextract's default downloads the list from publicsuffix.org on first use. The probe must
not make that request, least of all in a loopback-only run. The copy bundled with
tldextract is used instead, and it is built here rather than on the first response.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

COMPONENT_TABLES = ("DOWNLOADER_MIDDLEWARES_BASE", "DOWNLOADER_MIDDLEWARES",
                    "SPIDER_MIDDLEWARES_BASE", "SPIDER_MIDDLEWARES", "EXTENSIONS_BASE",
                    "EXTENSIONS", "DOWNLOAD_HANDLERS_BASE", "DOWNLOAD_HANDLERS",
                    "ITEM_PIPELINES")
COMPONENTS = ("SCHEDULER", "DOWNLOADER", "DOWNLOADER_CLIENTCONTEXTFACTORY",
              "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_DISK_QUEUE",
              "STATS_CLASS", "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS", "ROBOTSTXT_PARSER",
              "DUPEFILTER_CLASS")


def component_paths(settings: dict[str, Any]) -> list[str]:
    """Import paths of every component a crawler with `settings` will load."""
    from scrapy.settings import Settings

    merged = Settings(settings)
    paths: list[str] = []
    for table in COMPONENT_TABLES:  # {path: order} or, for handlers, {scheme: path}
        for key, value in merged.getdict(table).items():
            if isinstance(value, str):
                paths.append(value)
            elif isinstance(key, str) and value is not None:
                paths.append(key)
    paths += [p for p in (merged.get(name) for name in COMPONENTS) if isinstance(p, str)]
    return list(dict.fromkeys(paths))


def offline_public_suffixes() -> bool:
    """Make the cookie middleware use tldextract's bundled list (no download); True if set."""
    try:
        from scrapy.downloadermiddlewares import cookies
        from tldextract import TLDExtract
    except ImportError:
        return False
    if not hasattr(cookies, "_split_domain"):
        return False
    extract = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    extract("dichvucong.example.gov.vn")  # builds the suffix trie now
    cookies._split_domain = extract  # type: ignore[attr-defined]
    return True


def warm_up(settings: dict[str, Any]) -> list[str]:
    """Import every component now and keep the suffix list offline; the paths that failed
    to import (Scrapy will say why when it needs them)."""
    from scrapy.utils.misc import load_object

    if not offline_public_suffixes():
        log.warning("could not pin tldextract to its bundled suffix list")
    failed: list[str] = []
    for path in component_paths(settings):
        try:
            load_object(path)
        except Exception:  # noqa: BLE001 - optional handlers (s3, ftp) may be unavailable
            failed.append(path)
    if failed:
        log.debug("not preloaded: %s", ", ".join(failed))
    return failed
