"""Registries of agencies: CSV files validated row by row.

Packaged registries live in `probe/registries/<name>.csv` (`packaged('2026')`); see the
README there for what their columns mean. Columns beyond `COLUMNS` (the packaged files add
`portal_source` and `note`) are annotations for people: validation and loading ignore them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from probe.models import Agency
from probe.urls import BadUrl, parse_portal_url

COLUMNS = ("id", "name", "name_en", "block", "home_url", "portal_url", "http_url", "vendor",
           "confirmed", "valid_from", "valid_to")
REQUIRED = ("id", "name", "block", "portal_url")
BLOCKS = ("ministry", "province", "other")
PACKAGED_FOLDER = "registries"


@dataclass(frozen=True)
class RegistryProblem:
    line: int
    message: str
    message_en: str

    def __str__(self) -> str:
        return f"dòng {self.line}: {self.message} (line {self.line}: {self.message_en})"


class RegistryError(ValueError):
    """A registry file that cannot be used; `problems` lists every bad row."""

    def __init__(self, path: str, problems: list[RegistryProblem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(str(p) for p in problems))


def _problems_in_row(row: dict[str, str], line: int, seen: set[str]) -> list[RegistryProblem]:
    problems = [RegistryProblem(line, f"thiếu cột '{c}'", f"missing '{c}'")
                for c in REQUIRED if not (row.get(c) or "").strip()]
    agency_id = (row.get("id") or "").strip()
    if agency_id and agency_id in seen:
        problems.append(RegistryProblem(line, f"mã '{agency_id}' bị trùng",
                                        f"duplicate id '{agency_id}'"))
    block = (row.get("block") or "").strip()
    if block and block not in BLOCKS:
        problems.append(RegistryProblem(line, f"khối '{block}' không hợp lệ",
                                        f"unknown block '{block}'"))
    for column in ("portal_url", "home_url", "http_url"):
        value = (row.get(column) or "").strip()
        if value:
            try:
                parse_portal_url(value)
            except BadUrl:
                problems.append(RegistryProblem(line, f"URL sai ở cột {column}: {value}",
                                                f"malformed URL in {column}: {value}"))
    return problems


def _agency(row: dict[str, str]) -> Agency:
    value = {c: (row.get(c) or "").strip() for c in COLUMNS}
    return Agency(
        id=value["id"], name=value["name"], name_en=value["name_en"], block=value["block"],
        home_url=value["home_url"], portal_url=parse_portal_url(value["portal_url"]),
        http_url=value["http_url"], vendor=value["vendor"],
        confirmed=value["confirmed"].lower() in ("1", "true", "yes", "x"),
        valid_from=value["valid_from"], valid_to=value["valid_to"],
    )


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a registry CSV with their line numbers; RegistryError when unreadable."""
    text = _read_text(Path(path))
    # csv reads line ends itself (newline=""): str.splitlines() would also split a field at
    # U+2028, \x0b or \x1c and misnumber every following line.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise RegistryError(str(path), [RegistryProblem(
                1, f"thiếu cột {', '.join(missing)}", f"missing columns {', '.join(missing)}")])
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:  # e.g. a field over csv's size limit
        line = reader.line_num + 1  # the line being read when csv gave up
        raise RegistryError(str(path), [RegistryProblem(line, f"CSV hỏng: {error}",
                                                        f"broken CSV: {error}")]) from error


def _read_text(path: Path) -> str:
    """The file's text (UTF-8, BOM allowed); RegistryError naming the line of a bad byte."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RegistryError(str(path), [RegistryProblem(0, f"không đọc được tệp: {error}",
                                                        f"cannot read file: {error}")]) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise RegistryError(str(path), [RegistryProblem(
            line, f"không phải UTF-8 (byte {data[error.start]:#04x}); hãy lưu tệp dạng UTF-8",
            f"not UTF-8 (byte {data[error.start]:#04x}); save the file as UTF-8")]) from error


def validate(path: Path) -> list[RegistryProblem]:
    """Every problem in the registry at `path` (empty when it is good)."""
    try:
        rows = read_rows(path)
    except RegistryError as error:
        return error.problems
    problems: list[RegistryProblem] = []
    seen: set[str] = set()
    for line, row in rows:
        problems += _problems_in_row(row, line, seen)
        seen.add((row.get("id") or "").strip())
    if not rows:
        problems.append(RegistryProblem(1, "sổ đăng ký không có cơ quan nào",
                                        "the registry lists no agency"))
    return problems


def load(path: Path) -> list[Agency]:
    """The agencies of the registry at `path`; RegistryError naming every bad row."""
    problems = validate(path)
    if problems:
        raise RegistryError(str(path), problems)
    return [_agency(row) for _, row in read_rows(path)]


def write(path: Path, agencies: list[Agency]) -> Path:
    """Write `agencies` as a registry CSV."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for agency in agencies:
            row = {c: getattr(agency, c) for c in COLUMNS}
            row["confirmed"] = "true" if agency.confirmed else "false"
            writer.writerow(row)
    return Path(path)


# --- packaged registries --------------------------------------------------------------------


def packaged_names() -> list[str]:
    """Names of the registries shipped with the package (e.g. '2023', '2026'), sorted."""
    folder = resources.files("probe").joinpath(PACKAGED_FOLDER)
    if not folder.is_dir():
        return []
    return sorted(entry.name.removesuffix(".csv") for entry in folder.iterdir()
                  if entry.name.endswith(".csv"))


def packaged(name: str) -> Path:
    """The file of the packaged registry `name` ('2026'); KeyError naming those that exist."""
    resource = resources.files("probe").joinpath(PACKAGED_FOLDER, f"{name}.csv")
    if name not in packaged_names() or not resource.is_file():
        known = ", ".join(packaged_names()) or "none"
        raise KeyError(f"no packaged registry '{name}' (known: {known})")
    return Path(str(resource))


def resolve(value: str | Path) -> Path:
    """An existing registry file as given, else the packaged registry of that name.

    A value that is neither comes back unchanged, so that `load`/`validate` report the
    missing file with its name.
    """
    path = Path(value)
    if path.is_file() or str(value) not in packaged_names():
        return path
    return packaged(str(value))
