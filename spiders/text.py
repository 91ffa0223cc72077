"""Accent-insensitive Vietnamese text helpers: fold diacritics (and đ) for matching."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
# đ/Đ, and Ð/ð, their look-alikes in legacy-converted text, all read as d
D_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})


def fold(text: str) -> str:
    """Lower-case `text` and strip Vietnamese diacritics, including đ/Đ -> d (and Ð/ð, the
    look-alikes of legacy-converted text)."""
    text = text.translate(D_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def slug(text: str) -> str:
    """`text` folded to a-z0-9 words joined by '-': 'Tra cứu hồ sơ' -> 'tra-cuu-ho-so'."""
    return _NON_WORD.sub("-", fold(text)).strip("-")


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and trim."""
    return _SPACES.sub(" ", text).strip()


def short(text: str, limit: int = 60) -> str:
    """`text` squashed and cut to `limit` characters (with an ellipsis when cut)."""
    text = squash(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
