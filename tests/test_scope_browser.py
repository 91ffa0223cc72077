"""Scope of the browser checks: without allow_private, a check's browser context never loads
subresources from, nor navigates (or is redirected) to, loopback, link-local or private
addresses. The portal is a named host mapped to 127.0.0.1 (Chromium resolver rules).
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.browser import _ADDRESS_URL, PRIVATE_PATTERNS, refuse_private
from probe.urls import is_private_host
from tests.fixtures.checks_psae.harness import BrowserRunner, Reply, Site, make_ctx

NAME = "portal.example.test"
EDGES = ("0.0.0.0", "9.255.255.255", "10.0.0.1", "100.64.0.1", "127.0.0.1", "169.254.169.254",
         "172.15.255.255", "172.16.0.1", "172.31.255.255", "172.32.0.0", "192.0.0.8",
         "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.20.0.1", "198.51.100.7", "203.0.113.9",
         "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255", "8.8.8.8")


def home(loopback: str) -> str:
    return (f"<html><body><h1>Cổng dịch vụ công</h1>"
            f"<img src='{loopback}/pixel.png'><script src='http://[::1]:9/x.js'></script>"
            f"<img src='http://169.254.169.254/latest/meta-data'>"
            f"<iframe src='http://10.0.0.1/'></iframe>"
            f"<script>fetch('{loopback}/api').catch(() => 0)</script></body></html>")


@pytest.fixture(scope="module")
def runner() -> Iterator[BrowserRunner]:
    made = BrowserRunner(extra_hosts=(NAME,))
    yield made
    made.stop()


@pytest.fixture
def site() -> Iterator[Site]:
    made = Site({}, host=NAME)
    loopback = f"http://127.0.0.1:{made.port}"
    made.routes.update({
        "/": Reply(home(loopback)),
        "/go": Reply("", status=302, headers=[("Location", f"{loopback}/landing")]),
        "/pixel.png": Reply(b"", content_type="image/png"),
        "/landing": Reply("<h1>landing</h1>"), "/api": Reply("{}", content_type="text/json"),
    })
    yield made
    made.stop()


async def visit(ctx, guard_too: bool, then: str) -> tuple[list[str], str]:
    """Load the portal's home page, then go to `then`; the refused URLs and where it landed
    (or the navigation error)."""
    context, page = await ctx.new_page()
    try:
        guard = await refuse_private(context, ctx.settings.allow_private) if guard_too else None
        await page.goto(ctx.agency.portal_url, wait_until="load")
        await page.wait_for_timeout(200)
        try:
            await page.goto(then)
            landed = page.url
        except Exception as error:  # noqa: BLE001 - the refused navigation
            landed = str(error)
        return (guard.refused if guard else []), landed
    finally:
        await context.close()


def test_private_subresources_and_navigations_are_refused(runner: BrowserRunner, site: Site,
                                                         tmp_path: Path) -> None:
    ctx = make_ctx(runner.browser, site.url(), [site.url()], tmp_path, allow_private=False)
    landing = f"http://127.0.0.1:{site.port}/landing"
    refused, landed = runner.run(visit(ctx, True, landing))
    assert not {"/pixel.png", "/api", "/landing"} & set(site.hits), site.hits
    assert "ERR_BLOCKED_BY_CLIENT" in landed
    assert any("169.254.169.254" in u for u in refused)
    assert any("10.0.0.1" in u for u in refused) and any("[::1]" in u for u in refused)
    assert landing in refused and f"http://127.0.0.1:{site.port}/pixel.png" in refused


@pytest.fixture(scope="module")
def blocking_runner() -> Iterator[BrowserRunner]:
    """A browser launched as a sweep without --allow-private launches it."""
    made = BrowserRunner(extra_hosts=(NAME,), block_private=True)
    yield made
    made.stop()


def test_redirect_to_a_private_address_is_refused(blocking_runner: BrowserRunner, site: Site,
                                                  tmp_path: Path) -> None:
    """Playwright's routes never see redirect hops; the launch-level resolver rules do."""
    ctx = make_ctx(blocking_runner.browser, site.url(), [site.url()], tmp_path,
                   allow_private=False)
    refused, landed = blocking_runner.run(visit(ctx, True, site.url("/go")))
    assert "/go" in site.hits and "/landing" not in site.hits, (site.hits, landed)
    assert "ERR_NAME_NOT_RESOLVED" in landed, landed
    assert {"/", "/go"} <= set(site.hits)  # the named portal host itself still answers


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address),
                 st.sampled_from([ipaddress.IPv4Address(a) for a in EDGES])))
def test_resolver_patterns_cover_every_private_ipv4(address: ipaddress.IPv4Address) -> None:
    """Every address the probe refuses is refused by the browser's resolver too; the resolver
    refuses no public address (all of 192.0.0.0/24 is: IETF assignments, no portal there)."""
    matched = any(fnmatch.fnmatchcase(str(address), p) for p in PRIVATE_PATTERNS)
    private = is_private_host(f"http://{address}/")
    assert matched == private or address in ipaddress.ip_network("192.0.0.0/24"), address


def test_allow_private_leaves_requests_alone(runner: BrowserRunner, site: Site,
                                             tmp_path: Path) -> None:
    ctx = make_ctx(runner.browser, site.url(), [site.url()], tmp_path, allow_private=True)
    site.routes["/"] = Reply(home(f"http://127.0.0.1:{site.port}").split("<img src='http://169")[0])
    refused, landed = runner.run(visit(ctx, True, site.url("/go")))
    assert refused == [] and landed.endswith("/landing")
    assert {"/pixel.png", "/landing"} <= set(site.hits)


def test_portal_context_pages_refuse_private_addresses(runner: BrowserRunner, site: Site,
                                                      tmp_path: Path) -> None:
    ctx = make_ctx(runner.browser, site.url(), [site.url()], tmp_path, allow_private=False)
    site.routes["/"] = Reply(home(f"http://127.0.0.1:{site.port}").split("<img src='http://169")[0])
    runner.run(visit(ctx, False, f"http://127.0.0.1:{site.port}/landing"))  # loopback only
    assert not {"/pixel.png", "/landing"} & set(site.hits), site.hits


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address),
                 st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address)),
       st.sampled_from(["", ":8080"]), st.sampled_from(["", "u:p@"]),
       st.sampled_from(["http", "https", "ws"]))
def test_every_private_url_is_intercepted(address, port: str, user: str, scheme: str) -> None:
    """The route pattern must catch every URL `is_private_host` refuses (Chromium's form)."""
    host = f"[{address.compressed}]" if address.version == 6 else str(address)
    url = f"{scheme}://{user}{host}{port}/x"
    if is_private_host(url):
        assert _ADDRESS_URL.match(url), url
    for name in ("localhost", "a.localhost"):
        assert _ADDRESS_URL.match(f"{scheme}://{user}{name}{port}/")
