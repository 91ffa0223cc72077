"""The sections of a classic portal: catalogue, procedure, search, look-up, forms, support."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from probe.farm import content
from probe.farm.content import Procedure
from probe.farm.profiles import Feature
from probe.farm.server import Request
from probe.farm.site import Site
from probe.farm.templates import (
    FIRST_MONTH,
    Page,
    button,
    system_title,
    table_wrap,
    text_input,
    textarea,
)

PER_PAGE = 12

Builder = Callable[[Site, Request, str], Page]

# The feature a section needs; without it the section answers 404.
SECTION_FEATURE: dict[str, Feature] = {
    "catalogue": Feature.CATALOGUE, "procedure": Feature.CATALOGUE,
    "online": Feature.SUBMISSION, "submission": Feature.SUBMISSION,
    "search": Feature.SEARCH, "lookup": Feature.LOOKUP, "payment": Feature.PAYMENT,
    "rating": Feature.RATING, "feedback": Feature.FEEDBACK, "faq": Feature.FAQ,
    "guides": Feature.GUIDES, "statistics": Feature.STATISTICS,
    "sitemap": Feature.SITEMAP_PAGE, "login": Feature.LOGIN,
}


# --- shared pieces -------------------------------------------------------------------------

def level_label(site: Site, procedure: Procedure) -> str:
    """How the portal names a service's level (toàn trình / một phần, or the old 'Mức độ')."""
    if site.has(Feature.TOAN_TRINH_LABEL):
        return ("Dịch vụ công trực tuyến toàn trình" if procedure.toan_trinh
                else "Dịch vụ công trực tuyến một phần")
    return site.profile.level_labels[0 if procedure.toan_trinh else 1]


def badge(site: Site, procedure: Procedure) -> str:
    """A small level badge."""
    kind = "full" if procedure.toan_trinh else "part"
    if site.has(Feature.TOAN_TRINH_LABEL):
        text = "Toàn trình" if procedure.toan_trinh else "Một phần"
    else:
        text = level_label(site, procedure)
    return f'<span class="badge badge-{kind}">{escape(text)}</span>'


def page_number(request: Request) -> int:
    """The 1-based ?page= of a request (1 when absent or malformed)."""
    try:
        return max(1, int(request.query.get("page", "1")))
    except ValueError:
        return 1


def pagination(site: Site, section: str, current: int, pages: int, **query: str) -> str:
    """Numbered page links with previous/next."""
    if pages <= 1:
        return ""
    items = []
    if current > 1:
        href = escape(site.url(section, page=current - 1, **query))
        items.append(f'<li><a href="{href}" rel="prev">« Trang trước</a></li>')
    for number in range(1, pages + 1):
        href = escape(site.url(section, page=number, **query))
        if number == current:
            items.append(f'<li><a href="{href}" aria-current="page">{number}</a></li>')
        else:
            items.append(f'<li><a href="{href}" aria-label="Trang {number}">{number}</a></li>')
    if current < pages:
        href = escape(site.url(section, page=current + 1, **query))
        items.append(f'<li><a href="{href}" rel="next">Trang sau »</a></li>')
    return f'<nav class="pagination" aria-label="Phân trang"><ul>{"".join(items)}</ul></nav>'


def procedure_table(site: Site, items: list[Procedure], first: int, caption: str,
                    submit_column: bool = False) -> str:
    """Rows of procedures: number, code, name (link), field, level[, submit link]."""
    head = ("<thead><tr><th scope=\"col\">STT</th><th scope=\"col\">Mã thủ tục</th>"
            "<th scope=\"col\">Tên thủ tục</th><th scope=\"col\">Lĩnh vực</th>"
            "<th scope=\"col\">Mức độ</th>"
            + ('<th scope="col">Nộp hồ sơ</th>' if submit_column else "") + "</tr></thead>")
    rows = []
    for offset, procedure in enumerate(items):
        key = site.key(procedure)
        link = f'<a href="{escape(site.url("procedure", key))}">{escape(procedure.name)}</a>'
        submit = ""
        if submit_column:
            href = escape(site.url("submission", key))
            label = escape(f"Nộp hồ sơ: {procedure.name}")
            submit = (f'<td><a class="btn btn-small" href="{href}" aria-label="{label}">'
                      "Nộp hồ sơ</a></td>")
        rows.append(f"<tr><td>{first + offset}</td><td class=\"code\">{escape(key)}</td>"
                    f"<td>{link}</td><td>{escape(procedure.field)}</td>"
                    f"<td>{badge(site, procedure)}</td>{submit}</tr>")
    return table_wrap(caption, f"{head}<tbody>{''.join(rows)}</tbody>")


