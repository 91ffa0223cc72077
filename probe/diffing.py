"""What changed between two sweeps: grades, items gained and lost, and the evidence behind them.

The comparison of two runs of one agency is pure (`diff_runs`); `diff_sweeps` reads both
sweeps from the store. Rules:
- Facts (stat None, and medians of untimed names) change when their value or outcome differs;
  the same findings on other pages (another sampled or deepest page) are no change, and a
  fact seen on one page each side is compared across the two (`page_before` names the old).
- Timed metrics (names with stat "run" observations) are compared run against run per page
  with `probe.stats.timing_shift`: only a regression or improvement beyond run-to-run noise
  counts; the median's outcome (ok / portal_error / probe_error) is compared as a fact.
- An item is reported as gained, lost, unmeasured or measured only when its points or status
  moved AND one of the observations it judges changed by the rules above; an item whose
  points moved within timing noise is not reported.
- An agency is reported when an item, a timing or its run status changed. A grade that
  flipped with none of these behind it (a total near a grade boundary moving with timing
  noise) is not an alarm: it is listed apart, in `SweepDiff.noise_grade_changes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from probe.db.schema import RunRow
from probe.db.store import Store, StoreError, is_published
from probe.judged import JudgedScores, scores_for
from probe.models import Observation
from probe.observations import CATALOGUE
from probe.ranking import collation_key
from probe.scoring import Rubric
from probe.stats import NoiseRule, TimingShift, timing_shift
from probe.status import COMPLETED, PROBE_SIDE

EvidenceKind = Literal["value", "timing", "attestation"]
ItemChangeKind = Literal["gained", "lost", "unmeasured", "measured", "changed"]
Move = Literal["unreachable", "down", "unmeasured", "reachable", "up"]
MOVES: tuple[Move, ...] = ("unreachable", "down", "unmeasured", "reachable", "up")  # worst first
POINT_EPSILON = 0.005  # points are stored rounded to 0.01
Key = tuple[str, str]  # (observation name, page path)
Finding = tuple[Any, str, str | None]  # a fact's (value, outcome, page)
Facts = Mapping[Key, tuple[Finding, ...]]


class DiffError(ValueError):
    """Two sweeps that cannot be compared (message Vietnamese first, English after)."""


@dataclass(frozen=True)
class EvidenceChange:
    """One observation that changed: a fact's value or outcome, or a timed metric's runs."""

    kind: EvidenceKind
    name: str
    page: str | None
    before: Any
    after: Any
    outcome_before: str | None = None
    outcome_after: str | None = None
    timing: TimingShift | None = None
    page_before: str | None = None  # a fact seen on another page before (None: same page)

    @property
    def ref(self) -> str:
        """'check/name@page', as item scores refer to observations."""
        check = CATALOGUE[self.name].check if self.name in CATALOGUE else self.kind
        return f"{check}/{self.name}@{self.page}" if self.page else f"{check}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timing changes carry runs, medians, p-value and verdict)."""
        data: dict[str, Any] = {"kind": self.kind, "ref": self.ref, "name": self.name,
                                "page": self.page, "before": self.before, "after": self.after,
                                "outcome_before": self.outcome_before,
                                "outcome_after": self.outcome_after,
                                "page_before": self.page_before}
        if self.timing is not None:
            data.update(verdict=self.timing.verdict, shift=_round(self.timing.shift),
                        p_value=_round(self.timing.p_value, 4), method=self.timing.method,
                        beyond_spreads=self.timing.beyond_spreads,
                        runs_before=list(self.timing.runs_a), runs_after=list(self.timing.runs_b))
        return data


