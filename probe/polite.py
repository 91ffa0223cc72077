"""Polite page fetching for the portal finder: robots.txt, per-host pacing, guarded redirects.

`PoliteClient.get(url)` fetches one page the way a well-behaved robot would:
- it refuses hosts the settings forbid (`probe.reach`: private addresses without
  `allow_private`; kept to loopback, any other host) before any connection or look-up;
- it asks each host's robots.txt first, for every hop, and never fetches what it disallows;
- it spaces requests to one host by `delay` seconds, or by the Crawl-delay the host's
  robots.txt asks (`probe.crawl_delay`);
- it follows redirects itself (HTTP 3xx and `<meta http-equiv="refresh">`), so that every hop
  is checked as above and the chain is kept as evidence;
- it verifies TLS against the system roots plus the extra CA, and names itself.
Errors never raise: they come back as a `Fetched` whose `status` is a `probe.status` code.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from probe import crawl_delay, reach
from probe import status as statuses
from probe.context import ProbeSettings, http_client
from probe.urls import is_loopback_host

ROBOTS_DISALLOWED = "robots_disallowed"  # not a portal status: the probe chose not to go
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
MAX_BODY = 2 * 1024 * 1024
MAX_REFRESH_S = 10  # a meta refresh slower than this is a page, not a redirect
_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*(\d+)\s*;?\s*"""
    r"""(?:url\s*=\s*)?['"]?([^"'>\s]+)""", re.IGNORECASE)


@dataclass
class Fetched:
    """What one polite GET gave: the final page (or why there is none) and the hops."""

    url: str
    final_url: str
    status: str  # probe.status code, or ROBOTS_DISALLOWED
    http_status: int | None = None
    text: str = ""
    content_type: str = ""
    chain: list[str] = field(default_factory=list)  # every URL asked, in order
    detail: str = ""
    location: str = ""  # the Location header of a redirect

    @property
    def ok(self) -> bool:
        """True when a page answered 2xx at the end of the chain."""
        return self.status == statuses.COMPLETED


@dataclass
class _Robots:
    """One origin's robots.txt: a parser, or the status that made it unusable."""

    parser: Protego | None
    status: str = statuses.COMPLETED
    detail: str = ""


