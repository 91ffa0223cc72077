"""`probe report`: a static HTML report that opens offline (no external assets)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from probe import status as statuses
from probe.db.store import Store
from probe.scoring import load_rubric
from probe.tables import BLOCK_NAMES, STATUS_MARK, ranked

TEXT = {
    "vi": {"title": "Báo cáo đánh giá Cổng dịch vụ công", "sweep": "Đợt quét", "rank": "Hạng",
           "agency": "Cơ quan", "grade": "Xếp loại", "score": "Điểm", "vendor": "Doanh nghiệp",
           "status": "Trạng thái", "average": "Điểm trung bình", "distribution":
           "Tỷ lệ mức độ xếp hạng", "item": "Mục", "result": "Kết quả", "reason": "Lý do",
           "fix": "Cách khắc phục", "evidence": "Bằng chứng", "other": "English",
           "rubric": "Bộ tiêu chí", "groups": "Nhóm tiêu chí", "handover": "Chuyển sang"},
    "en": {"title": "Public-service portal evaluation report", "sweep": "Sweep", "rank": "Rank",
           "agency": "Agency", "grade": "Grade", "score": "Score", "vendor": "Vendor",
           "status": "Status", "average": "Average score", "distribution":
           "Grade distribution", "item": "Item", "result": "Result", "reason": "Reason",
           "fix": "How to fix", "evidence": "Evidence", "other": "Tiếng Việt",
           "rubric": "Rubric", "groups": "Groups", "handover": "Handed over to"},
}


def _environment() -> Environment:
    return Environment(loader=PackageLoader("probe", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def _agency_sections(store: Store, sweep_id: str, rubric: str,
                     lang: str) -> list[dict[str, Any]]:
    judged = load_rubric(rubric)
    sections = []
    for run in store.runs(sweep_id):
        scored = store.score(run.id, rubric)
        if scored is None:
            continue
        items = [_item_view(item, judged, lang) for item in scored["items"]]
        names = {g.id: (g.name_vi if lang == "vi" else g.name_en) for g in judged.groups}
        sections.append({"run": run, "score": scored, "item_rows": items, "group_names": names,
                         "status_label": statuses.label(run.status, lang)})
    return sections


def _item_view(item: dict[str, Any], judged: Any, lang: str) -> dict[str, Any]:
    spec = judged.item(item["id"])
    return {**item,
            "title": spec.title_vi if lang == "vi" else spec.title_en,
            "fix": (spec.remediation_vi if lang == "vi" else spec.remediation_en)
            if item["status"] not in ("pass", "attested") else "",
            "reason_text": item["reason"] if lang == "vi" else item.get("reason_en") or "",
            "mark": STATUS_MARK.get(item["status"], item["status"])}


def write_report(store: Store, sweep_id: str, rubric: str, out_dir: Path,
                 lang: str = "vi") -> Path:
    """Write index.html (Vietnamese) and index.en.html (English); return the chosen one."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sweep = store.sweep(sweep_id)
    tables = ranked(store, sweep_id, rubric, None)
    template = _environment().get_template("report.html")
    for code, name in (("vi", "index.html"), ("en", "index.en.html")):
        html = template.render(
            t=TEXT[code], lang=code, sweep=sweep, rubric=rubric, tables=tables,
            block_names=BLOCK_NAMES, other_page="index.en.html" if code == "vi" else "index.html",
            agencies=_agency_sections(store, sweep_id, rubric, code))
        (out_dir / name).write_text(html, encoding="utf-8")
    css = Path(__file__).parent / "templates" / "report.css"
    shutil.copyfile(css, out_dir / "report.css")
    return out_dir / ("index.html" if lang == "vi" else "index.en.html")
