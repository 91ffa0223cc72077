"""Finding an agency's public-service portal from its home page or a national directory.

`find_portal(home_url, settings)` reads the agency's home page and picks the link that leads
to its portal, by the link's text ('Dịch vụ công', 'Cổng dịch vụ công', 'Thủ tục hành
chính', 'Một cửa điện tử', ...) and URL patterns (`dichvucong.*`, `dvc.*`, `motcua.*`,
`/portaldvc`, `/web/guest/dich-vu-cong`, ...; see `probe.portal_links`). Then it follows
that link through its redirects. The result says where the link led and why it was chosen.
A link that ends on the national portal is a hand-over, which is its own state.
`find_from_directory(url, settings)` reads a national directory page: agency -> portal URL.

Every request goes through `probe.polite.PoliteClient`: robots.txt, per-host pacing, TLS
with the extra CA, the probe's User-Agent, and no host the settings forbid.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from probe import status as statuses
from probe.context import ProbeSettings
from probe.polite import ROBOTS_DISALLOWED, Fetched, PoliteClient
from probe.portal_links import (
    Candidate,
    directory_entries,
    extract_links,
    portal_candidates,
    portal_host_signal,
)
from probe.urls import host_matches, parse_portal_url

FOUND = "found"
HANDOVER = "handover"
NOT_FOUND = "not_found"
PORTAL_UNREACHABLE = "portal_unreachable"
HOME_UNREACHABLE = "home_unreachable"
# ROBOTS_DISALLOWED ("robots_disallowed") comes from probe.polite.
STATES: dict[str, tuple[str, str]] = {
    FOUND: ("Đã tìm thấy cổng dịch vụ công", "portal found"),
    HANDOVER: ("Chuyển sang Cổng Dịch vụ công quốc gia", "hands over to the national portal"),
    NOT_FOUND: ("Không thấy liên kết tới cổng dịch vụ công", "no link to a portal found"),
    PORTAL_UNREACHABLE: ("Có liên kết nhưng cổng không phản hồi",
                         "portal link found, but the portal did not answer"),
    HOME_UNREACHABLE: ("Không truy cập được trang chủ", "home page unreachable"),
    ROBOTS_DISALLOWED: ("robots.txt không cho phép truy cập", "robots.txt disallows the probe"),
}
SUCCESS_STATES = frozenset({FOUND, HANDOVER})


@dataclass(frozen=True)
class FinderOptions:
    """How hard the finder tries and how politely."""

    delay: float = 0.05  # seconds between two requests to one host
    max_candidates: int = 3  # own-portal links tried before giving up
    max_redirects: int = 10
    obey_robots: bool = True  # an operator may lift this for its own site only


@dataclass
class FinderResult:
    """Where an agency's portal is, and the evidence: which link, which patterns, which hops."""

    home_url: str
    state: str
    portal_url: str | None = None  # final URL after redirects (the national one on hand-over)
    link_url: str | None = None  # the link as found on the home page (absolute)
    link_text: str = ""
    patterns: list[str] = field(default_factory=list)  # the signals that chose the link
    redirects: list[str] = field(default_factory=list)  # URLs asked, link first
    status: str = statuses.COMPLETED  # probe.status code of the last fetch
    http_status: int | None = None
    detail: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)  # others considered

    @property
    def found(self) -> bool:
        """True when a portal (own or national) answered."""
        return self.state in SUCCESS_STATES

    def label(self, lang: str = "vi") -> str:
        """The state in Vietnamese (default) or English."""
        vi, en = STATES.get(self.state, (self.state, self.state))
        return vi if lang == "vi" else en

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


class DirectoryError(RuntimeError):
    """A directory page that could not be read; `status` is a probe.status code."""

    def __init__(self, url: str, status: str, detail: str) -> None:
        super().__init__(f"{url}: {status} {detail}".strip())
        self.url = url
        self.status = status
        self.detail = detail


# --- the home page ---------------------------------------------------------------------------

async def find_portal_async(home_url: str, settings: ProbeSettings,
                            options: FinderOptions | None = None) -> FinderResult:
    """`find_portal` for callers inside an event loop."""
    options = options or FinderOptions()
    home_url = parse_portal_url(home_url)
    async with _client(settings, options) as client:
        home = await client.get(home_url)
        early = _without_links(home_url, home, settings)
        if early is not None:
            return early
        candidates = _candidates(home, settings)
        if not candidates:
            return FinderResult(home_url, NOT_FOUND, status=home.status,
                                http_status=home.http_status, redirects=home.chain,
                                detail="no link on the home page leads to a portal")
        return await _follow(client, home_url, candidates, options)


def find_portal(home_url: str, settings: ProbeSettings,
                options: FinderOptions | None = None) -> FinderResult:
    """Find the portal an agency's home page links to (raises BadUrl for a malformed URL)."""
    return asyncio.run(find_portal_async(home_url, settings, options))


async def find_many_async(home_urls: Iterable[str], settings: ProbeSettings,
                          options: FinderOptions | None = None,
                          parallel: int = 4) -> dict[str, FinderResult]:
    """`find_portal` for several home pages, `parallel` at a time; results by URL as given."""
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(url: str) -> FinderResult:
        async with gate:
            return await find_portal_async(url, settings, options)

    urls = list(dict.fromkeys(home_urls))
    return dict(zip(urls, await asyncio.gather(*(one(u) for u in urls)), strict=True))