@dataclass(frozen=True)
class ItemChange:
    """A rubric item whose points or status changed, with the evidence that changed."""

    id: str
    group: str
    change: ItemChangeKind
    status_before: str | None
    status_after: str | None
    points_before: float | None
    points_after: float | None
    max: float
    evidence: tuple[EvidenceChange, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"id": self.id, "group": self.group, "change": self.change,
                "status_before": self.status_before, "status_after": self.status_after,
                "points_before": self.points_before, "points_after": self.points_after,
                "max": self.max, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(frozen=True)
class RunSide:
    """One side of an agency's comparison: its run and stored score."""

    run_id: str
    status: str
    score: Mapping[str, Any]


@dataclass(frozen=True)
class AgencyDiff:
    """What changed for one agency between two runs."""

    agency_id: str
    agency: str
    block: str
    before: RunSide
    after: RunSide
    items: tuple[ItemChange, ...] = ()
    timing: tuple[EvidenceChange, ...] = ()

    @property
    def grade_changed(self) -> bool:
        """Whether the grade differs."""
        return self.before.score.get("grade") != self.after.score.get("grade")

    @property
    def status_changed(self) -> bool:
        """Whether the run status (completed, unreachable, ...) differs."""
        return self.before.status != self.after.status

    @property
    def move(self) -> Move | None:
        """How the agency moved: "unreachable" (its portal no longer answered), "down" (a
        lower grade), "unmeasured" (the probe failed on it this time), "reachable" (answered
        again), "up" (a higher grade); None when neither its status nor its grade changed."""
        if self.status_changed:
            if self.after.status == COMPLETED:
                return "reachable"
            return "unmeasured" if self.after.status in PROBE_SIDE else "unreachable"
        if not self.grade_changed:
            return None
        before, after = (_grade_rank(side.score.get("grade")) for side in (self.before, self.after))
        return "down" if after > before else "up"

    @property
    def explained(self) -> bool:
        """Whether an item, timing or status change stands behind the differences."""
        return bool(self.items or self.timing or self.status_changed)

    @property
    def reported(self) -> bool:
        """Whether a real change (item, timing, status) is worth reporting."""
        return self.explained

    def grade_summary(self) -> dict[str, Any]:
        """Agency, grades and totals before and after (for grade flips within noise)."""
        return {"agency_id": self.agency_id, "agency": self.agency,
                "grade_before": self.before.score.get("grade"),
                "grade_after": self.after.score.get("grade"),
                "total_before": self.before.score.get("total"),
                "total_after": self.after.score.get("total")}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"agency_id": self.agency_id, "agency": self.agency, "block": self.block,
                "run_before": self.before.run_id, "run_after": self.after.run_id,
                "status_before": self.before.status, "status_after": self.after.status,
                "total_before": self.before.score.get("total"),
                "total_after": self.after.score.get("total"),
                "grade_before": self.before.score.get("grade"),
                "grade_after": self.after.score.get("grade"),
                "grade_changed": self.grade_changed, "move": self.move,
                "explained": self.explained,
                "items": [i.to_dict() for i in self.items],
                "timing": [t.to_dict() for t in self.timing]}


@dataclass(frozen=True)
class SweepDiff:
    """The differences between two sweeps under one rubric."""

    sweep_before: str
    sweep_after: str
    rubric: str
    agencies: tuple[AgencyDiff, ...]
    compared: int
    within_noise: int
    only_before: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()
    rule: NoiseRule = field(default_factory=NoiseRule)
    noise_grade_changes: tuple[AgencyDiff, ...] = ()
    judged_now: int = 0  # runs of either sweep scored now, not stored (probe.judged)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (`probe diff --json`)."""
        return {"sweep_before": self.sweep_before, "sweep_after": self.sweep_after,
                "rubric": self.rubric, "compared": self.compared,
                "within_noise": self.within_noise, "judged_now": self.judged_now,
                "only_before": list(self.only_before),
                "only_after": list(self.only_after),
                "noise_grade_changes": [a.grade_summary() for a in self.noise_grade_changes],
                "noise_rule": {"alpha": self.rule.alpha, "min_runs": self.rule.min_runs,
                               "min_relative": self.rule.min_relative,
                               "min_shift": dict(self.rule.min_shift)},
                "agencies": [a.to_dict() for a in self.agencies]}


def _grade_rank(grade: str | None) -> int:
    """A grade's rank, A first; no grade after E."""
    return "ABCDE".find(grade) if grade and len(grade) == 1 and grade in "ABCDE" else 5


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------- evidence


def page_key(page: str | None) -> str:
    """A page as path and query, so runs on another host or port still match."""
    if not page:
        return ""
    parts = urlsplit(page)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def timed_runs(observations: Sequence[Observation]) -> dict[Key, list[float]]:
    """Good numeric values of each timed series (stat "run"), per (name, page)."""
    series: dict[Key, list[float]] = {}
    for o in observations:
        if o.stat == "run":
            values = series.setdefault((o.name, page_key(o.page)), [])
            if o.outcome == "ok" and _numeric(o.value):
                values.append(float(o.value))  # type: ignore[arg-type]
    return series


def facts(observations: Sequence[Observation], timed: set[str]) -> dict[Key, tuple[Finding, ...]]:
    """(value, outcome, page) of each fact per (name, page); timed names keep only outcomes."""
    found: dict[Key, list[Finding]] = {}
    for o in observations:
        if o.stat == "run":
            continue
        value = None if o.name in timed else o.value
        found.setdefault((o.name, page_key(o.page)), []).append((value, o.outcome, o.page))
    return {key: tuple(values) for key, values in found.items()}


