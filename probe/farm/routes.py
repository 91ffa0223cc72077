"""URL schemes of the portal families the farm imitates: section name <-> URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

SECTIONS = ("home", "catalogue", "online", "procedure", "submission", "search", "lookup",
            "payment", "rating", "feedback", "faq", "guides", "statistics", "sitemap", "intro",
            "login", "calendar", "news", "article", "documents", "contact")


@dataclass(frozen=True)
class Routes:
    """One URL scheme: a template per section; '{ma}' marks the procedure key."""

    templates: dict[str, str]
    search_param: str = "q"

    def url(self, section: str, ma: str = "", **query: str | int) -> str:
        """The path (and query) of `section`; extra keyword arguments become query fields."""
        path = self.templates[section].replace("{ma}", ma)
        extra = urlencode({k: v for k, v in query.items() if v not in ("", None)})
        if not extra:
            return path
        return f"{path}{'&' if '?' in path else '?'}{extra}"

    def match(self, path: str, query: dict[str, str]) -> tuple[str, str] | None:
        """(section, procedure key) for a request path and its query, or None."""
        for section, template in self.templates.items():
            key = _match_one(template, path, query)
            if key is not None:
                return section, key
        return None


def _match_one(template: str, path: str, query: dict[str, str]) -> str | None:
    tpath, _, tquery = template.partition("?")
    if "{ma}" in tpath:
        pattern = "^" + re.escape(tpath).replace(re.escape("{ma}"), r"(?P<ma>[^/]+)") + "$"
        found = re.match(pattern, path)
        return found.group("ma") if found else None
    if path != tpath:
        return None
    if "{ma}" in tquery:
        name = tquery.split("=", 1)[0]
        return query.get(name) or None
    return ""


STYLES: dict[str, Routes] = {
    # eForm-style portals (/nop-ho-so/<n>).
    "eform": Routes({
        "home": "/", "catalogue": "/thu-tuc-hanh-chinh", "online": "/dich-vu-cong-truc-tuyen",
        "procedure": "/thu-tuc/{ma}", "submission": "/nop-ho-so/{ma}", "search": "/tim-kiem",
        "lookup": "/tra-cuu-ho-so", "payment": "/thanh-toan-truc-tuyen",
        "rating": "/danh-gia-su-hai-long", "feedback": "/phan-anh-kien-nghi", "faq": "/hoi-dap",
        "guides": "/huong-dan-su-dung", "statistics": "/thong-ke", "sitemap": "/so-do-trang",
        "intro": "/gioi-thieu", "login": "/dang-nhap",
        "calendar": "/lich-tiep-cong-dan?thang={ma}",
        "news": "/tin-tuc", "article": "/tin-tuc/{ma}", "documents": "/van-ban",
        "contact": "/lien-he",
    }),
    # .NET portals (/portaldvc/...).
    "portaldvc": Routes({
        "home": "/", "catalogue": "/portaldvc/danh-muc-tthc",
        "online": "/portaldvc/dvc-truc-tuyen", "procedure": "/portaldvc/chi-tiet-tthc?ma={ma}",
        "submission": "/portaldvc/nop-ho-so?ma={ma}", "search": "/portaldvc/tim-kiem",
        "lookup": "/portaldvc/tra-cuu", "payment": "/portaldvc/thanh-toan",
        "rating": "/portaldvc/danh-gia", "feedback": "/portaldvc/phan-anh-kien-nghi",
        "faq": "/portaldvc/hoi-dap", "guides": "/portaldvc/huong-dan",
        "statistics": "/portaldvc/thong-ke", "sitemap": "/portaldvc/so-do-cong",
        "intro": "/portaldvc/gioi-thieu", "login": "/portaldvc/dang-nhap",
        "calendar": "/portaldvc/lich-tiep-cong-dan?thang={ma}",
        "news": "/portaldvc/tin-tuc", "article": "/portaldvc/tin-tuc/chi-tiet?id={ma}",
        "documents": "/portaldvc/van-ban", "contact": "/portaldvc/lien-he",
    }, search_param="keyword"),
    # Liferay portals (/web/guest/...).
    "liferay": Routes({
        "home": "/", "catalogue": "/web/guest/thu-tuc-hanh-chinh",
        "online": "/web/guest/dich-vu-cong-truc-tuyen",
        "procedure": "/web/guest/thu-tuc-hanh-chinh/-/tthc/{ma}",
        "submission": "/web/guest/nop-ho-so/-/dvc/{ma}", "search": "/web/guest/tim-kiem",
        "lookup": "/web/guest/tra-cuu-ho-so", "payment": "/web/guest/thanh-toan-truc-tuyen",
        "rating": "/web/guest/danh-gia", "feedback": "/web/guest/phan-anh-kien-nghi",
        "faq": "/web/guest/hoi-dap", "guides": "/web/guest/huong-dan-su-dung",
        "statistics": "/web/guest/thong-ke", "sitemap": "/web/guest/so-do-cong-thong-tin",
        "intro": "/web/guest/gioi-thieu", "login": "/c/portal/login",
        "calendar": "/web/guest/lich-tiep-cong-dan?thang={ma}",
        "news": "/web/guest/tin-tuc", "article": "/web/guest/tin-tuc/-/asset/{ma}",
        "documents": "/web/guest/van-ban", "contact": "/web/guest/lien-he",
    }),
    # The national portal (dichvucong.gov.vn/p/home/...).
    "national": Routes({
        "home": "/p/home/dvc-trang-chu.html",
        "catalogue": "/p/home/dvc-thu-tuc-hanh-chinh.html",
        "online": "/p/home/dvc-dich-vu-cong-truc-tuyen.html",
        "procedure": "/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={ma}",
        "submission": "/p/home/dvc-nop-ho-so.html?ma_thu_tuc={ma}",
        "search": "/p/home/dvc-danh-muc-dich-vu-cong.html",
        "lookup": "/p/home/dvc-tra-cuu-ho-so.html",
        "payment": "/p/home/dvc-thanh-toan-truc-tuyen.html",
        "rating": "/p/home/dvc-danh-gia.html", "feedback": "/p/home/dvc-phan-anh-kien-nghi.html",
        "faq": "/p/home/dvc-hoi-dap.html", "guides": "/p/home/dvc-huong-dan-su-dung.html",
        "statistics": "/p/home/dvc-thong-ke.html", "sitemap": "/p/home/dvc-so-do-cong.html",
        "intro": "/p/home/dvc-gioi-thieu.html", "login": "/p/home/dvc-dang-nhap.html",
        "calendar": "/p/home/dvc-lich-tiep-cong-dan.html?thang={ma}",
        "news": "/p/home/dvc-tin-tuc.html", "article": "/p/home/dvc-tin-tuc-chi-tiet.html?id={ma}",
        "documents": "/p/home/dvc-van-ban.html", "contact": "/p/home/dvc-lien-he.html",
    }, search_param="search"),
}
