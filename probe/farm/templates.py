"""The page frame every classic farm portal shares: head, header, navigation, footer, EMC."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from probe.farm.emc import snippet
from probe.farm.profiles import Feature
from probe.farm.site import Site

NAV: tuple[tuple[str, str, Feature | None], ...] = (
    ("Trang chủ", "home", None),
    ("Thủ tục hành chính", "catalogue", Feature.CATALOGUE),
    ("Dịch vụ công trực tuyến", "online", Feature.SUBMISSION),
    ("Tra cứu hồ sơ", "lookup", Feature.LOOKUP),
    ("Thanh toán trực tuyến", "payment", Feature.PAYMENT),
    ("Phản ánh, kiến nghị", "feedback", Feature.FEEDBACK),
    ("Đánh giá", "rating", Feature.RATING),
    ("Thống kê", "statistics", Feature.STATISTICS),
    ("Hỏi đáp", "faq", Feature.FAQ),
    ("Hướng dẫn", "guides", Feature.GUIDES),
)

LOW_CONTRAST_CSS = (".meta,.hint,.site-footer,.card p,.table td.muted,.notice-date"
                    "{color:#b4b4b4!important}.btn-secondary{background:#9ccc65!important;"
                    "color:#fff!important}")

SPAM = ('<div style="display:none" class="lk-footer">'
        '<a href="https://nhacai-uytin.example/">nhà cái uy tín</a> '
        '<a href="https://casino-truc-tuyen.example/">casino trực tuyến</a> '
        '<a href="https://keo-bong-da.example/">kèo bóng đá hôm nay</a></div>')


@dataclass
class Page:
    """The inside of one page: its title, main HTML, section and breadcrumbs."""

    title: str
    body: str
    section: str = "other"
    crumbs: tuple[str, ...] = ()  # labels under 'Trang chủ' (the last is this page)
    status: int = 200
    crumb_links: tuple[str, ...] = ()  # URLs for all crumbs but the last


def render(site: Site, page: Page) -> str:
    """The whole HTML document of `page` on `site`."""
    lang = ' lang="vi"' if site.has(Feature.LANG) else ""
    return (f"<!DOCTYPE html>\n<html{lang}>\n{head(site, page)}\n<body>\n"
            f'<a class="skip-link" href="#noi-dung">Bỏ qua đến nội dung chính</a>\n'
            f"{header(site, page)}\n<main id=\"noi-dung\" class=\"container\">\n"
            f"{breadcrumbs(site, page)}{page.body}\n</main>\n{footer(site)}\n"
            f"{emc(site, page)}{'' if site.has(Feature.CLEAN) else SPAM}\n</body>\n</html>\n")


def head(site: Site, page: Page) -> str:
    """<head>: charset, viewport (when responsive), title, styles."""
    profile = site.profile
    responsive = site.has(Feature.RESPONSIVE)
    viewport = ('<meta name="viewport" content="width=device-width, initial-scale=1">'
                if responsive else "")
    sheet = "/static/portal.css" if responsive else "/static/legacy.css"
    extra = "" if site.has(Feature.CONTRAST) else LOW_CONTRAST_CSS
    title = escape(f"{page.title} - {system_title(site)}")
    return (f'<head>\n<meta charset="utf-8">\n{viewport}\n<title>{title}</title>\n'
            f'<meta name="description" content="{escape(profile.system_name)}">\n'
            f'<link rel="icon" href="/static/quoc-huy.svg" type="image/svg+xml">\n'
            f'<link rel="stylesheet" href="{sheet}">\n'
            f"<style>:root{{--brand:{profile.theme}}}{extra}</style>\n</head>")


def system_title(site: Site) -> str:
    """The portal's name as its titles show it."""
    if site.profile.style == "national":
        return "Cổng Dịch vụ công Quốc gia"
    return site.profile.system_name


