"""Network-level faults of the fault farm: streamed answers (a dripping body, a reset in the
middle of a response, a 50 MB page), a port that refuses connections, and bad certificates
(self-signed, expired, issued for another host). Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from probe.farm.server import FarmHandler, FarmServer, Request, Response

CHUNK = 64 * 1024
TLS_KINDS = ("trusted", "self_signed", "expired", "wrong_host")
WRONG_HOST = "dichvucong.tinh-khac.gov.vn"


@dataclass
class Streamed(Response):
    """An answer the handler writes itself: `stream(handler)` sends status, headers, body."""

    stream: Callable[[FaultHandler], None] = field(default=lambda _: None)


class FaultHandler(FarmHandler):
    """A farm handler that also sends `Streamed` answers."""

    server: FaultServer

    def _send(self, request: Request, response: Response) -> None:
        if isinstance(response, Streamed):
            response.stream(self)
            return
        super()._send(request, response)

    def send_head(self, status: int, length: int, content_type: str) -> None:
        """Status line and headers announcing `length` bytes."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()


class FaultServer(FarmServer):
    """A FarmServer whose handler can stream (drip, reset, huge bodies)."""

    def __init__(self, tls: ssl.SSLContext | None, stop: threading.Event,
                 server_header: str = "nginx") -> None:
        super().__init__(tls, stop, server_header)
        self.RequestHandlerClass = FaultHandler


def drip(body: bytes, interval_s: float = 1.0, content_type: str = "text/html; charset=utf-8",
         ) -> Streamed:
    """Headers at once, then the body one byte every `interval_s` (until the client leaves)."""

    def stream(handler: FaultHandler) -> None:
        handler.send_head(200, len(body), content_type)
        for index in range(len(body)):
            if handler.server.stop_event.wait(interval_s):
                break
            try:
                handler.wfile.write(body[index:index + 1])
                handler.wfile.flush()
            except OSError:
                break
        handler.close_connection = True

    return Streamed(stream=stream)


def reset_midway(head: bytes, announced: int) -> Streamed:
    """Announce `announced` bytes, send `head`, then reset the connection (TCP RST)."""

    def stream(handler: FaultHandler) -> None:
        handler.send_head(200, announced, "text/html; charset=utf-8")
        with contextlib.suppress(OSError):
            handler.wfile.write(head)
            handler.wfile.flush()
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
        handler.close_connection = True

    return Streamed(stream=stream)


def huge(prefix: bytes, filler: bytes, size: int) -> Streamed:
    """A `size`-byte HTML page: `prefix`, then `filler` repeated (written chunk by chunk)."""
    block = filler * max(1, CHUNK // max(1, len(filler)))

    def stream(handler: FaultHandler) -> None:
        handler.send_head(200, size, "text/html; charset=utf-8")
        sent = 0
        try:
            handler.wfile.write(prefix)
            sent = len(prefix)
            while sent < size and not handler.server.stop_event.is_set():
                piece = block[: size - sent]
                handler.wfile.write(piece)
                sent += len(piece)
        except OSError:
            pass
        handler.close_connection = True

    return Streamed(stream=stream)


class ClosedPort:
    """A 127.0.0.1 port held bound but never listening: connecting to it is refused."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))

    @property
    def port(self) -> int:
        return int(self._socket.getsockname()[1])

    def close(self) -> None:
        self._socket.close()


@dataclass(frozen=True)
class FaultTLS:
    """The fault farm's CA (its PEM on disk) and a server context per certificate kind."""

    ca_file: str
    contexts: dict[str, ssl.SSLContext]


def _server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    return context


def _issued(ca: trustme.CA, *names: str, expired: bool = False) -> ssl.SSLContext:
    now = dt.datetime.now(dt.UTC)
    dates = ({"not_before": now - dt.timedelta(days=400), "not_after": now - dt.timedelta(days=3)}
             if expired else {"not_after": now + dt.timedelta(days=90)})
    context = _server_context()
    ca.issue_cert(*names, organization_name="dvc-probe fault farm", **dates).configure_cert(
        context)
    return context


def _self_signed(folder: Path) -> ssl.SSLContext:
    """A certificate for 127.0.0.1 signed by its own key (no CA vouches for it)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tự ký (self-signed)")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "self-signed.pem", folder / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = _server_context()
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


def create_fault_tls(workdir: Path) -> FaultTLS:
    """A fresh CA at `workdir/fault-ca.pem` and contexts: trusted, self-signed, expired (by
    the CA) and wrong host (by the CA, for another name)."""
    workdir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="dvc-probe fault farm CA")
    ca_path = workdir / "fault-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    contexts = {"trusted": _issued(ca, "127.0.0.1", "localhost"),
                "self_signed": _self_signed(workdir),
                "expired": _issued(ca, "127.0.0.1", "localhost", expired=True),
                "wrong_host": _issued(ca, WRONG_HOST)}
    return FaultTLS(str(ca_path), contexts)


def bundle(ca_files: list[str], path: Path) -> str:
    """Several CA files as one PEM bundle at `path` (for `--ca-file`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(Path(f).read_text(encoding="ascii") for f in ca_files),
                    encoding="ascii")
    return str(path)
