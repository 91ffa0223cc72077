"""What the farm's portals publish: procedures, dossiers, FAQ, guides, statistics.

Procedure names, fields, usual agencies and levels are the 71 real rows of
`probe/data/procedures.csv`; the details (documents, fees, deadlines) are plausible text
generated deterministically from each row, so every portal shows the same facts every run.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

TOAN_TRINH = "toàn trình"
MOT_PHAN = "một phần"

# V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX (TT 01/2018 Điều 19): three or four dotted groups.
DOSSIER_CODE_RE = re.compile(r"^[A-Z0-9]{3}(?:\.[A-Z0-9]{2,3}){2,3}-\d{6}-\d{4}$")

_FEES = (
    "Không thu phí, lệ phí",
    "Lệ phí: 8.000 đồng/bản",
    "Lệ phí: 50.000 đồng/hồ sơ",
    "Phí thẩm định: 100.000 đồng/hồ sơ",
    "Lệ phí: 135.000 đồng/lần cấp",
    "Miễn lệ phí khi nộp hồ sơ trực tuyến; nộp trực tiếp: 20.000 đồng",
)
_DEADLINES = (
    "Ngay trong ngày làm việc",
    "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
    "05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
    "07 ngày làm việc",
    "10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
    "15 ngày làm việc",
    "20 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
)
_BUSINESS_FIELDS = ("doanh nghiệp", "hộ kinh doanh", "đầu tư", "lưu thông", "kinh doanh", "dược",
                    "an toàn thực phẩm", "du lịch")


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) as a portal lists it."""

    number: int
    field: str
    name: str
    agency: str
    level: str
    documents: tuple[str, ...]
    fee: str
    deadline: str

    @property
    def base_code(self) -> str:
        """The national part of the code, e.g. '1.001193'."""
        return f"1.{self.number:06d}"

    def code(self, suffix: str) -> str:
        """The full mã TTHC as an agency publishes it, e.g. '1.001193.000.00.00.H71'."""
        return f"{self.base_code}.000.00.00.{suffix}"

    @property
    def toan_trinh(self) -> bool:
        """True for a fully-online (toàn trình) service."""
        return self.level == TOAN_TRINH

    @property
    def steps(self) -> tuple[str, ...]:
        """The usual sequence of steps (trình tự thực hiện)."""
        return (
            "Bước 1: Tổ chức, cá nhân chuẩn bị hồ sơ theo quy định và nộp trực tuyến trên "
            "Cổng Dịch vụ công hoặc nộp trực tiếp tại Bộ phận Một cửa.",
            f"Bước 2: {self.agency} tiếp nhận, kiểm tra tính đầy đủ, hợp lệ của hồ sơ.",
            "Bước 3: Giải quyết hồ sơ và trả kết quả trực tuyến, qua dịch vụ bưu chính công ích "
            "hoặc trực tiếp tại Bộ phận Một cửa.",
        )


def _documents(field: str, name: str) -> tuple[str, ...]:
    lowered = field.lower()
    first = f"Tờ khai/Đơn đề nghị {name[0].lower()}{name[1:]} (theo mẫu)"
    if any(word in lowered for word in _BUSINESS_FIELDS):
        identity = "Bản sao Giấy chứng nhận đăng ký doanh nghiệp hoặc hộ kinh doanh (nếu có)"
    else:
        identity = "Bản sao Căn cước công dân hoặc giấy tờ tùy thân có ảnh còn giá trị sử dụng"
    extra = ("Giấy tờ chứng minh đủ điều kiện theo quy định của pháp luật chuyên ngành"
             if "Cấp" in name else "Giấy tờ, tài liệu có liên quan (nếu có)")
    return (first, identity, extra)


def _procedure(index: int, row: dict[str, str]) -> Procedure:
    name = row["ten_thu_tuc"].strip()
    field = row["linh_vuc"].strip()
    return Procedure(
        number=1193 + 47 * index,
        field=field,
        name=name,
        agency=row["co_quan_thuong_gap"].strip(),
        level=row["muc_do_thuong_gap"].strip(),
        documents=_documents(field, name),
        fee=_FEES[index % len(_FEES)],
        deadline=_DEADLINES[(index * 3) % len(_DEADLINES)],
    )


