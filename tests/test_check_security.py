"""checks.security: pure helpers, then fixture portals over loopback (valid, expired and
wrong-host certificates, legacy TLS, plain HTTP, injected content)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from checks import security
from checks._sampling import foreign_host
from tests.fixtures.checks_psae.harness import (
    BrowserRunner,
    Reply,
    Site,
    TlsKit,
    fixture_text,
    make_ctx,
    one,
)

# --------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------


def _portal(asked: list[str]) -> httpx.AsyncClient:
    """A portal whose plain-HTTP entry redirects to its home page, which redirects once more."""
    answers = {"http://a.gov.vn/": (301, "https://a.gov.vn/"),
               "https://a.gov.vn/": (302, "https://a.gov.vn/trang-chu"),
               "https://a.gov.vn/trang-chu": (200, None)}

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        status, location = answers[str(request.url)]
        headers = {"location": location} if location else {"strict-transport-security": "x"}
        return httpx.Response(status, headers=headers)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def test_the_redirect_check_does_not_ask_again_for_the_home_page() -> None:
    asked: list[str] = []

    async def chains() -> tuple[security.Chain, ...]:
        async with _portal(asked) as client:
            home = await security.follow(client, "https://a.gov.vn/")
            return (home, await security.follow(client, "http://a.gov.vn/", known=home),
                    await security.follow(client, "https://a.gov.vn/", known=home))

    home, redirect, again = asyncio.run(chains())
    assert redirect.urls == ["http://a.gov.vn/", "https://a.gov.vn/", "https://a.gov.vn/trang-chu"]
    assert (redirect.status, redirect.headers) == (200, home.headers)
    assert redirect.hops().endswith("https://a.gov.vn/trang-chu (200)")
    assert asked == ["https://a.gov.vn/", "https://a.gov.vn/trang-chu", "http://a.gov.vn/",
                     "https://a.gov.vn/"]  # a chain's own first URL is always asked
    assert again.urls == home.urls


def test_security_headers_counts_each_of_three() -> None:
    full = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin"}
    assert security.security_headers(full) == (1.0, "all three present")
    ratio, detail = security.security_headers({"X-Frame-Options": "SAMEORIGIN",
                                               "Referrer-Policy": "unsafe-url"})
    assert ratio == pytest.approx(1 / 3, abs=1e-3)
    assert "nosniff" in detail and "Referrer-Policy" in detail
    assert security.security_headers({"Content-Security-Policy": "default-src 'self'"})[0] == 0
    assert security.security_headers({"X-Frame-Options": "ALLOW-FROM x"})[0] == 0


def test_security_headers_read_repeats_and_lists_as_browsers_do() -> None:
    """Two layers (a proxy and the app) often send the same header twice: HTML reads a set
    of X-Frame-Options values, Fetch the first X-Content-Type-Options value, and the last
    valid Referrer-Policy token wins."""
    doubled = httpx.Headers([("X-Frame-Options", "SAMEORIGIN"), ("X-Frame-Options", "SAMEORIGIN"),
                             ("X-Content-Type-Options", "nosniff, nosniff"),
                             ("Referrer-Policy", "no-referrer, strict-origin")])
    assert security.security_headers(doubled) == (1.0, "all three present")
    mixed = {"X-Frame-Options": "DENY, SAMEORIGIN", "X-Content-Type-Options": "nosniff",
             "Referrer-Policy": "no-referrer, unsafe-url"}
    assert security.security_headers(mixed) == (pytest.approx(1 / 3, abs=1e-3),
                                                "missing: frame protection, Referrer-Policy")
    assert security.security_headers({"Referrer-Policy": "unsafe-url, same-origin, bogus"})[1] \
        == "missing: frame protection, nosniff"


def test_a_meta_refresh_needs_no_url_prefix() -> None:
    portal, page = "https://dvc.example.gov.vn/", "https://dvc.example.gov.vn/a"
    found = security.redirect_findings(page, [], ["0; https://evil-casino.example.com/",
                                                  "3", "0;/trang-chu"], portal, ())
    assert [(f.kind, f.what) for f in found] == [
        ("meta refresh", "https://evil-casino.example.com/")]


@pytest.mark.parametrize(("urls", "error", "redirects", "why"), [
    (["http://p.gov.vn/", "https://p.gov.vn/"], None, True, "http://p.gov.vn/ ->"),
    (["http://p.gov.vn/", "https://p.gov.vn/", "http://p.gov.vn/home"], None, False,
     "back to http after https"),
    (["http://p.gov.vn/", "http://p.gov.vn/home"], None, False, "no redirect to https"),
    (["http://p.gov.vn/"], ConnectionRefusedError("refused"), False, "does not answer"),
])
def test_the_redirect_to_https_is_judged_where_the_chain_ends(
        urls: list[str], error: BaseException | None, redirects: bool, why: str) -> None:
    chain = security.Chain(start=urls[0], urls=urls, status=None if error else 200,
                           error=error)
    found = security._redirect_observation(chain, urls[0])
    assert found.value is redirects and why in found.detail


def test_a_legacy_hello_left_unanswered_is_not_accepted_and_costs_nothing_else() -> None:
    """A firewall that drops TLS 1.0/1.1 hellos: the probe's wait ends, and that is a
    refusal, not an error that loses the TLS facts measured before it."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    try:
        accepted, how = asyncio.run(security.legacy_accepted("127.0.0.1", port, 0.5))
        weak, weak_how = asyncio.run(security.weak_ciphers_accepted("127.0.0.1", port, 0.5))
    finally:
        listener.close()
    assert (accepted, how) == (False, "TLS 1.0/1.1 refused (no answer)")
    assert (weak, weak_how) == (False, "weak suites refused (no answer)")