def procedure_links(site: Site, items: list[Procedure]) -> str:
    """A plain list of procedure links with level badges."""
    rows = "".join(
        f'<li><a href="{escape(site.url("procedure", site.key(p)))}">{escape(p.name)}</a> '
        f"{badge(site, p)}</li>" for p in items)
    return f'<ul class="proc-list">{rows}</ul>'


def alert(kind: str, text: str) -> str:
    """A status message box (role=status so screen readers announce it)."""
    return f'<div class="alert alert-{kind}" role="status">{text}</div>'


def unavailable_form_note() -> str:
    """The note every form carries: the farm never processes submissions."""
    return '<p class="hint">Bản thử nghiệm: chức năng gửi không khả dụng.</p>'


# --- sections --------------------------------------------------------------------------------

def home(site: Site, request: Request, key: str) -> Page:
    """Home: hero with search, quick links, featured online services, notices."""
    title = escape(system_title(site))
    hero_search = ""
    if site.has(Feature.SEARCH):
        control = text_input(site, "hero-search", site.routes.search_param,
                             "Nhập tên thủ tục hành chính cần tìm")
        hero_search = (f'<form class="hero-search" role="search" method="get" '
                       f'action="{site.url("search")}">{control}{button(site, "Tìm kiếm")}</form>')
    tiles = "".join(
        f'<li><a class="tile" href="{site.url(section)}">{label}</a></li>'
        for label, section, feature in QUICK_LINKS if site.has(feature))
    featured = [pr for pr in site.procedures if pr.toan_trinh][:6]
    notices = "".join(f'<li><a href="{site.url("intro")}">{escape(n)}</a> '
                      f'<span class="notice-date">0{i + 2}/06/2025</span></li>'
                      for i, n in enumerate(content.NOTICES))
    stats = ""
    if site.has(Feature.STATISTICS):
        s = site.statistics
        stats = (f'<section class="card"><h2>Tình hình giải quyết hồ sơ năm 2025</h2>'
                 f"<p>Tiếp nhận {content.vnd(s.received)} hồ sơ; đã giải quyết "
                 f"{content.vnd(s.resolved)}; đúng hạn {s.on_time_percent}%"
                 + (f"; mức độ hài lòng {s.satisfaction_percent}%"
                    if site.has(Feature.STATISTICS_SATISFACTION) else "")
                 + f'. <a href="{site.url("statistics")}">Xem thống kê</a></p></section>')
    banner_alt = ' alt=""' if site.has(Feature.ALT_TEXT) else ""
    body = (f'<section class="hero"><img class="hero-img" src="/static/banner.svg"{banner_alt} '
            f'width="1200" height="240"><div class="hero-text"><h1>{title}</h1>'
            f"<p>Kết nối, cung cấp thông tin và dịch vụ công mọi lúc, mọi nơi</p>"
            f"{hero_search}</div></section>"
            f'<section><h2>Tiện ích</h2><ul class="tiles">{tiles}</ul></section>'
            f"<section><h2>Dịch vụ công trực tuyến nổi bật</h2>"
            f"{procedure_links(site, featured)}</section>{stats}"
            f'<section><h2>Thông báo</h2><ul class="notices">{notices}</ul></section>')
    return Page("Trang chủ", body, "home")


QUICK_LINKS: tuple[tuple[str, str, Feature], ...] = (
    ("Thủ tục hành chính", "catalogue", Feature.CATALOGUE),
    ("Nộp hồ sơ trực tuyến", "online", Feature.SUBMISSION),
    ("Tra cứu hồ sơ", "lookup", Feature.LOOKUP),
    ("Thanh toán trực tuyến", "payment", Feature.PAYMENT),
    ("Đánh giá sự hài lòng", "rating", Feature.RATING),
    ("Phản ánh, kiến nghị", "feedback", Feature.FEEDBACK),
    ("Hỏi đáp", "faq", Feature.FAQ),
    ("Hướng dẫn sử dụng", "guides", Feature.GUIDES),
)