@lru_cache(maxsize=1)
def procedures() -> tuple[Procedure, ...]:
    """Every procedure of probe/data/procedures.csv, in file order."""
    text = resources.files("probe").joinpath("data/procedures.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(_procedure(index, row) for index, row in enumerate(rows))


def fold(text: str) -> str:
    """Lower-case `text` without Vietnamese diacritics ('Đăng ký' -> 'dang ky')."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(plain.lower().split())


def search(items: tuple[Procedure, ...], query: str) -> list[Procedure]:
    """Procedures whose name or field contains every word of `query`, accents ignored."""
    words = fold(query).split()
    if not words:
        return []
    return [p for p in items if all(w in fold(f"{p.name} {p.field}") for w in words)]


def find(items: tuple[Procedure, ...], key: str) -> Procedure | None:
    """The procedure whose full code (any suffix) or base code is `key`."""
    for procedure in items:
        if key == procedure.base_code or key.startswith(procedure.base_code + ".000.00.00."):
            return procedure
    return None


# --- dossiers (hồ sơ) ----------------------------------------------------------------------

_STATUSES = (
    ("Đang xử lý", "Hồ sơ đang được thụ lý tại phòng chuyên môn."),
    ("Đã trả kết quả", "Kết quả đã được trả qua dịch vụ bưu chính công ích."),
    ("Đã tiếp nhận", "Hồ sơ đã được tiếp nhận, chờ chuyển xử lý."),
    ("Chờ bổ sung hồ sơ", "Đề nghị công dân bổ sung bản sao giấy tờ tùy thân."),
    ("Đã trả kết quả", "Kết quả điện tử đã được gửi vào kho dữ liệu cá nhân."),
)
_APPLICANTS = ("Nguyễn Văn A***", "Trần Thị B***", "Lê Hoàng C***", "Phạm Minh D***",
               "Công ty TNHH Phú T***")


@dataclass(frozen=True)
class Dossier:
    """A dossier (hồ sơ) a citizen can look up by its code."""

    code: str
    procedure: str
    applicant: str
    received: str
    due: str
    status: str
    note: str


def dossier_code(prefix: str, day: date, sequence: int, province: bool) -> str:
    """A code in the official format: '000.00.19.H71-250312-0007' or 'G22.99.08-250312-0007'."""
    stamp = day.strftime("%y%m%d")
    if province:
        return f"000.00.19.{prefix}-{stamp}-{sequence:04d}"
    return f"{prefix}.99.08-{stamp}-{sequence:04d}"


def dossiers(prefix: str, province: bool) -> tuple[Dossier, ...]:
    """The known dossiers of one agency (the first is the example shown on the form)."""
    items = procedures()
    start = date(2025, 3, 12)
    found = []
    for index, (status, note) in enumerate(_STATUSES):
        day = start + timedelta(days=5 * index)
        procedure = items[(index * 13) % len(items)]
        found.append(Dossier(
            code=dossier_code(prefix, day, 7 + 11 * index, province),
            procedure=procedure.name,
            applicant=_APPLICANTS[index],
            received=day.strftime("%d/%m/%Y"),
            due=(day + timedelta(days=7)).strftime("%d/%m/%Y"),
            status=status,
            note=note,
        ))
    return tuple(found)


def unknown_dossier_code(prefix: str, province: bool) -> str:
    """A well-formed code that no dossier has."""
    return dossier_code(prefix, date(2024, 1, 2), 9999, province)


# --- support content -----------------------------------------------------------------------

FAQ: tuple[tuple[str, str], ...] = (
    ("Làm thế nào để đăng ký tài khoản nộp hồ sơ trực tuyến?",
     "Công dân sử dụng tài khoản định danh điện tử VNeID mức độ 2 để đăng nhập; không cần "
     "đăng ký tài khoản riêng trên Cổng."),
    ("Tôi có thể tra cứu tình trạng hồ sơ ở đâu?",
     "Vào mục Tra cứu hồ sơ, nhập mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."),
    ("Thanh toán phí, lệ phí trực tuyến bằng cách nào?",
     "Sau khi hồ sơ được tiếp nhận, chọn Thanh toán trực tuyến và thanh toán qua Nền tảng "
     "thanh toán trực tuyến bằng tài khoản ngân hàng, ví điện tử hoặc thẻ."),
    ("Hồ sơ bị yêu cầu bổ sung thì xử lý thế nào?",
     "Công dân nhận thông báo qua thư điện tử và tin nhắn; đăng nhập để bổ sung giấy tờ "
     "trong thời hạn được thông báo."),
    ("Kết quả giải quyết được trả bằng hình thức nào?",
     "Kết quả được trả trực tuyến (bản điện tử), qua dịch vụ bưu chính công ích hoặc trực "
     "tiếp tại Bộ phận Một cửa theo lựa chọn khi nộp hồ sơ."),
    ("Dịch vụ công trực tuyến toàn trình là gì?",
     "Là dịch vụ bảo đảm cung cấp toàn bộ thông tin, người dùng thực hiện nộp hồ sơ, thanh "
     "toán và nhận kết quả trực tuyến (Nghị định 42/2022/NĐ-CP)."),
)

GUIDES: tuple[tuple[str, str], ...] = (
    ("Hướng dẫn đăng nhập bằng tài khoản định danh điện tử VNeID",
     "Chọn Đăng nhập, chọn VNeID, quét mã QR bằng ứng dụng VNeID và xác nhận."),
    ("Hướng dẫn nộp hồ sơ trực tuyến",
     "Tìm thủ tục, chọn Nộp hồ sơ trực tuyến, điền tờ khai, đính kèm giấy tờ và gửi hồ sơ."),
    ("Hướng dẫn tra cứu hồ sơ",
     "Nhập mã hồ sơ vào mục Tra cứu hồ sơ để xem trạng thái xử lý."),
    ("Hướng dẫn thanh toán trực tuyến",
     "Chọn hồ sơ cần thanh toán, chọn ngân hàng hoặc ví điện tử và xác nhận giao dịch."),
    ("Hướng dẫn đánh giá mức độ hài lòng",
     "Sau khi nhận kết quả, chọn Đánh giá và chọn một trong ba mức độ hài lòng."),
)

NOTICES: tuple[str, ...] = (
    "Triển khai tiếp nhận hồ sơ trực tuyến toàn trình đối với thủ tục cấp đổi giấy phép lái xe",
    "Thông báo lịch bảo trì hệ thống từ 22h00 thứ Bảy đến 02h00 Chủ nhật",
    "Công bố danh mục thủ tục hành chính được chuẩn hóa năm 2025",
)


NEWS: tuple[str, ...] = (
    "Hội nghị tập huấn sử dụng Cổng Dịch vụ công cho cán bộ một cửa cấp xã",
    "Thông báo lịch bảo trì hệ thống từ 22h00 thứ Bảy đến 02h00 Chủ nhật",
    "Tổ chức hội nghị đối thoại với doanh nghiệp trên địa bàn năm 2025",
    "Ra mắt ứng dụng trên điện thoại di động của Cổng Dịch vụ công",
)
DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("107/2021/NĐ-CP", "Sửa đổi Nghị định 61/2018/NĐ-CP về thực hiện cơ chế một cửa"),
    ("42/2022/NĐ-CP", "Cung cấp thông tin và dịch vụ công trực tuyến trên môi trường mạng"),
    ("766/QĐ-TTg", "Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân"),
)


@dataclass(frozen=True)
class Statistics:
    """Published dossier statistics of one agency (Bộ chỉ số phục vụ người dân)."""

    received: int
    online: int
    resolved: int
    on_time_percent: float
    satisfaction_percent: float


def statistics(seed: int) -> Statistics:
    """Plausible yearly figures for one agency, fixed by `seed`."""
    received = 120_000 + 7_919 * seed
    online = int(received * (0.62 + 0.03 * (seed % 5)))
    resolved = int(received * 0.974)
    return Statistics(received, online, resolved, round(96.1 + 0.4 * (seed % 7), 1),
                      round(95.3 + 0.5 * (seed % 6), 1))


def statistic_rows(s: Statistics, online: bool, satisfaction: bool) -> list[tuple[str, str]]:
    """The statistics table's rows (label, figure): with the online count and the
    satisfaction rate when asked."""
    rows = [("Hồ sơ tiếp nhận", vnd(s.received))]
    if online:
        rows.append(("Hồ sơ tiếp nhận trực tuyến", vnd(s.online)))
    rows += [("Hồ sơ đã giải quyết", vnd(s.resolved)),
             ("Tỷ lệ giải quyết đúng hạn", f"{s.on_time_percent}%")]
    if satisfaction:
        rows.append(("Mức độ hài lòng", f"{s.satisfaction_percent}%"))
    return rows


def vnd(number: int) -> str:
    """A count with Vietnamese thousands separators: 123456 -> '123.456'."""
    return f"{number:,}".replace(",", ".")
