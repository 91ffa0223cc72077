"""Rubric files: the versioned, data-only description of items, points and criteria.

`load_rubric("2024")` reads the packaged `probe/rubrics/2024.yaml`; `load_rubric(path)` reads
any file. Loading validates everything and raises `RubricError` with one message per
problem, each naming the file, the line when known, the item and the field, Vietnamese
first then English.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeGuard, cast

from probe.observations import CATALOGUE
from probe.scoring.yamlfile import LineDict, YamlProblem, parse_yaml

CriterionKind = Literal["expect", "threshold", "scale", "curve"]
Aggregate = Literal["all", "any", "max", "min", "median", "mean", "sum"]
ItemSource = Literal["probe", "attestation"]
UnmeasuredPolicy = Literal["rescale", "zero"]
Unattested = Literal["unmeasured", "fail"]

AGGREGATES: tuple[str, ...] = ("all", "any", "max", "min", "median", "mean", "sum")
VALUE_AGGREGATES: tuple[str, ...] = ("max", "min", "median", "mean", "sum")
POLICIES: tuple[str, ...] = ("rescale", "zero")
SOURCES: tuple[str, ...] = ("probe", "attestation")
UNATTESTED: tuple[str, ...] = ("unmeasured", "fail")
NUMERIC_UNITS: tuple[str, ...] = ("count", "ratio", "ms", "clicks")
TOTAL_POINTS = 100.0
DEFAULT_RUBRIC = "2024"  # the rubric every command uses unless told otherwise
TOLERANCE = 1e-6

_TOP_KEYS = ("version", "title", "valid_from", "valid_to", "grades", "unmeasured_policy",
             "groups", "items", "notes")
_GROUP_KEYS = ("id", "name_vi", "name_en", "points")
_ITEM_KEYS = ("id", "group", "points", "title_vi", "title_en", "remediation_vi",
              "remediation_en", "criteria", "source", "unattested")
_KIND_KEYS = ("expect", "min", "max", "scale", "curve")
_CRITERION_KEYS = ("observation", "weight", "label_vi", "label_en", "aggregate", *_KIND_KEYS)
# The unit each kind judges; None means any numeric unit.
_KIND_UNITS: dict[str, tuple[str, ...]] = {
    "expect": ("bool",),
    "threshold": NUMERIC_UNITS,
    "scale": ("ratio",),
    "curve": ("ms",),
}


class RubricError(Exception):
    """A rubric file is unusable; `messages` lists every problem found (vi, then en)."""

    def __init__(self, messages: list[str], source: str = "") -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)
        self.source = source


@dataclass(frozen=True)
class Curve:
    """Timing curve: credit 1 at or below `full` ms, 0 at or above `none` ms."""

    full: float
    none: float


@dataclass(frozen=True)
class Criterion:
    """How one observation name earns credit in [0, 1] within an item."""

    observation: str
    weight: float
    kind: CriterionKind
    label_vi: str
    label_en: str
    aggregate: Aggregate = "all"
    expect: bool | None = None
    min: float | None = None
    max: float | None = None
    curve: Curve | None = None


@dataclass(frozen=True)
class Item:
    """One scored item (F1, P3, ...): its points, texts and criteria."""

    id: str
    group: str
    points: float
    title_vi: str
    title_en: str
    remediation_vi: str
    remediation_en: str
    criteria: tuple[Criterion, ...] = ()
    source: ItemSource = "probe"
    # attestation items only: what a missing attestation is worth ("unmeasured" leaves the
    # item to the rubric's unmeasured policy; "fail" scores it 0 - paperwork not shown).
    unattested: Unattested = "unmeasured"

    def title(self, lang: str = "vi") -> str:
        """The item's title in `lang` (vi, else English)."""
        return self.title_vi if lang == "vi" else self.title_en

    def remediation(self, lang: str = "vi") -> str:
        """What to do about the item in `lang` (vi, else English)."""
        return self.remediation_vi if lang == "vi" else self.remediation_en


@dataclass(frozen=True)
class Group:
    """One official criteria group (functions, layout, ...) and its points."""

    id: str
    name_vi: str
    name_en: str
    points: float


