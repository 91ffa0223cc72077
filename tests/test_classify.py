"""The page-type classifier: Vietnamese and URL cues of real portal families, pure."""

from __future__ import annotations

import unicodedata

import pytest

from probe.models import PAGE_TYPES
from spiders.classify import classify, clean_heading, is_home_url, url_slug
from spiders.features import extract_features
from spiders.text import fold, slug


def doc(title: str = "", main: str = "", nav: str = "") -> str:
    """A portal page with header navigation (menus repeat on every page) and a footer."""
    menu = ('<a href="/tra-cuu-ho-so">Tra cứu hồ sơ</a><a href="/thanh-toan">Thanh toán</a>'
            '<a href="/danh-gia">Đánh giá</a><a href="/hoi-dap">Hỏi đáp</a>' + nav)
    return (f"<html><head><title>{title} - Cổng Dịch vụ công tỉnh Hà Tĩnh</title></head><body>"
            f"<header><h1>CỔNG DỊCH VỤ CÔNG TỈNH HÀ TĨNH</h1><nav>{menu}</nav>"
            f'<form role="search"><input name="keyword" placeholder="Tìm kiếm"></form></header>'
            f"<main>{main}</main><footer>Điện thoại: 0239 3 855 555. Email: a@b.vn. "
            f"Địa chỉ: 1 Nguyễn Tất Thành</footer></body></html>")


PROCEDURE_MAIN = (
    "<h1>Cấp giấy phép xây dựng nhà ở riêng lẻ</h1><dl><dt>Mã thủ tục</dt><dd>1.009972</dd>"
    "<dt>Trình tự thực hiện</dt><dd>Bước 1</dd><dt>Thành phần hồ sơ</dt><dd>Đơn</dd>"
    "<dt>Thời hạn giải quyết</dt><dd>15 ngày</dd><dt>Phí, lệ phí</dt><dd>75.000 đồng</dd>"
    "<dt>Cơ quan thực hiện</dt><dd>UBND cấp xã</dd></dl>")

