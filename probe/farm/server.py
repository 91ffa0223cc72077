"""The farm's HTTP(S) listener: a threading stdlib server that hands requests to an app."""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 30.0
MAX_BODY = 1 << 20


@dataclass
class Request:
    """One request as an app sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    target: str  # path and query as sent
    body: bytes = b""
    time: float = field(default_factory=time.time)


@dataclass
class Response:
    """What an app answers; `delay_s` is slept (interruptibly) before the answer is sent."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay_s: float = 0.0


App = Callable[[Request], Response]


def _not_ready(_: Request) -> Response:
    return Response(503, b"starting", "text/plain; charset=utf-8")


class FarmServer(ThreadingHTTPServer):
    """Listens on 127.0.0.1 (OS-chosen port); TLS handshakes run in the request threads."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, tls: ssl.SSLContext | None, stop: threading.Event,
                 server_header: str = "nginx") -> None:
        self.tls = tls
        self.stop_event = stop
        self.server_header = server_header
        self.app: App = _not_ready
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FarmHandler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS look-up HTTPServer does."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    @property
    def port(self) -> int:
        """The port the OS chose."""
        return int(self.server_address[1])

    @property
    def origin(self) -> str:
        """scheme://127.0.0.1:port of this listener."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:
        """Handshake (for HTTPS), then serve the connection, keeping track of it."""
        connection = request
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
        # holds the body until the client's delayed ACK (~40 ms), which real servers avoid.
        with contextlib.suppress(OSError):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            request.settimeout(HANDSHAKE_TIMEOUT_S)
            try:
                connection = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
        with self._lock:
            self._connections.add(connection)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """Client disconnects are normal; log anything else quietly."""
        log.debug("farm request from %s failed", client_address, exc_info=True)

    def close_connections(self) -> None:
        """Shut every open connection so idle keep-alive threads end."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FarmHandler(BaseHTTPRequestHandler):
    """Parses a request, asks the server's app, sleeps the app's delay, answers."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    server: FarmServer

    def version_string(self) -> str:
        return self.server.server_header

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silence the per-request stderr log."""

    def _request(self) -> Request:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return Request(self.command, parts.path or "/", query, self.headers, self.path, body)

    def _handle(self) -> None:
        request = self._request()
        try:
            response = self.server.app(request)
        except Exception:  # an app bug must not kill the connection silently
            log.exception("farm app failed on %s", request.target)
            response = Response(500, "Lỗi máy chủ".encode(), "text/plain; charset=utf-8")
        if response.delay_s > 0 and self.server.stop_event.wait(response.delay_s):
            self.close_connection = True
            return
        self._send(request, response)

    def _send(self, request: Request, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if request.method != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle


def serve(server: FarmServer, name: str) -> threading.Thread:
    """Run `server` in a daemon thread (short poll so shutdown is quick)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"farm-{name}", daemon=True)
    thread.start()
    return thread


def shutdown_all(servers: list[FarmServer]) -> None:
    """Stop every server at once and close their sockets and connections."""
    stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join(timeout=1.0)
    for server in servers:
        server.server_close()
        server.close_connections()