@dataclass(frozen=True)
class GradeBand:
    """A grade and the lowest total that earns it."""

    grade: str
    min: float


@dataclass(frozen=True)
class Rubric:
    """A validated rubric: groups, items, grade bands and the policy for unmeasured items."""

    version: str
    title_vi: str
    title_en: str
    valid_from: str
    grades: tuple[GradeBand, ...]
    unmeasured_policy: UnmeasuredPolicy
    groups: tuple[Group, ...]
    items: tuple[Item, ...]
    source: str = ""
    sha256: str = ""
    notes: str = field(default="", compare=False)
    valid_to: str = ""  # last day the rubric applies (ISO date); "" = open-ended
    text: str = field(default="", compare=False, repr=False)  # the file read (sha256 of it)

    def applies_on(self, day: str) -> bool:
        """Whether the rubric is in force on `day` (an ISO date or date-time)."""
        on = day[:10]
        return self.valid_from <= on and (not self.valid_to or on <= self.valid_to)

    def group(self, group_id: str) -> Group:
        """The group with `group_id`; KeyError when absent."""
        for group in self.groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    def item(self, item_id: str) -> Item:
        """The item with `item_id`; KeyError when absent."""
        found = self.find_item(item_id)
        if found is None:
            raise KeyError(item_id)
        return found

    def find_item(self, item_id: str) -> Item | None:
        """The item with `item_id`, or None (a stored score may name an item this rubric
        does not have)."""
        return next((item for item in self.items if item.id == item_id), None)

    def items_of(self, group_id: str) -> tuple[Item, ...]:
        """The items of one group, in rubric order."""
        return tuple(i for i in self.items if i.group == group_id)

    @property
    def max_points(self) -> float:
        """The sum of all group points (100 for a valid rubric)."""
        return math.fsum(g.points for g in self.groups)

    def grade_for(self, total: float) -> str:
        """The grade of the highest band whose lower bound is at or below `total`."""
        for band in self.grades:
            if total >= band.min:
                return band.grade
        return self.grades[-1].grade


# --------------------------------------------------------------------------- loading


def rubrics_dir() -> Path:
    """The folder of packaged rubric files."""
    return Path(str(resources.files("probe").joinpath("rubrics")))


def available_rubrics() -> list[str]:
    """Names of the packaged rubrics (file stems), sorted."""
    return sorted(p.stem for p in rubrics_dir().glob("*.yaml"))


def resolve_rubric(name_or_path: str | Path) -> Path:
    """The file for a packaged name ("2024") or a path; RubricError when neither exists."""
    candidate = Path(name_or_path)
    looks_like_path = (isinstance(name_or_path, Path) or candidate.suffix in (".yaml", ".yml")
                       or len(candidate.parts) > 1)
    if looks_like_path or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise RubricError([f"{candidate}: không tìm thấy tệp bộ tiêu chí "
                           f"(rubric file not found)"], str(candidate))
    packaged = rubrics_dir() / f"{name_or_path}.yaml"
    if packaged.is_file():
        return packaged
    known = ", ".join(available_rubrics()) or "-"
    raise RubricError([f"{name_or_path}: không có bộ tiêu chí tên này; có: {known} "
                       f"(no packaged rubric of that name; available: {known})"],
                      str(name_or_path))


def load_rubric(name_or_path: str | Path) -> Rubric:
    """Read and validate a rubric by packaged name or file path."""
    path = resolve_rubric(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RubricError([f"{path}: không đọc được tệp (cannot read file: {error})"],
                          str(path)) from error
    return parse_rubric_text(text, source=str(path))


def parse_rubric_text(text: str, source: str = "<rubric>") -> Rubric:
    """Parse and validate rubric YAML text; `source` names it in error messages."""
    try:
        data = parse_yaml(text)
    except YamlProblem as problem:
        where = f"{source}:{problem.line}" if problem.line else source
        raise RubricError([one_line(f"{where}: {problem.message_vi} ({problem.message_en})")],
                          source) from problem
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return replace(parse_rubric(data, source=source, sha256=digest), text=text)


def parse_rubric(data: Any, source: str = "<rubric>", sha256: str = "") -> Rubric:
    """Validate an already-parsed rubric mapping and build a `Rubric`."""
    reader = _Reader(source)
    rubric = reader.rubric(data, sha256)
    if reader.problems or rubric is None:
        raise RubricError(reader.problems, source)
    return rubric


# --------------------------------------------------------------------------- validation


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters escaped (values quoted from the
    file may hold them), so that each problem stays one line."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape")
                   .decode("ascii") for ch in text)


