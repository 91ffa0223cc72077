"""The single-page portal: an empty <app-root> shell, a script, and the JSON API it reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import unquote, urlencode

from probe.farm import content
from probe.farm.emc import snippet
from probe.farm.pages import PER_PAGE, level_label
from probe.farm.portal import (
    HTML,
    post_refused,
    robots,
    security_headers,
    session_cookie,
    static_file,
)
from probe.farm.profiles import Feature
from probe.farm.server import Request, Response
from probe.farm.site import Site

JSON = "application/json; charset=utf-8"
REALM_PATH = "/auth/realms/dvc/protocol/openid-connect/auth"

# (label, hash route, feature needed)
NAV: tuple[tuple[str, str, Feature | None], ...] = (
    ("Trang chủ", "/vi/trang-chu", None),
    ("Thủ tục hành chính", "/vi/thu-tuc", Feature.CATALOGUE),
    ("Dịch vụ công trực tuyến", "/vi/dich-vu-cong", Feature.SUBMISSION),
    ("Tra cứu hồ sơ", "/vi/tra-cuu-ho-so", Feature.LOOKUP),
    ("Thanh toán trực tuyến", "/vi/thanh-toan", Feature.PAYMENT),
    ("Phản ánh, kiến nghị", "/vi/phan-anh-kien-nghi", Feature.FEEDBACK),
    ("Đánh giá", "/vi/danh-gia", Feature.RATING),
    ("Thống kê", "/vi/thong-ke", Feature.STATISTICS),
    ("Hỏi đáp", "/vi/hoi-dap", Feature.FAQ),
    ("Hướng dẫn", "/vi/huong-dan", Feature.GUIDES),
)


def shell(site: Site) -> str:
    """The HTML the server sends: no content and no links until the script runs."""
    p = site.profile
    emc = ""
    if site.has(Feature.EMC) and p.emc_site_id:
        emc = snippet(site.origins.emc, p.emc_site_id, p.emc_style)
    lang = ' lang="vi"' if site.has(Feature.LANG) else ""
    return (f"<!DOCTYPE html>\n<html{lang}>\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(p.system_name)}</title>\n<base href=\"/\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" type="image/svg+xml" href="/static/quoc-huy.svg">\n'
            '<link rel="stylesheet" href="/static/portal.css">\n'
            f"<style>:root{{--brand:{p.theme}}}</style>\n{emc}\n</head>\n<body>\n"
            "<app-root></app-root>\n<noscript>Vui lòng bật JavaScript để sử dụng Cổng Dịch vụ "
            "công.</noscript>\n<script src=\"/static/spa.js\" defer></script>\n"
            "</body>\n</html>\n")


def login_url(site: Site) -> str:
    """The portal's own Keycloak-style login (the national SSO when the profile has it)."""
    if site.has(Feature.SSO):
        return site.login_url()
    query = urlencode({"client_id": "dvc-portal", "response_type": "code", "scope": "openid",
                       "redirect_uri": site.origin + "/"})
    return f"{site.origin}{REALM_PATH}?{query}"


def site_info(site: Site) -> dict[str, Any]:
    """/api/site: identity, navigation, footer and the features the script honours."""
    p = site.profile
    nav: list[dict[str, str]] = [{"label": label, "route": route}
                                 for label, route, feature in NAV
                                 if feature is None or site.has(feature)]
    if site.has(Feature.LOGIN):
        nav.append({"label": "Đăng nhập", "href": login_url(site)})
    footer = [(label, value) for feature, label, value in (
        (Feature.FOOTER_GOVERNING, "Cơ quan chủ quản", p.governing_body),
        (Feature.FOOTER_ADDRESS, "Địa chỉ", p.address),
        (Feature.FOOTER_PHONE, "Điện thoại", p.phone),
        (Feature.FOOTER_EMAIL, "Email", p.email),
        (Feature.FOOTER_RESPONSIBLE, "Người chịu trách nhiệm chính", p.responsible),
    ) if site.has(feature)]
    levels = (["Rất hài lòng", "Hài lòng", "Chưa hài lòng"]
              if site.has(Feature.RATING_THREE_LEVELS) else ["Hài lòng", "Không hài lòng"])
    return {
        "agency": p.name, "header_title": p.header_title, "system_name": p.system_name,
        "governing_body": p.governing_body, "vendor": p.vendor,
        "hotline": p.hotline if site.has(Feature.HOTLINE) else "",
        "nav": nav, "footer": footer, "features": sorted(str(f) for f in site.features),
        "payment_url": site.payment_url(), "lookup_example": site.dossiers[0].code,
        "rating_levels": levels,
    }


def summary(site: Site, procedure: content.Procedure) -> dict[str, Any]:
    """A procedure as a list row."""
    short = "Toàn trình" if procedure.toan_trinh else "Một phần"
    if not site.has(Feature.TOAN_TRINH_LABEL):
        short = level_label(site, procedure)
    return {"ma": site.key(procedure), "name": procedure.name, "field": procedure.field,
            "toan_trinh": procedure.toan_trinh, "level_short": short}


def detail(site: Site, procedure: content.Procedure) -> dict[str, Any]:
    """A procedure with every field of its page."""
    details = site.has(Feature.PROCEDURE_DETAILS)
    return {**summary(site, procedure), "agency": procedure.agency,
            "level_label": level_label(site, procedure), "steps": list(procedure.steps),
            "documents": list(procedure.documents),
            "fee": procedure.fee if details else None,
            "deadline": procedure.deadline if details else None}


