"""Per-host politeness shared by every portal of a sweep: at most N holders per host at
once, and successive starts on one host spaced by a delay.

The browser pool (`probe.pool`) holds a host's slot while a portal has a browser context
open on it, so concurrent portals on one server (sub-portals, a shared national portal)
never load it more than a single polite visitor would. Hosts are `host:port`, as in
`probe.polite`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The limiter's key for `url`: its lower-cased `host:port`."""
    return urlsplit(url).netloc.lower()


class HostLimiter:
    """At most `per_host` holders per host; starts on a host at least `delay` s apart."""

    def __init__(self, per_host: int = 4, delay: float = 0.0) -> None:
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._pacing: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self.peak: dict[str, int] = {}  # most holders seen at once, per host

    async def acquire(self, host: str) -> None:
        """Wait for a slot on `host`, then for its pacing delay."""
        await self._gates.setdefault(host, asyncio.Semaphore(self.per_host)).acquire()
        try:
            await self._pace(host)
        except BaseException:
            self._gates[host].release()
            raise
        self._held[host] = self._held.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self._held[host])

    def release(self, host: str) -> None:
        """Give back a slot taken with `acquire`."""
        self._held[host] = max(0, self._held.get(host, 0) - 1)
        self._gates[host].release()

    def held(self, host: str) -> int:
        """Slots of `host` held now."""
        return self._held.get(host, 0)

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        """A slot on `host` for the block."""
        await self.acquire(host)
        try:
            yield
        finally:
            self.release(host)

    async def _pace(self, host: str) -> None:
        async with self._pacing.setdefault(host, asyncio.Lock()):
            wait = self._last.get(host, float("-inf")) + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[host] = time.monotonic()
