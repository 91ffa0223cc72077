"""The fault farm's web apps: one small portal per fault, each misbehaving in one way.

Every portal looks like a plain public-service portal (header naming the agency, menu,
footer) except for its fault. `APPS` maps a fault's `app` key to a factory taking the
`FaultSite` it serves and returning the farm App (`probe.farm.server`).
"""

from __future__ import annotations

import html
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from probe.farm.faults_net import drip, huge, reset_midway
from probe.farm.server import App, Request, Response

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ALLOW_ALL = "User-agent: *\nAllow: /\n"
HUGE_BYTES = 50 * 1024 * 1024
DOM_ELEMENTS = 100_000
SLOW_FIRST_BYTE_S = 120.0  # far beyond any page time-out; farm.stop() ends it at once
MENU = (("/thu-tuc-hanh-chinh", "Thủ tục hành chính"), ("/tra-cuu-ho-so", "Tra cứu hồ sơ"),
        ("/hoi-dap", "Hỏi đáp"), ("/lien-he", "Liên hệ"))


@dataclass
class FaultSite:
    """One fault portal while the farm runs: who it is, where it and the trap listen."""

    name: str
    origin: str = ""
    trap_origin: str = ""  # an off-scope host: it must never be asked for anything
    log: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, request: Request) -> None:
        with self.lock:
            self.log.append((request.time, request.target))


def page(site: FaultSite, title: str, main: str, head: str = "",
         menu: tuple[tuple[str, str], ...] = MENU) -> str:
    """A portal page: header naming the agency, menu, `main`, footer."""
    name = html.escape(site.name)
    links = "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>' for href, text in menu)
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} - Cổng dịch vụ công {name}</title>{head}</head>"
            f'<body><header><h1>Cổng dịch vụ công {name}</h1></header>'
            f"<nav><ul>{links}</ul></nav><main>{main}</main>"
            f"<footer>Cơ quan chủ quản: Ủy ban nhân dân {name}. Địa chỉ: số 1 đường Trung tâm. "
            f"Điện thoại: 0210 3800 000. Email: dichvucong@example.gov.vn</footer></body></html>")


def ok(body: str, status: int = 200, headers: list[tuple[str, str]] | None = None,
       ) -> Response:
    return Response(status, body.encode("utf-8"), HTML, headers or [])


def _routes(site: FaultSite, routes: dict[str, Callable[[Request], Response]],
            robots: str = ALLOW_ALL) -> App:
    """An app serving `routes` (exact paths), robots.txt and plain pages for the menu."""

    def app(request: Request) -> Response:
        site.record(request)
        if request.path == "/robots.txt":
            return Response(200, robots.encode(), TEXT)
        if request.path in routes:
            return routes[request.path](request)
        if request.path in dict(MENU):
            title = dict(MENU)[request.path]
            return ok(page(site, title, f"<h2>{html.escape(title)}</h2><p>Nội dung.</p>"))
        return ok(page(site, "Không tìm thấy", "<p>Không tìm thấy trang.</p>"), 404)

    return app


def _home(site: FaultSite, extra: str = "", head: str = "") -> Callable[[Request], Response]:
    body = f"<h2>Chào mừng</h2><p>Dịch vụ công trực tuyến của {html.escape(site.name)}.</p>"
    return lambda _: ok(page(site, "Trang chủ", body + extra, head))


# --- faults met on the home page (the crawler decides the status) --------------------------

def plain(site: FaultSite) -> App:
    """A healthy little portal (served with a bad certificate by the TLS faults)."""
    return _routes(site, {"/": _home(site)})


def reset(site: FaultSite) -> App:
    head = page(site, "Trang chủ", "<p>" + "Thông báo. " * 100).encode()[:1500]
    return _routes(site, {"/": lambda _: reset_midway(head, 40_000)})


def error_500(site: FaultSite) -> App:
    body = "<h1>500 Internal Server Error</h1><p>Lỗi máy chủ nội bộ.</p>"
    return _routes(site, {"/": lambda _: ok(body, 500)})


def unavailable_503(site: FaultSite) -> App:
    body = "<h1>503 Service Unavailable</h1><p>Hệ thống đang bảo trì, vui lòng quay lại sau.</p>"
    return _routes(site, {"/": lambda _: ok(body, 503, [("Retry-After", "120")])})


def slow_first_byte(site: FaultSite) -> App:
    def home(_: Request) -> Response:
        return Response(200, page(site, "Trang chủ", "<p>Muộn.</p>").encode(), HTML,
                        delay_s=SLOW_FIRST_BYTE_S)

    return _routes(site, {"/": home})


def dripping(site: FaultSite) -> App:
    body = page(site, "Trang chủ", "<p>Từng giọt.</p>").encode()
    return _routes(site, {"/": lambda _: drip(body, 1.0)})


def redirect_loop(site: FaultSite) -> App:
    def hop(target: str) -> Callable[[Request], Response]:
        return lambda _: Response(302, b"", TEXT, [("Location", target)])

    return _routes(site, {"/": hop("/dang-nhap?quay-lai=/"), "/dang-nhap": hop("/")})


