"""Sweep definitions as data: `schedules/<name>.yaml`, loaded and validated.

A schedule names what to sweep (a registry, packaged or a path, or agencies written inline),
the check families, concurrency, politeness, the browser pool (`browsers`), the time window
in which new portals may start, the retry policy and probe settings (throttling included).
`ignore_robots: true` lifts robots.txt for agencies written inline, an operator's own portals
(a staging copy often shuts every robot out); a registry's portals always keep theirs.
`load_schedule('nightly')` finds a file by name; a path works too. Every problem in a file
is reported at once (`ScheduleError.problems`), Vietnamese first.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

import checks
from probe import registry as registries
from probe.models import Agency
from probe.pool import PoolSettings
from probe.retry import RetryPolicy
from probe.throttling import NAMES as THROTTLING
from probe.urls import BadUrl, parse_portal_url
from spiders.budget import Budget

# The schedule name of `probe demo` sweeps: never resumed (the farm they swept is gone).
DEMO_SCHEDULE = "demo"

SUFFIXES = (".yaml", ".yml")
SETTINGS_KEYS = {"perf_runs": (1, 20), "perf_pages": (1, 20), "sample_pages": (1, 50),
                 "page_timeout_ms": (1000, 120_000)}
TOP_KEYS = {"name", "description", "registry", "agencies", "only", "rubric", "checks",
            "concurrency", "batch_size", "politeness", "window", "retry", "probe", "discovery",
            "allow_private", "ca_file", "browsers", "ignore_robots"}
POOL_KEYS = {"max": ("browsers", 1, 16), "pages_per_browser": ("pages_per_browser", 1, 100_000),
             "memory_mb": ("memory_mb", 256, 65_536)}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a schedule file: where (a key) and what, in both languages."""

    where: str
    message: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} ({self.message_en})"


class ScheduleError(ValueError):
    """A schedule that cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Window:
    """Hours (local to `utc_offset`) in which a new portal may start; may span midnight."""

    start: str = "22:00"
    end: str = "05:00"
    utc_offset: str = "+07:00"

    def _minutes(self, value: str) -> int:
        hours, minutes = value.split(":")
        return int(hours) * 60 + int(minutes)

    def tz(self) -> timezone:
        sign, hours, minutes = _OFFSET.match(self.utc_offset).groups()  # type: ignore[union-attr]
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether a portal may start at `now` (default: this moment)."""
        local = (now or datetime.now(UTC)).astimezone(self.tz())
        at = local.hour * 60 + local.minute
        start, end = self._minutes(self.start), self._minutes(self.end)
        if start == end:
            return True
        if start < end:
            return start <= at < end
        return at >= start or at < end

    def describe(self) -> str:
        return f"{self.start}–{self.end} (UTC{self.utc_offset})"

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start, "end": self.end, "utc_offset": self.utc_offset}


@dataclass(frozen=True)
class Schedule:
    """A validated sweep definition."""

    name: str
    source: str
    description: str = ""
    registry: Path | None = None  # the registry file, when the agencies come from one
    agencies: tuple[Agency, ...] = ()  # the agencies to sweep, in registry order
    rubric: str = "2024"
    families: tuple[str, ...] = checks.FAMILIES
    concurrency: int = 2
    batch_size: int | None = None
    window: Window | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    budget: Budget = field(default_factory=Budget)
    settings: dict[str, int | str] = field(default_factory=dict)  # ProbeSettings fields
    pool: PoolSettings = field(default_factory=PoolSettings)
    allow_private: bool = False
    ca_file: str | None = None
    # robots.txt lifted: only for portals written inline (the operator's own), never a registry
    ignore_robots: bool = False


# --- finding a file ----------------------------------------------------------------------


def search_dirs() -> list[Path]:
    """Where schedule names are looked up: $PROBE_SCHEDULES (':'-separated), ./schedules,
    then the packaged schedules (installed with the package, or the source checkout's)."""
    dirs = [Path(p) for p in os.environ.get("PROBE_SCHEDULES", "").split(os.pathsep) if p]
    found: list[Path] = []
    for folder in [*dirs, Path.cwd() / "schedules", *packaged_dirs()]:
        if folder not in found:
            found.append(folder)
    return found


def packaged_dirs() -> list[Path]:
    """The schedules/ folder installed with the package (package data of the top-level
    `schedules` folder, see pyproject.toml), and the source checkout's."""
    try:
        spec = importlib.util.find_spec("schedules")
    except (ImportError, ValueError):
        spec = None
    installed = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return [*installed, Path(__file__).resolve().parents[1] / "schedules"]