# (expected type, URL, HTML): at least one sample of every type, from several families.
SAMPLES: list[tuple[str, str, str]] = [
    ("catalogue", "https://dichvucong.hatinh.gov.vn/portaldvc/danh-muc-tthc?page=2",
     doc("Danh mục thủ tục hành chính", "<h1>Danh mục thủ tục hành chính</h1>")),
    ("catalogue", "https://dichvucong.gov.vn/p/home/dvc-danh-muc-dich-vu-cong.html?search=",
     doc("Danh mục dịch vụ công", "<h1>Danh mục dịch vụ công</h1>")),
    ("catalogue", "https://dvc.example.gov.vn/linh-vuc/12",
     doc("Lĩnh vực Hộ tịch", "<h2>Hộ tịch</h2>" + "".join(
         f'<a href="/thu-tuc/1.00{n}">Thủ tục {n}</a>' for n in range(1000, 1008)))),
    ("procedure", "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
                  "?ma_thu_tuc=1.009972", doc("Chi tiết thủ tục", PROCEDURE_MAIN)),
    ("procedure", "https://dichvucong.quangninh.gov.vn/thu-tuc/1.009972.000.00.00.H54",
     doc("Cấp giấy phép", PROCEDURE_MAIN)),
    ("procedure", "https://e.example.gov.vn/web/guest/thu-tuc-hanh-chinh/-/tthc/1.009972",
     doc("Thủ tục", PROCEDURE_MAIN)),
    ("procedure", "https://x.gov.vn/chi-tiet?id=77", doc("Cấp giấy phép", PROCEDURE_MAIN)),
    ("search", "https://dichvucong.example.gov.vn/tim-kiem?keyword=khai+sinh",
     doc("Kết quả tìm kiếm", "<h1>Kết quả tìm kiếm</h1><p>Tìm thấy 2 thủ tục</p>")),
    ("search", "https://dvc.example.gov.vn/search", doc("Search", "<h1>Tìm kiếm</h1>")),
    ("lookup", "https://dichvucong.hatinh.gov.vn/portaldvc/tra-cuu",
     doc("Tra cứu", '<h1>Tra cứu hồ sơ</h1><form><input name="ma_ho_so"></form>')),
    ("lookup", "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html",
     doc("Tra cứu hồ sơ", "<h1>Tra cứu hồ sơ</h1>")),
    ("lookup", "https://dvc.example.gov.vn/vi/dossier/search/ho-so", ""),
    ("lookup", "https://dvc.example.gov.vn/page?p=7",
     doc("Tiến độ", '<h2>Nhập mã</h2><form><label for="c">Mã hồ sơ</label>'
                    '<input id="c" name="code"></form>')),
    ("login", "https://dichvucong.example.gov.vn/dang-nhap",
     doc("Đăng nhập", '<form><input name="u"><input type="password" name="p"></form>')),
    ("login", "https://x.gov.vn/c/portal/login", ""),
    ("login", "https://sso.x.gov.vn/auth/realms/dvc/protocol/openid-connect/auth?client_id=a", ""),
    ("payment", "https://dichvucong.hatinh.gov.vn/portaldvc/thanh-toan",
     doc("Thanh toán", "<h1>Thanh toán trực tuyến</h1>")),
    ("payment", "https://x.gov.vn/p/home/dvc-thanh-toan-truc-tuyen.html", ""),
    ("rating", "https://x.gov.vn/danh-gia-su-hai-long",
     doc("Đánh giá", '<h1>Đánh giá sự hài lòng</h1><label><input type="radio"> Rất hài lòng'
                     '</label><label><input type="radio"> Hài lòng</label>'
                     '<label><input type="radio"> Chưa hài lòng</label>')),
    ("rating", "https://x.gov.vn/khao-sat", doc("Khảo sát", "<h1>Khảo sát ý kiến</h1>")),
    ("feedback", "https://x.gov.vn/phan-anh-kien-nghi",
     doc("Phản ánh, kiến nghị", "<h1>Phản ánh, kiến nghị</h1>")),
    ("feedback", "https://x.gov.vn/gop-y", doc("Góp ý", "<h1>Gửi góp ý</h1>")),
    ("faq", "https://x.gov.vn/hoi-dap", doc("Hỏi đáp", "<h1>Hỏi đáp</h1>")),
    ("faq", "https://x.gov.vn/cau-hoi-thuong-gap",
     doc("Câu hỏi thường gặp", "<h1>Câu hỏi thường gặp</h1>")),
    ("faq", "https://x.gov.vn/huong-dan-su-dung", doc("Hướng dẫn", "<h1>Hướng dẫn sử dụng</h1>")),
    ("statistics", "https://dichvucong.hatinh.gov.vn/portaldvc/thong-ke",
     doc("Thống kê", "<h1>Thống kê tình hình giải quyết hồ sơ</h1>")),
    ("statistics", "https://x.gov.vn/bao-cao?nam=2025",
     doc("Báo cáo", "<h1>Tình hình giải quyết TTHC</h1><p>Tiếp nhận 100, đã giải quyết 90, "
                    "đúng hạn 88, tỷ lệ 98%</p>")),
    ("sitemap", "https://x.gov.vn/so-do-trang", doc("Sơ đồ trang", "<h1>Sơ đồ trang</h1>")),
    ("sitemap", "https://x.gov.vn/web/guest/so-do-cong-thong-tin", ""),
    ("contact", "https://x.gov.vn/lien-he", doc("Liên hệ", "<h1>Liên hệ</h1>")),
    ("contact", "https://x.gov.vn/contact", ""),
    ("submission", "https://x.gov.vn/nop-ho-so/12", doc("Nộp hồ sơ", "<h1>Nộp hồ sơ</h1>")),
    ("submission", "https://x.gov.vn/vi/padsvc/apply-online/1.001193", ""),
    ("submission", "https://x.gov.vn/p/home/dvc-nop-ho-so.html?ma_thu_tuc=1.001193",
     doc("Nộp hồ sơ", '<h1>Nộp hồ sơ trực tuyến</h1><form method="post">'
                      '<input type="file" name="tep"></form>')),
    ("home", "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", ""),
    ("home", "https://x.gov.vn/web/guest/home", ""),
    ("home", "https://x.gov.vn/", doc("Trang chủ", "<h2>Dịch vụ công nổi bật</h2>")),
    ("other", "https://x.gov.vn/tin-tuc/ky-hop-thu-10-123",
     doc("Kỳ họp thứ 10", "<h1>Kỳ họp thứ 10 HĐND tỉnh</h1>")),
    ("other", "https://x.gov.vn/gioi-thieu", doc("Giới thiệu", "<h1>Giới thiệu</h1>")),
]


