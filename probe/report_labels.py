"""Every label a reader of the HTML report sees, in Vietnamese and English."""

from __future__ import annotations

LANGS = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Báo cáo đánh giá Cổng dịch vụ công", "sweep": "Đợt quét",
        "single_run": "Lượt kiểm tra riêng",
        "rubric": "Bộ tiêu chí", "generated": "Tạo lúc", "other": "English",
        "judged_now": "lượt được chấm khi lập báo cáo, chưa lưu điểm",
        "other_lang": "en", "skip": "Bỏ qua, đến nội dung chính",
        "nav": "Mục lục báo cáo", "nav_summary": "Tổng quan toàn quốc",
        "nav_vendors": "Theo doanh nghiệp", "summary": "Tổng quan toàn quốc",
        "averages": "Điểm trung bình theo khối", "distribution": "Tỷ lệ mức độ xếp hạng",
        "ranking": "Bảng xếp hạng", "rank": "Hạng", "agency": "Cơ quan", "grade": "Xếp loại",
        "score": "Điểm", "vendor": "Doanh nghiệp", "status": "Trạng thái",
        "count": "Số cơ quan", "average": "Điểm trung bình", "unranked": "Chưa xếp hạng",
        "unranked_note": "Không đo được mục nào nên không xếp hạng.",
        "exports": "Tải dữ liệu", "exports_note": "Các bảng trên dưới dạng tệp:",
        "published": "Bảng đã công bố (nhập từ tệp), không có kết quả đo chi tiết.",
        "no_runs": "Đợt quét chưa có kết quả được chấm điểm.",
        "band": "Ngưỡng xếp loại", "block": "Khối", "percent": "Tỷ lệ", "agencies_word": "cơ quan",
        "total": "Tổng điểm", "groups": "Điểm theo nhóm tiêu chí", "group": "Nhóm tiêu chí",
        "points": "Điểm đạt", "max": "Tối đa", "items_heading": "Các mục tiêu chí", "item": "Mục",
        "result": "Kết quả", "reason": "Lý do", "fix": "Cách khắc phục",
        "evidence": "Bằng chứng", "no_evidence": "Không có quan sát kèm theo.",
        "observation": "Quan sát", "page": "Trang", "value": "Giá trị", "outcome": "Kết quả đo",
        "detail": "Chi tiết", "screenshot": "Ảnh chụp màn hình", "full_size": "mở cỡ đầy đủ",
        "files": "Tệp bằng chứng", "axe": "Lỗi truy cập (axe)", "rule": "Quy tắc",
        "impact": "Mức độ", "nodes": "Số phần tử", "selectors": "Bộ chọn (selector)",
        "snippet": "Mã HTML", "timing": "Phân bố thời gian các lần đo", "runs": "Các lần đo",
        "median": "Trung vị", "min": "Nhỏ nhất", "max_value": "Lớn nhất",
        "recoverable": "Điểm có thể khôi phục",
        "recoverable_note": "Các mục chưa đạt, xếp theo số điểm có thể lấy lại khi khắc phục. "
                            "Cột cuối là tổng điểm và xếp loại nếu khắc phục mục đó và mọi mục "
                            "phía trên.",
        "gain_item": "Điểm mục", "gain_total": "Tăng tổng điểm", "after": "Sau khắc phục",
        "nothing_to_fix": "Không còn mục nào bị mất điểm.",
        "unread_portal": "Cổng không trả lời được khi đo: đây là việc cần sửa trước. Chưa mục "
                         "nào được chấm theo nội dung của cổng cho đến khi cổng truy cập được; "
                         "các mục dưới đây chỉ ghi lại lỗi đó.",
        "unread_probe": "Lỗi của công cụ đo, không phải của cổng: đợt quét sau đo lại. Các mục "
                        "chưa đo được không tính vào tổng điểm.",
        "unmeasured_note": "mục chưa đo được không tính vào tổng điểm",
        "history": "Điểm qua các đợt quét", "date": "Ngày", "source": "Nguồn",
        "source_probe": "đo", "source_published": "công bố", "history_none":
            "Chưa có đợt quét trước.",
        "history_older": "đợt cũ hơn có trên biểu đồ, không liệt kê ở bảng; xem hết bằng",
        "pages": "Trang đã lập sơ đồ", "type": "Loại", "depth": "Độ sâu", "page_title":
            "Tiêu đề trang", "handover": "Chuyển sang", "portal": "Cổng",
        "common": "Lỗi phổ biến nhất",
        "common_note": "Các mục làm mất nhiều điểm nhất trên toàn quốc, kèm cách khắc phục.",
        "common_unread": "cơ quan có cổng không truy cập được khi đo không được tính ở đây: "
                         "việc cần làm trước của họ là làm cho cổng trả lời.",
        "agencies_lost": "Số cơ quan mất điểm", "points_lost": "Tổng điểm bị mất",
        "back": "Về tổng quan", "vendors": "Theo doanh nghiệp xây dựng cổng",
        "vendors_note": "Điểm các cổng theo doanh nghiệp xây dựng/vận hành nền tảng.",
        "portals": "Số cổng", "best": "Cao nhất", "worst": "Thấp nhất",
        "unknown_vendor": "Không rõ", "duration": "Thời gian đo", "runs_of": "lần đo",
        "chart_averages": "Biểu đồ điểm trung bình theo khối",
        "chart_distribution": "Biểu đồ tỷ lệ xếp loại",
        "chart_groups": "Biểu đồ điểm theo nhóm tiêu chí",
        "chart_history": "Biểu đồ tổng điểm qua các đợt quét",
        "chart_averages_over_time": "Biểu đồ điểm trung bình qua các đợt quét",
        "averages_over_time": "Điểm trung bình qua các đợt quét",
        "chart_vendors": "Biểu đồ xếp loại theo doanh nghiệp",
        "chart_timing": "Biểu đồ thời gian đo",
    },
    "en": {
        "title": "Public-service portal evaluation report", "sweep": "Sweep",
        "single_run": "Single run",
        "rubric": "Rubric", "generated": "Generated", "other": "Tiếng Việt",
        "judged_now": "runs judged while this report was made, scores not stored",
        "other_lang": "vi", "skip": "Skip to main content",
        "nav": "Report contents", "nav_summary": "National summary",
        "nav_vendors": "By vendor", "summary": "National summary",
        "averages": "Average score per block", "distribution": "Grade distribution",
        "ranking": "Ranking", "rank": "Rank", "agency": "Agency", "grade": "Grade",
        "score": "Score", "vendor": "Vendor", "status": "Status",
        "count": "Agencies", "average": "Average score", "unranked": "Not ranked",
        "unranked_note": "Nothing could be measured, so these are not ranked.",
        "exports": "Download data", "exports_note": "The tables above as files:",
        "published": "A published table (imported from a file), without detailed results.",
        "no_runs": "The sweep has no scored results yet.",
        "band": "Grade threshold", "block": "Block", "percent": "Share",
        "agencies_word": "agencies",
        "total": "Total", "groups": "Points per criteria group", "group": "Criteria group",
        "points": "Points", "max": "Maximum", "items_heading": "Rubric items", "item": "Item",
        "result": "Result", "reason": "Reason", "fix": "How to fix",
        "evidence": "Evidence", "no_evidence": "No observation attached.",
        "observation": "Observation", "page": "Page", "value": "Value", "outcome": "Outcome",
        "detail": "Detail", "screenshot": "Screenshot", "full_size": "open full size",
        "files": "Evidence files", "axe": "Accessibility violations (axe)", "rule": "Rule",
        "impact": "Impact", "nodes": "Elements", "selectors": "Selectors",
        "snippet": "HTML", "timing": "Timing distribution of the runs", "runs": "Runs",
        "median": "Median", "min": "Minimum", "max_value": "Maximum",
        "recoverable": "Recoverable points",
        "recoverable_note": "Items that lost points, ordered by the points a fix recovers. "
                            "The last column is the total and grade once that item and every "
                            "item above it are fixed.",
        "gain_item": "Item points", "gain_total": "Total gain", "after": "After the fix",
        "nothing_to_fix": "No item lost points.",
        "unread_portal": "The portal could not be read when measured: fix this first. No item "
                         "is judged on the portal's content until it can be read; the items "
                         "below only record that failure.",
        "unread_probe": "A failure on the probe's side, not the portal's: the next sweep "
                        "measures again. Unmeasured items are left out of the total.",
        "unmeasured_note": "unmeasured items are left out of the total",
        "history": "Score over past sweeps", "date": "Date", "source": "Source",
        "source_probe": "probed", "source_published": "published", "history_none":
            "No earlier sweep.",
        "history_older": "older sweeps are in the chart, not listed in the table; all of them:",
        "pages": "Mapped pages", "type": "Type", "depth": "Depth", "page_title": "Page title",
        "handover": "Handed over to", "portal": "Portal",
        "common": "Most common problems",
        "common_note": "The items that cost the most points nationally, with how to fix them.",
        "common_unread": "agencies whose portals could not be read are not counted here: what "
                         "they must do first is make their portal answer.",
        "agencies_lost": "Agencies losing points", "points_lost": "Points lost in all",
        "back": "Back to the summary", "vendors": "By portal vendor",
        "vendors_note": "Portal scores by the company that builds or runs the platform.",
        "portals": "Portals", "best": "Best", "worst": "Worst",
        "unknown_vendor": "Unknown", "duration": "Probe time", "runs_of": "runs",
        "chart_averages": "Chart of the average score per block",
        "chart_distribution": "Chart of the grade distribution",
        "chart_groups": "Chart of the points per criteria group",
        "chart_history": "Chart of the total over past sweeps",
        "chart_averages_over_time": "Chart of the average score over past sweeps",
        "averages_over_time": "Average score over past sweeps",
        "chart_vendors": "Chart of grades per vendor",
        "chart_timing": "Chart of timed runs",
    },
}

