"""The finder's polite client on a fake transport: robots.txt outcomes, redirects, pacing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from probe.context import ProbeSettings
from probe.polite import ROBOTS_DISALLOWED, Fetched, PoliteClient

SITE = "https://127.0.0.1:8443"
Handler = Callable[[httpx.Request], httpx.Response]


def fetch(handler: Handler, url: str, delay: float = 0.0) -> tuple[Fetched, list[str]]:
    """GET `url` through a PoliteClient whose network is `handler`; the result and the
    paths the fake server saw."""
    seen: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return handler(request)

    async def run() -> Fetched:
        settings = ProbeSettings(allow_private=True, loopback_only=True)
        async with PoliteClient(settings, delay=delay,
                                transport=httpx.MockTransport(recording)) as client:
            return await client.get(url)

    return asyncio.run(run()), seen


def html(body: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, text=body, headers={"content-type": "text/html", **headers})


def test_robots_txt_is_asked_first_and_its_disallow_obeyed() -> None:
    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /private\n")
        return html("<p>ok</p>")

    open_page, seen = fetch(site, SITE + "/")
    assert open_page.ok and seen == ["/robots.txt", "/"]
    closed, seen = fetch(site, SITE + "/private/x")
    assert closed.status == ROBOTS_DISALLOWED and seen == ["/robots.txt"]


def test_a_missing_robots_txt_allows_and_a_failing_one_forbids() -> None:
    missing, _ = fetch(lambda r: html("x", 404 if r.url.path == "/robots.txt" else 200),
                       SITE + "/")
    assert missing.ok
    failing, seen = fetch(lambda r: html("x", 503), SITE + "/")
    assert (failing.status, seen) == ("http_error", ["/robots.txt"])
    assert "RFC 9309" in failing.detail


def test_redirects_and_meta_refresh_are_followed_and_kept() -> None:
    def site(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/robots.txt":
            return httpx.Response(404)
        if path == "/a":
            return html("", 302, location="/b")
        if path == "/b":
            return html('<meta http-equiv="refresh" content="0; url=/c">')
        return html("<h1>Cổng Dịch vụ công</h1>")

    fetched, _ = fetch(site, SITE + "/a")
    assert fetched.ok and fetched.final_url == SITE + "/c"
    assert fetched.chain == [SITE + "/a", SITE + "/b", SITE + "/c"]


def test_loops_and_bare_redirects_are_errors() -> None:
    loop, _ = fetch(lambda r: httpx.Response(404) if r.url.path == "/robots.txt"
                    else html("", 302, location="/again" + r.url.path), SITE + "/")
    assert loop.status == "redirect_loop"
    bare, _ = fetch(lambda r: httpx.Response(404) if r.url.path == "/robots.txt"
                    else html("", 302), SITE + "/")
    assert bare.status == "http_error" and "Location" in bare.detail


def test_requests_to_one_host_are_spaced_by_the_delay() -> None:
    stamps: list[float] = []

    def site(request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return html("", 302, location="/next") if request.url.path == "/" else html("ok")

    fetched, _ = fetch(site, SITE + "/", delay=0.05)
    assert fetched.ok and len(stamps) == 3
    assert min(b - a for a, b in zip(stamps, stamps[1:], strict=False)) >= 0.045


@pytest.mark.parametrize(("robots", "cap", "gap"), [
    ("Crawl-delay: 0.3", 30.0, 0.3), ("Crawl-delay: 9", 0.2, 0.2), ("Crawl-delay: soon", 30, 0)])
def test_a_host_s_crawl_delay_spaces_the_finder_s_requests_up_to_its_cap(
        robots: str, cap: float, gap: float) -> None:
    stamps: list[float] = []

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text=f"User-agent: *\n{robots}\n")
        stamps.append(time.monotonic())
        return html("", 302, location="/next") if request.url.path == "/" else html("ok")

    async def run() -> Fetched:
        settings = ProbeSettings(allow_private=True, loopback_only=True)
        async with PoliteClient(settings, delay=0.0, max_crawl_delay=cap,
                                transport=httpx.MockTransport(site)) as client:
            return await client.get(SITE + "/")

    assert asyncio.run(run()).ok and len(stamps) == 2
    assert 0.95 * gap <= stamps[1] - stamps[0] < 5  # never the 9 s past the cap
