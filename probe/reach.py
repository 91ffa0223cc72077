"""Where the probe may go: one decision for the sweep, the probing commands and the
finder's client, made before any connection (and any name look-up) is attempted.

Two settings decide it. Without `allow_private`, private, loopback and link-local addresses
are refused. Kept to loopback (`loopback_only`, the default outside `PROBE_NETWORK=open`),
every other host is out of reach, except the test names mapped to loopback
(`extra["resolve"]`) and the reserved names no public DNS resolves (`urls.NOWHERE_TLDS`),
whose failure to resolve is the truth either way. Both refusals are the probe's own failure
(probe_error), never a portal's, so nothing is scored against the agency.
"""

from __future__ import annotations

from probe.context import ProbeSettings
from probe.urls import beyond_loopback, is_private_host

PRIVATE_REFUSED = ("địa chỉ nội bộ bị từ chối, dùng --allow-private "
                   "(private address refused; use --allow-private)")
KEPT_TO_LOOPBACK = ("probe chỉ truy cập loopback; đặt PROBE_NETWORK=open để tới máy chủ thật "
                    "(the probe is kept to loopback; set PROBE_NETWORK=open to reach real hosts)")


def resolve_map(settings: ProbeSettings) -> dict[str, str]:
    """Test host names mapped to loopback: `extra["resolve"]` as 'name[=address],...'
    (address defaults to 127.0.0.1)."""
    mapping: dict[str, str] = {}
    for entry in (settings.extra.get("resolve") or "").split(","):
        name, _, address = entry.strip().partition("=")
        if name:
            mapping[name.lower()] = address.strip() or "127.0.0.1"
    return mapping


def refusal(url: str, settings: ProbeSettings) -> str | None:
    """Why the settings keep the probe from `url`, or None when they let it go."""
    if is_private_host(url) and not settings.allow_private:
        return PRIVATE_REFUSED
    if settings.loopback_only and beyond_loopback(url, resolve_map(settings)):
        return KEPT_TO_LOOPBACK
    return None
