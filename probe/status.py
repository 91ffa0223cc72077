"""The status taxonomy of a portal run, and the one place errors are mapped to it."""

from __future__ import annotations

import ssl

import httpx

COMPLETED = "completed"
STATUSES: dict[str, tuple[str, str]] = {
    "completed": ("Đã đánh giá", "evaluated"),
    "dns_error": ("Không phân giải được tên miền", "DNS lookup failed"),
    "connection_refused": ("Máy chủ từ chối kết nối", "connection refused"),
    "timeout": ("Quá thời gian chờ", "timed out"),
    "tls_error": ("Lỗi chứng thư/TLS", "TLS or certificate error"),
    "blocked": ("Bị chặn (403/429/WAF)", "blocked (403/429/WAF)"),
    "http_error": ("Máy chủ trả lỗi HTTP", "HTTP error from the server"),
    "redirect_loop": ("Chuyển hướng vòng lặp", "redirect loop"),
    "probe_error": ("Lỗi của công cụ đo", "probe-side failure"),
}
# Failures that another attempt may cure whatever the details: a slow or restarting server,
# a flaky link, a resolver that failed for the night (DNS failures are cheap to ask again).
TRANSIENT = frozenset({"timeout", "connection_refused", "dns_error"})
# HTTP answers worth asking again later: the server is busy, restarting or rate-limiting.
# Other codes (404, 410, 401, 403...) are permanent: asking again gives the same answer.
TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})
# Failures of the probe itself: never scored against the agency.
PROBE_SIDE = frozenset({"probe_error"})

_BROWSER_ERRORS: tuple[tuple[str, str], ...] = (
    ("ERR_NAME_NOT_RESOLVED", "dns_error"),
    ("ERR_NAME_RESOLUTION_FAILED", "dns_error"),
    ("ERR_CONNECTION_REFUSED", "connection_refused"),
    ("ERR_CONNECTION_RESET", "connection_refused"),
    ("ERR_CONNECTION_CLOSED", "connection_refused"),
    ("ERR_EMPTY_RESPONSE", "connection_refused"),
    ("ERR_ADDRESS_UNREACHABLE", "connection_refused"),
    ("ERR_TIMED_OUT", "timeout"),
    ("ERR_CONNECTION_TIMED_OUT", "timeout"),
    ("Timeout", "timeout"),
    ("ERR_CERT_", "tls_error"),
    ("ERR_SSL_", "tls_error"),
    ("ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls_error"),
    ("ERR_TOO_MANY_REDIRECTS", "redirect_loop"),
    ("ERR_BLOCKED_BY_CLIENT", "probe_error"),
)


def label(status: str, lang: str = "vi") -> str:
    """The human label of `status` in Vietnamese (default) or English."""
    vi, en = STATUSES.get(status, (status, status))
    return vi if lang == "vi" else en


def from_http_status(code: int) -> str:
    """The status of a portal whose entry page answered HTTP `code`."""
    if code in (401, 403, 429):
        return "blocked"
    if code >= 400:
        return "http_error"
    return COMPLETED


def retryable(status: str, http_code: int | None = None) -> bool:
    """Whether another attempt at a portal that ended in `status` may succeed.

    `http_code` is the home page's HTTP answer when there was one. An `http_error` without a
    code is a broken connection (reset, empty answer): transient. A `blocked` without a code
    is robots.txt or a WAF challenge page: permanent. tls_error, redirect_loop and
    probe_error are permanent (a certificate or a redirect does not heal overnight, and the
    probe's own failures are not the portal's to retry).
    """
    if status in TRANSIENT:
        return True
    if status in ("http_error", "blocked"):
        if http_code is None:
            return status == "http_error"
        return http_code in TRANSIENT_HTTP
    return False


def from_browser_error(message: str) -> str:
    """The status of a Playwright/Chromium navigation error message."""
    for marker, status in _BROWSER_ERRORS:
        if marker in message:
            return status
    return "probe_error"


def from_exception(error: BaseException) -> str:
    """The status of an exception raised while reaching a portal from Python."""
    if isinstance(error, httpx.TooManyRedirects):
        return "redirect_loop"
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return "tls_error"
    if isinstance(error, httpx.ConnectError):
        return _from_connect_error(error)
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused"
    return "probe_error"


def _from_connect_error(error: httpx.ConnectError) -> str:
    text = str(error)
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ssl.SSLError) or "CERTIFICATE" in text.upper() or "SSL" in text:
        return "tls_error"
    if "Name or service not known" in text or "nodename nor servname" in text \
            or "Temporary failure in name resolution" in text:
        return "dns_error"
    return "connection_refused"