@pytest.mark.parametrize(("expected", "url", "html"), SAMPLES)
def test_samples_are_typed(expected: str, url: str, html: str) -> None:
    page_type, signals = classify(url, html)
    assert page_type == expected, signals
    assert (page_type == "other") == (not signals)


def test_every_page_type_has_a_sample() -> None:
    assert {expected for expected, _, _ in SAMPLES} == set(PAGE_TYPES)


def test_signals_say_what_decided() -> None:
    page_type, signals = classify("https://x.gov.vn/portaldvc/tra-cuu", doc(
        "Tra cứu hồ sơ", '<h1>Tra cứu hồ sơ</h1><form><input name="ma_ho_so"></form>'))
    assert page_type == "lookup"
    assert "url:tra-cuu" in signals and "h1:Tra cứu hồ sơ" in signals
    assert "form:ma_ho_so" in signals
    assert len(signals) <= 5


def test_start_page_is_home_whatever_its_url() -> None:
    assert classify("https://x.gov.vn/vi/", doc("Cổng"), is_home=True)[0] == "home"
    assert classify("https://x.gov.vn/portaldvc/home.aspx", "", is_home=True)[1][0] == \
        "start:home"


@pytest.mark.parametrize("text", ["Tra cứu hồ sơ", "TRA CỨU HỒ SƠ", "Tra cuu ho so",
                                  unicodedata.normalize("NFD", "Tra cứu hồ sơ")])
def test_text_matching_ignores_accents_and_case(text: str) -> None:
    html = doc("Trang", f"<h1>{text}</h1>")
    assert classify("https://x.gov.vn/page-a", html)[0] == "lookup"


def test_d_with_stroke_is_folded() -> None:
    assert fold("ĐĂNG NHẬP Đánh giá") == "dang nhap danh gia"
    assert slug("Phản ánh, kiến nghị") == "phan-anh-kien-nghi"
    assert classify("https://x.gov.vn/a", doc("ĐĂNG NHẬP", "<h1>ĐĂNG NHẬP</h1>"))[0] == "login"


def test_menus_and_site_name_do_not_type_a_page() -> None:
    """Every page's header repeats 'Tra cứu hồ sơ', 'Thanh toán', the portal name and a
    search box: they must not make a news page a look-up, payment or search page."""
    html = doc("Thông báo nghỉ Tết", "<h1>Thông báo nghỉ Tết</h1><p>Nội dung.</p>")
    assert classify("https://x.gov.vn/thong-bao/nghi-tet", html) == ("other", [])


def test_url_cues_of_percent_encoded_and_compact_paths() -> None:
    assert classify("https://x.gov.vn/Tra%20c%E1%BB%A9u%20h%E1%BB%93%20s%C6%A1")[0] == "lookup"
    assert classify("https://x.gov.vn/tracuuhoso.aspx")[0] == "lookup"
    assert classify("https://x.gov.vn/DangNhap.aspx")[0] == "login"


def test_hash_routes_are_read() -> None:
    assert classify("https://x.gov.vn/#/vi/tra-cuu-ho-so")[0] == "lookup"
    assert classify("https://x.gov.vn/#/vi/procedure/1.000123")[0] == "procedure"
    assert url_slug("https://x.gov.vn/a/B%C3%A1o?x=1#/vi/c") == "a/bao/vi/c?x=1"


def test_home_urls() -> None:
    for url in ("https://x/", "https://x/vi", "https://x/web/guest/home",
                "https://x/p/home/dvc-trang-chu.html", "https://x/#/", "https://x/index.html"):
        assert is_home_url(url), url
    for url in ("https://x/p/home/dvc-tra-cuu-ho-so.html", "https://x/?page=2",
                "https://x/thu-tuc/12"):
        assert not is_home_url(url), url