def waf_challenge(site: FaultSite) -> App:
    body = ("<!doctype html><html><head><title>Kiểm tra trình duyệt</title></head><body>"
            "<h1>Đang kiểm tra trình duyệt của bạn...</h1><noscript>Vui lòng bật JavaScript."
            "</noscript><script>var t=Date.now();while(Date.now()-t<50){}"
            "document.cookie='waf_pass='+btoa(String(t))+';path=/';location.reload();</script>"
            "</body></html>")
    return _routes(site, {"/": lambda _: ok(body, 403, [("Server", "WAF-Gateway")])})


def rate_limited(site: FaultSite) -> App:
    body = "<h1>429 Too Many Requests</h1><p>Bạn đã gửi quá nhiều yêu cầu.</p>"
    return _routes(site, {"/": lambda _: ok(body, 429, [("Retry-After", "3600")])})


def robots_all(site: FaultSite) -> App:
    return _routes(site, {"/": _home(site)}, robots="User-agent: *\nDisallow: /\n")


# --- faults met inside a reachable portal (the checks meet them) ---------------------------

def off_scope(site: FaultSite) -> App:
    """Menu links that redirect to another host (the trap) and to an unresolvable one."""
    menu = (*MENU, ("/dich-vu-lien-thong", "Dịch vụ liên thông"),
            ("/quang-cao", "Khuyến mãi"))
    routes = {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Liên thông.</p>", menu=menu)),
        "/dich-vu-lien-thong": lambda _: Response(
            302, b"", TEXT, [("Location", site.trap_origin + "/thu-thap?tu=" + site.origin)]),
        "/quang-cao": lambda _: Response(
            301, b"", TEXT, [("Location", "https://khuyen-mai.example.invalid/")]),
    }
    return _routes(site, routes)


def huge_page(site: FaultSite) -> App:
    menu = (*MENU, ("/van-ban/tong-hop.html", "Tổng hợp văn bản"))
    prefix = page(site, "Tổng hợp văn bản", "<ul>").split("</ul>", 1)[0].encode()
    filler = "<li>Văn bản quy phạm pháp luật số 01/2024</li>".encode()
    return _routes(site, {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Văn bản.</p>", menu=menu)),
        "/van-ban/tong-hop.html": lambda _: huge(prefix, filler, HUGE_BYTES),
    })


def endless(site: FaultSite) -> App:
    """An endless calendar (every month links the next) and an infinite-scroll news list."""
    menu = (*MENU, ("/lich-cong-tac?thang=1", "Lịch công tác"), ("/tin-tuc", "Tin tức"))

    def calendar(request: Request) -> Response:
        month = int(request.query.get("thang", "1") or 1)
        main = (f"<h2>Lịch công tác tháng {month}</h2>"
                f'<a href="/lich-cong-tac?thang={month - 1}">Tháng trước</a> '
                f'<a href="/lich-cong-tac?thang={month + 1}">Tháng sau</a>')
        return ok(page(site, f"Lịch tháng {month}", main, menu=menu))

    def news(request: Request) -> Response:
        number = int(request.query.get("trang", "1") or 1)
        items = "".join(f"<li>Tin số {number * 10 + i}</li>" for i in range(10))
        main = (f'<ul id="tin">{items}</ul><a href="/tin-tuc?trang={number + 1}">Xem thêm</a>'
                "<script>let n=" + str(number) + ";addEventListener('scroll',()=>{"
                "if(innerHeight+scrollY>=document.body.offsetHeight-50){n++;"
                "fetch('/api/tin?trang='+n).then(r=>r.text()).then(t=>{"
                "document.getElementById('tin').insertAdjacentHTML('beforeend',t)})}})"
                "</script>")
        return ok(page(site, "Tin tức", main, menu=menu))

    def api(request: Request) -> Response:
        number = int(request.query.get("trang", "1") or 1)
        return ok("".join(f"<li>Tin số {number * 10 + i}</li>" for i in range(10)))

    return _routes(site, {"/": lambda _: ok(page(site, "Trang chủ", "<p>Lịch.</p>", menu=menu)),
                          "/lich-cong-tac": calendar, "/tin-tuc": news, "/api/tin": api})


def looping(site: FaultSite) -> App:
    """Scripts that never end: after load on the home page, while parsing on another."""
    after_load = ("<script>addEventListener('load',()=>setTimeout(()=>{for(;;){}},200))"
                  "</script>")
    parsing = "<script>for(;;){}</script>"
    return _routes(site, {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Vòng lặp.</p>" + after_load)),
        "/thu-tuc-hanh-chinh": lambda _: ok(page(site, "Thủ tục", parsing + "<p>Thủ tục.</p>")),
    })


def dialogs(site: FaultSite) -> App:
    script = ("<script>alert('Chào mừng quý khách!');"
              "if(confirm('Bạn có muốn tiếp tục?')){document.title+=' ';}"
              "prompt('Nhập mã hồ sơ');addEventListener('beforeunload',e=>{"
              "e.preventDefault();e.returnValue='Bạn có chắc muốn rời trang?';});</script>")
    return _routes(site, {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Thông báo.</p>" + script)),
        "/hoi-dap": lambda _: ok(page(site, "Hỏi đáp", "<p>Hỏi đáp.</p>" + script)),
    })


