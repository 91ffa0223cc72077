"""What one rubric changes against another: grade bands, policy, groups, items and criteria.

`rubric_changes(old, new)` lists every difference that can move a score, in rubric order,
then the items whose texts (titles, remediation, labels) alone changed. Pure: no store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from probe.scoring.rubric import Criterion, Item, Rubric
from probe.scoring.text import AGGREGATE_WORDS

TEXT_FIELDS = ("title_vi", "title_en", "remediation_vi", "remediation_en")


@dataclass(frozen=True)
class RubricChange:
    """One difference. `subject` is "grades", "policy", "validity", a group id or an item id;
    `what` names the kind of change; `detail` the grade letter or observation name."""

    subject: str
    what: str
    detail: str = ""
    before: Any = None
    after: Any = None

    @property
    def scores(self) -> bool:
        """Whether the change can move a score (texts and validity dates cannot)."""
        return self.what not in ("text", "validity")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with the change told in Vietnamese and English."""
        vi, en = describe(self)
        return {"subject": self.subject, "what": self.what, "detail": self.detail,
                "before": self.before, "after": self.after, "scores": self.scores,
                "text_vi": vi, "text_en": en}


def rubric_changes(old: Rubric, new: Rubric) -> list[RubricChange]:
    """Every difference between `old` and `new`: those that move scores first, then texts."""
    changes = [*_grades(old, new), *_policy(old, new), *_groups(old, new), *_items(old, new)]
    return [c for c in changes if c.scores] + [c for c in changes if not c.scores]


def _grades(old: Rubric, new: Rubric) -> Iterator[RubricChange]:
    before = {band.grade: band.min for band in old.grades}
    after = {band.grade: band.min for band in new.grades}
    for grade in sorted(before.keys() | after.keys()):
        if before.get(grade) != after.get(grade):
            yield RubricChange("grades", "band", grade, before.get(grade), after.get(grade))


def _policy(old: Rubric, new: Rubric) -> Iterator[RubricChange]:
    if old.unmeasured_policy != new.unmeasured_policy:
        yield RubricChange("policy", "unmeasured_policy", "", old.unmeasured_policy,
                           new.unmeasured_policy)
    validity = ((old.valid_from, old.valid_to), (new.valid_from, new.valid_to))
    if validity[0] != validity[1]:
        yield RubricChange("validity", "validity", "", list(validity[0]), list(validity[1]))


def _groups(old: Rubric, new: Rubric) -> Iterator[RubricChange]:
    before = {group.id: group.points for group in old.groups}
    after = {group.id: group.points for group in new.groups}
    for group_id in [*before, *(g for g in after if g not in before)]:
        if before.get(group_id) != after.get(group_id):
            yield RubricChange(group_id, "group_points", "", before.get(group_id),
                               after.get(group_id))


def _items(old: Rubric, new: Rubric) -> Iterator[RubricChange]:
    before = {item.id: item for item in old.items}
    after = {item.id: item for item in new.items}
    for item_id in [*before, *(i for i in after if i not in before)]:
        was, now = before.get(item_id), after.get(item_id)
        if was is None and now is not None:
            yield RubricChange(item_id, "added", now.group, None, now.points)
        elif now is None and was is not None:
            yield RubricChange(item_id, "removed", was.group, was.points, None)
        elif was is not None and now is not None:
            yield from _item(was, now)


def _item(was: Item, now: Item) -> Iterator[RubricChange]:
    for name in ("points", "group", "source", "unattested"):
        if getattr(was, name) != getattr(now, name):
            yield RubricChange(was.id, name, "", getattr(was, name), getattr(now, name))
    yield from _criteria(was, now)
    if any(getattr(was, name) != getattr(now, name) for name in TEXT_FIELDS) or \
            _labels(was) != _labels(now):
        yield RubricChange(was.id, "text")


def _keyed(item: Item) -> dict[str, Criterion]:
    """An item's criteria by observation name (`name#2` for a name's second criterion)."""
    found: dict[str, Criterion] = {}
    for criterion in item.criteria:
        key, count = criterion.observation, 1
        while key in found:
            count += 1
            key = f"{criterion.observation}#{count}"
        found[key] = criterion
    return found