def available() -> list[str]:
    """Names of the schedules found in `search_dirs()`."""
    names = {p.stem for d in search_dirs() if d.is_dir() for p in d.iterdir()
             if p.suffix in SUFFIXES}
    return sorted(names)


def find(name_or_path: str) -> Path:
    """The file of a schedule given by name ('nightly') or path; ScheduleError if none."""
    given = Path(name_or_path)
    if given.is_file():
        return given
    if given.suffix not in SUFFIXES and "/" not in name_or_path:
        for folder in search_dirs():
            for suffix in SUFFIXES:
                if (folder / f"{name_or_path}{suffix}").is_file():
                    return folder / f"{name_or_path}{suffix}"
    known = ", ".join(available()) or "không có (none)"
    raise ScheduleError(name_or_path, [Problem(
        "lịch", f"không tìm thấy lịch quét; có sẵn: {known}",
        f"no such schedule file or name; known: {known}")])


def load_schedule(name_or_path: str) -> Schedule:
    """The validated schedule named or at `name_or_path`; ScheduleError listing every problem."""
    path = find(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(str(path), [Problem("tệp", f"không đọc được: {error}",
                                                f"cannot read: {error}")]) from error
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f"dòng {where.line + 1}" if where else "tệp"
        raise ScheduleError(str(path), [Problem(line, "YAML sai cú pháp",
                                                f"invalid YAML: {error}".splitlines()[0])]
                            ) from error
    return parse(data, path)


# --- validation ----------------------------------------------------------------------------


class _Reader:
    """Reads typed values out of a mapping, collecting problems instead of raising."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def add(self, where: str, message: str, message_en: str) -> None:
        self.problems.append(Problem(where, message, message_en))

    def mapping(self, data: Any, where: str, keys: set[str]) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add(where, "phải là một bảng khóa: giá trị", "must be a mapping")
            return {}
        for key in sorted(set(data) - keys, key=str):
            self.add(f"{where}.{key}" if where else str(key), "khóa không rõ",
                     f"unknown key; known: {', '.join(sorted(keys))}")
        return data

    def number(self, data: dict[str, Any], key: str, where: str, low: float, high: float,
               default: Any, integer: bool = False) -> Any:
        value = data.get(key, default)
        kind = int if integer else (int, float)
        if value is default:
            return default
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            what = "số nguyên" if integer else "số"
            self.add(where, f"phải là {what} từ {low} đến {high}",
                     f"must be {'an integer' if integer else 'a number'} in {low}..{high}")
            return default
        return value

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None) -> Any:
        value = data.get(key, default)
        if value is not default and not isinstance(value, str | int):
            self.add(where, "phải là chuỗi ký tự", "must be a string")
            return default
        return value if value is None else str(value)

    def flag(self, data: dict[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(where, "phải là true hoặc false", "must be true or false")
            return default
        return value


def parse(data: Any, path: Path) -> Schedule:
    """A Schedule from parsed YAML `data` read from `path`; ScheduleError when invalid."""
    problems: list[Problem] = []
    read = _Reader(problems)
    top = read.mapping(data, "", TOP_KEYS)
    if data is None or not isinstance(data, dict):
        problems[:] = [Problem("tệp", "lịch quét trống hoặc không phải bảng khóa",
                               "empty schedule or not a mapping")]
        raise ScheduleError(str(path), problems)
    values = {
        "name": read.text(top, "name", "name", path.stem) or path.stem,
        "source": str(path),
        "description": read.text(top, "description", "description", "") or "",
        "rubric": _rubric(read, top, path),
        "families": _families(read, top.get("checks", "all")),
        "concurrency": read.number(top, "concurrency", "concurrency", 1, 16, 2, integer=True),
        "batch_size": read.number(top, "batch_size", "batch_size", 1, 10_000, None,
                                  integer=True),
        "window": _window(read, top.get("window")),
        "retry": _retry(read, top.get("retry")),
        "budget": _budget(read, top.get("politeness"), top.get("discovery")),
        "settings": _settings(read, top.get("probe")),
        "pool": _pool(read, top.get("browsers")),
        "allow_private": read.flag(top, "allow_private", "allow_private", False),
        "ca_file": _ca_file(read, top, path),
        "ignore_robots": read.flag(top, "ignore_robots", "ignore_robots", False),
    }
    values["registry"], values["agencies"] = _agencies(read, top, path)
    if values["ignore_robots"] and "registry" in top:
        read.add("ignore_robots", "chỉ dùng cho cổng của chính đơn vị bạn ghi trong 'agencies', "
                 "không cho sổ đăng ký", "only for your own portals written under 'agencies', "
                 "never a registry")
    if problems:
        raise ScheduleError(str(path), problems)
    return Schedule(**values)


def _families(read: _Reader, value: Any) -> tuple[str, ...]:
    if value in ("all", None):
        return checks.FAMILIES
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        read.add("checks", "phải là 'all' hoặc danh sách nhóm kiểm tra",
                 "must be 'all' or a list of check families")
        return checks.FAMILIES
    unknown = [v for v in value if v not in checks.FAMILIES]
    if unknown:
        known = ", ".join(checks.FAMILIES)
        read.add("checks", f"nhóm kiểm tra không rõ: {', '.join(unknown)}",
                 f"unknown check families; known: {known}")
    return tuple(f for f in checks.FAMILIES if f in value)


def _window(read: _Reader, value: Any) -> Window | None:
    if value is None:
        return None
    data = read.mapping(value, "window", {"start", "end", "utc_offset"})
    window = {"start": _clock(data.get("start", "")), "end": _clock(data.get("end", "")),
              "utc_offset": str(data.get("utc_offset", "+07:00"))}
    for key in ("start", "end"):
        if not _TIME.match(window[key]):
            read.add(f"window.{key}", "giờ phải có dạng HH:MM, ví dụ 22:00",
                     "time must be HH:MM, e.g. 22:00")
            return None
    if not _OFFSET.match(window["utc_offset"]):
        read.add("window.utc_offset", "độ lệch múi giờ phải có dạng +07:00",
                 "UTC offset must look like +07:00")
        return None
    window["start"], window["end"] = (f"{int(t.split(':')[0]):02d}:{t.split(':')[1]}"
                                      for t in (window["start"], window["end"]))
    return Window(**window)


def _clock(value: Any) -> str:
    """HH:MM as written; YAML 1.1 reads an unquoted 22:00 as 1320 (minutes), taken back."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return str(value)


def _retry(read: _Reader, value: Any) -> RetryPolicy:
    data = read.mapping(value, "retry", {"max_attempts", "backoff_s", "backoff_factor",
                                         "max_backoff_s"})
    default = RetryPolicy(max_attempts=3)
    return RetryPolicy(
        max_attempts=read.number(data, "max_attempts", "retry.max_attempts", 1, 10,
                                 default.max_attempts, integer=True),
        backoff_s=read.number(data, "backoff_s", "retry.backoff_s", 0, 3600,
                              default.backoff_s),
        backoff_factor=read.number(data, "backoff_factor", "retry.backoff_factor", 1, 10,
                                   default.backoff_factor),
        max_backoff_s=read.number(data, "max_backoff_s", "retry.max_backoff_s", 0, 3600,
                                  default.max_backoff_s))


def _budget(read: _Reader, politeness: Any, discovery: Any) -> Budget:
    polite = read.mapping(politeness, "politeness",
                          {"per_host_delay_s", "per_host_concurrency", "max_crawl_delay_s"})
    crawl = read.mapping(discovery, "discovery", {"max_pages", "max_depth", "time_limit_s"})
    base = Budget()
    return Budget(
        delay=read.number(polite, "per_host_delay_s", "politeness.per_host_delay_s", 0, 60,
                          base.delay),
        per_host=read.number(polite, "per_host_concurrency", "politeness.per_host_concurrency",
                             1, 16, base.per_host, integer=True),
        max_crawl_delay=read.number(polite, "max_crawl_delay_s", "politeness.max_crawl_delay_s",
                                    0, 600, base.max_crawl_delay),
        max_pages=read.number(crawl, "max_pages", "discovery.max_pages", 1, 5000,
                              base.max_pages, integer=True),
        max_depth=read.number(crawl, "max_depth", "discovery.max_depth", 0, 10,
                              base.max_depth, integer=True),
        time_limit=read.number(crawl, "time_limit_s", "discovery.time_limit_s", 1, 3600,
                               base.time_limit))


def _settings(read: _Reader, value: Any) -> dict[str, int | str]:
    data = read.mapping(value, "probe", {*SETTINGS_KEYS, "throttling"})
    found: dict[str, int | str] = {}
    for key, (low, high) in SETTINGS_KEYS.items():
        number = read.number(data, key, f"probe.{key}", low, high, None, integer=True)
        if number is not None:
            found[key] = number
    if "throttling" in data:
        if data["throttling"] in THROTTLING:
            found["throttling"] = data["throttling"]
        else:
            known = ", ".join(THROTTLING)
            read.add("probe.throttling", f"phải là một trong: {known}", f"must be one of: {known}")
    return found


def _pool(read: _Reader, value: Any) -> PoolSettings:
    """`browsers: {max, pages_per_browser, memory_mb}`: the sweep's browser pool."""
    data = read.mapping(value, "browsers", set(POOL_KEYS))
    base = PoolSettings()
    found = {name: read.number(data, key, f"browsers.{key}", low, high,
                               getattr(base, name), integer=True)
             for key, (name, low, high) in POOL_KEYS.items()}
    return PoolSettings(**found)


def _ca_file(read: _Reader, top: dict[str, Any], path: Path) -> str | None:
    value = read.text(top, "ca_file", "ca_file", None)
    if value is None:
        return None
    ca = (path.parent / value) if not Path(value).is_absolute() else Path(value)
    if not ca.is_file():
        read.add("ca_file", f"không tìm thấy tệp CA '{value}'", "CA file not found")
        return None
    return str(ca)


def _agencies(read: _Reader, top: dict[str, Any],
              path: Path) -> tuple[Path | None, tuple[Agency, ...]]:
    has_registry, has_inline = "registry" in top, "agencies" in top
    if has_registry == has_inline:
        read.add("registry", "cần đúng một trong 'registry' hoặc 'agencies'",
                 "give exactly one of 'registry' or 'agencies'")
        return None, ()
    if has_inline:
        return None, _inline(read, top["agencies"])
    return _registry(read, top, path)


def _registry(read: _Reader, top: dict[str, Any],
              path: Path) -> tuple[Path | None, tuple[Agency, ...]]:
    value = read.text(top, "registry", "registry", None)
    if not value:
        read.add("registry", "thiếu sổ đăng ký", "missing registry")
        return None, ()
    local = path.parent / value
    file = local if local.is_file() else registries.resolve(value)
    try:
        agencies = registries.load(file)
    except registries.RegistryError as error:
        read.add("registry", f"sổ đăng ký lỗi {error}", "bad registry (see above)")
        return None, ()
    only = top.get("only")
    if only is None:
        return file, tuple(agencies)
    if not isinstance(only, list) or not all(isinstance(v, str) for v in only):
        read.add("only", "phải là danh sách mã cơ quan", "must be a list of agency ids")
        return file, ()
    missing = sorted(set(only) - {a.id for a in agencies})
    if missing:
        read.add("only", f"không có trong sổ đăng ký: {', '.join(missing)}",
                 "agency ids not in the registry")
    return file, tuple(a for a in agencies if a.id in only)


def _inline(read: _Reader, value: Any) -> tuple[Agency, ...]:
    if not isinstance(value, list) or not value:
        read.add("agencies", "phải là danh sách cơ quan", "must be a non-empty list")
        return ()
    found: list[Agency] = []
    keys = {"id", "name", "block", "portal_url", "name_en", "vendor", "http_url", "home_url"}
    for index, item in enumerate(value, 1):
        where = f"agencies[{index}]"
        data = read.mapping(item, where, keys)
        missing = [k for k in ("id", "name", "block", "portal_url") if not data.get(k)]
        if missing:
            read.add(where, f"thiếu {', '.join(missing)}", f"missing {', '.join(missing)}")
            continue
        agency = _inline_agency(read, where, data)
        if agency is not None:
            found.append(agency)
    if len({a.id for a in found}) != len(found):
        read.add("agencies", "mã cơ quan bị trùng", "duplicate agency id")
    return tuple(found)


def _inline_agency(read: _Reader, where: str, data: dict[str, Any]) -> Agency | None:
    if data["block"] not in registries.BLOCKS:
        read.add(f"{where}.block", f"khối '{data['block']}' không hợp lệ", "unknown block")
        return None
    try:
        url = parse_portal_url(str(data["portal_url"]))
    except BadUrl:
        read.add(f"{where}.portal_url", "URL không hợp lệ", "malformed URL")
        return None
    extra = {k: str(data[k]) for k in ("name_en", "vendor", "http_url", "home_url") if k in data}
    return Agency(id=str(data["id"]), name=str(data["name"]), block=data["block"],
                  portal_url=url, **extra)


def _rubric(read: _Reader, top: dict[str, Any], path: Path) -> str:
    """The schedule's rubric: a packaged version, or a file (relative to the schedule file
    when it is there, as the registry and CA file are), checked."""
    from probe.scoring import RubricError, load_rubric

    value = read.text(top, "rubric", "rubric", "2024") or "2024"
    local = path.parent / value
    rubric = str(local) if local.is_file() else value
    try:
        load_rubric(rubric)
    except RubricError as error:
        read.add("rubric", f"bộ tiêu chí lỗi: {error}", "bad rubric")
    return rubric
