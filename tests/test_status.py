"""The status taxonomy: browser, HTTP and Python errors mapped in one place."""

import ssl

import httpx
import pytest

from probe import status


@pytest.mark.parametrize(("message", "expected"), [
    ("net::ERR_NAME_NOT_RESOLVED at https://x/", "dns_error"),
    ("net::ERR_CONNECTION_REFUSED at https://x/", "connection_refused"),
    ("Timeout 15000ms exceeded.", "timeout"),
    ("net::ERR_CERT_AUTHORITY_INVALID at https://x/", "tls_error"),
    ("net::ERR_TOO_MANY_REDIRECTS at https://x/", "redirect_loop"),
    ("something odd", "probe_error"),
])
def test_browser_errors(message: str, expected: str) -> None:
    assert status.from_browser_error(message) == expected


@pytest.mark.parametrize(("code", "expected"), [
    (200, "completed"), (301, "completed"), (403, "blocked"), (429, "blocked"), (401, "http_error"),
    (404, "http_error"), (500, "http_error"), (503, "http_error"),
])
def test_http_status(code: int, expected: str) -> None:
    assert status.from_http_status(code) == expected


def test_python_exceptions() -> None:
    assert status.from_exception(httpx.ReadTimeout("slow")) == "timeout"
    assert status.from_exception(httpx.TooManyRedirects("loop")) == "redirect_loop"
    assert status.from_exception(ssl.SSLCertVerificationError("bad")) == "tls_error"
    assert status.from_exception(httpx.ConnectError("[Errno 111] Connection refused")) \
        == "connection_refused"
    assert status.from_exception(httpx.ConnectError("[Errno -2] Name or service not known")) \
        == "dns_error"
    assert status.from_exception(ValueError("bug")) == "probe_error"


def test_every_status_has_both_labels() -> None:
    for code in status.STATUSES:
        assert status.label(code, "vi") and status.label(code, "en")
        assert status.label(code, "vi") != status.label(code, "en")


def test_the_crawler_maps_through_the_same_place() -> None:
    from spiders.errors import classify_error, status_for_http

    for code in (200, 401, 403, 404, 429, 503):
        assert status_for_http(code) == (None if code == 200 else status.from_http_status(code))
    for message in ("net::ERR_NAME_NOT_RESOLVED", "net::ERR_CERT_DATE_INVALID", "odd"):
        assert classify_error(message) == status.from_browser_error(message)


@pytest.mark.parametrize(("code", "detail", "vi", "en"), [
    ("http_error", "HTTP error from the server — 2 lần thử (attempts): http_error 500",
     "Máy chủ trả lỗi HTTP — 2 lần thử (attempts): http_error 500",
     "HTTP error from the server — 2 lần thử (attempts): http_error 500"),
    ("completed", "2 lần thử (attempts): timeout, completed",
     "Đã đánh giá — 2 lần thử (attempts): timeout, completed",
     "evaluated — 2 lần thử (attempts): timeout, completed"),
    ("timeout", "", "Quá thời gian chờ", "timed out"),
])
def test_a_status_line_says_the_status_once_in_its_language(code: str, detail: str, vi: str,
                                                            en: str) -> None:
    """A failed run stores its status's English label as its detail; a line that shows both
    would say it twice, once in the wrong language."""
    assert status.status_line(code, detail, "vi") == vi
    assert status.status_line(code, detail, "en") == en
    rest = en.removeprefix(status.label(code, "en"))
    assert status.both_languages(code, detail) == f"{vi.removesuffix(rest)} " \
        f"({status.label(code, 'en')}){rest}"
    assert status.told("odd: words", "vi") == "odd: words"  # not a status: as it is


def test_a_check_s_status_is_said_in_both_languages_and_its_detail_once() -> None:
    assert status.both_languages("http_error", "HTTP error from the server — HTTP 500") == \
        "Máy chủ trả lỗi HTTP (HTTP error from the server) — HTTP 500"
    assert status.both_languages("timeout", "") == "Quá thời gian chờ (timed out)"
    assert status.both_languages("dns_error", "[Errno -2] Name or service not known") == \
        "Không phân giải được tên miền (DNS lookup failed) — [Errno -2] Name or service not known"


@pytest.mark.parametrize(("message", "expected"), [
    ("page.goto: net::ERR_CONNECTION_TIMED_OUT at https://p/", "timeout"),
    ("net::ERR_CONNECTION_FAILED", "connection_refused"),
    ("net::ERR_ADDRESS_UNREACHABLE", "connection_refused"),
    ("net::ERR_CONNECTION_ABORTED", "http_error"),
    ("net::ERR_CONTENT_LENGTH_MISMATCH", "http_error"),
    ("net::ERR_INCOMPLETE_CHUNKED_ENCODING", "http_error"),
    ("net::ERR_INVALID_REDIRECT", "http_error"),
    ("net::ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls_error"),
])
def test_chromium_errors_of_a_portal_that_is_down_are_the_portal_s(message: str,
                                                                    expected: str) -> None:
    assert status.from_browser_error(message) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("[Errno -5] No address associated with hostname", "dns_error"),
    ("[Errno -3] Temporary failure in name resolution", "dns_error"),
    ("[Errno 113] No route to host", "connection_refused"),
    ("[Errno 101] Network is unreachable", "connection_refused"),
    ("[Errno 111] Connection refused", "connection_refused"),
])
def test_a_connection_that_could_not_be_made_is_named_alike_everywhere(text: str,
                                                                      expected: str) -> None:
    """httpx (the finder, TLS checks) and classify (the crawler) name it the same way."""
    import httpx

    assert status.from_exception(httpx.ConnectError(text)) == expected
    assert status.classify(OSError(text)) == expected
