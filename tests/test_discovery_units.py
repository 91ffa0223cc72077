"""Discovery's pure parts: URL templates, canonical URLs, the frontier, error mapping."""

from __future__ import annotations

import ssl

import pytest
from OpenSSL import SSL
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as tx
from twisted.web._newclient import ResponseNeverReceived

from probe.context import ProbeSettings
from probe.discovery import ERROR_STATUSES, Budget, classify_error, resolve_map, wall_limit
from probe.models import PageInfo, SiteMap
from spiders.budget import worst_stop
from spiders.errors import status_for_http
from spiders.render import RenderResult
from spiders.run import merge_rendered, needs_browser
from spiders.urlrules import (
    Frontier,
    canonical_url,
    is_variable_segment,
    scope_of,
    url_template,
)

# --- templates ---------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "template"), [
    ("https://x/thu-tuc/123", "/thu-tuc/{id}"),
    ("https://x/thu-tuc/1.001193.000.00.00.H71", "/thu-tuc/{id}"),
    ("https://x/nop-ho-so/12", "/nop-ho-so/{id}"),
    ("https://x/tra-cuu/G22.99.08-250312-0007", "/tra-cuu/{id}"),
    ("https://x/lich/2024/05", "/lich/{id}/{id}"),
    ("https://x/tin-tuc/page-2", "/tin-tuc/{id}"),
    ("https://x/a/3f2b9c1e-7d4a-4c2b-9f1e-1a2b3c4d5e6f", "/a/{id}"),
    ("https://x/portaldvc/danh-muc-tthc?page=2", "/portaldvc/danh-muc-tthc?page={v}"),
    ("https://x/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001",
     "/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={v}"),
    ("https://x/lich?view=tuan&month=3", "/lich?month={v}&view={v}"),
    ("https://x/lien-he;jsessionid=ABC?PHPSESSID=1&sid=2", "/lien-he"),
    ("https://x/#/vi/procedure/1.000123", "/#/vi/procedure/{id}"),
    ("https://x/#/vi/thu-tuc?page=3", "/#/vi/thu-tuc?page={v}"),
    ("https://x/web/guest/home", "/web/guest/home"),
    ("https://x/", "/"),
])
def test_url_templates(url: str, template: str) -> None:
    assert url_template(url) == template


@pytest.mark.parametrize(("segment", "variable"), [
    ("123", True), ("2024", True), ("1.000123", True), ("G22.99.08-250312-0007", True),
    ("abc123", True), ("page-2", True), ("deadbeef1234", True),
    ("thu-tuc", False), ("dvc-trang-chu.html", False), ("covid19-thong-tin", False),
    ("portaldvc", False), ("", False),
])
def test_variable_segments(segment: str, variable: bool) -> None:
    assert is_variable_segment(segment) is variable


def test_canonical_urls_drop_sessions_sort_query_keep_hash_routes() -> None:
    assert canonical_url("HTTP://X:80/a;jsessionid=1?b=2&PHPSESSID=3&a=1#top") == \
        "http://x/a?a=1&b=2"
    assert canonical_url("https://x:443/?utm_source=fb") == "https://x/"
    assert canonical_url("https://x/#/vi/tra-cuu") == "https://x/#/vi/tra-cuu"
    assert canonical_url("https://x/p#!/vi/a") == "https://x/p#!/vi/a"
    assert scope_of("https://Portal.gov.vn:443/x") == "portal.gov.vn"
    assert scope_of("http://127.0.0.1:8080/") == "127.0.0.1:8080"


# --- the frontier ------------------------------------------------------------------------


def test_frontier_caps_pages_per_template() -> None:
    frontier = Frontier(Budget(per_template=5, max_pages=100))
    admitted = [frontier.admit(f"https://x/thu-tuc/{n}", 1) for n in range(20)]
    assert sum(a is not None for a in admitted) == 5
    assert frontier.hits == {"per_template"}
    assert dict(frontier.capped) == {"/thu-tuc/{id}": 15}


def test_frontier_caps_query_variants_of_one_path() -> None:
    frontier = Frontier(Budget(per_template=3, max_pages=100))
    urls = [f"https://x/lich?k{n}=1" for n in range(10)]
    assert sum(frontier.admit(u, 1) is not None for u in urls) == 3
    assert "per_template" in frontier.hits


