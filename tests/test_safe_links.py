"""The read-only vocabulary the crawler and the checks share: links that cast a vote and
form actions that write are never followed or sent."""

from __future__ import annotations

import pytest

from spiders.features import extract_features
from spiders.safe_links import casts_a_vote, names_a_write, url_words, writes_by_url


@pytest.mark.parametrize(("text", "url", "votes"), [
    ("Rất hài lòng", "https://x.gov.vn/KhaoSat/BinhChon?ykien=1", True),
    ("Hài lòng", "https://x.gov.vn/anything", True),  # a scale's answer, wherever it goes
    ("  chưa hài lòng. ", "https://x.gov.vn/a", True),
    ("Kết quả", "https://x.gov.vn/poll.aspx?id=4&answer=2", True),
    ("Gửi", "https://x.gov.vn/DanhGia?muc=1", True),
    ("", "https://x.gov.vn/danhgia.aspx?diem=5", True),
    ("Đánh giá sự hài lòng", "https://x.gov.vn/danh-gia-hai-long", False),  # the page itself
    ("Kết quả đánh giá", "https://x.gov.vn/ket-qua-danh-gia", False),
    ("Thủ tục", "https://x.gov.vn/thu-tuc?page=2", False),
    ("Tra cứu", "https://x.gov.vn/tra-cuu?ma=G22", False),
    ("2", "https://x.gov.vn/danh-gia?page=2", False),  # a ratings list's next page
    ("Sau", "https://x.gov.vn/KhaoSat?trang=3&lang=vi", False),
    ("2", "https://x.gov.vn/danh-gia?page=2&diem=5", True),
])
def test_a_link_that_would_cast_a_vote(text: str, url: str, votes: bool) -> None:
    assert casts_a_vote(text, url) is votes


def test_write_words_in_names_and_urls() -> None:
    assert url_words("/DanhGia/Create?x=1") == "danh gia create x 1"
    assert names_a_write("Gởi ý kiến") and names_a_write("ÐĂNG KÝ")
    assert not names_a_write("Tìm kiếm") and not names_a_write("Tra cứu hồ sơ")
    assert writes_by_url("/binhchon.aspx") and writes_by_url("/Payment/Checkout")
    assert not writes_by_url("/TraCuu/KetQua") and not writes_by_url("/search?q=a")


def test_the_crawler_follows_a_search_form_not_a_vote_form() -> None:
    html = """<html><body>
      <form method="get" action="/tim-kiem"><input name="q"><button>Tìm kiếm</button></form>
      <form method="get" action="/BinhChon"><input type="radio" name="y" value="1" checked>
        <button>Bình chọn</button></form>
      <form method="get" action="/ket-qua"><input type="image" alt="x"><button>Gửi</button></form>
      <a href="/BinhChon?ykien=1">Rất hài lòng</a>
    </body></html>"""
    features = extract_features(html, "https://x.gov.vn/")
    assert [link.url for link in features.get_forms] == ["https://x.gov.vn/tim-kiem"]
