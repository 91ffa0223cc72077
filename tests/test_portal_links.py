"""Portal link scoring, directory parsing and the finder's network guard: pure, no sockets."""

from __future__ import annotations

import asyncio

import pytest

from probe.context import ProbeSettings
from probe.polite import PoliteClient
from probe.portal_links import (
    Link,
    directory_entries,
    extract_links,
    fold,
    portal_candidates,
    portal_host_signal,
    text_signal,
    url_signals,
)

HOME = "https://hanoi.example/"
NATIONAL = ("dichvucong.gov.vn",)


def page(*anchors: str) -> str:
    return f"<html><body><nav>{''.join(anchors)}</nav></body></html>"


def best(html: str, home: str = HOME) -> str | None:
    """The URL of the best candidate on a page, or None."""
    found = portal_candidates(extract_links(html, home), home, NATIONAL,
                              ("xacthuc.dichvucong.gov.vn",))
    return found[0].url if found else None


def test_fold_strips_vietnamese_diacritics() -> None:
    assert fold("  CỔNG  Dịch vụ công  Đà Nẵng ") == "cong dich vu cong da nang"


@pytest.mark.parametrize(("text", "weight"), [
    ("Dịch vụ công", 3.0), ("Cổng Dịch vụ công", 4.0), ("DỊCH VỤ CÔNG TRỰC TUYẾN", 4.0),
    ("Một cửa điện tử", 3.0), ("Thủ tục hành chính", 2.0), ("Cổng DVC", 4.0),
    ("Giới thiệu", 0.0), ("Cổng thông tin điện tử Chính phủ", 0.0),
    ("Đẩy mạnh triển khai dịch vụ công trực tuyến toàn trình trên địa bàn trong năm 2025", 1.0),
])
def test_text_signal_weights_labels_and_discounts_headlines(text: str, weight: float) -> None:
    assert text_signal(text)[0] == weight


@pytest.mark.parametrize(("url", "evidence"), [
    ("https://dichvucong.hanoi.gov.vn/", "host dichvucong.*"),
    ("https://dichvucongbyt.moh.gov.vn/", "host dichvucong.*"),
    ("https://dichvucong-tthc.moit.gov.vn/", "host dichvucong.*"),
    ("https://dvc.moc.gov.vn/", "host dvc.*"),
    ("https://motcua.laocai.gov.vn/", "host motcua.*"),
    ("https://x.gov.vn/portaldvc/home", "path /portaldvc"),
    ("https://moh.gov.vn/web/guest/dich-vu-cong", "path /web/guest/dich-vu-cong"),
])
def test_url_signals_know_real_portal_patterns(url: str, evidence: str) -> None:
    weight, signals = url_signals(url)
    assert weight >= 2 and evidence in signals


def test_news_and_files_count_against_a_link() -> None:
    assert url_signals("https://x.gov.vn/tin-tuc/dich-vu-cong-2025.html")[0] < 0
    assert url_signals("https://x.gov.vn/upload/dichvucong.pdf")[0] < 0
    assert portal_host_signal("https://dvc.moet.gov.vn/") == "host dvc.*"
    assert portal_host_signal("https://dvcx.example/") == ""


def test_a_menu_label_beats_news_headlines_and_the_national_banner() -> None:
    html = page(
        '<a href="/tin-tuc/a.html">Đẩy mạnh triển khai dịch vụ công trực tuyến toàn trình '
        "trên địa bàn thành phố năm 2025</a>",
        '<a href="https://dichvucong.gov.vn/p/home/dvc-trang-chu.html">'
        '<img alt="Cổng Dịch vụ công Quốc gia" src="b.png"></a>',
        '<a href="https://xacthuc.dichvucong.gov.vn/">Dịch vụ công - đăng nhập</a>',
        '<a href="https://dichvucong.hanoi.gov.vn/">Dịch vụ công</a>')
    assert best(html) == "https://dichvucong.hanoi.gov.vn/"


def test_alt_title_and_base_href_give_the_link_its_text() -> None:
    html = ('<html><head><base href="https://moh.example/sub/"></head><body>'
            '<a href="dvc" title="Cổng dịch vụ công Bộ Y tế"><i class="icon"></i></a></body>'
            "</html>")
    links = extract_links(html, HOME)
    assert [(link.url, link.text) for link in links] == [
        ("https://moh.example/sub/dvc", "Cổng dịch vụ công Bộ Y tế")]
    assert best(html) == "https://moh.example/sub/dvc"


