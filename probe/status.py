"""The status taxonomy of a portal run, and the one place errors are mapped to it.

Statuses: dns_error, connection_refused, timeout, tls_error, http_error (also a home page
that redirects to a private address the crawl refuses), blocked (403/429, or robots.txt
forbidding the home page), redirect_loop, probe_error (the probe's own fault, never scored
against the agency). Exceptions (Python, httpx, Twisted), Chromium's net::ERR_* messages and
HTTP answers all map here; the crawler (spiders/errors.py) uses `classify`.
"""

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

# (status, words in exception class names) checked in order.
_BY_CLASS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dns_error", ("dnslookuperror", "gaierror", "nameresolution", "cannotresolvehost")),
    ("tls_error", ("ssl", "tls", "certificate", "verificationerror")),
    ("connection_refused", ("connectionrefused", "noroute", "unreachable")),
    ("timeout", ("timeout", "timedout")),
    ("redirect_loop", ("toomanyredirects", "redirectloop")),
    ("http_error", ("responsefailed", "connectionlost", "connectiondone", "remoteprotocol",
                    "downloadfailed", "httperror",
                    "dataloss", "connectionreset", "connectionaborted", "responsenever",
                    "privateaddressrefused")),
)
# (status, words in a message, e.g. Chromium's net::ERR_* names) checked in order.
_BY_MESSAGE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dns_error", ("err_name_not_resolved", "name or service not known", "dns lookup",
                   "nodename nor servname", "err_name_resolution_failed",
                   "no address associated with hostname",
                   "temporary failure in name resolution")),
    ("tls_error", ("err_cert_", "err_ssl_", "certificate verify failed", "ssl routines",
                   "tlsv1 alert", "sslv3 alert", "wrong version number",
                   "err_bad_ssl_client_auth_cert")),
    ("connection_refused", ("err_connection_refused", "connection refused",
                            "connection was refused", "err_connection_failed",
                            "err_address_unreachable", "no route to host",
                            "network is unreachable")),
    ("timeout", ("err_timed_out", "err_connection_timed_out", "timed out", "timeout")),
    ("redirect_loop", ("err_too_many_redirects", "max redirections", "redirect loop")),
    ("blocked", ("robots.txt", "forbidden by robots")),
    ("http_error", ("err_empty_response", "err_connection_reset", "err_connection_closed",
                    "err_connection_aborted", "err_content_length_mismatch",
                    "err_incomplete_chunked_encoding", "err_invalid_redirect",
                    "err_invalid_response", "err_http", "connection lost", "err_aborted",
                    "larger than download max size")),
)



def label(status: str, lang: str = "vi") -> str:
    """The human label of `status` in Vietnamese (default) or English."""
    vi, en = STATUSES.get(status, (status, status))
    return vi if lang == "vi" else en


def unread(status: str) -> str:
    """Why a run's portal was not read: '' (it was), 'probe' (the probe failed on its side,
    nothing is held against the agency) or 'portal' (the portal could not be read: making it
    answer comes before any item's fix)."""
    if status == COMPLETED:
        return ""
    return "probe" if status in PROBE_SIDE else "portal"


def told(detail: str, lang: str = "vi") -> str:
    """A failed run's detail as its observations carry it ("<status>: <English label>", then
    perhaps more) with the status said by its label in `lang`; any other detail unchanged."""
    code, sep, rest = detail.partition(": ")
    if not sep or code not in STATUSES:
        return detail
    english = STATUSES[code][1]
    return label(code, lang) + (rest[len(english):] if rest.startswith(english) else f" — {rest}")


def status_line(status: str, detail: str, lang: str = "vi") -> str:
    """A run's status and its detail in one line, in `lang`: the detail's opening English
    label (as a failed run stores it) is not said twice."""
    return told(f"{status}: {detail}", lang) if detail else label(status, lang)


def both_languages(status: str, detail: str) -> str:
    """A run's status by its Vietnamese label, its English one in parentheses, then what its
    detail adds ("Máy chủ trả lỗi HTTP (HTTP error from the server) — HTTP 500")."""
    english = label(status, "en")
    return f"{label(status)} ({english}){status_line(status, detail, 'en')[len(english):]}"


def from_http_status(code: int) -> str:
    """The status of a portal whose entry page answered HTTP `code`."""
    if code in (403, 429):  # 401 asks for a login: an HTTP error, not a block
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
    return classify(message)


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
    return classify(error)


def _from_connect_error(error: httpx.ConnectError) -> str:
    """A connection that could not be made: by its TLS cause or its message's words (as
    every other error's), else refused."""
    text = str(error)
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ssl.SSLError) or "CERTIFICATE" in text.upper() or "SSL" in text:
        return "tls_error"
    return _by_message(text) or "connection_refused"


def _class_names(error: BaseException) -> str:
    """Lower-cased names of the exception's classes (its MRO), one string."""
    return " ".join(cls.__name__.lower() for cls in type(error).__mro__)


def _inner_errors(error: BaseException) -> list[BaseException]:
    """Exceptions wrapped by `error`: Twisted's `reasons` (Failures) and `__cause__`."""
    inner: list[BaseException] = []
    for reason in getattr(error, "reasons", None) or []:
        value = getattr(reason, "value", reason)
        if isinstance(value, BaseException):
            inner.append(value)
    if error.__cause__ is not None:
        inner.append(error.__cause__)
    return inner


def _by_message(text: str) -> str | None:
    """Status named by words in a message, or None."""
    lowered = text.lower()
    for status, words in _BY_MESSAGE:
        if any(word in lowered for word in words):
            return status
    return None


def classify(error: BaseException | str | None = None, http_status: int | None = None
             ) -> str:
    """The taxonomy status for an exception, an error message, or an HTTP status.

    Wrapped causes are looked at first (Twisted's ResponseNeverReceived wraps the TLS error
    that caused it); class names decide before message words. Anything unknown is the
    probe's own failure: probe_error.
    """
    if http_status is not None and (status := from_http_status(http_status)) != COMPLETED:
        return status
    if error is None:
        return "probe_error"
    if isinstance(error, str):
        return _by_message(error) or "probe_error"
    for inner in _inner_errors(error):
        status = classify(inner)
        if status != "probe_error":
            return status
    names = _class_names(error)
    for status, words in _BY_CLASS:
        if any(word in names for word in words):
            return status
    return _by_message(str(error)) or "probe_error"
