"""Proxy variables and the loopback rule: kept to loopback, the probe's httpx clients,
Chromium and the Scrapy crawler go straight to the host and never through a proxy the
environment names (a local forwarder there would carry requests off the machine). Real
loopback servers, real Chromium, real Scrapy."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import async_playwright

from probe.browser import launch
from probe.context import ProbeSettings, http_client
from probe.discovery import Budget, discover
from probe.polite import PoliteClient

LOOPBACK = ProbeSettings(allow_private=True, loopback_only=True, page_timeout_ms=5000)


class Recording(ThreadingHTTPServer):
    """A loopback HTTP server that answers every GET with its name and keeps the targets."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.targets: list[str] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recording

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.targets.append(self.path)
        missing = self.path.endswith("/robots.txt")
        body = b"" if missing else self.server.name.encode()
        self.send_response(404 if missing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Recording, Recording]]:
    """A portal and a proxy; the environment names the proxy for every scheme."""
    portal, proxy = Recording("portal"), Recording("proxy")
    for server in (portal, proxy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy.origin)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    yield portal, proxy
    for server in (portal, proxy):
        server.shutdown()
        server.server_close()


async def fetch(settings: ProbeSettings, url: str) -> str:
    async with http_client(settings) as client:
        return (await client.get(url)).text


@pytest.mark.parametrize("loopback_only", [True, False])
def test_the_probe_client_ignores_proxy_variables_only_when_kept_to_loopback(
        servers: tuple[Recording, Recording], loopback_only: bool) -> None:
    portal, proxy = servers
    settings = ProbeSettings(allow_private=True, loopback_only=loopback_only)
    answer = asyncio.run(fetch(settings, portal.origin + "/"))
    if loopback_only:
        assert (answer, portal.targets, proxy.targets) == ("portal", ["/"], [])
    else:  # outside loopback the operator's proxy is honoured, as every tool does
        assert (answer, portal.targets, proxy.targets) == ("proxy", [], [portal.origin + "/"])


def test_the_polite_client_goes_straight_to_a_loopback_portal(
        servers: tuple[Recording, Recording]) -> None:
    portal, proxy = servers

    async def run() -> str:
        async with PoliteClient(LOOPBACK, delay=0.0) as client:
            return (await client.get(portal.origin + "/")).text

    assert asyncio.run(run()) == "portal"
    assert portal.targets == ["/robots.txt", "/"] and proxy.targets == []


def test_chromium_goes_straight_to_a_named_host_mapped_to_loopback(
        servers: tuple[Recording, Recording]) -> None:
    portal, proxy = servers
    url = f"http://dvc.example.gov.vn:{portal.server_address[1]}/"

    async def run() -> str:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True, extra_hosts=["dvc.example.gov.vn"])
            page = await browser.new_page()
            response = await page.goto(url)
            text = await response.text() if response else ""
            await browser.close()
            return text

    assert asyncio.run(run()) == "portal"
    assert "/" in portal.targets and proxy.targets == []


@pytest.mark.slow
def test_the_crawler_goes_straight_to_a_loopback_portal(
        servers: tuple[Recording, Recording]) -> None:
    portal, proxy = servers
    budget = Budget(max_pages=3, delay=0.0, time_limit=20)
    sitemap = discover(portal.origin + "/", LOOPBACK, budget)
    assert sitemap.error is None and sitemap.pages, sitemap
    assert "/" in portal.targets and proxy.targets == []