def test_frontier_dedups_session_variants() -> None:
    frontier = Frontier(Budget())
    assert frontier.admit("https://x/lien-he;jsessionid=A", 1) == "https://x/lien-he"
    assert frontier.admit("https://x/lien-he?sid=B", 1) is None
    assert frontier.admit("https://x/lien-he#top", 1) is None
    assert frontier.hits == set()


def test_frontier_budgets_pages_and_depth() -> None:
    frontier = Frontier(Budget(max_pages=3, max_depth=2))
    assert frontier.admit("https://x/deep", 3) is None
    assert frontier.hits == {"max_depth"}
    assert frontier.admit("https://x/deep", 2) == "https://x/deep"  # later, shallower: ok
    assert frontier.admit("https://x/a", 1) and frontier.admit("https://x/b", 1)
    assert frontier.admit("https://x/c", 1) is None
    assert "max_pages" in frontier.hits and frontier.full()
    frontier.release("https://x/b")
    assert frontier.admit("https://x/d", 1) == "https://x/d"


def test_worst_stop_order() -> None:
    assert worst_stop({"per_template", "max_pages"}) == "max_pages"
    assert worst_stop({"max_depth", "time_limit"}) == "time_limit"
    assert worst_stop(set()) is None


def test_budget_round_trip_and_handover() -> None:
    budget = Budget(max_pages=30, delay=0.2)
    assert Budget.from_dict({**budget.to_dict(), "unknown": 1}) == budget
    light = budget.for_handover()
    assert light.max_pages == budget.handover_pages and light.max_depth == 1


# --- error mapping -----------------------------------------------------------------------


class _Failure:
    """What Twisted keeps in ResponseNeverReceived.reasons."""

    def __init__(self, value: BaseException) -> None:
        self.value = value