def test_only_the_national_portal_means_a_hand_over_candidate() -> None:
    html = page('<a href="https://dichvucong.gov.vn/">Dịch vụ công trực tuyến</a>',
                '<a href="/gioi-thieu">Giới thiệu</a>')
    found = portal_candidates(extract_links(html, HOME), HOME, NATIONAL)
    assert [(c.url, c.national) for c in found] == [("https://dichvucong.gov.vn/", True)]


def test_a_page_without_a_portal_link_gives_no_candidate() -> None:
    html = page('<a href="/thu-tuc-hanh-chinh">Thủ tục hành chính</a>',  # own section: weak
                '<a href="mailto:a@b.vn">Dịch vụ công</a>', '<a href="#dvc">Dịch vụ công</a>',
                '<a href="/tin-tuc/huong-dan.html">Hướng dẫn người dân nộp hồ sơ thủ tục '
                "hành chính qua mạng điện tử</a>")
    assert best(html) is None


def test_directory_reads_tables_lists_and_drop_downs() -> None:
    here = "https://dichvucong.gov.vn/p/home/danh-ba.html"
    html = (
        '<a href="/p/home/dvc-trang-chu.html">Trang chủ</a>'
        '<a href="https://xacthuc.dichvucong.gov.vn/">Đăng nhập</a>'
        '<table><tr><td>Bộ Y tế</td><td><a href="https://dichvucongbyt.moh.gov.vn/">'
        "dichvucongbyt.moh.gov.vn</a></td></tr></table>"
        '<ul><li><a href="https://dichvucong.hanoi.gov.vn/">Cổng Dịch vụ công thành phố '
        "Hà Nội</a></li></ul>"
        '<select><option value="">-- Chọn --</option>'
        '<option value="https://dichvucong.angiang.gov.vn/">Tỉnh An Giang</option>'
        '<option value="https://dichvucong.hanoi.gov.vn/x">Thành phố Hà Nội</option></select>'
        '<a href="https://chinhphu.example/">Cổng Thông tin điện tử Chính phủ</a>')
    entries = directory_entries(extract_links(html, here), here, ("xacthuc.dichvucong.gov.vn",))
    assert entries == {"Bộ Y tế": "https://dichvucongbyt.moh.gov.vn/",
                       "Thành phố Hà Nội": "https://dichvucong.hanoi.gov.vn/",
                       "Tỉnh An Giang": "https://dichvucong.angiang.gov.vn/"}


def test_directory_link_names_fall_back_to_the_row() -> None:
    link = Link("https://dvc.moet.gov.vn/", "dvc.moet.gov.vn", "a", 0, "Bộ Giáo dục và Đào tạo")
    assert directory_entries([link], "https://dichvucong.gov.vn/") == {
        "Bộ Giáo dục và Đào tạo": "https://dvc.moet.gov.vn/"}


@pytest.mark.parametrize(("url", "status", "says"), [
    # a real host: never contacted, and the probe's own limit, not the portal's failure
    ("https://dichvucong.hanoi.gov.vn/", "probe_error", "PROBE_NETWORK=open"),
    ("https://127.0.0.1.nip.example/", "dns_error", "not resolved"),  # resolves nowhere
    ("ftp://127.0.0.1/", "probe_error", "not an http(s) URL"),
])
def test_a_loopback_only_finder_refuses_other_hosts_without_connecting(
        url: str, status: str, says: str) -> None:
    async def fetch() -> tuple[str, str, int]:
        async with PoliteClient(ProbeSettings(allow_private=True)) as client:
            fetched = await client.get(url)
            return fetched.status, fetched.detail, client.requests

    found, detail, requests = asyncio.run(fetch())
    assert (found, requests) == (status, 0) and says in detail


def test_private_addresses_need_allow_private() -> None:
    client = PoliteClient(ProbeSettings(loopback_only=True, allow_private=False))
    refused = client.refusal("https://127.0.0.1:8443/")
    asyncio.run(client.__aexit__(None, None, None))
    assert refused is not None and "private" in refused[1]



def test_a_body_that_looks_like_a_url_is_read_as_a_page_without_a_warning() -> None:
    """bs4 warns when markup resembles a URL or file name; a portal answering with just that
    is a page to read, and the warning would reach the user's terminal. Run as a user's
    process runs, with every warning made an error (pytest's own filters would hide it)."""
    import subprocess
    import sys

    code = ("from probe.portal_links import extract_links\n"
            "for body in ('https://dichvucong.gov.vn/', 'index.html'):\n"
            "    assert extract_links(body, 'https://a.gov.vn/') == []\n")
    done = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