def test_hsts_needs_a_positive_max_age() -> None:
    assert security.hsts({"Strict-Transport-Security": "max-age=31536000"})[0] is True
    assert security.hsts({"Strict-Transport-Security": "max-age=0"})[0] is False
    assert security.hsts({})[0] is False


def test_cookie_flags_name_the_faulty_cookie() -> None:
    ok, detail = security.cookie_flags(["a=1; Secure; HttpOnly; SameSite=Lax"])
    assert ok and "1 cookie" in detail
    ok, detail = security.cookie_flags(["a=1; Secure; HttpOnly; SameSite=Lax",
                                        "JSESSIONID=x; Path=/; HttpOnly"])
    assert not ok and "JSESSIONID lacks Secure, SameSite" in detail
    assert security.cookie_flags([]) == (True, "no cookies set")


def test_spam_phrases_respect_accents_and_forms() -> None:
    assert security.spam_phrases("Trang CÁ CƯỢC bóng đá") == ["cá cược"]
    decomposed = "n\u00f4\u0309 hu\u0303"  # 'nổ hũ' with combining marks (NFD)
    assert security.spam_phrases(f"Chơi {decomposed} ngay") == ["nổ hũ"]
    assert security.spam_phrases("cà cuộc, ca cuoc, bán cá giống, lộ đề thi") == []
    assert security.spam_phrases("Casino, game   bài, bắn cá, lô đề") == [
        "bắn cá", "casino", "game bài", "lô đề"]


def test_spam_slugs_only_whole_slugs() -> None:
    assert security.spam_slugs("https://x.com/ca-cuoc-bong-da") == ["ca-cuoc"]
    assert security.spam_slugs("https://nohu88.example/") == []  # 'nohu88' is one token
    assert security.spam_slugs("https://x.vn/ban-can-bo") == []


def test_foreign_host_spares_government_and_own_domain() -> None:
    portal = "https://dichvucong.hanoi.gov.vn/"
    assert not foreign_host("https://hanoi.gov.vn/tin-tuc", portal)
    assert not foreign_host("https://dichvucong.gov.vn/p/home", portal)
    assert not foreign_host("https://chinhphu.vn/", portal)
    assert foreign_host("https://casino.example.com/", portal)
    assert not foreign_host("http://127.0.0.1:9/x", "http://127.0.0.1:8/")