ITEM_STATUS: dict[str, tuple[str, str]] = {
    "pass": ("Đạt", "Met"), "partial": ("Đạt một phần", "Partly met"),
    "fail": ("Không đạt", "Not met"), "unmeasured": ("Chưa đo được", "Not measured"),
    "attested": ("Có xác nhận", "Attested"),
}
OUTCOMES: dict[str, tuple[str, str]] = {
    "ok": ("đã đo", "measured"), "portal_error": ("lỗi phía cổng", "portal failed"),
    "probe_error": ("lỗi công cụ đo", "probe failed"),
}
IMPACTS: dict[str, tuple[str, str]] = {
    "critical": ("rất nghiêm trọng", "critical"), "serious": ("nghiêm trọng", "serious"),
    "moderate": ("trung bình", "moderate"), "minor": ("nhỏ", "minor"),
}
METRICS: dict[str, str] = {"ttfb": "TTFB", "fcp": "FCP", "lcp": "LCP", "tbt": "TBT",
                           "cls": "CLS", "speed_index": "Speed Index"}


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Vietnamese or English half of a (vi, en) pair."""
    return pair[0] if lang == "vi" else pair[1]


def both(pair: tuple[str, str]) -> dict[str, str]:
    """A (vi, en) pair as {"vi": ..., "en": ...} for templates."""
    return {"vi": pair[0], "en": pair[1]}


def number(value: float | None, lang: str, digits: int = 2) -> str:
    """A number with `digits` decimals; Vietnamese uses a decimal comma; None is a dash."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text
