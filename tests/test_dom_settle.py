"""Settling a page before it is read: an app shell that renders late is waited for, and a
home page that never renders is a portal error, not a portal without a header."""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest
from playwright.async_api import async_playwright

from checks import layout
from checks._dom import PortalError, open_url, page_text
from probe.browser import launch

# An empty shell whose script renders 1.5 s later without any request the probe could see:
# the shape of a single-page app whose data request is reported late on a loaded machine.
LATE = ("<!DOCTYPE html><html><body><app-root></app-root><script>"
        "setTimeout(() => { document.querySelector('app-root').innerHTML ="
        " '<header>Ủy ban nhân dân tỉnh Thử</header>'; }, 1500);</script></body></html>")
BLANK = "<!DOCTYPE html><html><body><app-root></app-root></body></html>"
PAGES = {"/late": LATE, "/blank": BLANK}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def _read(url: str) -> tuple[str, str]:
    """(text after open_url, what layout's home loading says) for `url`."""
    async with async_playwright() as pw:
        browser = await launch(pw, loopback_only=True)
        try:
            page = await browser.new_page()
            await open_url(page, url, 10_000)
            text = await page_text(page)
            try:
                said = await layout._load_home(page, url, 10_000)
            except PortalError as error:
                said = f"PortalError: {error}"
            return text, said
        finally:
            await browser.close()


def test_a_shell_that_renders_late_is_waited_for(origin: str) -> None:
    text, said = asyncio.run(_read(origin + "/late"))
    assert "Ủy ban nhân dân tỉnh Thử" in text
    assert said == origin + "/late"


def test_a_home_page_that_never_renders_is_a_portal_error(origin: str) -> None:
    text, said = asyncio.run(_read(origin + "/blank"))
    assert text.strip() == ""
    assert said.startswith("PortalError: home page") and "shows nothing" in said


def test_settling_ends_on_time_when_the_pages_promise_is_orphaned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A page script the guard stops mid-callback leaves the probe's promise pending for ever
    from checks import _dom

    monkeypatch.setattr(_dom, "_DOM_QUIET_JS", "() => new Promise(() => {})")
    monkeypatch.setattr(_dom, "PROMISE_SPARE_S", 0.2)

    async def run() -> float:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            try:
                page = await browser.new_page()
                await page.set_content("<p>Cổng dịch vụ công</p>")
                started = asyncio.get_running_loop().time()
                await asyncio.wait_for(_dom.settle(page, limit_ms=300), 30)
                return asyncio.get_running_loop().time() - started
            finally:
                await browser.close()

    assert asyncio.run(run()) < 5.0
