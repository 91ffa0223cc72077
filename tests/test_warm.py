"""The crawl process loads Scrapy's components before any portal's clock starts."""

from __future__ import annotations

from spiders.budget import Budget
from spiders.portal_map import PortalMapSpider, crawlable
from spiders.settings import scrapy_settings
from spiders.warm import component_paths, warm_up


def test_every_component_the_crawler_builds_is_preloaded() -> None:
    settings = scrapy_settings(Budget(), "dvc-probe-test")
    paths = component_paths(settings)
    assert "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler" in paths
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" in paths
    assert "spiders.tls.VerifyingContextFactory" in paths
    assert warm_up(settings) == []


def test_callbacks_are_plain_methods_so_scrapy_does_not_reparse_them() -> None:
    import inspect

    for name in ("on_home", "on_page", "on_page_failed"):
        assert not inspect.isgeneratorfunction(getattr(PortalMapSpider, name))
    assert not crawlable("https://x.gov.vn/van-ban/QD-473.PDF")
    assert crawlable("https://x.gov.vn/thu-tuc-hanh-chinh?page=2")


def test_the_cookie_middleware_never_downloads_the_suffix_list() -> None:
    from scrapy.downloadermiddlewares import cookies

    from spiders.warm import offline_public_suffixes

    assert offline_public_suffixes()
    extract = cookies._split_domain
    assert tuple(extract.suffix_list_urls) == () and extract.fallback_to_snapshot
    assert cookies._is_public_domain("gov.vn") and not cookies._is_public_domain("hanoi.gov.vn")
