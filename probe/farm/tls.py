"""The farm's own certificate authority and the server TLS context it signs."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

HOST_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class FarmTLS:
    """A locally generated CA (its PEM on disk) and a server context for every farm host."""

    ca_file: str
    server_context: ssl.SSLContext


def create_tls(workdir: Path) -> FarmTLS:
    """A fresh CA written to `workdir/farm-ca.pem` and a TLS 1.2+ server context."""
    workdir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="dvc-probe farm CA")
    leaf = ca.issue_cert(*HOST_NAMES, organization_name="dvc-probe farm")
    ca_path = workdir / "farm-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    leaf.configure_cert(context)
    return FarmTLS(str(ca_path), context)
