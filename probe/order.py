"""Which portals a sweep starts first: the ones expected to take longest.

A portal slowed by its server is slow in every step, and started last it ends its batch
alone while the other slots stand idle. The expectation is the portal's last completed run
when the database has one; a portal never completed before is expected to be slower than
any of those, and among such portals the one whose home page takes longest to answer (one
GET, headers only, the probe's User-Agent) goes first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx

from probe.context import ProbeSettings, http_client

FIRST_BYTE_TIMEOUT_S = 10.0
AT_ONCE = 8  # home pages asked at the same time (each on its own host)


async def first_byte_s(url: str, client: httpx.AsyncClient) -> float:
    """Seconds until `url` answered with its headers; 0 when it did not answer (a portal
    that fails fails fast)."""
    clock = time.monotonic()
    try:
        async with client.stream("GET", url):
            return time.monotonic() - clock
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError):
        return 0.0


async def first_bytes(urls: Sequence[str], settings: ProbeSettings) -> list[float]:
    """`first_byte_s` of each of `urls`, `AT_ONCE` at a time, in the order given, through
    one client of the probe's (its TLS set-up is not timed, nor repeated per portal)."""
    gate = asyncio.Semaphore(AT_ONCE)

    async with http_client(settings, timeout=FIRST_BYTE_TIMEOUT_S) as client:
        async def one(url: str) -> float:
            async with gate:
                return await first_byte_s(url, client)

        return list(await asyncio.gather(*(one(url) for url in urls)))


def longest_first(known_s: Sequence[float | None], first_byte: Sequence[float]) -> list[int]:
    """Indexes in start order: portals without a known duration (None) first, the slowest
    home page first among them; then the longest known durations. Ties keep the order
    given."""
    def key(index: int) -> tuple[int, float]:
        known = known_s[index]
        return (0, -first_byte[index]) if known is None else (1, -known)

    return sorted(range(len(known_s)), key=key)
