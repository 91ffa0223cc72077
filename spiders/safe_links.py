"""What a read-only probe must not follow or send: the words and URL shapes of writing
(submitting, paying, rating, voting, giving feedback), shared by the crawler and the checks.

A link is followed with a GET, which should change nothing; legacy portals still cast a poll's
vote or a satisfaction rating from a plain link ('/BinhChon?ykien=1', a "Rất hài lòng" link).
The crawler and the checks skip such links, and the checks send only forms that read.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from spiders.text import fold

WRITE_PHRASES = ("nộp", "gửi", "gởi", "đăng ký", "thanh toán", "đánh giá", "góp ý", "phản ánh",
                 "đăng nhập", "lưu", "xác nhận", "bình chọn", "khảo sát", "đồng ý", "hoàn tất",
                 "submit", "send", "pay", "payment", "checkout", "login", "register", "save",
                 "vote", "rate", "rating", "feedback", "survey", "cập nhật", "xóa", "xoá",
                 "delete", "nộp hồ sơ")
# The answers of a satisfaction scale or poll: a link labelled so casts that answer.
ANSWER_LABELS = frozenset(fold(label) for label in (
    "rất hài lòng", "hài lòng", "chưa hài lòng", "không hài lòng", "rất không hài lòng",
    "bình thường", "tạm hài lòng"))
# Words of a URL that, with a query string, make a link a vote or a rating being cast.
VOTE_WORDS = ("binh chon", "bieu quyet", "vote", "poll", "rating", "rate", "danh gia",
              "khao sat", "y kien", "hai long")
# Query keys that only page through or present a list ('/danh-gia?page=2').
_BROWSING_KEYS = frozenset({"page", "trang", "p", "pageindex", "pagenumber", "pageno",
                            "page_no", "pagenum", "currentpage", "offset", "start", "lang",
                            "sort", "order", "pagesize"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def url_words(url: str) -> str:
    """A URL (or form action) as words: CamelCase and every separator split, diacritics
    folded ('/DanhGia/Create?x=1' -> 'danh gia create x 1')."""
    return _NOT_ALNUM.sub(" ", fold(_CAMEL.sub(" ", url))).strip()


def names_a_write(text: str) -> bool:
    """Whether `text` (a button, a form's name) says it writes: send, pay, rate, vote..."""
    return _whole_words(WRITE_PHRASES).search(_NOT_ALNUM.sub(" ", fold(text))) is not None


def writes_by_url(url: str) -> bool:
    """Whether a URL or form action names a writing endpoint, as words or run together
    ('/danhgiahailong.aspx')."""
    words = url_words(url)
    return names_a_write(words) or any(joined in token for token in words.split()
                                       for joined in _run_together(WRITE_PHRASES))


def casts_a_vote(text: str, url: str) -> bool:
    """Whether following this link would cast a vote or a rating: it is labelled as one
    answer of a scale, or its URL has a query and names a vote or a rating."""
    if _NOT_ALNUM.sub(" ", fold(text)).strip() in ANSWER_LABELS:
        return True
    parts = urlsplit(url)
    keys = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if not parts.query or keys <= _BROWSING_KEYS:  # a list's next page is no vote
        return False
    words = url_words(f"{parts.path} {parts.query}")
    return _whole_words(VOTE_WORDS).search(words) is not None or any(
        joined in token for token in words.split() for joined in _run_together(VOTE_WORDS))


@lru_cache(maxsize=8)
def _whole_words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({_NOT_ALNUM.sub(" ", fold(p)).strip() for p in phrases}, key=len,
                   reverse=True)
    return re.compile(rf"(?<![a-z0-9])(?:{'|'.join(map(re.escape, words))})(?![a-z0-9])")


@lru_cache(maxsize=8)
def _run_together(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The phrases of several words, written as one ('danh gia' -> 'danhgia')."""
    return tuple(sorted({fold(p).replace(" ", "") for p in phrases if " " in fold(p)}))