def catalogue(site: Site, request: Request, key: str) -> Page:
    """The paginated catalogue of every procedure."""
    return _listing(site, request, "catalogue", "Thủ tục hành chính", submit_column=False)


def online(site: Site, request: Request, key: str) -> Page:
    """The paginated list of online services, each with its submission link."""
    return _listing(site, request, "online", "Dịch vụ công trực tuyến", submit_column=True)


def _listing(site: Site, request: Request, section: str, title: str,
             submit_column: bool) -> Page:
    items = list(site.procedures)
    pages = (len(items) + PER_PAGE - 1) // PER_PAGE
    current = min(page_number(request), pages)
    first = (current - 1) * PER_PAGE
    chunk = items[first:first + PER_PAGE]
    body = (f"<h1>{title}</h1><p class=\"meta\">Tổng số {len(items)} thủ tục · trang "
            f"{current}/{pages}</p>"
            f"{procedure_table(site, chunk, first + 1, f'{title}, trang {current}', submit_column)}"
            f"{pagination(site, section, current, pages)}")
    return Page(f"{title} - Trang {current}", body, section, (title,))


def procedure(site: Site, request: Request, key: str) -> Page:
    """One procedure: code, agency, level, documents, fee, deadline, submission link."""
    found = content.find(site.procedures, key)
    if found is None or key != site.key(found):
        return not_found(site, request, key)
    agency = found.agency if site.profile.province or site.profile.style == "national" else (
        f"{found.agency} (thuộc {site.profile.governing_body})")
    rows = [("Mã thủ tục", f'<span class="code">{escape(key)}</span>'),
            ("Tên thủ tục", escape(found.name)),
            ("Lĩnh vực", escape(found.field)),
            ("Cơ quan thực hiện", escape(agency)),
            ("Mức độ", f"<strong>{escape(level_label(site, found))}</strong>"),
            ("Trình tự thực hiện", "<ol>" + "".join(f"<li>{escape(s)}</li>"
                                                   for s in found.steps) + "</ol>"),
            ("Thành phần hồ sơ", "<ol>" + "".join(f"<li>{escape(d)}</li>"
                                                 for d in found.documents) + "</ol>")]
    if site.has(Feature.PROCEDURE_DETAILS):
        rows += [("Phí, lệ phí", escape(found.fee)),
                 ("Thời hạn giải quyết", escape(found.deadline))]
    rows += [("Đối tượng thực hiện", "Công dân Việt Nam, người nước ngoài, tổ chức"),
             ("Căn cứ pháp lý", "Nghị định số 42/2022/NĐ-CP; Nghị định số 107/2021/NĐ-CP")]
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    submit = ""
    if site.has(Feature.SUBMISSION):
        submit = (f'<p><a class="btn" href="{escape(site.url("submission", key))}">'
                  f"Nộp hồ sơ trực tuyến</a></p>")
    body = f'<h1>{escape(found.name)}</h1><dl class="details">{details}</dl>{submit}'
    return Page(found.name, body, "procedure", ("Thủ tục hành chính", found.name),
                crumb_links=(site.url("catalogue"),))


def submission(site: Site, request: Request, key: str) -> Page:
    """The submission entry of an online service: a form the probe must never send."""
    found = content.find(site.procedures, key)
    if found is None:
        return not_found(site, request, key)
    fields = "".join((
        text_input(site, "ho-ten", "ho_ten", "Họ và tên người nộp"),
        text_input(site, "so-dinh-danh", "so_dinh_danh", "Số định danh cá nhân"),
        text_input(site, "dien-thoai", "dien_thoai", "Số điện thoại", kind="tel"),
        text_input(site, "email", "email", "Thư điện tử", kind="email"),
        text_input(site, "tep", "tep_dinh_kem", "Tệp đính kèm thành phần hồ sơ", kind="file"),
    ))
    body = (f"<h1>Nộp hồ sơ trực tuyến</h1><p><strong>{escape(found.name)}</strong> "
            f"{badge(site, found)}</p>"
            f'<p>Vui lòng <a href="{escape(site.login_url())}">đăng nhập</a> bằng tài khoản định '
            f"danh điện tử VNeID trước khi nộp hồ sơ.</p>"
            f'<form class="form" method="post" action="{escape(site.url("submission", key))}">'
            f"{fields}{button(site, 'Nộp hồ sơ')}</form>{unavailable_form_note()}")
    return Page(f"Nộp hồ sơ: {found.name}", body, "submission",
                ("Dịch vụ công trực tuyến", found.name), crumb_links=(site.url("online"),))