def test_title_parts_naming_the_portal_are_dropped() -> None:
    assert clean_heading("Tra cứu hồ sơ - Cổng Dịch vụ công tỉnh Hà Tĩnh") == "tra-cuu-ho-so"
    assert clean_heading("Cổng DVC tỉnh Hà Tĩnh | Thống kê") == "thong-ke"
    assert clean_heading("Hệ thống thông tin giải quyết TTHC tỉnh Sơn La") == ""


def test_classifier_is_pure() -> None:
    url, html = SAMPLES[0][1], SAMPLES[0][2]
    assert classify(url, html) == classify(url, html)


def test_features_read_main_content_and_forms() -> None:
    features = extract_features(doc("Tra cứu", '<h1>Tra cứu</h1><form action="/tra-cuu">'
                                               '<input name="ma_ho_so"></form>'),
                                "https://x.gov.vn/a/b")
    assert features.h1 == ["Tra cứu"]  # the header's h1 (portal name) is chrome
    assert "ma_ho_so" in features.fields and "keyword" not in features.fields
    assert any(link.url == "https://x.gov.vn/tra-cuu-ho-so" for link in features.links)
    assert [f.url for f in features.get_forms][-1] == "https://x.gov.vn/tra-cuu"
    assert "Điện thoại" not in features.main_text


@pytest.mark.parametrize(("html", "shell"), [
    ('<html><body><app-root></app-root><script src="/main.js"></script></body></html>', True),
    ('<html><body><div id="root"></div><script src="/b.js"></script></body></html>', True),
    ('<html><body><div id="root"><a href="/a">a</a><a href="/b">b</a><a href="/c">c</a></div>'
     '<script src="/b.js"></script></body></html>', False),
    ("<html><body><app-root></app-root></body></html>", False),
    ("<html><body><h1>Trang</h1><p>Nội dung</p></body></html>", False),
])
def test_app_shell_detection(html: str, shell: bool) -> None:
    assert extract_features(html, "https://x/").app_shell is shell


def test_empty_or_broken_html_is_typed_by_url() -> None:
    assert classify("https://x.gov.vn/thong-ke", "")[0] == "statistics"
    assert classify("https://x.gov.vn/thong-ke", "\x00<<<")[0] == "statistics"


def page_html(title: str, h1: str) -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{h1}</h1><p>Nội dung</p>" \
           "</body></html>"


@pytest.mark.parametrize(("url", "h1"), [
    ("https://x.gov.vn/tin-tuc/day-manh-thanh-toan-truc-tuyen-phi-le-phi-123.html",
     "Đẩy mạnh thanh toán trực tuyến phí, lệ phí"),
    ("https://x.gov.vn/news/ket-qua-khao-sat-muc-do-hai-long-nam-2025",
     "Kết quả khảo sát mức độ hài lòng năm 2025"),
    ("https://x.gov.vn/Pages/chi-tiet.aspx?ItemID=55",
     "Hướng dẫn người dân phản ánh, kiến nghị về quy định hành chính qua Cổng dịch vụ công "
     "quốc gia năm 2025"),
])
def test_a_news_article_about_a_feature_is_not_that_feature_s_page(url: str, h1: str) -> None:
    """The shallowest page of a type stands for the feature (payment.offered, ...): an
    article whose headline names it must not."""
    assert classify(url, page_html(h1, h1))[0] == "other"


@pytest.mark.parametrize(("url", "h1", "expected"), [
    ("https://x.gov.vn/thanh-toan", "Thanh toán trực tuyến", "payment"),
    ("https://x.gov.vn/p/home/dvc-thanh-toan-phi-le-phi-ho-so.html",
     "Thanh toán trực tuyến phí, lệ phí hồ sơ", "payment"),
    ("https://x.gov.vn/danh-gia-hai-long", "Đánh giá sự hài lòng", "rating"),
])
def test_a_feature_s_own_page_keeps_its_type(url: str, h1: str, expected: str) -> None:
    assert classify(url, page_html(h1, h1))[0] == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.gov.vn/DanhGiaHaiLong.aspx", "rating"),
    ("https://x.gov.vn/ThanhToanTrucTuyen", "payment"),
    ("https://x.gov.vn/Pages/ThongKe.aspx", "statistics"),
])
def test_camel_case_paths_of_dotnet_portals_are_read_word_by_word(url: str,
                                                                  expected: str) -> None:
    assert classify(url)[0] == expected
