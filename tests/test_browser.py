"""Chromium: launched on loopback only, trusting an extra CA and nothing else."""

import asyncio
import http.server
import json
import re
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from playwright._impl._driver import compute_driver_executable
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from probe import browser
from probe.browser import (
    PLAYWRIGHT_DISABLED_FEATURES,
    QUIET_FEATURES,
    launch,
    launch_args,
    loopback_rules,
)


def test_loopback_rules_map_everything_else_to_notfound() -> None:
    rules = loopback_rules(["emc.farm.test"])
    assert rules.startswith("MAP emc.farm.test 127.0.0.1, MAP * ~NOTFOUND")
    assert "EXCLUDE 127.0.0.1" in rules
    assert any(a.startswith("--host-resolver-rules=") for a in launch_args(True))
    assert "--disable-quic" in launch_args(False)


def playwright_disabled_features() -> set[str]:
    """The features the installed Playwright driver passes in its --disable-features."""
    bundle = Path(compute_driver_executable()[1]).parent / "lib" / "coreBundle.js"
    found = re.search(r"disabledFeatures = \[(.*?)\]", bundle.read_text(encoding="utf-8"),
                      re.DOTALL)
    assert found, f"no disabledFeatures list in {bundle}"
    return set(re.findall(r'"([A-Za-z0-9]+)"', found.group(1)))


def test_our_disable_features_keep_playwrights() -> None:
    # Chromium keeps the last --disable-features only: ours must repeat Playwright's list.
    features = next(a for a in launch_args(True) if a.startswith("--disable-features="))
    ours = set(features.split("=", 1)[1].split(","))
    assert playwright_disabled_features() <= ours
    assert set(PLAYWRIGHT_DISABLED_FEATURES) | set(QUIET_FEATURES) == ours


def chrome_requests(trace: Path) -> list[str]:
    """chrome:// URLs the traced browser requested."""
    events = json.loads(trace.read_text(encoding="utf-8"))["traceEvents"]
    urls = [((e.get("args") or {}).get("data") or {}).get("url", "") for e in events
            if e.get("name") == "ResourceSendRequest"]
    return [url for url in urls if url.startswith("chrome://")]


def test_a_new_page_builds_no_browser_webui(tmp_path: Path) -> None:
    """Without QUIET_FEATURES a new page loads ~400 chrome:// resources beside its own."""
    async def scenario() -> list[str]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            try:
                await browser.start_tracing(path=str(tmp_path / "trace.json"),
                                            categories=["loading", "devtools.timeline"])
                context = await browser.new_context()
                page = await context.new_page()
                await page.goto("data:text/html,<p>Xin chào</p>")
                await asyncio.sleep(1.0)
                await browser.stop_tracing()
                await context.close()
            finally:
                await browser.close()
        return chrome_requests(tmp_path / "trace.json")

    assert asyncio.run(scenario()) == []


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("tls")
    ca_file = str(folder / "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/", ca_file
    server.shutdown()


async def _visit(url: str, ca_file: str | None, hosts: tuple[str, ...] = ()) -> str:
    async with async_playwright() as pw:
        browser = await launch(pw, loopback_only=True, ca_file=ca_file, extra_hosts=hosts)
        try:
            page = await browser.new_page()
            try:
                response = await page.goto(url, timeout=10_000)
                return f"ok {response.status if response else ''}"
            except PlaywrightError as error:
                return str(error).split("\n")[0]
        finally:
            await browser.close()


def test_extra_ca_is_trusted_only_when_given(tls_server: tuple[str, str],
                                             tmp_path: Path) -> None:
    url, ca_file = tls_server
    assert asyncio.run(_visit(url, ca_file)) == "ok 200"
    assert "ERR_CERT_AUTHORITY_INVALID" in asyncio.run(_visit(url, None))


def test_names_outside_loopback_do_not_resolve() -> None:
    assert "ERR_NAME_NOT_RESOLVED" in asyncio.run(_visit("http://example.com/", None))


def test_named_test_hosts_reach_loopback(tls_server: tuple[str, str]) -> None:
    url, _ = tls_server
    port = url.rsplit(":", 1)[1].rstrip("/")
    named = f"http://portal.farm.test:{port}/"
    assert "ERR_NAME_NOT_RESOLVED" in asyncio.run(_visit(named, None))
    # a plain-HTTP request to the TLS port reaches the server: the name resolved
    assert "ERR_NAME_NOT_RESOLVED" not in asyncio.run(_visit(named, None, ("portal.farm.test",)))


class _Renderer:
    """A CDP session to a renderer that answers Performance.getMetrics at once and the
    page's ping `ping_after_s` later (None: never, as inside an endless script)."""

    def __init__(self, ping_after_s: float | None) -> None:
        self.ping_after_s = ping_after_s

    async def send(self, method: str) -> object:
        assert method == "Performance.getMetrics"
        return {"metrics": []}

    def ping(self) -> asyncio.Future[object]:
        ping: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        if self.ping_after_s is not None:
            asyncio.get_running_loop().call_later(self.ping_after_s, ping.set_result, 0)
        return ping


def _script_running(ping_after_s: float | None) -> bool:
    async def ask() -> bool:
        renderer = _Renderer(ping_after_s)
        return await browser._script_running(renderer, renderer.ping())  # type: ignore[arg-type]
    return asyncio.run(ask())


def test_a_ping_answered_just_after_the_metrics_is_a_renderer_freed_from_a_layout() -> None:
    """Under load the ping's answer has come 68 ms after getMetrics' once the renderer was
    free: taking that for a running script stopped the next script, Playwright's own."""
    assert not _script_running(0.2)
    assert _script_running(None)  # an endless script holds the ping