def search(site: Site, request: Request, key: str) -> Page:
    """Procedure search (GET); without SEARCH_RESULTS it finds nothing."""
    param = site.routes.search_param
    query = request.query.get(param, "").strip()
    control = text_input(site, "tu-khoa", param, "Từ khóa tìm kiếm", value=query)
    form = (f'<form class="form-inline" role="search" method="get" action="{site.url("search")}">'
            f"{control}{button(site, 'Tìm kiếm')}</form>")
    results = ""
    if query:
        found = content.search(site.procedures, query) if site.has(Feature.SEARCH_RESULTS) else []
        if found:
            results = (f"<p>Tìm thấy {len(found)} thủ tục phù hợp với từ khóa "
                       f"“{escape(query)}”.</p>{procedure_links(site, found)}")
        else:
            results = alert("info", "Không tìm thấy thủ tục phù hợp với từ khóa "
                                    f"“{escape(query)}”.")
    elif site.profile.style == "national":
        return _listing(site, request, "search", "Danh mục dịch vụ công", submit_column=False)
    body = f"<h1>Tìm kiếm thủ tục hành chính</h1>{form}{results}"
    title = f"Kết quả tìm kiếm: {query}" if query else "Tìm kiếm thủ tục hành chính"
    return Page(title, body, "search", ("Tìm kiếm",))


def lookup(site: Site, request: Request, key: str) -> Page:
    """Dossier look-up by code without login."""
    code = request.query.get("ma_ho_so", "").strip()
    example = site.dossiers[0].code
    control = text_input(site, "ma-ho-so", "ma_ho_so", "Mã hồ sơ", value=code,
                         hint=f"Ví dụ: {example}")
    form = (f'<form class="form-inline" method="get" action="{site.url("lookup")}">'
            f"{control}{button(site, 'Tra cứu')}</form>")
    body = ("<h1>Tra cứu hồ sơ</h1><p>Nhập mã hồ sơ in trên Giấy tiếp nhận để xem tiến độ.</p>"
            + form)
    if code:
        body += f'<div class="lookup-result">{_lookup_result(site, code)}</div>'
    return Page(f"Tra cứu hồ sơ {code}".strip(), body, "lookup", ("Tra cứu hồ sơ",))


def _lookup_result(site: Site, code: str) -> str:
    dossier = site.find_dossier(code)
    if dossier is not None:
        rows = (("Mã hồ sơ", dossier.code), ("Thủ tục", dossier.procedure),
                ("Người nộp", dossier.applicant), ("Ngày tiếp nhận", dossier.received),
                ("Ngày hẹn trả", dossier.due), ("Trạng thái", dossier.status),
                ("Ghi chú", dossier.note))
        inner = "".join(f'<tr><th scope="row">{label}</th><td>{escape(value)}</td></tr>'
                        for label, value in rows)
        return (f'<p class="status">Trạng thái: <strong>{escape(dossier.status)}</strong></p>'
                + table_wrap("Thông tin hồ sơ", f"<tbody>{inner}</tbody>"))
    if site.has(Feature.LOOKUP_NOT_FOUND):
        return alert("warning", f"Không tìm thấy hồ sơ có mã “{escape(code)}”. "
                                "Vui lòng kiểm tra lại mã hồ sơ.")
    text = site.profile.lookup_miss_text
    return alert("error", escape(text)) if text else ""