def _labels(item: Item) -> list[tuple[str, str]]:
    return [(c.label_vi, c.label_en) for c in item.criteria]


def _criteria(was: Item, now: Item) -> Iterator[RubricChange]:
    before, after = _keyed(was), _keyed(now)
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if new is None and old is not None:
            yield RubricChange(was.id, "criterion_removed", key, rule_text(old), None)
        elif old is None and new is not None:
            yield RubricChange(was.id, "criterion_added", key, None, rule_text(new))
        elif old is not None and new is not None:
            if old.weight != new.weight:
                yield RubricChange(was.id, "weight", key, old.weight, new.weight)
            if rule_text(old) != rule_text(new):
                yield RubricChange(was.id, "rule", key, rule_text(old), rule_text(new))


def rule_text(criterion: Criterion) -> str:
    """How a criterion judges its observation, in short: `= true`, `≥ 0.8`, `1800–3000 ms`,
    with its aggregate over pages when not `all` (Vietnamese, then English)."""
    if criterion.kind == "expect":
        rule = f"= {str(criterion.expect).lower()}"
    elif criterion.kind == "curve" and criterion.curve is not None:
        rule = f"{criterion.curve.full:g}–{criterion.curve.none:g} ms"
    elif criterion.kind == "scale":
        rule = "tỉ lệ (scale)"
    else:
        bounds = [f"≥ {criterion.min:g}" if criterion.min is not None else "",
                  f"≤ {criterion.max:g}" if criterion.max is not None else ""]
        rule = " ".join(b for b in bounds if b)
    if criterion.aggregate == "all":
        return rule
    vi, en = AGGREGATE_WORDS.get(criterion.aggregate, (criterion.aggregate, criterion.aggregate))
    return f"{rule} ({vi} các trang, {en} over pages)"


_WHAT: dict[str, tuple[str, str]] = {
    "band": ("ngưỡng xếp loại", "grade band"),
    "unmeasured_policy": ("cách tính mục không đo được", "unmeasured policy"),
    "validity": ("thời gian hiệu lực", "validity"),
    "group_points": ("điểm nhóm", "group points"),
    "added": ("mục mới", "new item"),
    "removed": ("bỏ mục", "item removed"),
    "points": ("điểm", "points"),
    "group": ("nhóm", "group"),
    "source": ("nguồn", "source"),
    "unattested": ("khi chưa xác nhận", "when not attested"),
    "criterion_added": ("thêm tiêu chí", "criterion added"),
    "criterion_removed": ("bỏ tiêu chí", "criterion removed"),
    "weight": ("trọng số", "weight"),
    "rule": ("cách chấm", "rule"),
    "text": ("chỉ đổi lời văn", "wording only"),
}


_SUBJECTS: dict[str, tuple[str, str]] = {
    "grades": ("Xếp loại", "Grade"), "policy": ("Chính sách", "Policy"),
    "validity": ("Bộ tiêu chí", "Rubric"),
}


def describe(change: RubricChange) -> tuple[str, str]:
    """The change told in one line, Vietnamese and English."""
    what_vi, what_en = _WHAT.get(change.what, (change.what, change.what))
    subject_vi, subject_en = _SUBJECTS.get(change.subject, (change.subject, change.subject))
    detail = f" {change.detail}" if change.detail else ""
    if change.what in ("added", "removed"):  # detail: the item's group
        points = change.after if change.what == "added" else change.before
        return (f"{subject_vi} ({change.detail}): {what_vi}, {_shown(points)} điểm",
                f"{subject_en} ({change.detail}): {what_en}, {_shown(points)} points")
    if change.what == "text":
        return f"{subject_vi}: {what_vi}", f"{subject_en}: {what_en}"
    if change.what in ("criterion_added", "criterion_removed"):
        rule = _shown(change.after if change.what == "criterion_added" else change.before)
        return (f"{subject_vi}{detail}: {what_vi} {rule}",
                f"{subject_en}{detail}: {what_en} {rule}")
    span = f"{_shown(change.before)} → {_shown(change.after)}"
    return (f"{subject_vi}{detail}: {what_vi} {span}", f"{subject_en}{detail}: {what_en} {span}")


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "..".join(str(v) or "∞" for v in value)
    return str(value)
