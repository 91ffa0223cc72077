"""The farm's apps: a classic portal, a hand-over, a broken portal, the HTTP->HTTPS redirect."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from email.message import Message
from html import escape
from importlib import resources

from probe.farm.pages import BUILDERS, NEWS_SECTIONS, SECTION_FEATURE, not_found
from probe.farm.profiles import Feature, Kind
from probe.farm.server import Request, Response
from probe.farm.site import Site
from probe.farm.templates import Page, render

HTML = "text/html; charset=utf-8"
HANG_S = 25.0  # longer than the probe's 15 s page timeout, bounded, cut short by stop()
NATIONAL_HOME = "/p/home/dvc-trang-chu.html"
SITEMAP_ALIAS = "/sitemap"  # every classic portal also answers its site map page here
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
                ".js": "text/javascript; charset=utf-8"}


# --- shared -------------------------------------------------------------------------------

def static_file(path: str) -> Response | None:
    """A file under probe/farm/static for '/static/...', or None."""
    name = path.removeprefix("/static/")
    if name == path or ".." in name:
        return None
    resource = resources.files("probe.farm").joinpath("static", *name.split("/"))
    if not resource.is_file():
        return None
    suffix = "." + name.rsplit(".", 1)[-1]
    kind = STATIC_TYPES.get(suffix, "application/octet-stream")
    return Response(200, resource.read_bytes(), kind, [("Cache-Control", "public, max-age=3600")])


def security_headers(site: Site) -> list[tuple[str, str]]:
    """The response headers the profile sends (HSTS only over HTTPS)."""
    https = site.origin.startswith("https://")
    emc = site.origins.emc
    wanted = (
        (Feature.HSTS, "Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        (Feature.CSP, "Content-Security-Policy",
         f"default-src 'self'; script-src 'self' 'unsafe-inline' {emc}; img-src 'self' data: "
         f"{emc}; style-src 'self' 'unsafe-inline'; connect-src 'self' {emc}; "
         "frame-ancestors 'self'"),
        (Feature.X_FRAME_OPTIONS, "X-Frame-Options", "SAMEORIGIN"),
        (Feature.NOSNIFF, "X-Content-Type-Options", "nosniff"),
        (Feature.REFERRER_POLICY, "Referrer-Policy", "strict-origin-when-cross-origin"),
    )
    return [(name, value) for feature, name, value in wanted
            if site.has(feature) and (https or feature is not Feature.HSTS)]


def session_cookie(site: Site) -> tuple[str, str]:
    """The Set-Cookie header: flagged Secure/HttpOnly/SameSite when the profile says so."""
    value = f"{site.profile.cookie_name}={secrets.token_hex(16)}; Path=/"
    if site.has(Feature.SECURE_COOKIES) and site.origin.startswith("https://"):
        value += "; Secure; HttpOnly; SameSite=Lax"
    return ("Set-Cookie", value)


def page_response(site: Site, page: Page) -> Response:
    """A rendered page with the profile's headers, cookie and delay."""
    headers = [*security_headers(site), session_cookie(site), ("Cache-Control", "no-cache")]
    return Response(page.status, render(site, page).encode("utf-8"), HTML, headers, site.delay_s)


def post_refused(site: Site) -> Response:
    """Every POST: 405 and a page saying forms are not processed by the farm."""
    body = (f"<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Không khả "
            f"dụng - {escape(site.profile.system_name)}</title></head><body><h1>Chức năng gửi "
            f"không khả dụng trên bản thử</h1></body></html>")
    return Response(405, body.encode(), HTML, [("Allow", "GET, HEAD")], site.delay_s)


def redirect(location: str, status: int = 302, delay_s: float = 0.0,
             headers: list[tuple[str, str]] | None = None) -> Response:
    """A redirect to `location`."""
    body = f'<a href="{escape(location)}">{escape(location)}</a>'.encode()
    return Response(status, body, HTML, [("Location", location), *(headers or [])], delay_s)


# --- robots and sitemap.xml -------------------------------------------------------------------

def robots(site: Site) -> Response:
    """robots.txt: allows everything (blocks everything without ROBOTS); names the sitemap."""
    rule = "Disallow:" if site.has(Feature.ROBOTS) else "Disallow: /"
    lines = ["User-agent: *", rule]
    if site.has(Feature.SITEMAP_XML):
        lines.append(f"Sitemap: {site.origin}/sitemap.xml")
    return Response(200, ("\n".join(lines) + "\n").encode(), "text/plain; charset=utf-8",
                    security_headers(site), site.delay_s)