@pytest.mark.parametrize(("error", "status"), [
    (tx.DNSLookupError("nohost"), "dns_error"),
    (tx.ConnectionRefusedError(), "connection_refused"),
    (ConnectionRefusedError(111, "refused"), "connection_refused"),
    (tx.TimeoutError(), "timeout"),
    (tx.TCPTimedOutError(), "timeout"),
    (TimeoutError(), "timeout"),
    (SSL.Error([("SSL routines", "", "certificate verify failed")]), "tls_error"),
    (ssl.SSLCertVerificationError("bad"), "tls_error"),
    (ResponseNeverReceived([_Failure(SSL.Error([("SSL routines", "", "x")]))]), "tls_error"),
    (tx.ConnectionLost(), "http_error"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Forbidden by robots.txt"), "blocked"),
    (ValueError("bug"), "probe_error"),
])
def test_exceptions_map_to_the_taxonomy(error: BaseException, status: str) -> None:
    assert classify_error(error) == status


def test_wrapped_causes_decide() -> None:
    try:
        try:
            raise tx.DNSLookupError("x")
        except tx.DNSLookupError as inner:
            raise RuntimeError("download failed") from inner
    except RuntimeError as outer:
        assert classify_error(outer) == "dns_error"


@pytest.mark.parametrize(("message", "status"), [
    ("net::ERR_NAME_NOT_RESOLVED at https://x/", "dns_error"),
    ("net::ERR_CONNECTION_REFUSED", "connection_refused"),
    ("net::ERR_CERT_AUTHORITY_INVALID", "tls_error"),
    ("Timeout 15000ms exceeded.", "timeout"),
    ("net::ERR_TOO_MANY_REDIRECTS", "redirect_loop"),
    ("net::ERR_EMPTY_RESPONSE", "http_error"),
    ("something else", "probe_error"),
])
def test_messages_map_to_the_taxonomy(message: str, status: str) -> None:
    assert classify_error(message) == status


@pytest.mark.parametrize(("code", "status"), [
    (200, None), (301, None), (403, "blocked"), (429, "blocked"), (404, "http_error"),
    (500, "http_error"), (503, "http_error"),
])
def test_http_statuses(code: int, status: str | None) -> None:
    assert status_for_http(code) == status
    if status:
        assert classify_error(http_status=code) == status


def test_every_status_is_in_the_taxonomy() -> None:
    assert classify_error() == "probe_error"
    assert set(ERROR_STATUSES) == {"dns_error", "connection_refused", "timeout", "tls_error",
                                   "http_error", "blocked", "redirect_loop", "probe_error"}


# --- the runner's pure parts -------------------------------------------------------------


def test_rendered_pages_replace_the_shell() -> None:
    shell = SiteMap(portal="https://x/", pages=[PageInfo("https://x/", "home"),
                                                PageInfo("https://x/static-only", "faq", 1)])
    rendered = RenderResult(pages=[PageInfo("https://x/", "home"),
                                   PageInfo("https://x/#/vi/tra-cuu", "lookup", 1)],
                            hits={"per_template"})
    merged = merge_rendered(shell, rendered, Budget())
    assert merged.rendered and merged.stopped_by == "per_template"
    assert [p.url for p in merged.pages] == ["https://x/", "https://x/#/vi/tra-cuu",
                                             "https://x/static-only"]


def test_a_browser_that_fails_is_the_probes_error() -> None:
    shell = SiteMap(portal="https://x/", pages=[PageInfo("https://x/", "home")])
    merged = merge_rendered(shell, RenderResult(error="probe_error"), Budget())
    assert merged.error == "probe_error" and not merged.rendered and len(merged.pages) == 1


def test_needs_browser() -> None:
    ok = SiteMap(portal="https://x/")
    assert needs_browser(ok, {"app_shell": True})
    assert needs_browser(ok, {"hash_routes": 3})
    assert not needs_browser(ok, {"app_shell": False, "hash_routes": 0})
    assert not needs_browser(SiteMap(portal="https://x/", error="timeout"), {"app_shell": True})


def test_settings_helpers() -> None:
    settings = ProbeSettings(extra={"resolve": "dichvucong.gov.vn, sso.test=127.0.0.2"})
    assert resolve_map(settings) == {"dichvucong.gov.vn": "127.0.0.1", "sso.test": "127.0.0.2"}
    assert wall_limit(8, Budget(time_limit=60), 4) > 2 * 60


# --- network plumbing --------------------------------------------------------------------


def test_loopback_resolver_resolves_nothing_beyond_loopback() -> None:
    from spiders.tls import LoopbackResolver

    resolver = LoopbackResolver(object(), {"Farm.Test": "127.0.0.1"})
    answers: list[object] = []
    for name in ("localhost", "127.0.0.1", "farm.test", "dichvucong.gov.vn", "10.0.0.1"):
        resolver.getHostByName(name).addBoth(answers.append)
    assert answers[:3] == ["127.0.0.1", "127.0.0.1", "127.0.0.1"]
    assert all(getattr(a, "check", lambda _: False)(tx.DNSLookupError) for a in answers[3:])
    for failure in answers[3:]:
        failure.trap(tx.DNSLookupError)  # type: ignore[attr-defined]


def test_context_factory_verifies_with_the_extra_ca(tmp_path) -> None:
    import trustme

    from spiders.tls import SystemPlusFileTrust, VerifyingContextFactory

    ca_file = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    factory = VerifyingContextFactory(str(ca_file))
    assert isinstance(factory.trust, SystemPlusFileTrust)
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    factory.trust._addCACertsToContext(context)  # loads system roots and the file
    assert factory.creatorForNetloc(b"127.0.0.1", 443) is not None


def test_crawl_summary_names_the_templates_the_cap_left_out() -> None:
    from probe.discovery import crawl_summary
    from probe.models import SiteMap

    plain = SiteMap("https://dvc.example.vn/", stopped_by=None)
    assert crawl_summary(plain) == "stopped by nothing"
    trapped = SiteMap("https://dvc.example.vn/", stopped_by="per_template",
                      capped={"/lich?thang={v}": 41, "/thu-tuc/{id}": 55, "/a": 1, "/b": 1})
    summary = crawl_summary(trapped)
    assert summary.startswith("stopped by per_template; left out: /thu-tuc/{id} (55 URLs), "
                              "/lich?thang={v} (41 URLs), /a (1 URLs)")
    assert summary.endswith("and 1 more templates")