def payment(site: Site, request: Request, key: str) -> Page:
    """Online payment: hands over to the national payment platform stand-in."""
    body = ("<h1>Thanh toán trực tuyến</h1><p>Thanh toán phí, lệ phí thủ tục hành chính qua "
            "Nền tảng thanh toán trực tuyến của Cổng Dịch vụ công quốc gia: tài khoản ngân hàng, "
            "ví điện tử, thẻ ATM/Visa/Master.</p>"
            f'<p><a class="btn" href="{escape(site.payment_url())}">Thanh toán qua Nền tảng '
            "thanh toán trực tuyến</a></p>")
    return Page("Thanh toán trực tuyến", body, "payment", ("Thanh toán trực tuyến",))


def rating(site: Site, request: Request, key: str) -> Page:
    """Satisfaction rating (POST form): three official levels, or two."""
    levels = (("rat-hai-long", "Rất hài lòng"), ("hai-long", "Hài lòng"),
              ("chua-hai-long", "Chưa hài lòng"))
    if not site.has(Feature.RATING_THREE_LEVELS):
        levels = (("hai-long", "Hài lòng"), ("khong-hai-long", "Không hài lòng"))
    radios = "".join(
        f'<label class="radio"><input type="radio" name="muc_do" value="{value}"> {label}</label>'
        for value, label in levels)
    body = ("<h1>Đánh giá sự hài lòng</h1><p>Đánh giá mức độ hài lòng đối với việc giải quyết "
            "thủ tục hành chính.</p>"
            f'<form class="form" method="post" action="{site.url("rating")}">'
            f'{text_input(site, "dg-ma-ho-so", "ma_ho_so", "Mã hồ sơ")}'
            f"<fieldset><legend>Mức độ hài lòng</legend>{radios}</fieldset>"
            f'{textarea(site, "dg-y-kien", "y_kien", "Ý kiến khác")}'
            f"{button(site, 'Gửi đánh giá')}</form>{unavailable_form_note()}")
    return Page("Đánh giá sự hài lòng", body, "rating", ("Đánh giá",))


def feedback(site: Site, request: Request, key: str) -> Page:
    """Feedback (phản ánh, kiến nghị) POST form."""
    fields = "".join((
        text_input(site, "pa-ho-ten", "ho_ten", "Họ và tên"),
        text_input(site, "pa-email", "email", "Thư điện tử", kind="email"),
        text_input(site, "pa-dien-thoai", "dien_thoai", "Số điện thoại", kind="tel"),
        text_input(site, "pa-tieu-de", "tieu_de", "Tiêu đề"),
        textarea(site, "pa-noi-dung", "noi_dung", "Nội dung phản ánh, kiến nghị"),
    ))
    body = ("<h1>Phản ánh, kiến nghị</h1><p>Tiếp nhận phản ánh, kiến nghị của cá nhân, tổ "
            "chức về quy định hành chính và việc giải quyết thủ tục hành chính.</p>"
            f'<form class="form" method="post" action="{site.url("feedback")}">{fields}'
            f"{button(site, 'Gửi phản ánh')}</form>{unavailable_form_note()}")
    return Page("Phản ánh, kiến nghị", body, "feedback", ("Phản ánh, kiến nghị",))


def faq(site: Site, request: Request, key: str) -> Page:
    """Frequently asked questions (hỏi đáp)."""
    items = "".join(f"<details><summary>{escape(q)}</summary><p>{escape(a)}</p></details>"
                    for q, a in content.FAQ)
    hotline = (f"<p>Tổng đài hỗ trợ: <strong>{escape(site.profile.hotline)}</strong></p>"
               if site.has(Feature.HOTLINE) else "")
    return Page("Hỏi đáp", f"<h1>Hỏi đáp</h1>{items}{hotline}", "faq", ("Hỏi đáp",))


def guides(site: Site, request: Request, key: str) -> Page:
    """User guides (hướng dẫn sử dụng)."""
    items = "".join(f"<section class=\"card\"><h2>{escape(t)}</h2><p>{escape(b)}</p></section>"
                    for t, b in content.GUIDES)
    return Page("Hướng dẫn sử dụng", f"<h1>Hướng dẫn sử dụng</h1>{items}", "guides",
                ("Hướng dẫn sử dụng",))


