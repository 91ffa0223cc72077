"""The pause a host's robots.txt asks between two requests (Crawl-delay), as the probe keeps it.

Crawl-delay is not part of RFC 9309, but sites set it and polite crawlers (Bing, Yandex,
Nutch) honour it; Scrapy on its own does not. The probe waits what a host asks, never less
than its own per-host delay and at most a cap (Nutch's default, 30 s): a host that asks for
more is crawled at the cap's pace, the time limit cuts its map, and the crawl summary says so.
"""

from __future__ import annotations

import math
from typing import Any

MAX_CRAWL_DELAY_S = 30.0


def asked(parser: Any, user_agent: str) -> float | None:
    """The Crawl-delay in seconds that `parser` (Protego, or a Scrapy RobotParser) gives
    `user_agent`; None when there is none, or none that is a positive number."""
    try:
        delay = parser.crawl_delay(user_agent)
    except (TypeError, ValueError):
        return None
    if delay is None:
        return None
    delay = float(delay)
    return delay if math.isfinite(delay) and delay > 0 else None


def kept(asked_s: float | None, own_delay_s: float, cap_s: float = MAX_CRAWL_DELAY_S) -> float:
    """The pause kept between two requests to a host: the probe's own delay, raised to what
    the host asked, up to `cap_s`."""
    if asked_s is None:
        return own_delay_s
    return max(own_delay_s, min(asked_s, cap_s))


def pause(parser: Any, user_agent: str, own_delay_s: float,
          cap_s: float = MAX_CRAWL_DELAY_S) -> float:
    """The pause kept between two requests to a host whose robots.txt `parser` is read."""
    return kept(asked(parser, user_agent), own_delay_s, cap_s)


def summary(delays: dict[str, dict[str, float]]) -> str:
    """How the crawl kept the hosts' Crawl-delays (`SiteMap.crawl_delays`), for the crawl
    summary; '' without any."""
    parts = []
    for host, delay in sorted(delays.items()):
        asked_s, kept_s = delay["asked"], delay["kept"]
        parts.append(f"{host} asks {asked_s:g} s" + (
            f", kept {kept_s:g} s" if kept_s != asked_s else ""))
    return f"robots.txt Crawl-delay: {'; '.join(parts)}" if parts else ""