def downloads(site: FaultSite) -> App:
    """Pages that start downloads by themselves, and file links served as attachments."""
    auto = "<script>setTimeout(()=>{location.href='/tai-ve/bieu-mau.zip'},100)</script>"
    menu = (*MENU, ("/tai-ve/huong-dan.pdf", "Hướng dẫn"), ("/tai-ve/bieu-mau.zip", "Biểu mẫu"))

    def attachment(kind: str, name: str) -> Callable[[Request], Response]:
        return lambda _: Response(200, b"PK\x03\x04" + b"0" * 20_000, kind,
                                  [("Content-Disposition", f'attachment; filename="{name}"')])

    return _routes(site, {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Biểu mẫu.</p>" + auto, menu=menu)),
        "/tai-ve/bieu-mau.zip": attachment("application/zip", "bieu-mau.zip"),
        "/tai-ve/huong-dan.pdf": attachment("application/pdf", "huong-dan.pdf"),
        "/hoi-dap": attachment("text/html; charset=utf-8", "hoi-dap.html"),
    })


def popups(site: FaultSite) -> App:
    script = ("<script>console.debug=function(){};window.open('/quang-cao');"
              f"window.open('{site.trap_origin}/popup?tu=1');"
              "setTimeout(()=>window.open('/quang-cao?lan=2','_blank'),200);</script>")
    return _routes(site, {
        "/": lambda _: ok(page(site, "Trang chủ", "<p>Cửa sổ.</p>" + script)),
        "/quang-cao": lambda _: ok(page(site, "Quảng cáo", "<p>Quảng cáo.</p>")),
    })


def to_cp1258(text: str) -> bytes:
    """`text` in windows-1258: precomposed where the code page has it, tone marks combined."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in list(marks):
            joined = unicodedata.normalize("NFC", base + mark)
            if len(joined) == 1 and _encodable(joined):
                base = joined
                marks.remove(mark)
        out += (base + "".join(marks)).encode("cp1258", errors="replace")
    return bytes(out)


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1258")
        return True
    except UnicodeEncodeError:
        return False


def windows_1258(site: FaultSite) -> App:
    def home(_: Request) -> Response:
        text = page(site, "Trang chủ", "<p>Thủ tục hành chính, tra cứu hồ sơ.</p>")
        text = text.replace('<meta charset="utf-8">', '<meta charset="windows-1258">')
        return Response(200, to_cp1258(text), "text/html; charset=windows-1258")

    return _routes(site, {"/": home})


def broken_utf8(site: FaultSite) -> App:
    def home(_: Request) -> Response:
        good = page(site, "Trang chủ", "<p>MARK</p>").encode()
        bad = (b"Th\xe1\xbb t\xc3\x28c h\xe0nh ch\xednh \xf0\x9f\x98 " b"\xed\xa0\x80 "
               + to_cp1258("Tra cứu hồ sơ") + b" \xff\xfe")
        return Response(200, good.replace(b"MARK", bad), HTML)

    return _routes(site, {"/": home})


def malformed(site: FaultSite) -> App:
    main = ("<div><p>Thủ tục <b>hành <i>chính</b> trực tuyến</i><table><tr><td>Mã<td>Tên"
            "<tr><td>1.001<td><a href=/thu-tuc-hanh-chinh>Đăng ký khai sinh</table></p>"
            "</span></div></div><p class=\"a class='b'>Tra cứu <a href=\"/tra-cuu-ho-so\">"
            "hồ sơ</a><form><input name=q value=\"x><select><option>1</form>"
            "<p><<<>>>&nbsp&amp;&#xZZ;&#99999999;</p><!-- bình luận không đóng -- >")
    body = page(site, "Trang chủ", main).replace("</body></html>", "<script>var a = '")
    return _routes(site, {"/": lambda _: ok(body)})


def big_dom(site: FaultSite) -> App:
    rows = (DOM_ELEMENTS - 40) // 3
    table = "<table>" + "<tr><td>1.00</td><td>Thủ tục</td></tr>" * rows + "</table>"
    body = page(site, "Trang chủ", "<h2>Danh mục thủ tục</h2>" + table)
    return _routes(site, {"/": lambda _: ok(body)})


APPS: dict[str, Callable[[FaultSite], App]] = {
    "plain": plain, "reset": reset, "error_500": error_500, "unavailable_503": unavailable_503,
    "slow_first_byte": slow_first_byte, "dripping": dripping, "redirect_loop": redirect_loop,
    "waf_challenge": waf_challenge, "rate_limited": rate_limited, "robots_all": robots_all,
    "off_scope": off_scope, "huge_page": huge_page, "endless": endless, "looping": looping,
    "dialogs": dialogs, "downloads": downloads, "popups": popups,
    "windows_1258": windows_1258, "broken_utf8": broken_utf8, "malformed": malformed,
    "big_dom": big_dom,
}
