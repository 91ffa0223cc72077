"""Scope of the crawler: links and redirects to loopback, link-local and private addresses
are never requested in a sweep unless private hosts are allowed; refusals are recorded.

The portal is a named host (portal.example.test, mapped to 127.0.0.1 by the `resolve`
setting), so that 127.0.0.1 itself is "another, private host". Only loopback is ever
contacted: 169.254.169.254, 10.0.0.1 and [::1] are refused before any connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import probe.discovery as discovery
from probe.context import ProbeSettings
from probe.discovery import Budget, discover
from probe.urls import is_private_host
from tests.fixtures.discovery.sites import Reply, Server

NAME = "portal.example.test"
FAST = Budget(max_pages=30, max_depth=3, per_template=5, delay=0.0, per_host=4, time_limit=20)
PRIVATE = {"meta": "http://169.254.169.254/latest/meta-data", "ten": "http://10.0.0.1/",
           "v6": "http://[::1]/v6-secret"}


def home_html(loopback: str) -> str:
    links = [*PRIVATE.values(), f"{loopback}/secret", "/redir-meta", "/redir-ten", "/redir-v6",
             "/redir-loop", "/lien-he"]
    anchors = "".join(f'<li><a href="{u}">Trang {i}</a></li>' for i, u in enumerate(links))
    return (f"<html><head><title>Cổng dịch vụ công</title></head><body><h1>Trang chủ</h1>"
            f"<iframe src='http://169.254.169.254/frame'></iframe><ul>{anchors}</ul></body>"
            f"</html>")


def portal_routes(server: list[Server]) -> Any:
    def routes(path: str, _query: dict[str, list[str]]) -> Reply | None:
        loopback = server[0].url.rstrip("/")
        targets = {**PRIVATE, "loop": f"{loopback}/secret"}
        if path == "/":
            return Reply(home_html(loopback))
        if path.startswith("/redir-"):
            return Reply("", 302, headers=[("Location", targets[path.removeprefix("/redir-")])])
        if path == "/lien-he":
            return Reply("<h1>Liên hệ</h1>")
        if path == "/robots.txt":
            return Reply("", 404)
        return Reply("<h1>bí mật</h1>")  # /secret, /landing: must never be asked for
    return routes


def start(routes_for: Any) -> Server:
    box: list[Server] = []
    server = Server(routes_for(box))
    box.append(server)
    return server


@pytest.fixture
def portal() -> Iterator[Server]:
    server = start(portal_routes)
    yield server
    server.stop()


def settings(allow_private: bool) -> ProbeSettings:
    return ProbeSettings(allow_private=allow_private, loopback_only=True, page_timeout_ms=5000,
                         extra={"resolve": NAME})


def named(server: Server, path: str = "/") -> str:
    return f"http://{NAME}:{server.port}{path}"


def test_private_links_are_never_requested_and_redirects_are_refused(portal: Server) -> None:
    sitemap = discover(named(portal), settings(False), FAST)
    assert sitemap.error is None, sitemap
    assert "/secret" not in portal.paths()  # the 127.0.0.1 link: same server, other host
    assert all(not is_private_host(p.url) for p in sitemap.pages)
    by_path = {p.url.removeprefix(named(portal).rstrip("/")): p for p in sitemap.pages}
    for key, target in [*PRIVATE.items(), ("loop", f"{portal.url}secret")]:
        page = by_path[f"/redir-{key}"]
        assert page.status == 302
        assert any(s.startswith("refused:private") for s in page.signals), page.signals
        assert f"redirect:{target}" in page.signals, page.signals
    home = by_path["/"]
    assert "external:169.254.169.254" in home.signals  # recorded, not fetched


def test_home_redirect_to_a_private_address_is_refused(portal: Server) -> None:
    def routes(box: list[Server]) -> Any:
        def answer(path: str, _query: dict[str, list[str]]) -> Reply | None:
            if path == "/":
                return Reply("", 302, headers=[("Location", f"{box[0].url}landing")])
            return Reply("<h1>landing</h1>")
        return answer

    server = start(routes)
    try:
        sitemap = discover(named(server), settings(False), FAST)
    finally:
        server.stop()
    assert "/landing" not in server.paths()
    assert sitemap.error == "http_error" and not sitemap.pages[1:]


def test_allow_private_lets_a_home_redirect_to_loopback_through() -> None:

    def routes(box: list[Server]) -> Any:
        def answer(path: str, _query: dict[str, list[str]]) -> Reply | None:
            if path == "/":
                return Reply("", 302, headers=[("Location", f"{box[0].url}landing")])
            return Reply("<h1>Tra cứu hồ sơ</h1>") if path == "/landing" else None
        return answer

    server = start(routes)
    try:
        sitemap = discover(named(server), settings(True), FAST)
    finally:
        server.stop()
    assert sitemap.error is None and sitemap.portal == f"{server.url}landing"
    assert "/landing" in server.paths()


def test_a_portal_on_a_private_host_is_crawled_as_before(portal: Server) -> None:
    """127.0.0.1 portals (the farm, staging servers) only pass the entry checks with
    --allow-private, so their crawl allows private hosts."""
    sitemap = discover(portal.url, settings(False), FAST)
    assert sitemap.error is None and sitemap.first("contact") is not None


def test_build_request_carries_allow_private() -> None:
    request = discovery.build_request(["http://x.test/"], settings(True), FAST, 1)
    assert request["settings"]["allow_private"] is True
