"""Agency home pages and the national directory: what the portal finder starts from.

Every farm agency has a small information site of its own ("Cổng thông tin điện tử ..."),
separate from its portal. The site has news, an intro page and one link to the portal.
That link is written differently on each site: a menu label, a banner's alt text, an icon's
title, a path on the home site that redirects. Two more sites carry no agency: one has no
portal link at all, the other's robots.txt shuts the probe out. The national stand-in also
serves a directory page listing every agency's portal, as a table, a list and a drop-down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from probe.farm.server import Request, Response

HTML = "text/html; charset=utf-8"
LATENCY_MS = 20  # per page on a home site, before the farm's latency scale
DIRECTORY_PATH = "/p/home/dvc-cong-dich-vu-cong-bo-nganh-dia-phuong.html"
NATIONAL_HOME = "/p/home/dvc-trang-chu.html"

# Finder states a home site is designed to produce (see probe.finder.STATES).
FOUND, HANDOVER, NOT_FOUND = "found", "handover", "not_found"
PORTAL_UNREACHABLE, ROBOTS_DISALLOWED = "portal_unreachable", "robots_disallowed"


@dataclass(frozen=True)
class HomeDesign:
    """One home site: its name and how (or whether) it links to the agency's portal.

    `link` is one of: 'menu' (a text link in the main menu), 'banner' (an image whose alt
    names the portal), 'icon' (an empty link with a title), 'redirect' (a menu link to
    `own_path` on the home site, which answers 302 to the portal) or 'none'.
    """

    id: str
    title: str
    agency: str
    link: str = "menu"
    link_text: str = "Dịch vụ công"
    portal_path: str = "/"
    own_path: str = ""
    national_banner: bool = False
    https: bool = True
    robots_block_probe: bool = False
    expected_state: str = FOUND


HOMES: dict[str, HomeDesign] = {d.id: d for d in (
    HomeDesign("tinh-binh-minh", "Cổng thông tin điện tử tỉnh Bình Minh",
               "Ủy ban nhân dân tỉnh Bình Minh", link="menu", link_text="Dịch vụ công",
               national_banner=True),
    HomeDesign("bo-kinh-te-bien", "Cổng thông tin điện tử Bộ Kinh tế Biển", "Bộ Kinh tế Biển",
               link="banner", link_text="Cổng Dịch vụ công Bộ Kinh tế Biển",
               portal_path="/portaldvc/dvc-truc-tuyen", national_banner=True),
    HomeDesign("thanh-pho-hai-dang", "Cổng thông tin điện tử Thành phố Hải Đăng",
               "Ủy ban nhân dân Thành phố Hải Đăng", link="redirect",
               link_text="Thủ tục hành chính", own_path="/web/guest/dich-vu-cong"),
    HomeDesign("tinh-son-cuoc", "Trang thông tin điện tử tỉnh Sơn Cước",
               "Ủy ban nhân dân tỉnh Sơn Cước", link="menu", link_text="Một cửa điện tử",
               https=False),
    HomeDesign("tinh-lam-giang", "Cổng thông tin điện tử tỉnh Lâm Giang",
               "Ủy ban nhân dân tỉnh Lâm Giang", link="icon",
               link_text="Cổng Dịch vụ công tỉnh Lâm Giang", national_banner=True),
    HomeDesign("tinh-phu-an", "Cổng thông tin điện tử tỉnh Phú An",
               "Ủy ban nhân dân tỉnh Phú An", link="menu", link_text="Dịch vụ công trực tuyến",
               expected_state=HANDOVER),
    HomeDesign("bo-ha-tang-so", "Cổng thông tin điện tử Bộ Hạ tầng Số", "Bộ Hạ tầng Số",
               link="menu", link_text="Cổng dịch vụ công", expected_state=PORTAL_UNREACHABLE),
)}

# Home sites that belong to no farm agency: the finder's 'not found' and robots cases.
EXTRA_HOMES: dict[str, HomeDesign] = {d.id: d for d in (
    HomeDesign("so-van-hoa-binh-minh", "Trang thông tin điện tử Sở Văn hóa tỉnh Bình Minh",
               "Sở Văn hóa, Thể thao và Du lịch tỉnh Bình Minh", link="none",
               expected_state=NOT_FOUND),
    HomeDesign("tinh-kin-dao", "Cổng thông tin điện tử tỉnh Kín Đáo",
               "Ủy ban nhân dân tỉnh Kín Đáo", link="menu", link_text="Dịch vụ công",
               portal_path=NATIONAL_HOME, robots_block_probe=True,
               expected_state=ROBOTS_DISALLOWED),
)}

NEWS: tuple[tuple[str, str], ...] = (
    ("trien-khai-dich-vu-cong-toan-trinh",
     "Đẩy mạnh triển khai dịch vụ công trực tuyến toàn trình trên địa bàn trong năm 2025"),
    ("hoi-nghi-cai-cach-hanh-chinh", "Hội nghị tổng kết công tác cải cách hành chính năm 2024"),
    ("huong-dan-nop-ho-so", "Hướng dẫn người dân nộp hồ sơ thủ tục hành chính qua mạng"),
)


class HomeSite:
    """One running home site: its design, where its portal is, and what it was asked."""

    def __init__(self, design: HomeDesign, origin: str, portal_origin: str,
                 national_origin: str, latency_scale: float) -> None:
        self.design = design
        self.origin = origin
        self.portal_origin = portal_origin
        self.national_origin = national_origin
        self.delay_s = max(0.0, LATENCY_MS * latency_scale) / 1000.0
        self._log: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The home page's URL."""
        return self.origin + "/"

    @property
    def portal_url(self) -> str:
        """Where the portal link leads in the end ('' when the site has none)."""
        if self.design.link == "none" or not self.portal_origin:
            return ""
        return self.portal_origin + self.design.portal_path

    def record(self, request: Request) -> None:
        """Note a served request."""
        with self._lock:
            self._log.append((request.time, request.target))

    def request_log(self) -> list[tuple[float, str]]:
        """(time, path) of every request so far."""
        with self._lock:
            return list(self._log)


