"""One place that maps what went wrong to the status taxonomy of an unmappable portal.

Statuses: dns_error, connection_refused, timeout, tls_error, http_error (also a home page
that redirects to a private address the crawl refuses), blocked (403/429, or robots.txt
forbidding the home page), redirect_loop, probe_error (the probe's own fault, never scored
against the agency).
"""

from __future__ import annotations

ERROR_STATUSES = ("dns_error", "connection_refused", "timeout", "tls_error", "http_error",
                  "blocked", "redirect_loop", "probe_error")

# (status, words in exception class names) checked in order.
_BY_CLASS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dns_error", ("dnslookuperror", "gaierror", "nameresolution", "cannotresolvehost")),
    ("tls_error", ("ssl", "tls", "certificate", "verificationerror")),
    ("connection_refused", ("connectionrefused",)),
    ("timeout", ("timeout", "timedout")),
    ("redirect_loop", ("toomanyredirects", "redirectloop")),
    ("http_error", ("responsefailed", "connectionlost", "connectiondone", "remoteprotocol",
                    "downloadfailed", "httperror",
                    "dataloss", "connectionreset", "connectionaborted", "responsenever",
                    "noroute", "unreachable", "privateaddressrefused")),
)
# (status, words in a message, e.g. Chromium's net::ERR_* names) checked in order.
_BY_MESSAGE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dns_error", ("err_name_not_resolved", "name or service not known", "dns lookup",
                   "nodename nor servname", "err_name_resolution_failed")),
    ("tls_error", ("err_cert_", "err_ssl_", "certificate verify failed", "ssl routines",
                   "tlsv1 alert", "sslv3 alert", "wrong version number")),
    ("connection_refused", ("err_connection_refused", "connection refused",
                            "connection was refused")),
    ("timeout", ("err_timed_out", "timed out", "timeout")),
    ("redirect_loop", ("err_too_many_redirects", "max redirections", "redirect loop")),
    ("blocked", ("robots.txt", "forbidden by robots")),
    ("http_error", ("err_empty_response", "err_connection_reset", "err_connection_closed",
                    "err_invalid_response", "err_http", "connection lost", "err_aborted")),
)


def status_for_http(status: int) -> str | None:
    """The error status of an HTTP answer for the home page, or None when it is fine."""
    if status in (403, 429):
        return "blocked"
    if status >= 400:
        return "http_error"
    return None


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


def classify_error(error: BaseException | str | None = None, http_status: int | None = None,
                   ) -> str:
    """The taxonomy status for an exception, an error message, or an HTTP status.

    Wrapped causes are looked at first (Twisted's ResponseNeverReceived wraps the TLS error
    that caused it); class names decide before message words. Anything unknown is the
    probe's own failure: probe_error.
    """
    if http_status is not None and (status := status_for_http(http_status)):
        return status
    if error is None:
        return "probe_error"
    if isinstance(error, str):
        return _by_message(error) or "probe_error"
    for inner in _inner_errors(error):
        status = classify_error(inner)
        if status != "probe_error":
            return status
    names = _class_names(error)
    for status, words in _BY_CLASS:
        if any(word in names for word in words):
            return status
    return _by_message(str(error)) or "probe_error"