def _fmt(number: float) -> str:
    """A number for messages: 0.9, 50, 0.35 (no float noise)."""
    return f"{round(number, 6):g}"


def _line(data: Any) -> int | None:
    return data.line if isinstance(data, LineDict) else None


def _is_number(value: Any) -> TypeGuard[float]:
    """True for a finite int or float (bools excluded; ints beyond float range too)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _sum(values: Any) -> float:
    """math.fsum, but inf instead of OverflowError when finite values add up past floats."""
    values = list(values)
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class _Where:
    """A location for messages: Vietnamese and English context plus a line."""

    vi: str
    en: str
    line: int | None


class _Reader:
    """Walks raw rubric data, collecting every problem rather than stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    # -- reporting
    def problem(self, where: _Where | None, vi: str, en: str) -> None:
        """Record one problem, prefixed by file, line and context."""
        loc = self.source
        if where is not None and where.line:
            loc = f"{loc}:{where.line}"
        if where is not None and where.vi:
            vi, en = f"{where.vi}: {vi}", f"{where.en}: {en}"
        self.problems.append(one_line(f"{loc}: {vi} ({en})"))

    def unknown_keys(self, data: dict[str, Any], allowed: tuple[str, ...], where: _Where) -> None:
        """Report keys outside `allowed`."""
        for key in data:
            if key not in allowed:
                self.problem(where, f"trường không hỗ trợ '{key}'", f"unknown field '{key}'")

    def text(self, data: dict[str, Any], key: str, where: _Where) -> str:
        """A required non-empty string field."""
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and key in (
                "version", "id"):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"thiếu trường '{key}' (chuỗi không rỗng)",
                         f"field '{key}' must be a non-empty string")
            return ""
        return value.strip()

    def positive(self, data: dict[str, Any], key: str, where: _Where) -> float:
        """A required number > 0."""
        value = data.get(key)
        if not _is_number(value) or value <= 0:
            self.problem(where, f"trường '{key}' phải là số dương, có {value!r}",
                         f"field '{key}' must be a positive number, got {value!r}")
            return 0.0
        return float(value)

    def mapping(self, value: Any, where: _Where, what_vi: str, what_en: str) -> bool:
        """True when `value` is a mapping, else report it."""
        if isinstance(value, dict):
            return True
        self.problem(where, f"{what_vi} phải là một ánh xạ (khóa: giá trị)",
                     f"{what_en} must be a mapping")
        return False

    # -- the rubric
    def rubric(self, data: Any, sha256: str) -> Rubric | None:
        """The whole rubric, or None when the top level is not a mapping."""
        top = _Where("", "", None)
        if not self.mapping(data, top, "nội dung tệp", "the file"):
            return None
        self.unknown_keys(data, _TOP_KEYS, top)
        version = self.text(data, "version", top)
        title_vi, title_en = self.title(data.get("title"))
        valid_from = self.iso_date(data.get("valid_from"), "valid_from")
        valid_to = self.valid_to(data.get("valid_to"), valid_from)
        grades = self.grades(data.get("grades"))
        policy = self.policy(data.get("unmeasured_policy", "rescale"))
        groups = self.groups(data.get("groups"))
        items = self.items(data.get("items"), {g.id for g in groups})
        self.check_points(groups, items)
        notes = data.get("notes", "")
        return Rubric(version=version, title_vi=title_vi, title_en=title_en,
                      valid_from=valid_from, grades=grades,
                      unmeasured_policy=cast(UnmeasuredPolicy, policy), groups=groups,
                      items=items, source=self.source, sha256=sha256,
                      notes=notes if isinstance(notes, str) else "", valid_to=valid_to)

    def title(self, value: Any) -> tuple[str, str]:
        """The title's Vietnamese and English text."""
        where = _Where("tiêu đề", "title", _line(value))
        if not self.mapping(value, where, "'title'", "'title'"):
            return "", ""
        self.unknown_keys(value, ("vi", "en"), where)
        return self.text(value, "vi", where), self.text(value, "en", where)

    def iso_date(self, value: Any, key: str) -> str:
        """A required date field (valid_from, valid_to) as an ISO date string."""
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.problem(None, f"'{key}' phải là ngày dạng YYYY-MM-DD, có {value!r}",
                     f"'{key}' must be a YYYY-MM-DD date, got {value!r}")
        return ""

    def valid_to(self, value: Any, valid_from: str) -> str:
        """The optional last day the rubric applies; not before `valid_from`."""
        if value is None:
            return ""
        valid_to = self.iso_date(value, "valid_to")
        if valid_to and valid_from and valid_to < valid_from:
            self.problem(None, f"'valid_to' {valid_to} trước 'valid_from' {valid_from}",
                         f"'valid_to' {valid_to} is before 'valid_from' {valid_from}")
        return valid_to

    def policy(self, value: Any) -> str:
        """The unmeasured-item policy."""
        if value not in POLICIES:
            self.problem(None, f"'unmeasured_policy' phải là một trong {', '.join(POLICIES)}, "
                               f"có {value!r}",
                         f"'unmeasured_policy' must be one of {', '.join(POLICIES)}, "
                         f"got {value!r}")
            return "rescale"
        return str(value)

    def grades(self, value: Any) -> tuple[GradeBand, ...]:
        """Grade bands as lower bounds, best first; strictly decreasing, lowest at 0."""
        where = _Where("xếp loại", "grades", _line(value))
        if not self.mapping(value, where, "'grades'", "'grades'") or not value:
            if isinstance(value, dict):
                self.problem(where, "chưa có mức xếp loại nào", "no grade bands")
            return (GradeBand("E", 0.0),)
        bands: list[GradeBand] = []
        for grade, bound in value.items():
            if not isinstance(grade, str) or not grade.strip():
                self.problem(where, f"tên mức {grade!r} không hợp lệ",
                             f"invalid grade name {grade!r}")
                continue
            if not _is_number(bound) or not 0 <= bound <= TOTAL_POINTS:
                self.problem(where, f"mức {grade}: ngưỡng dưới phải là số từ 0 đến 100, "
                                    f"có {bound!r}",
                             f"grade {grade}: lower bound must be a number in 0..100, "
                             f"got {bound!r}")
                continue
            bands.append(GradeBand(grade.strip(), float(bound)))
        self.check_bands(bands, where)
        return tuple(bands) or (GradeBand("E", 0.0),)

    def check_bands(self, bands: list[GradeBand], where: _Where) -> None:
        """Bands must go from the highest lower bound down to 0 without repeats."""
        for upper, lower in zip(bands, bands[1:], strict=False):
            if lower.min == upper.min:
                self.problem(where, f"mức {upper.grade} và {lower.grade} chồng lấn (cùng "
                                    f"ngưỡng {_fmt(lower.min)})",
                             f"grades {upper.grade} and {lower.grade} overlap (same lower "
                             f"bound {_fmt(lower.min)})")
            elif lower.min > upper.min:
                self.problem(where, f"các mức phải xếp từ cao xuống thấp: {lower.grade} "
                                    f"({_fmt(lower.min)}) đứng sau {upper.grade} "
                                    f"({_fmt(upper.min)})",
                             f"grades must be sorted from highest to lowest: {lower.grade} "
                             f"({_fmt(lower.min)}) comes after {upper.grade} "
                             f"({_fmt(upper.min)})")
        if bands and min(b.min for b in bands) != 0:
            self.problem(where, "mức thấp nhất phải có ngưỡng 0 (mọi tổng điểm đều có mức)",
                         "the lowest grade must start at 0 so every total has a grade")

    def groups(self, value: Any) -> tuple[Group, ...]:
        """The groups, with unique ids."""
        if not isinstance(value, list) or not value:
            self.problem(None, "'groups' phải là danh sách nhóm không rỗng",
                         "'groups' must be a non-empty list")
            return ()
        groups: list[Group] = []
        for index, raw in enumerate(value, start=1):
            where = _Where(f"nhóm thứ {index}", f"group #{index}", _line(raw))
            if not self.mapping(raw, where, "nhóm", "a group"):
                continue
            group_id = self.text(raw, "id", where)
            if group_id:
                where = _Where(f"nhóm {group_id}", f"group {group_id}", _line(raw))
            self.unknown_keys(raw, _GROUP_KEYS, where)
            group = Group(group_id, self.text(raw, "name_vi", where),
                          self.text(raw, "name_en", where), self.positive(raw, "points", where))
            if group_id and any(g.id == group_id for g in groups):
                self.problem(where, f"mã nhóm '{group_id}' bị lặp",
                             f"duplicate group id '{group_id}'")
                continue
            groups.append(group)
        return tuple(groups)

    def items(self, value: Any, group_ids: set[str]) -> tuple[Item, ...]:
        """The items, with unique ids and known groups."""
        if not isinstance(value, list) or not value:
            self.problem(None, "'items' phải là danh sách mục không rỗng",
                         "'items' must be a non-empty list")
            return ()
        items: list[Item] = []
        for index, raw in enumerate(value, start=1):
            item = self.item(raw, index, group_ids)
            if item is None:
                continue
            if any(i.id == item.id for i in items):
                self.problem(_Where(f"mục {item.id}", f"item {item.id}", _line(raw)),
                             f"mã mục '{item.id}' bị lặp", f"duplicate item id '{item.id}'")
                continue
            items.append(item)
        return tuple(items)

    def item(self, raw: Any, index: int, group_ids: set[str]) -> Item | None:
        """One item, or None when it is not a mapping or has no id."""
        where = _Where(f"mục thứ {index}", f"item #{index}", _line(raw))
        if not self.mapping(raw, where, "mục", "an item"):
            return None
        item_id = self.text(raw, "id", where)
        if not item_id:
            return None
        where = _Where(f"mục {item_id}", f"item {item_id}", _line(raw))
        self.unknown_keys(raw, _ITEM_KEYS, where)
        group = self.text(raw, "group", where)
        if group and group not in group_ids:
            self.problem(where, f"nhóm '{group}' không có trong 'groups'",
                         f"group '{group}' is not defined in 'groups'")
        source = raw.get("source", "probe")
        if source not in SOURCES:
            self.problem(where, f"'source' phải là probe hoặc attestation, có {source!r}",
                         f"'source' must be probe or attestation, got {source!r}")
            source = "probe"
        criteria = self.criteria(raw.get("criteria"), source, where)
        unattested = self.unattested(raw, source, where)
        return Item(id=item_id, group=group, points=self.positive(raw, "points", where),
                    title_vi=self.text(raw, "title_vi", where),
                    title_en=self.text(raw, "title_en", where),
                    remediation_vi=self.text(raw, "remediation_vi", where),
                    remediation_en=self.text(raw, "remediation_en", where),
                    criteria=criteria, source=cast(ItemSource, source),
                    unattested=cast(Unattested, unattested))

    def unattested(self, raw: dict[str, Any], source: str, where: _Where) -> str:
        """`unattested` (attestation items only): unmeasured (default) or fail."""
        if "unattested" not in raw:
            return "unmeasured"
        value = raw["unattested"]
        if source != "attestation":
            self.problem(where, "'unattested' chỉ dùng cho mục xác nhận (source: attestation)",
                         "'unattested' only applies to attestation items")
        elif value not in UNATTESTED:
            self.problem(where, f"'unattested' phải là unmeasured hoặc fail, có {value!r}",
                         f"'unattested' must be unmeasured or fail, got {value!r}")
        else:
            return str(value)
        return "unmeasured"

    def criteria(self, value: Any, source: str, where: _Where) -> tuple[Criterion, ...]:
        """An item's criteria; their weights must sum to 1 (none for attestation items)."""
        if source == "attestation":
            if value:
                self.problem(where, "mục xác nhận (attestation) không có tiêu chí đo",
                             "an attestation item takes no criteria")
            return ()
        if not isinstance(value, list) or not value:
            self.problem(where, "'criteria' phải là danh sách tiêu chí không rỗng",
                         "'criteria' must be a non-empty list")
            return ()
        built = [self.criterion(raw, n, where) for n, raw in enumerate(value, start=1)]
        criteria = tuple(c for c in built if c is not None)
        if len(criteria) == len(built):
            total = _sum(c.weight for c in criteria)
            if abs(total - 1.0) > TOLERANCE:
                self.problem(where, f"tổng trọng số {_fmt(total)} ≠ 1",
                             f"weights sum to {_fmt(total)}, not 1")
        return criteria

    def criterion(self, raw: Any, number: int, item: _Where) -> Criterion | None:
        """One criterion, or None when it is unusable (problems recorded)."""
        where = _Where(f"{item.vi}, tiêu chí {number}", f"{item.en}, criterion {number}",
                       _line(raw) or item.line)
        if not self.mapping(raw, where, "tiêu chí", "a criterion"):
            return None
        name = raw.get("observation")
        if isinstance(name, str):
            where = _Where(f"{where.vi} ({name})", f"{where.en} ({name})", where.line)
        before = len(self.problems)
        for key in raw:
            if key not in _CRITERION_KEYS:
                self.problem(where, f"'{key}' không phải loại tiêu chí hay trường được hỗ trợ "
                                    f"(expect, min/max, scale, curve)",
                             f"'{key}' is not a supported criterion kind or field "
                             f"(expect, min/max, scale, curve)")
        unit = self.observation_unit(name, where)
        weight = raw.get("weight")
        if not _is_number(weight) or not 0 < weight <= 1:
            self.problem(where, f"'weight' phải là số trong (0, 1], có {weight!r}",
                         f"'weight' must be a number in (0, 1], got {weight!r}")
        label_vi, label_en = self.text(raw, "label_vi", where), self.text(raw, "label_en", where)
        kind = self.kind(raw, unit, where)
        aggregate = self.aggregate(raw.get("aggregate", "all"), kind, where)
        if len(self.problems) > before or kind is None:
            return None
        curve = raw.get("curve")
        return Criterion(
            observation=str(name), weight=float(weight), kind=kind, label_vi=label_vi,
            label_en=label_en, aggregate=cast(Aggregate, aggregate),
            expect=raw.get("expect") if kind == "expect" else None,
            min=_opt_float(raw.get("min")), max=_opt_float(raw.get("max")),
            curve=Curve(float(curve["full"]), float(curve["none"])) if kind == "curve" else None,
        )

    def observation_unit(self, name: Any, where: _Where) -> str | None:
        """The catalogue unit of `name`, or None (problem recorded) when unknown."""
        if not isinstance(name, str) or not name:
            self.problem(where, "thiếu trường 'observation'", "missing field 'observation'")
            return None
        if name not in CATALOGUE:
            close = difflib.get_close_matches(name, list(CATALOGUE), n=1)
            hint_vi = f"; có phải '{close[0]}'?" if close else ""
            hint_en = f"; did you mean '{close[0]}'?" if close else ""
            self.problem(where, f"quan sát '{name}' không có trong danh mục{hint_vi}",
                         f"unknown observation '{name}'{hint_en}")
            return None
        return CATALOGUE[name].unit

    def kind(self, raw: dict[str, Any], unit: str | None, where: _Where) -> CriterionKind | None:
        """The criterion kind (exactly one), with its parameters and unit checked."""
        kinds: list[str] = []
        for key in ("expect", "scale", "curve"):
            if key in raw:
                kinds.append(key)
        if "min" in raw or "max" in raw:
            kinds.append("threshold")
        if len(kinds) != 1:
            found = ", ".join(kinds) or "-"
            self.problem(where, f"cần đúng một loại tiêu chí (expect, min/max, scale, curve), "
                                f"có: {found}",
                         f"needs exactly one criterion kind (expect, min/max, scale, curve), "
                         f"found: {found}")
            return None
        kind = cast(CriterionKind, kinds[0])
        params_ok = getattr(self, f"params_{kind}")(raw, where)
        if params_ok and unit is not None and unit not in _KIND_UNITS[kind]:
            units = ", ".join(_KIND_UNITS[kind])
            self.problem(where, f"loại '{kind}' không dùng được với đơn vị '{unit}' "
                                f"(cần: {units})",
                         f"kind '{kind}' cannot judge unit '{unit}' (needs: {units})")
        return kind

    def params_expect(self, raw: dict[str, Any], where: _Where) -> bool:
        """`expect` must be true or false."""
        if not isinstance(raw["expect"], bool):
            self.problem(where, f"'expect' phải là true hoặc false, có {raw['expect']!r}",
                         f"'expect' must be true or false, got {raw['expect']!r}")
            return False
        return True

    def params_scale(self, raw: dict[str, Any], where: _Where) -> bool:
        """`scale` must be true."""
        if raw["scale"] is not True:
            self.problem(where, f"'scale' chỉ nhận giá trị true, có {raw['scale']!r}",
                         f"'scale' only takes true, got {raw['scale']!r}")
            return False
        return True

    def params_threshold(self, raw: dict[str, Any], where: _Where) -> bool:
        """`min`/`max` must be numbers with min <= max."""
        ok = True
        for key in ("min", "max"):
            if key in raw and not _is_number(raw[key]):
                self.problem(where, f"'{key}' phải là số, có {raw[key]!r}",
                             f"'{key}' must be a number, got {raw[key]!r}")
                ok = False
        if ok and "min" in raw and "max" in raw and raw["min"] > raw["max"]:
            self.problem(where, f"'min' {_fmt(raw['min'])} lớn hơn 'max' {_fmt(raw['max'])}",
                         f"'min' {_fmt(raw['min'])} is greater than 'max' {_fmt(raw['max'])}")
            ok = False
        return ok

    def params_curve(self, raw: dict[str, Any], where: _Where) -> bool:
        """`curve` must be {full, none} with 0 < full < none."""
        curve = raw["curve"]
        if not isinstance(curve, dict) or set(curve) != {"full", "none"}:
            self.problem(where, "'curve' phải có đúng hai khóa 'full' và 'none'",
                         "'curve' must have exactly the keys 'full' and 'none'")
            return False
        full, none = curve["full"], curve["none"]
        if not (_is_number(full) and _is_number(none) and 0 < full < none):
            self.problem(where, f"'curve' cần 0 < full < none, có full={full!r}, none={none!r}",
                         f"'curve' needs 0 < full < none, got full={full!r}, none={none!r}")
            return False
        return True

    def aggregate(self, value: Any, kind: CriterionKind | None, where: _Where) -> str:
        """The aggregate, checked against the kind (bools only take all/any)."""
        if value not in AGGREGATES:
            self.problem(where, f"'aggregate' phải là một trong {', '.join(AGGREGATES)}, "
                                f"có {value!r}",
                         f"'aggregate' must be one of {', '.join(AGGREGATES)}, got {value!r}")
            return "all"
        if kind == "expect" and value in VALUE_AGGREGATES:
            self.problem(where, f"'aggregate: {value}' không dùng được với 'expect' "
                                f"(chỉ all hoặc any)",
                         f"'aggregate: {value}' does not apply to 'expect' (only all or any)")
        return str(value)

    def check_points(self, groups: tuple[Group, ...], items: tuple[Item, ...]) -> None:
        """Item points sum to their group's points; group points sum to 100."""
        for group in groups:
            where = _Where(f"nhóm {group.id}", f"group {group.id}", None)
            total = _sum(i.points for i in items if i.group == group.id)
            if abs(total - group.points) > TOLERANCE:
                self.problem(where, f"tổng điểm các mục {_fmt(total)} ≠ {_fmt(group.points)} "
                                    f"điểm của nhóm",
                             f"item points sum to {_fmt(total)}, not the group's "
                             f"{_fmt(group.points)}")
        total = _sum(g.points for g in groups)
        if groups and abs(total - TOTAL_POINTS) > TOLERANCE:
            self.problem(None, f"tổng điểm các nhóm {_fmt(total)} ≠ 100",
                         f"group points sum to {_fmt(total)}, not 100")


def _opt_float(value: Any) -> float | None:
    return float(value) if _is_number(value) else None