def statistics(site: Site, request: Request, key: str) -> Page:
    """Dossier statistics: received, resolved, on time, satisfaction."""
    rows = content.statistic_rows(site.statistics, online=True, satisfaction=site.has(
        Feature.STATISTICS_SATISFACTION))
    inner = "".join(f'<tr><th scope="row">{label}</th><td>{value}</td></tr>'
                    for label, value in rows)
    body = ("<h1>Thống kê tình hình giải quyết hồ sơ</h1><p class=\"meta\">Số liệu từ "
            "01/01/2025 đến 30/06/2025</p>"
            + table_wrap("Thống kê giải quyết hồ sơ năm 2025", f"<tbody>{inner}</tbody>"))
    return Page("Thống kê", body, "statistics", ("Thống kê",))


def sitemap(site: Site, request: Request, key: str) -> Page:
    """The site map page: every section the portal offers."""
    links = "".join(f'<li><a href="{site.url(section)}">{label}</a></li>'
                    for label, section, feature in SITEMAP_LINKS
                    if feature is None or site.has(feature))
    return Page("Sơ đồ cổng", f'<h1>Sơ đồ cổng</h1><ul class="sitemap">{links}</ul>', "sitemap",
                ("Sơ đồ cổng",))


SITEMAP_LINKS: tuple[tuple[str, str, Feature | None], ...] = (
    ("Trang chủ", "home", None), ("Giới thiệu", "intro", None),
    ("Thủ tục hành chính", "catalogue", Feature.CATALOGUE),
    ("Dịch vụ công trực tuyến", "online", Feature.SUBMISSION),
    ("Tìm kiếm thủ tục", "search", Feature.SEARCH),
    ("Tra cứu hồ sơ", "lookup", Feature.LOOKUP),
    ("Thanh toán trực tuyến", "payment", Feature.PAYMENT),
    ("Đánh giá sự hài lòng", "rating", Feature.RATING),
    ("Phản ánh, kiến nghị", "feedback", Feature.FEEDBACK),
    ("Hỏi đáp", "faq", Feature.FAQ), ("Hướng dẫn sử dụng", "guides", Feature.GUIDES),
    ("Thống kê", "statistics", Feature.STATISTICS),
)


def intro(site: Site, request: Request, key: str) -> Page:
    """About the portal (the agency's home_url is its own site, see probe.farm.homes)."""
    p = site.profile
    body = (f"<h1>Giới thiệu</h1><p>{escape(p.system_name)} là hệ thống thông tin giải quyết "
            f"thủ tục hành chính của {escape(p.governing_body)}, kết nối với Cổng Dịch vụ công "
            "quốc gia, cung cấp thông tin thủ tục hành chính và dịch vụ công trực tuyến.</p>")
    return Page("Giới thiệu", body, "intro", ("Giới thiệu",))


def login(site: Site, request: Request, key: str) -> Page:
    """The portal's own login page (used when it lacks the national SSO)."""
    fields = (text_input(site, "ten-dang-nhap", "username", "Tên đăng nhập")
              + text_input(site, "mat-khau", "password", "Mật khẩu", kind="password"))
    body = ("<h1>Đăng nhập</h1><p>Đăng nhập bằng tài khoản do Cổng cấp.</p>"
            f'<form class="form" method="post" action="{site.url("login")}">{fields}'
            f"{button(site, 'Đăng nhập')}</form>")
    return Page("Đăng nhập", body, "login", ("Đăng nhập",))


def calendar(site: Site, request: Request, key: str) -> Page:
    """'Lịch tiếp công dân' for a month: previous/next month and week views, without end."""
    year, month = _month(key)
    before = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
    after = f"{year + (month == 12)}-{1 if month == 12 else month + 1:02d}"
    this = f"{year}-{month:02d}"
    weeks = "".join(f'<li><a href="{escape(site.url("calendar", this, tuan=week))}">Tuần {week}'
                    f"</a></li>" for week in range(1, 5))
    body = (f"<h1>Lịch tiếp công dân tháng {month:02d}/{year}</h1>"
            f"<p>Lãnh đạo {escape(site.profile.governing_body)} tiếp công dân vào thứ Năm "
            f"hằng tuần tại Trung tâm Phục vụ hành chính công.</p><ul>{weeks}</ul>"
            f'<p><a href="{escape(site.url("calendar", before))}">« Tháng trước</a> · '
            f'<a href="{escape(site.url("calendar", after))}">Tháng sau »</a></p>')
    return Page(f"Lịch tiếp công dân {month:02d}/{year}", body, "other",
                ("Lịch tiếp công dân",))