# --- pages ----------------------------------------------------------------------------------

def portal_link(site: HomeSite) -> str:
    """The menu item or banner that leads to the portal ('' for none)."""
    design = site.design
    text = escape(design.link_text)
    if design.link == "none":
        return ""
    href = escape(site.origin + design.own_path if design.link == "redirect" else site.portal_url)
    if design.link == "banner":
        return (f'<a class="banner" href="{href}" target="_blank"><img src="/banner-dvc.png" '
                f'alt="{text}" width="300" height="80"></a>')
    if design.link == "icon":
        return f'<a class="icon-link" href="{href}" title="{text}"><span class="icon"></span></a>'
    return f'<a href="{href}">{text}</a>'


def menu(site: HomeSite) -> str:
    """The main menu; the portal link sits in it for 'menu' and 'redirect' designs."""
    items = ['<a href="/">Trang chủ</a>', '<a href="/gioi-thieu">Giới thiệu</a>',
             '<a href="/tin-tuc">Tin tức - Sự kiện</a>', '<a href="/van-ban">Văn bản</a>']
    if site.design.link in ("menu", "redirect"):
        items.insert(3, portal_link(site))
    items.append('<a href="/lien-he">Liên hệ</a>')
    return '<nav class="menu"><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></nav>"


def news_list() -> str:
    """Headlines linking to articles on the home site (long texts that mention services)."""
    items = "".join(f'<li><a href="/tin-tuc/{slug}.html">{escape(title)}</a></li>'
                    for slug, title in NEWS)
    return f'<section class="news"><h2>Tin tức - Sự kiện</h2><ul>{items}</ul></section>'


def side(site: HomeSite) -> str:
    """Side column: banners (the portal's and the national portal's) and a web-link list."""
    banners = []
    if site.design.link in ("banner", "icon"):
        banners.append(portal_link(site))
    if site.design.national_banner:
        banners.append(f'<a href="{escape(site.national_origin + NATIONAL_HOME)}">'
                       '<img src="/banner-dvcqg.png" alt="Cổng Dịch vụ công Quốc gia"></a>')
    links = ('<a href="https://chinhphu.example/">Cổng Thông tin điện tử Chính phủ</a>'
             '<a href="mailto:banbientap@example.gov.vn">Hộp thư góp ý</a>')
    return f'<aside class="side">{"".join(banners)}<p class="links">{links}</p></aside>'


def frame(site: HomeSite, title: str, body: str) -> str:
    """A whole page of the home site."""
    design = site.design
    return (f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>'
            f"{escape(title)} - {escape(design.title)}</title></head><body>"
            f'<header><p class="agency">{escape(design.agency.upper())}</p>'
            f"<h1>{escape(design.title)}</h1>{menu(site)}</header>"
            f"<main>{body}</main>{side(site)}"
            f"<footer><p>Cơ quan chủ quản: {escape(design.agency)}</p>"
            "<p>Ghi rõ nguồn khi phát hành lại thông tin từ trang này.</p></footer>"
            "</body></html>\n")


def home_page(site: HomeSite) -> str:
    """The home page: welcome text and news."""
    body = (f"<p>Chào mừng bạn đến với {escape(site.design.title)}.</p>{news_list()}")
    return frame(site, "Trang chủ", body)