def evidence_changes(before: Sequence[Observation], after: Sequence[Observation],
                     rule: NoiseRule | None = None) -> list[EvidenceChange]:
    """Every observation that changed between two runs, by the module's rules."""
    runs_a, runs_b = timed_runs(before), timed_runs(after)
    timed = {name for name, _ in (*runs_a, *runs_b)}
    changes = _fact_changes(facts(before, timed), facts(after, timed))
    for key in sorted(set(runs_a) & set(runs_b)):
        name, _ = key
        shift = timing_shift(runs_a[key], runs_b[key], CATALOGUE[name].unit
                             if name in CATALOGUE else "ms", rule)
        if shift.changed:
            page = _full_page(key, before) or _full_page(key, after)
            changes.append(EvidenceChange("timing", name, page, shift.median_a, shift.median_b,
                                          timing=shift))
    return changes


def _full_page(key: Key, observations: Sequence[Observation]) -> str | None:
    """The page URL as observed for a (name, page path) key."""
    return next((o.page for o in observations if (o.name, page_key(o.page)) == key), None)


def _fact_changes(before: Facts, after: Facts) -> list[EvidenceChange]:
    """Changed facts, name by name (see `_name_changes`)."""
    changes: list[EvidenceChange] = []
    for name in sorted({key[0] for key in (*before, *after)}):
        changes += _name_changes(name, {k: v for k, v in before.items() if k[0] == name},
                                 {k: v for k, v in after.items() if k[0] == name})
    return changes


def _findings(found: Facts) -> list[str]:
    return sorted(repr(v[:2]) for values in found.values() for v in values)


def _name_changes(name: str, old: Facts, new: Facts) -> list[EvidenceChange]:
    """One name's changes. The same findings on other pages (a sampled page, the deepest
    page, the page a form was found on) are no change; a name seen on one page each side
    is compared across the two pages; otherwise page by page."""
    if _findings(old) == _findings(new):
        return []
    if len(old) == 1 and len(new) == 1 and set(old) != set(new):
        (a,), (b,) = old.values(), new.values()
        return [_value_change(name, a, b, page_before=a[0][2])]
    return [_value_change(name, old.get(key, ()), new.get(key, ()))
            for key in sorted(set(old) | set(new))
            if [v[:2] for v in old.get(key, ())] != [v[:2] for v in new.get(key, ())]]


def _value_change(name: str, old: tuple[Finding, ...], new: tuple[Finding, ...],
                  page_before: str | None = None) -> EvidenceChange:
    page = (new or old)[0][2] if page_before else (old or new)[0][2]
    return EvidenceChange("value", name, page, _one([v[0] for v in old]),
                          _one([v[0] for v in new]), _one([v[1] for v in old]),
                          _one([v[1] for v in new]), page_before=page_before)


def _one(values: list[Any]) -> Any:
    """A single value as itself, several as a list, none as None."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values


# --------------------------------------------------------------------------- items


def item_names(item_id: str, rubric: Rubric | None,
               scored: Sequence[Mapping[str, Any]]) -> set[str]:
    """Observation names an item judges: from the rubric, else from the scores' references."""
    if rubric is not None:
        try:
            return {c.observation for c in rubric.item(item_id).criteria}
        except KeyError:
            pass
    names: set[str] = set()
    for item in scored:
        for ref in item.get("observations", []):
            names.add(ref.split("/", 1)[-1].split("@", 1)[0])
    return names


def _change_kind(before: float | None, after: float | None) -> ItemChangeKind:
    if before is not None and after is None:
        return "unmeasured"
    if before is None and after is not None:
        return "measured"
    if before is not None and after is not None and abs(after - before) >= POINT_EPSILON:
        return "gained" if after > before else "lost"
    return "changed"


