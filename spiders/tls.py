"""Network plumbing of the crawler: a verifying TLS policy and a loopback-only resolver.

Scrapy's default TLS factory does not verify certificates. `VerifyingContextFactory`
verifies every certificate against the system roots plus an optional extra CA file
(`PROBE_CA_FILE`, e.g. the farm's or an agency staging server's CA); hostnames and IP
addresses are checked too. Certificate checks are never switched off.
"""

from __future__ import annotations

from typing import Any

from OpenSSL import SSL
from twisted.internet import defer
from twisted.internet._sslverify import OpenSSLDefaultPaths  # platformTrust() root
from twisted.internet.base import ThreadedResolver
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.internet.ssl import optionsForClientTLS
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

from probe.urls import is_loopback_host


class SystemPlusFileTrust(OpenSSLDefaultPaths):
    """Trust anchors: OpenSSL's default (system) paths plus the CAs in `ca_file`."""

    def __init__(self, ca_file: str | None = None) -> None:
        self.ca_file = ca_file

    def _addCACertsToContext(self, context: SSL.Context) -> None:  # noqa: N802 (Twisted API)
        super()._addCACertsToContext(context)
        if self.ca_file:
            context.load_verify_locations(self.ca_file)


@implementer(IPolicyForHTTPS)
class VerifyingContextFactory:
    """DOWNLOADER_CLIENTCONTEXTFACTORY that verifies chain and host name for every site."""

    def __init__(self, ca_file: str | None = None) -> None:
        self.trust = SystemPlusFileTrust(ca_file)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> VerifyingContextFactory:
        """Scrapy hook: the CA file comes from the PROBE_CA_FILE setting."""
        return cls(crawler.settings.get("PROBE_CA_FILE") or None)

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # noqa: N802 (Twisted API)
        """TLS options for one host: verify against our trust anchors."""
        return optionsForClientTLS(hostname.decode("ascii"), trustRoot=self.trust)


@implementer(IResolverSimple)
class LoopbackResolver(ThreadedResolver):
    """Resolves only loopback names and explicitly mapped test hosts; nothing leaves.

    Used when the probe runs loopback-only (tests, demo): any other name fails as a DNS
    error without a query being sent, mirroring Chromium's `MAP * ~NOTFOUND` rule.
    """

    def __init__(self, reactor: Any, mapped: dict[str, str] | None = None) -> None:
        super().__init__(reactor)
        self.mapped = {k.lower(): v for k, v in (mapped or {}).items()}

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:  # noqa: N802
        """127.0.0.1 for localhost, the address itself for loopback literals, else fail."""
        lowered = name.lower()
        if lowered in self.mapped:
            return defer.succeed(self.mapped[lowered])
        if is_loopback_host(lowered):
            return defer.succeed("127.0.0.1" if "localhost" in lowered else lowered)
        return defer.fail(DNSLookupError(f"{name}: not resolved (loopback-only probe)"))