def find_many(home_urls: Iterable[str], settings: ProbeSettings,
              options: FinderOptions | None = None, parallel: int = 4) -> dict[str, FinderResult]:
    """Find the portals of several home pages."""
    return asyncio.run(find_many_async(home_urls, settings, options, parallel))


def _client(settings: ProbeSettings, options: FinderOptions) -> PoliteClient:
    return PoliteClient(settings, options.delay, options.max_redirects, options.obey_robots)


def _without_links(home_url: str, home: Fetched, settings: ProbeSettings) -> FinderResult | None:
    """The result when the home page alone decides: blocked, failed, national or a portal."""
    base = {"redirects": home.chain, "status": home.status, "http_status": home.http_status}
    if home.status == ROBOTS_DISALLOWED:
        return FinderResult(home_url, ROBOTS_DISALLOWED, detail=home.detail, **base)
    if not home.ok:
        return FinderResult(home_url, HOME_UNREACHABLE, detail=home.detail or
                            f"home page answered {home.http_status}", **base)
    if _is_national(home.final_url, settings):
        return FinderResult(home_url, HANDOVER, home.final_url, patterns=["national portal host"],
                            detail="the address itself leads to the national portal", **base)
    host_pattern = portal_host_signal(home.final_url)
    if host_pattern:
        return FinderResult(home_url, FOUND, home.final_url, patterns=[host_pattern],
                            detail="the address itself is a portal host", **base)
    return None


def _candidates(home: Fetched, settings: ProbeSettings) -> list[Candidate]:
    """Portal candidates among the home page's links."""
    if home.content_type and "html" not in home.content_type:
        return []
    links = extract_links(home.text, home.final_url)
    return portal_candidates(links, home.final_url, settings.national_portal_hosts,
                             settings.national_sso_hosts)


async def _follow(client: PoliteClient, home_url: str, candidates: list[Candidate],
                  options: FinderOptions) -> FinderResult:
    """Follow own-portal links best first until one answers; national links only without."""
    own = [c for c in candidates if not c.national][: max(1, options.max_candidates)]
    tried = own or candidates[:1]
    failures: list[FinderResult] = []
    for candidate in tried:
        fetched = await client.get(candidate.url)
        result = _landed(home_url, candidate, fetched, client.settings)
        if result.found:
            return _with_others(result, candidates)
        failures.append(result)
    return _with_others(failures[0], candidates)


def _landed(home_url: str, candidate: Candidate, fetched: Fetched,
            settings: ProbeSettings) -> FinderResult:
    """The result of following `candidate`: found, hand-over, unreachable or robots."""
    result = FinderResult(home_url, FOUND, fetched.final_url, candidate.url, candidate.text,
                          list(candidate.signals), fetched.chain, fetched.status,
                          fetched.http_status)
    if fetched.status == ROBOTS_DISALLOWED:
        result.state, result.detail = ROBOTS_DISALLOWED, fetched.detail + "; link not followed"
    elif _is_national(fetched.final_url, settings):
        result.state = HANDOVER
        result.detail = ("the portal link ends on the national portal"
                         + (" after redirects" if len(fetched.chain) > 1 else ""))
        if not fetched.ok:
            result.detail += f" ({fetched.status})"
    elif not fetched.ok:
        result.state = PORTAL_UNREACHABLE
        result.detail = fetched.detail or f"the portal answered {fetched.http_status}"
    else:
        result.detail = "the portal answered" + (
            f" after {len(fetched.chain) - 1} redirect(s)" if len(fetched.chain) > 1 else "")
    return result


def _with_others(result: FinderResult, candidates: list[Candidate]) -> FinderResult:
    """`result` listing the other candidates considered (URL, text, score)."""
    result.candidates = [{"url": c.url, "text": c.text, "score": round(c.score, 2),
                          "national": c.national} for c in candidates
                         if c.url != result.link_url][:5]
    return result


def _is_national(url: str, settings: ProbeSettings) -> bool:
    return host_matches(url, settings.national_portal_hosts)


# --- the national directory --------------------------------------------------------------------

async def find_from_directory_async(directory_url: str, settings: ProbeSettings,
                                    options: FinderOptions | None = None) -> dict[str, str]:
    """`find_from_directory` for callers inside an event loop."""
    options = options or FinderOptions()
    directory_url = parse_portal_url(directory_url)
    async with _client(settings, options) as client:
        page = await client.get(directory_url)
    if not page.ok:
        raise DirectoryError(directory_url, page.status,
                             page.detail or f"answered {page.http_status}")
    links = extract_links(page.text, page.final_url)
    return directory_entries(links, page.final_url, settings.national_sso_hosts)


def find_from_directory(directory_url: str, settings: ProbeSettings,
                        options: FinderOptions | None = None) -> dict[str, str]:
    """Agency name -> portal URL, as a national directory page lists them.

    Raises DirectoryError when the page cannot be read (its `status` says why) and
    BadUrl for a malformed URL. The portals themselves are not contacted.
    """
    return asyncio.run(find_from_directory_async(directory_url, settings, options))
