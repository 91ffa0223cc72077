"""Real discovery crawls against small loopback sites (subprocess, Scrapy, Chromium)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from probe.context import USER_AGENT, ProbeSettings
from probe.discovery import Budget, crawl_summary, discover, discover_many
from probe.models import PAGE_TYPES, SiteMap
from tests.fixtures.discovery.sites import (
    Reply,
    Server,
    app_shell_site,
    calendar_trap,
    classic_site,
    fixed,
    national_site,
    redirect_to,
)
from tests.fixtures.discovery.sites import (
    page as html_page,
)

FAST = Budget(max_pages=40, max_depth=4, per_template=5, delay=0.0, per_host=4, time_limit=30)


@pytest.fixture
def settings() -> ProbeSettings:
    return ProbeSettings(allow_private=True, loopback_only=True, page_timeout_ms=5000)


@pytest.fixture
def classic() -> Iterator[Server]:
    server = Server(classic_site())
    yield server
    server.stop()


def by_path(sitemap: SiteMap) -> dict[str, str]:
    """path(+query) -> type of every mapped page."""
    out = {}
    for page in sitemap.pages:
        rest = page.url.split("/", 3)[3] if page.url.count("/") >= 3 else ""
        out["/" + rest] = page.type
    return out


# --- a classic portal ------------------------------------------------------------------------

def test_classic_portal_is_mapped_with_types_depths_templates(
        classic: Server, settings: ProbeSettings) -> None:
    sitemap = discover(classic.url, settings, FAST)
    assert sitemap.error is None and not sitemap.rendered and sitemap.handover is None
    assert sitemap.portal == classic.url
    types = by_path(sitemap)
    assert types["/"] == "home"
    assert types["/danh-muc-tthc"] == "catalogue"
    assert types["/tra-cuu-ho-so"] == "lookup"
    assert types["/thanh-toan"] == "payment"
    assert types["/lien-he"] == "contact"
    assert types["/hoi-dap"] == "faq"
    assert types["/tim-kiem"] == "search"  # reached through the home page's GET search form
    assert all(p.type in PAGE_TYPES for p in sitemap.pages)
    home = sitemap.first("home")
    assert home is not None and home.depth == 0 and home.status == 200
    assert sitemap.first("catalogue").depth == 1  # type: ignore[union-attr]
    procedures = sitemap.of_type("procedure")
    assert len(procedures) == 5  # 12 linked, 5 per template
    assert {p.template for p in procedures} == {"/thu-tuc/{id}"}
    assert all(p.depth == 2 for p in procedures)
    assert sitemap.stopped_by == "per_template"
    lookup = sitemap.first("lookup")
    assert lookup is not None and "form:ma_ho_so" in lookup.signals


def test_robots_txt_is_obeyed_and_user_agent_names_the_probe(
        classic: Server, settings: ProbeSettings) -> None:
    discover(classic.url, settings, FAST)
    paths = classic.paths()
    assert paths[0] == "/robots.txt"
    assert not any(p.startswith("/rieng-tu/") for p in paths)
    assert {agent for _, _, agent in classic.log} == {USER_AGENT}


def test_session_ids_fragments_and_files_are_not_crawled_twice(
        classic: Server, settings: ProbeSettings) -> None:
    sitemap = discover(classic.url, settings, FAST)
    paths = classic.paths()
    assert paths.count("/lien-he") == 1
    assert not any("jsessionid" in p.lower() or "PHPSESSID" in p for p in paths)
    assert not any(p.endswith(".pdf") for p in paths)
    assert len({p.url for p in sitemap.pages}) == len(sitemap.pages)


def test_external_hosts_are_recorded_not_crawled(classic: Server,
                                                 settings: ProbeSettings) -> None:
    sitemap = discover(classic.url, settings, FAST)
    home = sitemap.first("home")
    assert home is not None and "external:sso.example.test" in home.signals
    payment = sitemap.first("payment")
    assert payment is not None and "external:payment.example.test" in payment.signals
    assert sum(s.startswith("external:sso") for s in home.signals) == 1


# --- traps and budgets -----------------------------------------------------------------------

def test_calendar_trap_is_capped_per_template(settings: ProbeSettings) -> None:
    server = Server(calendar_trap())
    try:
        sitemap = discover(server.url, settings, Budget(max_pages=200, max_depth=50,
                                                         per_template=5, delay=0.0,
                                                         time_limit=30))
    finally:
        server.stop()
    months = [p for p in sitemap.pages if "/lich-cong-tac" in p.url]
    assert 1 <= len({p.template for p in months}) <= 5  # query variants are capped too
    assert all(sum(p.template == t for p in months) <= 5 for t in {p.template for p in months})
    assert sum("/lich/" in p.url for p in sitemap.pages) <= 5
    assert len(sitemap.pages) < 40
    assert sitemap.stopped_by == "per_template"


def test_max_pages_budget_stops_the_trap(settings: ProbeSettings) -> None:
    server = Server(calendar_trap())
    try:
        sitemap = discover(server.url, settings, Budget(max_pages=12, max_depth=100,
                                                         per_template=1000, delay=0.0))
    finally:
        server.stop()
    assert len(sitemap.pages) == 12
    assert sitemap.stopped_by == "max_pages"


def test_max_depth_budget(classic: Server, settings: ProbeSettings) -> None:
    sitemap = discover(classic.url, settings, Budget(max_depth=1, delay=0.0))
    assert max(p.depth for p in sitemap.pages) == 1
    assert not sitemap.of_type("procedure")
    assert sitemap.stopped_by == "max_depth"


def test_time_limit_budget(settings: ProbeSettings) -> None:
    server = Server(classic_site(procedures=30, delay_s=0.4))
    try:
        sitemap = discover(server.url, settings, Budget(time_limit=2.0, delay=0.0, per_host=1,
                                                         per_template=50))
    finally:
        server.stop()
    assert sitemap.error is None
    assert sitemap.stopped_by == "time_limit"
    assert 1 <= len(sitemap.pages) < 10


def test_rate_limit_per_host(settings: ProbeSettings) -> None:
    """Server-side count: never more than 1/delay requests in any second (arrival times
    jitter by a few ms, so a second is measured as 1 - delay/2), and no bursts."""
    delay = 0.2
    server = Server(classic_site(procedures=6))
    try:
        discover(server.url, settings, Budget(delay=delay, per_host=4, time_limit=30))
    finally:
        server.stop()
    times = sorted(t for t, _, _ in server.log)
    assert len(times) >= 10
    window = 1.0 - delay / 2
    per_second = max(sum(1 for t in times if start <= t < start + window) for start in times)
    assert per_second <= round(1 / delay)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= delay / 2
    assert (times[-1] - times[0]) / (len(times) - 1) >= 0.95 * delay


@pytest.mark.parametrize(("asked", "cap", "kept"), [(0.3, 30.0, 0.3), (2.0, 0.25, 0.25)])
def test_a_robots_txt_crawl_delay_spaces_the_crawl_up_to_the_cap(
        settings: ProbeSettings, asked: float, cap: float, kept: float) -> None:
    """Scrapy does not keep Crawl-delay on its own; the crawl does, up to the budget's cap,
    and its map says what was asked and kept."""
    server = Server(classic_site(procedures=3, robots=f"User-agent: *\nCrawl-delay: {asked}\n"))
    try:
        sitemap = discover(server.url, settings, Budget(delay=0.0, per_host=4, time_limit=30,
                                                        max_crawl_delay=cap))
    finally:
        server.stop()
    pages = sorted(t for t, path, _ in server.log if path != "/robots.txt")
    assert len(pages) >= 5
    # arrivals jitter on a loaded machine; without the delay they are ~1 ms apart
    assert min(b - a for a, b in zip(pages, pages[1:], strict=False)) >= 0.6 * kept
    assert sitemap.crawl_delays == {"127.0.0.1": {"asked": asked, "kept": kept}}
    assert f"robots.txt Crawl-delay: 127.0.0.1 asks {asked:g} s" in crawl_summary(sitemap)


# --- TLS -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_kit(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, str]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, str(ca_file)


def tls_server(ca: trustme.CA, *names: str) -> Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    return Server(classic_site(procedures=2), tls=context)


def test_https_portal_is_verified_with_the_extra_ca(tls_kit: tuple[trustme.CA, str],
                                                    settings: ProbeSettings) -> None:
    ca, ca_file = tls_kit
    server = tls_server(ca, "127.0.0.1")
    try:
        settings.ca_file = ca_file
        trusted = discover(server.url, settings, FAST)
        settings.ca_file = None
        untrusted = discover(server.url, settings, FAST)
    finally:
        server.stop()
    assert trusted.error is None and trusted.first("lookup") is not None
    assert untrusted.error == "tls_error" and not untrusted.pages


def test_https_host_name_is_checked(tls_kit: tuple[trustme.CA, str],
                                    settings: ProbeSettings) -> None:
    ca, ca_file = tls_kit
    server = tls_server(ca, "portal.example.test")  # certificate for another name
    try:
        settings.ca_file = ca_file
        sitemap = discover(server.url, settings, FAST)
    finally:
        server.stop()
    assert sitemap.error == "tls_error"


# --- hand-over and errors --------------------------------------------------------------------

def test_redirect_to_the_national_portal_is_a_handover(settings: ProbeSettings) -> None:
    national = Server(national_site())
    portal = Server(redirect_to(f"{national.url}"))
    try:
        settings.national_portal_hosts = (national.netloc,)
        sitemap = discover(portal.url, settings, Budget(delay=0.0, handover_pages=6))
    finally:
        portal.stop()
        national.stop()
    landing = f"{national.url}p/home/dvc-trang-chu.html"
    assert sitemap.error is None
    assert sitemap.handover == landing and sitemap.portal == landing
    assert sitemap.pages[0].url == landing and sitemap.pages[0].type == "home"
    assert len(sitemap.pages) <= 6 and max(p.depth for p in sitemap.pages) <= 1
    assert all(p.url.startswith(national.url) for p in sitemap.pages)
    assert sitemap.first("lookup") is not None


def test_redirect_inside_the_agency_is_not_a_handover(settings: ProbeSettings) -> None:
    target = Server(classic_site(procedures=1))
    portal = Server(redirect_to(target.url))
    try:
        sitemap = discover(portal.url, settings, FAST)
    finally:
        portal.stop()
        target.stop()
    assert sitemap.handover is None and sitemap.portal == target.url
    assert sitemap.first("lookup") is not None


@pytest.mark.parametrize(("routes", "status"), [
    (fixed(500), "http_error"),
    (fixed(404), "http_error"),
    (fixed(403), "blocked"),
    (fixed(429), "blocked"),
    (fixed(302, headers=[("Location", "/loop")]), "redirect_loop"),
])
def test_home_page_failures_map_to_the_taxonomy(routes, status: str,
                                                settings: ProbeSettings) -> None:
    server = Server(routes)
    try:
        sitemap = discover(server.url, settings, FAST)
    finally:
        server.stop()
    assert sitemap.error == status
    assert sitemap.stopped_by is None


def test_robots_forbidding_everything_is_blocked(settings: ProbeSettings) -> None:
    server = Server(classic_site(robots="User-agent: *\nDisallow: /\n"))
    try:
        sitemap = discover(server.url, settings, FAST)
    finally:
        server.stop()
    assert sitemap.error == "blocked"
    assert server.paths() == ["/robots.txt"]


def test_unreachable_portals(settings: ProbeSettings) -> None:
    server = Server(fixed(200))
    closed = server.url
    server.stop()
    results = discover_many([closed, "http://portal.invalid/"], settings, FAST)
    assert results[closed].error == "connection_refused"
    assert results["http://portal.invalid/"].error == "dns_error"  # loopback-only resolver


def test_discover_many_maps_each_portal(settings: ProbeSettings) -> None:
    first, second = Server(classic_site(procedures=1)), Server(calendar_trap())
    try:
        results = discover_many([first.url, second.url], settings, FAST)
    finally:
        first.stop()
        second.stop()
    assert results[first.url].first("lookup") is not None
    assert results[second.url].pages[0].type == "home"


# --- a single-page app -----------------------------------------------------------------------

def test_app_shell_is_rendered_with_hash_routes(settings: ProbeSettings) -> None:
    server = Server(app_shell_site())
    try:
        sitemap = discover(server.url, settings, Budget(delay=0.0, time_limit=40))
    finally:
        server.stop()
    assert sitemap.error is None, sitemap
    assert sitemap.rendered
    types = {p.url.split("#", 1)[1] if "#" in p.url else "": p.type for p in sitemap.pages}
    assert types[""] == "home"
    assert types["/vi/thu-tuc-hanh-chinh"] == "catalogue"
    assert types["/vi/dossier/search"] == "lookup"
    assert types["/vi/thanh-toan"] == "payment"
    assert types["/vi/danh-gia"] == "rating"
    assert types["/vi/padsvc/apply-online/1.000101"] == "submission"
    procedures = sitemap.of_type("procedure")
    assert len(procedures) == 5
    assert {p.template for p in procedures} == {"/#/vi/procedure/{id}"}
    home = sitemap.first("home")
    assert home is not None and "external:sso.example.test" in home.signals
    catalogue = sitemap.first("catalogue")
    assert catalogue is not None and catalogue.depth == 1


def test_request_file_is_plain_json(tmp_path: Path) -> None:
    from probe.discovery import build_request

    request = build_request(["http://127.0.0.1:1/"], ProbeSettings(extra={"resolve": "a.test"}),
                            FAST, 2)
    assert request["settings"]["resolve"] == {"a.test": "127.0.0.1"}
    assert request["budget"]["max_pages"] == FAST.max_pages


def test_an_app_shell_s_routes_are_opened_as_its_crawl_delay_asks(
        settings: ProbeSettings) -> None:
    server = Server(app_shell_site(robots="User-agent: *\nCrawl-delay: 0.4\n"))
    try:
        sitemap = discover(server.url, settings, Budget(delay=0.0, time_limit=40))
    finally:
        server.stop()
    assert sitemap.rendered and len(sitemap.pages) >= 4
    documents = sorted(t for t, path, _ in server.log if path == "/")[1:]  # the crawl's first
    assert len(documents) >= 4
    # Starts are 0.4 s apart; arrivals jitter by the browser's own latency on a loaded
    # machine (a gap of 0.35 s seen), and without the delay they are ~0.02 s apart.
    assert min(b - a for a, b in zip(documents, documents[1:], strict=False)) >= 0.24


def test_a_poll_s_answer_links_and_vote_forms_are_never_requested(
        settings: ProbeSettings) -> None:
    """Read-only: a legacy poll casts its vote from a plain link or a GET form."""
    home = html_page("Cổng", "<a href='/gioi-thieu'>Giới thiệu</a>"
                        "<a href='/BinhChon?ykien=1'>Rất hài lòng</a>"
                        "<a href='/poll.aspx?id=2&answer=3'>Kết quả</a>"
                        "<form method='get' action='/BinhChon'><button>Bình chọn</button></form>")

    def routes(path: str, query: dict[str, list[str]]) -> Reply | None:
        if path == "/robots.txt":
            return Reply("User-agent: *\nDisallow:\n", content_type="text/plain")
        return Reply(home if path == "/" else html_page("Trang", "<p>Nội dung</p>"))

    server = Server(routes)
    try:
        sitemap = discover(server.url, settings, FAST)
    finally:
        server.stop()
    asked = server.paths()
    assert "/gioi-thieu" in asked and sitemap.error is None
    assert not [path for path in asked if "inhChon" in path or "poll" in path], asked