class PoliteClient:
    """An httpx client that asks robots.txt, paces each host and checks every hop."""

    def __init__(self, settings: ProbeSettings, delay: float = 0.05, max_redirects: int = 10,
                 obey_robots: bool = True,
                 transport: httpx.AsyncBaseTransport | None = None,
                 max_crawl_delay: float = crawl_delay.MAX_CRAWL_DELAY_S) -> None:
        """`transport` replaces the network (tests); everything else comes from `settings`."""
        self.settings = settings
        self.delay = max(0.0, delay)
        self.max_redirects = max_redirects
        self.obey_robots = obey_robots
        self.max_crawl_delay = max_crawl_delay
        self.requests = 0
        self._robots: dict[str, _Robots] = {}
        self._last: dict[str, float] = {}
        self._delays: dict[str, float] = {}  # host -> pause its robots.txt Crawl-delay asks
        self._locks: dict[str, asyncio.Lock] = {}
        self._client = http_client(settings, follow_redirects=False, transport=transport)

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self._client.aclose()

    # --- the one public operation ---------------------------------------------------------

    async def get(self, url: str) -> Fetched:
        """GET `url`, following redirects politely; never raises for network trouble."""
        chain: list[str] = []
        current = url
        for _ in range(self.max_redirects + 1):
            chain.append(current)
            stop = await self._barrier(current)
            if stop is not None:
                return Fetched(url, current, stop[0], chain=chain, detail=stop[1])
            fetched = await self._get_one(url, current, chain)
            following = self._next_hop(current, fetched)
            if following is None:
                return fetched
            current = following
        return Fetched(url, current, "redirect_loop", chain=chain,
                       detail=f"more than {self.max_redirects} redirects")

    # --- hops -----------------------------------------------------------------------------

    async def _barrier(self, url: str) -> tuple[str, str] | None:
        """(status, detail) when `url` must not be fetched; None when it may."""
        refused = self.refusal(url)
        if refused is not None:
            return refused
        if not self.obey_robots:
            return None
        robots = await self._robots_for(url)
        if robots.parser is None:
            return robots.status, robots.detail
        if not robots.parser.can_fetch(url, self.settings.user_agent):
            return ROBOTS_DISALLOWED, f"robots.txt of {urlsplit(url).netloc} disallows {url}"
        return None

    def refusal(self, url: str) -> tuple[str, str] | None:
        """Why `url` may not be fetched (status, detail), or None when it may: what
        `probe.reach` refuses, and, kept to loopback, every other host that is not loopback
        (this client maps no test names, and a reserved name resolves nowhere), answered
        without a look-up."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "probe_error", f"not an http(s) URL: {url}"
        refused = reach.refusal(url, self.settings)
        if refused:
            return "probe_error", f"{parts.hostname}: {refused}"
        if self.settings.loopback_only and not is_loopback_host(parts.hostname):
            return "dns_error", f"{parts.hostname}: not resolved (loopback-only probe)"
        return None

    async def _get_one(self, asked: str, url: str, chain: list[str]) -> Fetched:
        """One request, paced; the answer as a Fetched (redirects not yet followed)."""
        await self._pace(url)
        try:
            async with self._client.stream("GET", url) as response:
                body = await _read_capped(response)
        except Exception as error:  # noqa: BLE001 - mapped to the status taxonomy
            return Fetched(asked, url, statuses.from_exception(error), chain=list(chain),
                           detail=f"{type(error).__name__}: {error}"[:300])
        finally:
            self._ended(url)
        kind = response.headers.get("content-type", "")
        text = _decode(body, response.encoding)
        fetched = Fetched(asked, url, statuses.from_http_status(response.status_code),
                          response.status_code, text, kind, list(chain))
        if response.status_code in REDIRECT_CODES:
            fetched.location = response.headers.get("location", "").strip()
            if not fetched.location:
                fetched.status = "http_error"
                fetched.detail = f"HTTP {response.status_code} without a Location header"
        return fetched

    def _next_hop(self, current: str, fetched: Fetched) -> str | None:
        """Where a redirect (HTTP or meta refresh) leads, or None when this page is final."""
        if fetched.location:
            return urljoin(current, fetched.location)
        if fetched.ok and fetched.text:
            found = _REFRESH.search(fetched.text[:20_000])
            if found and int(found.group(1)) <= MAX_REFRESH_S:
                target = urljoin(current, found.group(2))
                return target if target != current else None
        return None

    def _ended(self, url: str) -> None:
        """A request to `url`'s host ended: the next one waits `delay` from now (a slow answer
        is never followed at once by the next request, however late it was sent)."""
        host = _host(url)
        self._last[host] = max(self._last.get(host, 0.0), time.monotonic())

    async def _pace(self, url: str) -> None:
        """Wait until `delay` seconds (or the Crawl-delay its robots.txt asks, up to
        `max_crawl_delay`) have passed since the last request to this host began or ended,
        whichever is later."""
        host = _host(url)
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._last.get(host, 0.0) + self._delays.get(host, self.delay) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[host] = time.monotonic()
            self.requests += 1

    # --- robots.txt -----------------------------------------------------------------------

    async def _robots_for(self, url: str) -> _Robots:
        """The robots.txt of `url`'s origin, fetched once (RFC 9309 outcomes)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            robots = self._robots[origin] = await self._fetch_robots(origin)
            if robots.parser is not None:
                self._delays[_host(url)] = crawl_delay.pause(
                    robots.parser, self.settings.user_agent, self.delay, self.max_crawl_delay)
        return self._robots[origin]

    async def _fetch_robots(self, origin: str) -> _Robots:
        """robots.txt after up to five redirects (RFC 9309 §2.3.1.2), then its rules."""
        current = origin + "/robots.txt"
        for _ in range(6):
            refused = self.refusal(current)
            if refused is not None:
                return _Robots(None, *refused)
            fetched = await self._get_one(current, current, [])
            if fetched.location:
                current = urljoin(current, fetched.location)
                continue
            return _robots_from(fetched)
        return _Robots(Protego.parse(""))  # too many redirects: "unavailable", all allowed


def _robots_from(fetched: Fetched) -> _Robots:
    """2xx: its rules; 4xx: everything allowed; 5xx or no answer: nothing (RFC 9309 §2.3.1)."""
    code = fetched.http_status
    if code is not None and 200 <= code < 300:
        return _Robots(Protego.parse(fetched.text))
    if code is not None and 400 <= code < 500:
        return _Robots(Protego.parse(""))
    status = fetched.status if code is None else "http_error"
    why = f"HTTP {code}" if code is not None else status
    return _Robots(None, status, f"{fetched.final_url} unavailable ({why}): "
                                 "nothing may be fetched from this host (RFC 9309)")


def _host(url: str) -> str:
    """The pacing key of `url`: its host and port, lower-cased."""
    return urlsplit(url).netloc.lower()


async def _read_capped(response: httpx.Response) -> bytes:
    """At most MAX_BODY bytes of the body."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY:
            break
    return b"".join(chunks)[:MAX_BODY]


def _decode(body: bytes, encoding: str | None) -> str:
    """The body as text (declared charset, else UTF-8), never raising."""
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
