"""Scrapy settings of a discovery crawl: politeness, identity, trust and budgets live here."""

from __future__ import annotations

from typing import Any

from spiders.budget import Budget

PIPELINE = "spiders.pipelines.SiteMapPipeline"
CONTEXT_FACTORY = "spiders.tls.VerifyingContextFactory"
SCOPE_GUARD = "spiders.scope.PrivateHostGuard"
CRAWL_DELAY = "spiders.crawl_delay.RobotsCrawlDelay"
MAX_PAGE_BYTES = 8 * 1024 * 1024
# Scrapy 2.19 starts a slot's downloads asynchronously, so with a zero delay its loop hands
# out the whole queue before the per-host concurrency is counted. Any non-zero delay makes
# the slot release one request at a time, which keeps CONCURRENT_REQUESTS_PER_DOMAIN true.
MIN_DELAY_S = 0.001
# Scrapy's default retry list without timeouts: a page that hangs is not asked twice.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
]


def scrapy_settings(budget: Budget, user_agent: str, ca_file: str | None = None,
                    national_hosts: tuple[str, ...] = (), page_timeout_s: float = 15.0,
                    env_proxies: bool = False, obey_robots: bool = True) -> dict[str, Any]:
    """The settings dict for one discovery process (all its crawlers share it);
    `env_proxies` lets a proxy named in the environment carry the crawl (real sweeps only);
    `obey_robots` is lifted only by an operator for its own portal."""
    return {
        "BOT_NAME": "dvc-probe",
        "USER_AGENT": user_agent,
        "ROBOTSTXT_OBEY": obey_robots,
        # Politeness per host: a fixed delay (no jitter, so the rate is a true ceiling).
        "DOWNLOAD_DELAY": max(budget.delay, MIN_DELAY_S),
        "DOWNLOAD_DELAY_JITTER": 0.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": budget.per_host,
        # One crawler maps one host: a total cap equal to the per-host cap keeps the
        # downloader's queue short, so a time limit ends the crawl promptly.
        "CONCURRENT_REQUESTS": budget.per_host,
        "AUTOTHROTTLE_ENABLED": False,
        # Breadth first, so budgets keep the shallow pages citizens meet first.
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "CLOSESPIDER_TIMEOUT": budget.time_limit,
        "DOWNLOAD_TIMEOUT": max(1.0, min(page_timeout_s, budget.time_limit)),
        "DNS_TIMEOUT": max(1.0, min(page_timeout_s, budget.time_limit)),
        "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],  # never retry 429
        "RETRY_EXCEPTIONS": RETRY_EXCEPTIONS,
        "REDIRECT_MAX_TIMES": 10,
        "DOWNLOADER_CLIENTCONTEXTFACTORY": CONTEXT_FACTORY,
        # Before robots.txt (100): a private address is refused before anything is fetched.
        "DOWNLOADER_MIDDLEWARES": {SCOPE_GUARD: 50},
        # A host's robots.txt Crawl-delay slows its slot down (up to the budget's cap).
        "EXTENSIONS": {CRAWL_DELAY: 500},
        "HTTPPROXY_ENABLED": env_proxies,
        "ITEM_PIPELINES": {PIPELINE: 100},
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        "PROBE_CA_FILE": ca_file or "",
        "PROBE_BUDGET": budget.to_dict(),
        "PROBE_NATIONAL_HOSTS": list(national_hosts),
    }