def header(site: Site, page: Page) -> str:
    """Top bar (hotline), brand (emblem, agency, system) and main navigation."""
    profile = site.profile
    tel = profile.hotline.replace(" ", "")
    hotline = (f'<p class="hotline">Tổng đài hỗ trợ: <a href="tel:{tel}">'
               f"{escape(profile.hotline)}</a></p>" if site.has(Feature.HOTLINE) else "")
    alt = ' alt="Quốc huy nước Cộng hòa xã hội chủ nghĩa Việt Nam"' if site.has(
        Feature.ALT_TEXT) else ""
    logo = (f'<img class="emblem" src="/static/quoc-huy.svg"{alt} width="64" height="64">'
            if site.has(Feature.LOGO) else "")
    agency = (f'<span class="agency">{escape(profile.header_title)}</span>'
              if site.has(Feature.HEADER_NAME) else "")
    brand = (f'<a class="brand" href="{site.url("home")}">{logo}<span class="brand-text">'
             f'{agency}<span class="system">{escape(profile.system_name)}</span></span></a>')
    return (f'<header class="site-header">\n<div class="topbar container">{hotline}'
            f"{search_box(site)}</div>\n<div class=\"container\">{brand}</div>\n"
            f"{navigation(site, page)}\n</header>")


def navigation(site: Site, page: Page) -> str:
    """The main menu: one link per standard section the portal offers."""
    items = []
    for label, section, feature in NAV:
        if feature is not None and not site.has(feature):
            continue
        current = ' aria-current="page"' if section == page.section else ""
        items.append(f'<li><a href="{site.url(section)}"{current}>{escape(label)}</a></li>')
    if site.has(Feature.LOGIN):
        items.append(f'<li><a class="login" href="{escape(site.login_url())}">Đăng nhập</a></li>')
    return (f'<nav class="main-nav" aria-label="Điều hướng chính"><ul class="container">'
            f'{"".join(items)}</ul></nav>')


def search_box(site: Site) -> str:
    """The header search form (GET), when the portal has search."""
    if not site.has(Feature.SEARCH):
        return ""
    control = text_input(site, "top-search", site.routes.search_param,
                         "Tìm kiếm thủ tục hành chính", hidden_label=True,
                         placeholder="Tìm thủ tục...")
    return (f'<form class="top-search" role="search" method="get" action="{site.url("search")}">'
            f'{control}{button(site, "Tìm kiếm")}</form>')


def text_input(site: Site, ident: str, name: str, label: str, value: str = "",
               hidden_label: bool = False, kind: str = "text", hint: str = "",
               placeholder: str = "") -> str:
    """A text input with its label (only a bare input when the profile lacks labels)."""
    value_attr = f' value="{escape(value)}"' if value else ""
    if placeholder and site.has(Feature.LABELS):
        value_attr += f' placeholder="{escape(placeholder)}"'
    hint_html = f'<span class="hint" id="{ident}-hint">{escape(hint)}</span>' if hint else ""
    described = f' aria-describedby="{ident}-hint"' if hint else ""
    control = (f'<input type="{kind}" id="{ident}" name="{name}"{value_attr}{described}>')
    if not site.has(Feature.LABELS):
        return f'<span class="field">{control}{hint_html}</span>'
    label_class = ' class="visually-hidden"' if hidden_label else ""
    return (f'<span class="field"><label for="{ident}"{label_class}>{escape(label)}</label>'
            f"{control}{hint_html}</span>")


def textarea(site: Site, ident: str, name: str, label: str) -> str:
    """A textarea with its label (unlabelled when the profile lacks labels)."""
    control = f'<textarea id="{ident}" name="{name}" rows="5"></textarea>'
    if not site.has(Feature.LABELS):
        return f'<span class="field">{control}</span>'
    return f'<span class="field"><label for="{ident}">{escape(label)}</label>{control}</span>'