def procedures_page(site: Site, request: Request) -> dict[str, Any]:
    """/api/procedures?page=N: one page of the catalogue."""
    items = site.procedures
    pages = (len(items) + PER_PAGE - 1) // PER_PAGE
    try:
        page = min(max(1, int(request.query.get("page", "1"))), pages)
    except ValueError:
        page = 1
    chunk = items[(page - 1) * PER_PAGE: page * PER_PAGE]
    return {"total": len(items), "page": page, "pages": pages, "size": PER_PAGE,
            "items": [summary(site, p) for p in chunk]}


def dossier_answer(site: Site, code: str) -> tuple[int, dict[str, Any]]:
    """/api/dossiers?ma_ho_so=CODE: 200 with the dossier, or 404 with a clear message."""
    dossier = site.find_dossier(code)
    if dossier is not None:
        return 200, {"found": True, "dossier": dossier.__dict__}
    message = (f"Không tìm thấy hồ sơ có mã “{code}”. Vui lòng kiểm tra lại mã hồ sơ."
               if site.has(Feature.LOOKUP_NOT_FOUND) else "")
    return 404, {"found": False, "message": message}


def api(site: Site, request: Request) -> tuple[int, Any]:
    """Answer one /api/... request: (status, JSON body)."""
    name = request.path.removeprefix("/api/")
    if name == "site":
        return 200, site_info(site)
    if name == "home":
        featured = [summary(site, p) for p in site.procedures if p.toan_trinh][:6]
        return 200, {"featured": featured, "notices": list(content.NOTICES)}
    if name == "procedures" and site.has(Feature.CATALOGUE):
        return 200, procedures_page(site, request)
    if name == "procedures/search" and site.has(Feature.SEARCH):
        query = request.query.get("q", "")
        found = content.search(site.procedures, query) if site.has(Feature.SEARCH_RESULTS) else []
        items = [summary(site, p) for p in found]
        return 200, {"query": query, "total": len(found), "items": items}
    if name.startswith("procedures/") and site.has(Feature.CATALOGUE):
        key = unquote(name.removeprefix("procedures/"))
        found_one = content.find(site.procedures, key)
        if found_one is not None and site.key(found_one) == key:
            return 200, detail(site, found_one)
    if name == "dossiers" and site.has(Feature.LOOKUP):
        return dossier_answer(site, request.query.get("ma_ho_so", ""))
    if name == "faq" and site.has(Feature.FAQ):
        return 200, {"items": list(content.FAQ)}
    if name == "guides" and site.has(Feature.GUIDES):
        return 200, {"items": list(content.GUIDES)}
    if name == "statistics" and site.has(Feature.STATISTICS):
        rows = content.statistic_rows(site.statistics, online=False, satisfaction=site.has(
            Feature.STATISTICS_SATISFACTION))
        return 200, {"rows": rows}
    return 404, {"message": "Không tìm thấy dữ liệu"}


def sitemap(site: Site) -> str:
    """sitemap.xml of the history-style routes (the server answers them with the shell)."""
    routes = [route for _, route, feature in NAV if feature is None or site.has(feature)]
    urls = "".join(f"<url><loc>{escape(site.origin + r)}</loc></url>" for r in routes)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{urls}</urlset>\n')


def realm_login(site: Site) -> str:
    """The portal's own Keycloak-style login page."""
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>Đăng nhập - '
            f'{escape(site.profile.system_name)}</title><link rel="stylesheet" '
            f'href="/static/portal.css"></head><body><main class="container"><h1>Đăng nhập</h1>'
            f'<form class="form" method="post" action="{REALM_PATH}"><span class="field"><label '
            f'for="username">Tên đăng nhập</label><input id="username" name="username"></span>'
            f'<span class="field"><label for="password">Mật khẩu</label><input id="password" '
            f'name="password" type="password"></span><button class="btn" type="submit">Đăng nhập'
            f"</button></form></main></body></html>")


def spa_app(site: Site) -> Callable[[Request], Response]:
    """The SPA server: shell for / and /vi/..., static script, JSON API, own login page."""

    def app(request: Request) -> Response:
        site.record(request)
        path = request.path
        headers = security_headers(site)
        if path.startswith("/static/"):
            return static_file(path) or Response(404, b"Not found", "text/plain")
        if request.method == "POST":
            return post_refused(site)
        if path.startswith("/api/"):
            status, body = api(site, request)
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            return Response(status, data, JSON, [*headers, ("Cache-Control", "no-store")],
                            site.delay_s)
        if path == "/robots.txt":
            return robots(site)
        if path == "/sitemap.xml" and site.has(Feature.SITEMAP_XML):
            return Response(200, sitemap(site).encode("utf-8"), "application/xml; charset=utf-8",
                            headers, site.delay_s)
        if path == REALM_PATH:
            return Response(200, realm_login(site).encode("utf-8"), HTML, headers, site.delay_s)
        if path == "/" or path == "/vi" or path.startswith("/vi/"):
            return Response(200, shell(site).encode("utf-8"), HTML,
                            [*headers, session_cookie(site), ("Cache-Control", "no-cache")],
                            site.delay_s)
        return Response(404, b"<!DOCTYPE html><html lang=\"vi\"><head><title>404</title></head>"
                        b"<body><h1>404 Not Found</h1></body></html>", HTML, headers,
                        site.delay_s)

    return app
