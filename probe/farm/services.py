"""Stand-ins for the national services: SSO (VNeID), payment platform, EMC tracker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from html import escape
from importlib import resources

from probe.farm.server import Request, Response

HTML = "text/html; charset=utf-8"
SERVICE_HEADERS = [
    ("Strict-Transport-Security", "max-age=31536000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
]


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/portal.css"><style>:root{{--brand:#b71c1c}}'
            f'</style></head><body><header class="site-header"><div class="container"><p '
            f'class="brand"><span class="brand-text"><span class="agency">CỔNG DỊCH VỤ CÔNG '
            f'QUỐC GIA</span><span class="system">{escape(title)}</span></span></p></div>'
            f'</header><main class="container">{body}</main></body></html>').encode()


def _static(path: str) -> Response | None:
    if not path.startswith("/static/") or ".." in path:
        return None
    resource = resources.files("probe.farm").joinpath("static", *path[8:].split("/"))
    if not resource.is_file():
        return None
    return Response(200, resource.read_bytes(), "text/css; charset=utf-8")


def _refuse_post() -> Response:
    return Response(405, _page("Không khả dụng", "<h1>Chức năng gửi không khả dụng trên bản "
                                                 "thử</h1>"), HTML, [("Allow", "GET, HEAD")])


def _read_only_app(log: Callable[[Request], None], title: str,
                   render: Callable[[Request], str]) -> Callable[[Request], Response]:
    """A stand-in that logs every request, serves static files, refuses every POST and
    answers other requests with the page `render` builds."""

    def app(request: Request) -> Response:
        log(request)
        static = _static(request.path)
        if static is not None:
            return static
        if request.method == "POST":
            return _refuse_post()
        return Response(200, _page(title, render(request)), HTML, list(SERVICE_HEADERS))

    return app


def _sso_body(request: Request) -> str:
    client = escape(request.query.get("client_id", ""))
    return ("<h1>Đăng nhập bằng tài khoản định danh điện tử VNeID</h1>"
            f"<p>Hệ thống xác thực tập trung: đăng nhập để sử dụng dịch vụ của "
            f"<strong>{client or 'Cổng Dịch vụ công'}</strong>.</p>"
            '<form class="form" method="post" action="/oauth2/authorize">'
            '<span class="field"><label for="so-dinh-danh">Số định danh cá nhân</label>'
            '<input id="so-dinh-danh" name="username" type="text"></span>'
            '<span class="field"><label for="mat-khau">Mật khẩu</label>'
            '<input id="mat-khau" name="password" type="password"></span>'
            '<button class="btn" type="submit">Đăng nhập</button></form>'
            "<p>Hoặc quét mã QR bằng ứng dụng VNeID.</p>")


def _payment_body(_request: Request) -> str:
    banks = "".join(f"<li>{b}</li>" for b in ("Vietcombank", "VietinBank", "BIDV",
                                               "Agribank", "Ví VNPT Money", "Viettel Money"))
    return ("<h1>Nền tảng thanh toán trực tuyến</h1><p>Thanh toán phí, lệ phí thủ tục "
            "hành chính và nghĩa vụ tài chính.</p><h2>Kênh thanh toán</h2>"
            f'<ul>{banks}</ul><form class="form" method="post" action="/thanh-toan">'
            '<span class="field"><label for="ma-ho-so">Mã hồ sơ</label>'
            '<input id="ma-ho-so" name="ma_ho_so" type="text"></span>'
            '<button class="btn" type="submit">Thanh toán</button></form>')


def sso_app(log: Callable[[Request], None]) -> Callable[[Request], Response]:
    """The national SSO stand-in: a VNeID login page that never processes a login."""
    return _read_only_app(log, "Hệ thống xác thực người dùng", _sso_body)


def payment_app(log: Callable[[Request], None]) -> Callable[[Request], Response]:
    """The national payment platform stand-in: lists payment channels, never charges."""
    return _read_only_app(log, "Nền tảng thanh toán trực tuyến", _payment_body)


class EmcHits:
    """Tracking requests the EMC stand-in received."""

    def __init__(self) -> None:
        self._hits: list[dict[str, str | float]] = []
        self._lock = threading.Lock()

    def add(self, request: Request) -> None:
        """Record one tracking request."""
        query = request.query
        hit: dict[str, str | float] = {
            "time": time.time(), "site_id": query.get("idsite", ""),
            "url": query.get("url", ""), "action": query.get("action", ""),
            "referer": request.headers.get("Referer", "") if request.headers else "",
            "user_agent": request.headers.get("User-Agent", "") if request.headers else "",
            "target": request.target,
        }
        for name in ("dvc", "status", "urlref"):
            if name in query:
                hit[name] = query[name]
        with self._lock:
            self._hits.append(hit)

    def all(self) -> list[dict[str, str | float]]:
        """Every hit so far, oldest first."""
        with self._lock:
            return [dict(h) for h in self._hits]


def emc_app(hits: EmcHits, log: Callable[[Request], None]) -> Callable[[Request], Response]:
    """The EMC tracker stand-in: serves the tracking script, records /tracking hits (204)."""
    script = resources.files("probe.farm").joinpath("static", "gov-tracking.min.js").read_bytes()
    cors = [("Access-Control-Allow-Origin", "*"), ("Cache-Control", "no-store")]

    def app(request: Request) -> Response:
        log(request)
        if request.path == "/embed/gov-tracking.min.js":
            return Response(200, script, "text/javascript; charset=utf-8",
                            [("Access-Control-Allow-Origin", "*")])
        if request.path == "/tracking":
            hits.add(request)
            return Response(204, b"", "image/gif", cors)
        body = _page("Hệ thống EMC", "<h1>Hệ thống giám sát, đo lường mức độ cung cấp và sử "
                                     "dụng dịch vụ Chính phủ số (bản thử)</h1>")
        return Response(200 if request.path == "/" else 404, body, HTML)

    return app