def _moved(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    pa, pb = a.get("points"), b.get("points")
    if (pa is None) != (pb is None) or a.get("status") != b.get("status"):
        return True
    return pa is not None and pb is not None and abs(pb - pa) >= POINT_EPSILON


def item_changes(score_a: Mapping[str, Any], score_b: Mapping[str, Any],
                 changes: Sequence[EvidenceChange], rubric: Rubric | None = None
                 ) -> list[ItemChange]:
    """Items whose points or status moved and that have changed evidence behind them."""
    items_a = {i["id"]: i for i in score_a.get("items", [])}
    items_b = {i["id"]: i for i in score_b.get("items", [])}
    order = [*items_a, *(i for i in items_b if i not in items_a)]
    found: list[ItemChange] = []
    for item_id in order:
        a, b = items_a.get(item_id), items_b.get(item_id)
        if not _moved(a, b):
            continue
        present = [i for i in (a, b) if i is not None]
        evidence = _item_evidence(item_id, present, a, b, changes, rubric)
        if not evidence:
            continue  # moved within timing noise
        first = present[0]
        found.append(ItemChange(
            item_id, first["group"], _change_kind(_points(a), _points(b)),
            a.get("status") if a else None, b.get("status") if b else None,
            _points(a), _points(b), float(first["max"]), tuple(evidence)))
    return found


def _points(item: Mapping[str, Any] | None) -> float | None:
    return None if item is None or item.get("points") is None else float(item["points"])


def _item_evidence(item_id: str, present: list[Mapping[str, Any]],
                   a: Mapping[str, Any] | None, b: Mapping[str, Any] | None,
                   changes: Sequence[EvidenceChange], rubric: Rubric | None
                   ) -> list[EvidenceChange]:
    """The changed evidence behind one item (attested items: the attestation itself)."""
    attested = any(ref.startswith("attestation/") for i in present
                   for ref in i.get("observations", [])) or (
        rubric is not None and _is_attestation(rubric, item_id))
    if attested:
        old, new = (a or {}).get("reason"), (b or {}).get("reason")
        return [EvidenceChange("attestation", item_id, None, old, new)] if old != new else []
    names = item_names(item_id, rubric, present)
    return [c for c in changes if c.name in names]


def _is_attestation(rubric: Rubric, item_id: str) -> bool:
    try:
        return rubric.item(item_id).source == "attestation"
    except KeyError:
        return False


def diff_runs(agency: tuple[str, str, str], before: RunSide, after: RunSide,
              observations_before: Sequence[Observation],
              observations_after: Sequence[Observation], rubric: Rubric | None = None,
              rule: NoiseRule | None = None) -> AgencyDiff:
    """Compare two runs of one agency (id, name, block): items, timing, grade, status."""
    changes = evidence_changes(observations_before, observations_after, rule)
    items = item_changes(before.score, after.score, changes, rubric)
    timing = tuple(c for c in changes if c.kind == "timing")
    return AgencyDiff(agency[0], agency[1], agency[2], before, after, tuple(items), timing)


# --------------------------------------------------------------------------- sweeps


def latest_runs(runs: Sequence[RunRow]) -> dict[str, RunRow]:
    """The latest run of each agency in a sweep (a retried portal keeps its last run)."""
    found: dict[str, RunRow] = {}
    for run in sorted(runs, key=lambda r: (r.started_at, r.id)):
        found[run.agency_id] = run
    return found


def _sweep(store: Store, sweep_id: str) -> str:
    try:
        row = store.sweep(sweep_id)
    except StoreError as error:
        raise DiffError(str(error)) from error
    if is_published(row):
        raise DiffError(f"đợt '{row.id}' là kết quả công bố được nhập, không có bằng chứng để "
                        f"so sánh (sweep '{row.id}' is an imported published table without "
                        f"evidence)")
    return row.id


def _scores(store: Store, runs: Mapping[str, RunRow], rubric: Rubric) -> JudgedScores:
    return scores_for(store, list(runs.values()), rubric)


def _points_moved(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether the total or any item's points differ (within noise when nothing reported)."""
    points_a = {i["id"]: i.get("points") for i in before.get("items", [])}
    points_b = {i["id"]: i.get("points") for i in after.get("items", [])}
    return before.get("total") != after.get("total") or points_a != points_b


def diff_sweeps(store: Store, sweep_before: str, sweep_after: str, rubric: Rubric,
                rule: NoiseRule | None = None) -> SweepDiff:
    """Compare two stored sweeps agency by agency under `rubric` (its stored scores)."""
    rule = rule or NoiseRule()
    first, second = _sweep(store, sweep_before), _sweep(store, sweep_after)
    runs_a, runs_b = latest_runs(store.runs(first)), latest_runs(store.runs(second))
    judged_a, judged_b = _scores(store, runs_a, rubric), _scores(store, runs_b, rubric)
    scores_a, scores_b = judged_a.scores, judged_b.scores
    observed_a, observed_b = store.observations_by_run(first), store.observations_by_run(second)
    common = sorted(set(runs_a) & set(runs_b),
                    key=lambda a: (runs_b[a].block, collation_key(runs_b[a].agency_name)))
    reported: list[AgencyDiff] = []
    flips: list[AgencyDiff] = []
    noise = 0
    for agency_id in common:
        a, b = runs_a[agency_id], runs_b[agency_id]
        diff = diff_runs((agency_id, b.agency_name, b.block),
                         RunSide(a.id, a.status, scores_a[a.id]),
                         RunSide(b.id, b.status, scores_b[b.id]),
                         observed_a.get(a.id, []), observed_b.get(b.id, []), rubric, rule)
        if diff.reported:
            reported.append(diff)
        elif _points_moved(scores_a[a.id], scores_b[b.id]):
            noise += 1
            if diff.grade_changed:
                flips.append(diff)
    return SweepDiff(first, second, rubric.version, tuple(reported), len(common), noise,
                     tuple(sorted(set(runs_a) - set(runs_b))),
                     tuple(sorted(set(runs_b) - set(runs_a))), rule, tuple(flips),
                     len(judged_a.judged_now) + len(judged_b.judged_now))