def button(site: Site, label: str, kind: str = "submit") -> str:
    """A submit button (icon-only, with no accessible name, when the profile lacks names)."""
    if site.has(Feature.BUTTON_NAMES):
        return f'<button type="{kind}" class="btn">{escape(label)}</button>'
    return (f'<button type="{kind}" class="btn btn-icon"><svg width="16" height="16" '
            f'viewBox="0 0 16 16" aria-hidden="true"><circle cx="7" cy="7" r="5" fill="none" '
            f'stroke="currentColor" stroke-width="2"/></svg></button>')


def breadcrumbs(site: Site, page: Page) -> str:
    """The breadcrumb trail of an inner page (when the profile has breadcrumbs)."""
    if not (site.has(Feature.BREADCRUMBS) and page.crumbs):
        return ""
    items = [f'<li><a href="{site.url("home")}">Trang chủ</a></li>']
    for index, label in enumerate(page.crumbs):
        if index < len(page.crumbs) - 1 and index < len(page.crumb_links):
            items.append(f'<li><a href="{page.crumb_links[index]}">{escape(label)}</a></li>')
        else:
            items.append(f'<li aria-current="page">{escape(label)}</li>')
    return (f'<nav class="breadcrumb" aria-label="Đường dẫn"><ol>{"".join(items)}</ol></nav>\n')


FIRST_MONTH = "2026-11"  # where the calendar trap's footer link starts


def footer(site: Site) -> str:
    """Footer: governing body, address, phone, email, person responsible, links."""
    p = site.profile
    rows = [
        (Feature.FOOTER_GOVERNING, "Cơ quan chủ quản", escape(p.governing_body)),
        (Feature.FOOTER_ADDRESS, "Địa chỉ", escape(p.address)),
        (Feature.FOOTER_PHONE, "Điện thoại", escape(p.phone)),
        (Feature.FOOTER_EMAIL, "Email", f'<a href="mailto:{p.email}">{escape(p.email)}</a>'),
        (Feature.FOOTER_RESPONSIBLE, "Người chịu trách nhiệm chính", escape(p.responsible)),
    ]
    lines = "".join(f"<li><strong>{label}:</strong> {value}</li>"
                    for feature, label, value in rows if site.has(feature))
    links = []
    if site.has(Feature.SITEMAP_PAGE):
        links.append(f'<a href="{site.url("sitemap")}">Sơ đồ cổng</a>')
    links.append(f'<a href="{site.url("intro")}">Giới thiệu</a>')
    if p.calendar_trap:
        links.append(f'<a href="{site.url("calendar", FIRST_MONTH)}">Lịch tiếp công dân</a>')
    if p.news:
        links += [f'<a href="{site.url("news")}">Tin tức</a>',
                  f'<a href="{site.url("documents")}">Văn bản chỉ đạo điều hành</a>',
                  f'<a href="{site.url("contact")}">Liên hệ</a>']
    if site.has(Feature.HOTLINE):
        links.append(f"Tổng đài hỗ trợ: {escape(p.hotline)}")
    return (f'<footer class="site-footer"><div class="container"><ul class="contact">{lines}</ul>'
            f'<p class="footer-links">{" · ".join(links)}</p>'
            f'<p class="meta">© 2025 {escape(system_title(site))}. Đơn vị phát triển: '
            f"{escape(p.vendor)}.</p></div></footer>")


def emc(site: Site, page: Page) -> str:
    """The EMC tracking snippet, on the pages the profile puts it on."""
    if not site.has(Feature.EMC) or not site.profile.emc_site_id:
        return ""
    if page.section != "home" and not site.has(Feature.EMC_INNER):
        return ""
    return snippet(site.origins.emc, site.profile.emc_site_id, site.profile.emc_style) + "\n"


def table_wrap(caption: str, inner: str) -> str:
    """A table inside a keyboard-reachable scroll region (reflows on narrow screens)."""
    return (f'<div class="table-wrap" role="region" aria-label="{escape(caption)}" tabindex="0">'
            f'<table class="table"><caption>{escape(caption)}</caption>{inner}</table></div>')
