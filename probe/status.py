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
# Failures that another attempt may cure; the others are permanent.
TRANSIENT = frozenset({"timeout", "connection_refused", "http_error", "blocked"})
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