def test_link_and_redirect_findings() -> None:
    portal, page = "https://dvc.example.gov.vn/", "https://dvc.example.gov.vn/a"
    links = [{"href": "https://hidden.example.com/", "hiddenHow": "off-screen"},
             {"href": "https://news.example.com/", "hiddenHow": ""},
             {"href": "https://x.example.net/tai-xiu", "hiddenHow": ""},
             {"href": "https://dvc.example.gov.vn/hidden", "hiddenHow": "inline style"}]
    kinds = [f.kind for f in security.link_findings(page, links, portal, ())]
    assert kinds == ["hidden link (off-screen)", "spam link"]
    found = security.redirect_findings(page, [page, "https://casino.example.com/"],
                                       ["0; URL='https://bet.example.org/'", "5"], portal, ())
    assert [f.kind for f in found] == ["redirect", "meta refresh"]


# --------------------------------------------------------------------------------------
# Fixture portals
# --------------------------------------------------------------------------------------

GOOD_HEADERS = [
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Set-Cookie", "SESSION=abc; Path=/; Secure; HttpOnly; SameSite=Lax"),
]


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> TlsKit:
    return TlsKit(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def runner(kit: TlsKit) -> Iterator[BrowserRunner]:
    browser_runner = BrowserRunner(kit.ca_file)
    yield browser_runner
    browser_runner.stop()


@pytest.fixture(scope="module")
def sites(kit: TlsKit) -> Iterator[dict[str, Site]]:
    page = fixture_text("secure_home.html")
    good = Site({"/": Reply(page, headers=GOOD_HEADERS), "/b": Reply(page, headers=GOOD_HEADERS)},
                tls=kit.server_context())
    plain = Site({"/": Reply(page, headers=[("Set-Cookie", "PHPSESSID=1; path=/")]),
                  "/pixel.png": Reply(b"", content_type="image/png"),
                  "/old.js": Reply("", content_type="text/javascript")})
    redirect = Site({"/": Reply(status=301, headers=[("Location", good.url("/"))])})
    injected = Site({"/": Reply(fixture_text("injected_home.html"),
                                headers=[("X-Frame-Options", "DENY"),
                                         ("Set-Cookie", "track=1; Path=/")])},
                    tls=kit.server_context(legacy=True))
    injected.substitutions["HTTP_ORIGIN"] = plain.origin
    expired = Site({"/": Reply(page)}, tls=kit.server_context(expired=True))
    wrong = Site({"/": Reply(page)}, tls=kit.server_context("wrong.example"))
    found = {"good": good, "plain": plain, "redirect": redirect, "injected": injected,
             "expired": expired, "wrong": wrong}
    yield found
    for site in found.values():
        site.stop()


def _run(runner: BrowserRunner, kit: TlsKit, tmp_path: Path, portal: str,
         pages: list[str] | None = None, http_url: str = "") -> list:
    ctx = make_ctx(runner.browser, portal, pages or [portal], tmp_path, http_url=http_url,
                   ca_file=kit.ca_file, page_timeout_ms=8000)
    return runner.run(security.run(ctx))


def test_good_https_portal(runner: BrowserRunner, kit: TlsKit, sites: dict[str, Site],
                          tmp_path: Path) -> None:
    good = sites["good"]
    found = _run(runner, kit, tmp_path, good.url("/"), [good.url("/"), good.url("/b")],
                 http_url=sites["redirect"].url("/"))
    values = {o.name: o.value for o in found}
    assert {o.outcome for o in found} == {"ok"}, found
    assert values["https.used"] is True
    assert values["tls.cert_valid"] is True
    assert 85 <= values["tls.cert_days_left"] <= 90
    assert values["tls.version"] in ("TLSv1.2", "TLSv1.3")
    assert values["tls.legacy_accepted"] is False
    assert values["tls.weak_ciphers_accepted"] is False, one(found, "tls.weak_ciphers_accepted")
    assert values["http.redirects_https"] is True
    assert values["hsts"] is True
    assert values["headers.security"] == 1.0
    assert values["cookies.flags_ok"] is True
    assert values["mixed_content.count"] == 0
    assert values["injected.count"] == 0, one(found, "injected.count").detail
    cert = one(found, "tls.cert_valid")
    assert cert.artifacts and (tmp_path / cert.artifacts[0]).read_bytes().startswith(b"-----")
    assert all(o.page == good.url("/") and o.detail for o in found)


def test_injected_portal_with_legacy_tls(runner: BrowserRunner, kit: TlsKit,
                                         sites: dict[str, Site], tmp_path: Path) -> None:
    injected = sites["injected"]
    found = _run(runner, kit, tmp_path, injected.url("/"))
    values = {o.name: o.value for o in found}
    assert values["tls.cert_valid"] is True
    assert values["tls.legacy_accepted"] is True
    assert "TLSv1" in one(found, "tls.legacy_accepted").detail
    weak = one(found, "tls.weak_ciphers_accepted")  # the server offers "ALL:@SECLEVEL=0"
    assert weak.value is True and "accepted on TLSv1" in weak.detail, weak.detail
    assert values["hsts"] is False
    assert values["headers.security"] == pytest.approx(1 / 3, abs=1e-3)
    assert values["cookies.flags_ok"] is False and "track" in one(found, "cookies.flags_ok").detail
    assert values["mixed_content.count"] == 2, one(found, "mixed_content.count").detail
    # 5 spam phrases (nhà cái in the title, nổ hũ in the description, 3 in hidden links),
    # 3 hidden foreign links, 1 visible link with a gambling slug, 1 meta refresh
    injected_obs = one(found, "injected.count")
    assert injected_obs.value == 10, injected_obs.detail
    # no plain-HTTP entry answers on port 80 of 127.0.0.1 here
    assert values["http.redirects_https"] is False


@pytest.mark.parametrize(("name", "reason"), [("expired", "expired"),
                                              ("wrong", "hostname mismatch")])
def test_invalid_certificates(runner: BrowserRunner, kit: TlsKit, sites: dict[str, Site],
                              tmp_path: Path, name: str, reason: str) -> None:
    site = sites[name]
    found = _run(runner, kit, tmp_path, site.url("/"))
    cert = one(found, "tls.cert_valid")
    assert cert.value is False and reason in cert.detail
    assert one(found, "https.used").value is True
    days = one(found, "tls.cert_days_left").value
    assert (days < 0) if name == "expired" else (days > 0)
    headers = one(found, "headers.security")
    assert headers.value is None and headers.outcome == "portal_error"
    assert one(found, "injected.count").outcome == "portal_error"


def test_plain_http_portal(runner: BrowserRunner, kit: TlsKit, sites: dict[str, Site],
                           tmp_path: Path) -> None:
    plain = sites["plain"]
    found = _run(runner, kit, tmp_path, plain.url("/"), http_url=plain.url("/"))
    values = {o.name: o.value for o in found}
    assert values["https.used"] is False
    assert values["tls.cert_valid"] is False and one(found, "tls.cert_valid").detail == "no HTTPS"
    assert values["tls.cert_days_left"] is None and values["tls.version"] is None
    assert values["tls.legacy_accepted"] is None
    assert values["http.redirects_https"] is False
    assert values["hsts"] is False
    assert values["headers.security"] == 0
    assert values["cookies.flags_ok"] is False
    assert values["mixed_content.count"] is None
    assert values["injected.count"] == 0
    not_met = {o.name for o in found if o.outcome == "portal_error"}
    assert not_met == {"tls.legacy_accepted", "tls.weak_ciphers_accepted", "mixed_content.count"}


def test_unreachable_portal_is_a_portal_error(runner: BrowserRunner, kit: TlsKit,
                                              tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = _run(runner, kit, tmp_path, f"https://127.0.0.1:{port}/")
    assert len(found) == len(security.NAMES)
    assert {o.outcome for o in found} == {"portal_error"}
    assert all(o.value is None for o in found)


def test_weak_cipher_reasons() -> None:
    assert security.weak_cipher_reason("AES128-GCM-SHA256") == (
        "no forward secrecy (RSA key exchange)")
    assert security.weak_cipher_reason("DES-CBC3-SHA") == "DES/3DES"
    assert security.weak_cipher_reason("RC4-MD5") == "RC4"
    assert security.weak_cipher_reason("ADH-AES128-SHA") == "anonymous"


def test_verify_reason_names_the_failure() -> None:
    error = ssl.SSLCertVerificationError("x")
    error.verify_code = 21  # type: ignore[attr-defined]
    assert "incomplete chain" in security.verify_reason(error)