def _month(key: str) -> tuple[int, int]:
    """(year, month) from 'YYYY-MM'; the farm's first month when it does not parse."""
    try:
        year, month = (int(part) for part in key.split("-", 1))
    except ValueError:
        year, month = (int(part) for part in FIRST_MONTH.split("-"))
    return (year, month) if 1 <= month <= 12 and 1900 < year < 3000 else (2026, 11)


NEWS_SECTIONS = frozenset({"news", "article", "documents", "contact"})


def news(site: Site, request: Request, key: str) -> Page:
    """'Tin tức': the notices, each linking to its article."""
    items = "".join(f'<li><a href="{escape(site.url("article", str(i + 1)))}">{escape(n)}</a> '
                    f'<span class="notice-date">0{i + 2}/06/2025</span></li>'
                    for i, n in enumerate(content.NEWS))
    return Page("Tin tức", f"<h1>Tin tức, thông báo</h1><ul>{items}</ul>", "other",
                ("Tin tức",))


def article(site: Site, request: Request, key: str) -> Page:
    """One notice in full (404 for an unknown number)."""
    index = int(key) - 1 if key.isdigit() else -1
    if not 0 <= index < len(content.NEWS):
        return not_found(site, request, key)
    title = content.NEWS[index]
    body = (f"<h1>{escape(title)}</h1><p class=\"meta\">Ngày đăng: 0{index + 2}/06/2025</p>"
            f"<p>{escape(site.profile.governing_body)} thông báo: {escape(title.lower())}. "
            "Mọi thắc mắc xin liên hệ Trung tâm Phục vụ hành chính công.</p>")
    return Page(title, body, "other", ("Tin tức", title))


def documents(site: Site, request: Request, key: str) -> Page:
    """'Văn bản chỉ đạo điều hành': the legal basis of the portal."""
    rows = "".join(f"<tr><td>{escape(number)}</td><td>{escape(subject)}</td></tr>"
                   for number, subject in content.DOCUMENTS)
    body = ("<h1>Văn bản chỉ đạo điều hành</h1>"
            + table_wrap("Văn bản", "<thead><tr><th scope=\"col\">Số hiệu</th>"
                         f"<th scope=\"col\">Trích yếu</th></tr></thead><tbody>{rows}</tbody>"))
    return Page("Văn bản chỉ đạo điều hành", body, "other", ("Văn bản",))


def contact(site: Site, request: Request, key: str) -> Page:
    """'Liên hệ': where to reach the portal's operators."""
    p = site.profile
    body = (f"<h1>Liên hệ</h1><p>{escape(p.governing_body)}</p><p>Địa chỉ: {escape(p.address)}"
            f"</p><p>Điện thoại: {escape(p.phone)}</p>")
    return Page("Liên hệ", body, "other", ("Liên hệ",))


def not_found(site: Site, request: Request, key: str) -> Page:
    """404: the page does not exist (or the feature was removed)."""
    body = (f"<h1>Không tìm thấy trang</h1><p>Trang bạn yêu cầu không tồn tại hoặc đã được "
            f'chuyển. <a href="{site.url("home")}">Về trang chủ</a></p>')
    return Page("Không tìm thấy trang", body, "other", ("Không tìm thấy trang",), status=404)


BUILDERS: dict[str, Builder] = {
    "home": home, "catalogue": catalogue, "online": online, "procedure": procedure,
    "submission": submission, "search": search, "lookup": lookup, "payment": payment,
    "rating": rating, "feedback": feedback, "faq": faq, "guides": guides,
    "statistics": statistics, "sitemap": sitemap, "intro": intro, "login": login,
    "calendar": calendar, "news": news, "article": article, "documents": documents,
    "contact": contact,
}