def article(site: HomeSite, slug: str) -> str | None:
    """A news article, or None for an unknown slug."""
    title = next((t for s, t in NEWS if f"{s}.html" == slug), None)
    if title is None:
        return None
    body = (f"<article><h2>{escape(title)}</h2><p>Người dân có thể nộp hồ sơ trực tuyến "
            "và tra cứu kết quả giải quyết thủ tục hành chính.</p></article>")
    return frame(site, title, body)


def robots_txt(site: HomeSite) -> str:
    """robots.txt: everyone allowed, unless the design shuts the probe out by name."""
    if site.design.robots_block_probe:
        return "User-agent: dvc-probe\nDisallow: /\n\nUser-agent: *\nDisallow:\n"
    return "User-agent: *\nDisallow:\n"


# --- the app --------------------------------------------------------------------------------

def home_app(site: HomeSite) -> Callable[[Request], Response]:
    """Serve one home site: home, robots.txt, news, intro, the portal redirect; else 404."""

    def app(request: Request) -> Response:
        site.record(request)
        return _answer(site, request)

    return app


def _answer(site: HomeSite, request: Request) -> Response:
    path, delay = request.path, site.delay_s
    if path == "/robots.txt":
        return Response(200, robots_txt(site).encode(), "text/plain; charset=utf-8", [], delay)
    if site.design.link == "redirect" and path == site.design.own_path:
        return Response(302, b"", HTML, [("Location", site.portal_url)], delay)
    if path in ("/", "/trang-chu"):
        return Response(200, home_page(site).encode(), HTML, [], delay)
    if path.startswith("/tin-tuc/"):
        page = article(site, path.removeprefix("/tin-tuc/"))
        if page is not None:
            return Response(200, page.encode(), HTML, [], delay)
    if path == "/gioi-thieu":
        body = f"<h2>Giới thiệu</h2><p>{escape(site.design.agency)}.</p>"
        return Response(200, frame(site, "Giới thiệu", body).encode(), HTML, [], delay)
    body = frame(site, "Không tìm thấy", "<h2>Không tìm thấy trang</h2>")
    return Response(404, body.encode(), HTML, [], delay)


# --- the national directory -----------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryEntry:
    """One agency the national directory lists."""

    name: str
    block: str
    portal_url: str


def directory_page(entries: list[DirectoryEntry], national_origin: str) -> str:
    """The directory page: ministries as a table, provinces as a list and a drop-down."""
    ministries = [e for e in entries if e.block == "ministry"]
    provinces = [e for e in entries if e.block != "ministry"]
    rows = "".join(f"<tr><td>{escape(e.name)}</td><td><a href=\"{escape(e.portal_url)}\" "
                   f'target="_blank">{escape(_host(e.portal_url))}</a></td></tr>'
                   for e in ministries)
    items = "".join(f'<li><a href="{escape(e.portal_url)}">Cổng Dịch vụ công '
                    f"{escape(_lower_first(e.name))}</a></li>" for e in provinces)
    options = "".join(f'<option value="{escape(e.portal_url)}">{escape(e.name)}</option>'
                      for e in provinces)
    home = escape(national_origin + NATIONAL_HOME)
    return ('<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Cổng dịch vụ '
            "công Bộ, ngành, địa phương - Cổng Dịch vụ công Quốc gia</title></head><body>"
            f'<header><a href="{home}">Cổng Dịch vụ công Quốc gia</a>'
            f'<nav><a href="{home}">Trang chủ</a> <a href="/p/home/dvc-tra-cuu-ho-so.html">'
            "Tra cứu hồ sơ</a></nav></header><main>"
            "<h1>Cổng dịch vụ công Bộ, ngành, địa phương</h1>"
            '<section id="bo-nganh"><h2>Bộ, ngành</h2><table class="table"><thead><tr>'
            f"<th>Cơ quan</th><th>Địa chỉ</th></tr></thead><tbody>{rows}</tbody></table>"
            f'</section><section id="dia-phuong"><h2>Địa phương</h2><ul>{items}</ul>'
            '<label for="chon-dia-phuong">Chọn địa phương</label><select id="chon-dia-phuong" '
            'onchange="window.open(this.value)"><option value="">-- Chọn --</option>'
            f"{options}</select></section></main><footer>Cơ quan chủ quản: Văn phòng Chính "
            "phủ</footer></body></html>\n")


def with_directory(app: Callable[[Request], Response], entries: list[DirectoryEntry],
                   national_origin: str, record: Callable[[Request], None],
                   delay_s: Callable[[], float]) -> Callable[[Request], Response]:
    """The national stand-in's app, answering the directory page itself."""
    body = directory_page(entries, national_origin).encode()

    def wrapped(request: Request) -> Response:
        if request.path != DIRECTORY_PATH or request.method not in ("GET", "HEAD"):
            return app(request)
        record(request)
        return Response(200, body, HTML, [("Cache-Control", "no-cache")], delay_s())

    return wrapped


def _host(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]
