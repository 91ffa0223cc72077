"""URL helpers shared by discovery and checks: scope, host matching, validation."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit


class BadUrl(ValueError):
    """A URL the probe cannot use."""


def parse_portal_url(url: str) -> str:
    """Validate an http(s) URL with a host; return it normalised with a path."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as error:
        raise BadUrl(url) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadUrl(url)
    return parts._replace(path=parts.path or "/").geturl()


def origin(url: str) -> str:
    """scheme://host[:port] of `url`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def netloc(url: str) -> str:
    """host[:port] of `url`, lower-cased."""
    return urlsplit(url).netloc.lower()


def host_matches(url: str, hosts: Iterable[str]) -> bool:
    """True when `url`'s host (or host:port) is one of `hosts` or a subdomain of one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    location = parts.netloc.lower()
    for candidate in hosts:
        candidate = candidate.lower()
        if location == candidate or host == candidate or host.endswith("." + candidate):
            return True
    return False


def same_scope(url: str, portal_url: str) -> bool:
    """True when `url` lies on the portal's own origin (scheme-insensitive host:port)."""
    return netloc(url) == netloc(portal_url)


def is_loopback_host(host: str) -> bool:
    """True for localhost names and loopback IP literals (brackets allowed)."""
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Top-level names reserved by RFC 2606 and RFC 6761 that no public DNS resolves: a failure
# to resolve one is the truth whether or not the probe is kept to loopback.
NOWHERE_TLDS = ("invalid", "test", "example")


def beyond_loopback(url: str, mapped: Iterable[str] = ()) -> bool:
    """True when a probe kept to loopback cannot reach `url` although it might exist: its
    host is neither loopback, nor a test host `mapped` there, nor under a reserved name that
    resolves nowhere (NOWHERE_TLDS)."""
    host = (urlsplit(url).hostname or "").lower()
    if host.rsplit(".", 1)[-1] in NOWHERE_TLDS or host in {name.lower() for name in mapped}:
        return False
    return not is_loopback_host(host)


def is_private_host(url: str) -> bool:
    """True for loopback, link-local and private addresses (and localhost).

    Only the URL's own host is looked at (an IP literal or a localhost name); a URL that
    cannot be parsed at all names no host and is False (`parse_portal_url` rejects it).
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local
