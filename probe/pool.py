"""A bounded pool of browsers for a sweep: lent per portal check step, recycled when worn.

`BrowserPool.lease(portal_url)` lends one browser for one portal's check step (several
portals may share a browser; each check opens its own contexts). At most
`PoolSettings.browsers` browsers run at once. A browser is recycled (closed, and a fresh one
launched when next needed) once it has opened `pages_per_browser` pages, once the resident
memory of its process tree exceeds `memory_mb`, or when it has disconnected (crashed) -
but never while a portal holds it: a worn browser takes no new lease and is closed when its
last one ends.

Contexts opened through a lease (`Lease.new_context`, which `PortalContext.new_page` uses)
count their pages towards their browser and hold the portal host's slot of the sweep's
`HostLimiter` while open, so portals on one host share its politeness limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, fields
from types import TracebackType
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page

from probe.hostlimit import HostLimiter, host_of
from probe.proctree import tree_rss

log = logging.getLogger(__name__)
MIB = 1024 * 1024
Launcher = Callable[[], Awaitable[Browser]]


@dataclass(frozen=True)
class PoolSettings:
    """How many browsers, and when one is worn out."""

    browsers: int = 2  # at most this many at once (never more than the sweep's concurrency)
    pages_per_browser: int = 100  # pages opened before the browser is recycled
    memory_mb: int = 1536  # resident memory of its process tree (summed) that recycles it

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PoolSettings:
        """Settings from `to_dict()` output; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Recycled:
    """One browser closed because it was worn out (or at the end: reason 'closed')."""

    pid: int | None
    reason: str  # pages, memory, disconnected, closed
    pages: int
    rss_mb: float


@dataclass
class _Slot:
    """One running browser of the pool."""

    browser: Browser
    pid: int | None
    pages: int = 0
    users: int = 0
    worn: str = ""  # why it takes no new lease ("" while it does)


async def browser_pid(browser: Browser) -> int | None:
    """The pid of the browser's main process (DevTools' SystemInfo), or None."""
    try:
        session = await browser.new_browser_cdp_session()
        info = await session.send("SystemInfo.getProcessInfo")
        await session.detach()
    except Exception as error:  # noqa: BLE001 - the pool works without it (no memory bound)
        log.debug("no browser pid: %r", error)
        return None
    return next((int(p["id"]) for p in info.get("processInfo", [])
                 if p.get("type") == "browser"), None)


class Lease:
    """One portal's use of a pool browser for one check step."""

    def __init__(self, slot: _Slot, limiter: HostLimiter, portal_url: str) -> None:
        self._slot = slot
        self._limiter = limiter
        self.host = host_of(portal_url)
        self.pages = 0
        self._open = 0  # contexts open now; the host slot is held while there is one
        self._lock = asyncio.Lock()

    @property
    def browser(self) -> Browser:
        return self._slot.browser

    @property
    def pid(self) -> int | None:
        """The pid of the lent browser's main process."""
        return self._slot.pid

    async def new_context(self, **options: Any) -> BrowserContext:
        """A browser context on the lent browser, counted and host-limited; close it."""
        async with self._lock:
            if self._open == 0:
                await self._limiter.acquire(self.host)
            self._open += 1
        try:
            context = await self._slot.browser.new_context(**options)
        except BaseException:
            self._closed()
            raise
        context.on("page", self._page)
        context.on("close", lambda _context: self._closed())
        return context

    def _page(self, _page: Page) -> None:
        self.pages += 1
        self._slot.pages += 1

    def _closed(self) -> None:
        if self._open <= 0:
            return
        self._open -= 1
        if self._open == 0:
            self._limiter.release(self.host)

    def end(self) -> None:
        """Give back the host slot if a context was left open."""
        if self._open > 0:
            self._open = 0
            self._limiter.release(self.host)


@dataclass
class BrowserPool:
    """Browsers lent per portal check step; see the module."""

    launcher: Launcher
    settings: PoolSettings = field(default_factory=PoolSettings)
    limiter: HostLimiter = field(default_factory=HostLimiter)
    measure: Callable[[int], int] = tree_rss  # bytes resident in a pid's process tree
    launched: int = 0
    recycled: list[Recycled] = field(default_factory=list)
    _slots: list[_Slot] = field(default_factory=list)
    _pending: int = 0  # browsers being launched or closed (they count towards the bound)
    _cond: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __aenter__(self) -> BrowserPool:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.close()

    @property
    def running(self) -> int:
        """Browsers running now."""
        return len(self._slots)

    @asynccontextmanager
    async def lease(self, portal_url: str) -> AsyncIterator[Lease]:
        """A browser for one portal's check step (see the module)."""
        slot = await self._take()
        lease = Lease(slot, self.limiter, portal_url)
        try:
            yield lease
        finally:
            lease.end()
            await self._give_back(slot)

    async def close(self) -> None:
        """Close every browser (at the end of a batch or sweep)."""
        async with self._cond:
            slots, self._slots = self._slots, []
        for slot in slots:
            await self._close(slot, "closed")

    # --- lending ---------------------------------------------------------------------------

    async def _take(self) -> _Slot:
        async with self._cond:
            while True:
                for slot in self._slots:
                    self._wear(slot, memory=False)
                usable = [s for s in self._slots if not s.worn]
                idle = [s for s in usable if s.users == 0]
                room = len(self._slots) + self._pending < max(1, self.settings.browsers)
                if idle or (usable and not room):
                    slot = min(idle or usable, key=lambda s: s.users)
                    slot.users += 1
                    return slot
                if room:
                    self._pending += 1
                    break
                await self._cond.wait()
        return await self._launch()

    async def _launch(self) -> _Slot:
        try:
            browser = await self.launcher()
            slot = _Slot(browser, await browser_pid(browser), users=1)
        finally:
            async with self._cond:
                self._pending -= 1
                self._cond.notify_all()
        async with self._cond:
            self._slots.append(slot)
            self.launched += 1
        log.info("browser %s launched (%d running)", slot.pid, len(self._slots))
        return slot

    async def _give_back(self, slot: _Slot) -> None:
        async with self._cond:
            slot.users -= 1
            self._wear(slot, memory=True)
            retire = bool(slot.worn) and slot.users == 0 and slot in self._slots
            if retire:
                self._slots.remove(slot)
                self._pending += 1
            self._cond.notify_all()
        if retire:
            try:
                await self._close(slot, slot.worn)
            finally:
                async with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def _wear(self, slot: _Slot, memory: bool) -> None:
        """Mark `slot` worn when it has opened enough pages, holds too much memory or has
        disconnected."""
        if slot.worn:
            return
        if not slot.browser.is_connected():
            slot.worn = "disconnected"
        elif slot.pages >= self.settings.pages_per_browser:
            slot.worn = "pages"
        elif memory and slot.pid and self.measure(slot.pid) > self.settings.memory_mb * MIB:
            slot.worn = "memory"

    async def _close(self, slot: _Slot, reason: str) -> None:
        rss = self.measure(slot.pid) / MIB if slot.pid else 0.0
        with contextlib.suppress(Exception):  # already gone (crashed) is fine
            await slot.browser.close()
        self.recycled.append(Recycled(slot.pid, reason, slot.pages, round(rss, 1)))
        log.info("browser %s closed (%s) after %d pages, %.0f MiB", slot.pid, reason,
                 slot.pages, rss)
