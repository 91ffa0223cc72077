"""The crawler's view of the status taxonomy: `probe.status` maps every error in one place."""

from __future__ import annotations

from probe.status import COMPLETED, classify, from_http_status

ERROR_STATUSES = ("dns_error", "connection_refused", "timeout", "tls_error", "http_error",
                  "blocked", "redirect_loop", "probe_error")


def status_for_http(status: int) -> str | None:
    """The error status of an HTTP answer for the home page, or None when it is fine."""
    found = from_http_status(status)
    return None if found == COMPLETED else found


def classify_error(error: BaseException | str | None = None, http_status: int | None = None,
                   ) -> str:
    """The taxonomy status for an exception, an error message, or an HTTP status."""
    return classify(error, http_status)