def sitemap_xml(site: Site) -> Response:
    """sitemap.xml: sections, catalogue pages and every procedure page."""
    if not site.has(Feature.SITEMAP_XML):
        return page_response(site, not_found(site, _EMPTY, ""))
    paths = [site.url(section) for section in ("home", "intro")]
    paths += [site.url(s) for s, f in SECTION_FEATURE.items()
              if site.has(f) and s not in ("procedure", "submission", "login")]
    if site.has(Feature.CATALOGUE):
        paths += [site.url("procedure", site.key(p)) for p in site.procedures]
    urls = "".join(f"<url><loc>{escape(site.origin + p)}</loc></url>" for p in dict.fromkeys(paths))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
            f'schemas/sitemap/0.9">{urls}</urlset>\n')
    return Response(200, body.encode(), "application/xml; charset=utf-8",
                    security_headers(site), site.delay_s)


_EMPTY = Request("GET", "/", {}, Message(), "/")


# --- the apps -------------------------------------------------------------------------------

def classic_app(site: Site) -> Callable[[Request], Response]:
    """A server-rendered portal following its profile's features and URL style."""

    def app(request: Request) -> Response:
        site.record(request)
        if request.path.startswith("/static/"):
            return static_file(request.path) or Response(404, b"Not found", "text/plain")
        if request.method == "POST":
            return post_refused(site)
        if request.path == "/robots.txt":
            return robots(site)
        if request.path == "/sitemap.xml":
            return sitemap_xml(site)
        if request.path == "/" and site.profile.style == "national":
            return redirect(NATIONAL_HOME, 302, site.delay_s, security_headers(site))
        return _section(site, request)

    return app


def _section(site: Site, request: Request) -> Response:
    matched = (("sitemap", "") if request.path == SITEMAP_ALIAS
               else site.routes.match(request.path, request.query))
    if matched is None:
        return page_response(site, not_found(site, request, ""))
    section, key = matched
    needed = SECTION_FEATURE.get(section)
    if needed is not None and not site.has(needed):
        return page_response(site, not_found(site, request, key))
    if section == "calendar" and not site.profile.calendar_trap or \
            section in NEWS_SECTIONS and not site.profile.news:
        return page_response(site, not_found(site, request, key))
    if section == "login" and site.has(Feature.SSO):
        return redirect(site.login_url(), 302, site.delay_s, security_headers(site))
    return page_response(site, BUILDERS[section](site, request, key))


def handover_app(site: Site) -> Callable[[Request], Response]:
    """Every URL answers 302 to the national portal's home."""
    target = site.origins.national + NATIONAL_HOME

    def app(request: Request) -> Response:
        site.record(request)
        return redirect(target, 302, site.delay_s, security_headers(site))

    return app


def broken_app(site: Site) -> Callable[[Request], Response]:
    """Home answers 500; every other URL hangs HANG_S seconds, then answers 503."""

    def app(request: Request) -> Response:
        site.record(request)
        if request.path == "/":
            body = ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
                    "<body><h1>500 Internal Server Error</h1><hr><center>openresty</center>"
                    "</body></html>")
            return Response(500, body.encode(), HTML, [], site.delay_s)
        body = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        return Response(503, body, HTML, [], HANG_S)

    return app


def https_redirect_app(site: Site, https_origin: str) -> Callable[[Request], Response]:
    """The plain-HTTP listener: 301 to the same path over HTTPS (or 404 without it)."""

    def app(request: Request) -> Response:
        site.record(request)
        if not site.has(Feature.HTTP_REDIRECT):
            return Response(404, b"<h1>404 Not Found</h1>", HTML)
        return redirect(https_origin + request.target, 301)

    return app


def app_for(site: Site) -> Callable[[Request], Response]:
    """The app that serves `site` by its profile's kind."""
    kind = site.profile.kind
    if kind is Kind.HANDOVER:
        return handover_app(site)
    if kind is Kind.BROKEN:
        return broken_app(site)
    if kind is Kind.SPA:
        from probe.farm.spa import spa_app

        return spa_app(site)
    return classic_app(site)

