"""The evidence behind each rubric item, as the report shows it.

An item's score names its observations by reference ('check/name@page'). For each one the
report shows the value, outcome and detail, screenshot thumbnails (the artifacts are copied
into the report folder, so it is self-contained), the axe rules of an axe JSON artifact and,
for timed metrics, the distribution of the runs behind the median.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

from probe.models import Observation
from probe.report_charts import Chart, strip_chart
from probe.report_labels import IMPACTS, METRICS, OUTCOMES, pick
from probe.scoring.text import fmt_value

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")
MAX_NODES = 10  # elements listed per axe rule
MAX_SNIPPET = 300  # characters of an element's HTML
EVIDENCE_DIR = "evidence"

Key = tuple[str, str, str | None]


class ArtifactCopier:
    """Copies artifacts from the evidence root into `out_dir/evidence/`, once each."""

    def __init__(self, root: Path | None, out_dir: Path) -> None:
        self.root = root.resolve() if root else None
        self.out_dir = out_dir
        self.copied: dict[str, str | None] = {}
        self._axe: dict[str, list[AxeRule]] = {}

    def href(self, relative: str) -> str | None:
        """The link (relative to the report) of a copied artifact; None when it is missing."""
        if relative not in self.copied:
            self.copied[relative] = self._copy(relative)
        return self.copied[relative]

    def _copy(self, relative: str) -> str | None:
        source = self.source(relative)
        if source is None:
            return None
        parts = PurePosixPath(relative).parts
        target = self.out_dir.joinpath(EVIDENCE_DIR, *parts)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        return "/".join(quote(p) for p in (EVIDENCE_DIR, *parts))

    def written(self) -> list[str]:
        """The copies made, as paths relative to the report folder."""
        return [unquote(href) for href in self.copied.values() if href is not None]

    def source(self, relative: str) -> Path | None:
        """The stored file of an artifact path, if it is a file inside the evidence root."""
        path = PurePosixPath(relative)
        if self.root is None or path.is_absolute() or ".." in path.parts or not path.parts:
            return None
        source = self.root.joinpath(*path.parts).resolve()
        if not source.is_relative_to(self.root) or not source.is_file():
            return None
        return source

    def axe_rules(self, relative: str) -> list[AxeRule]:
        """The violated rules of an axe JSON artifact (empty when it is not one)."""
        if relative not in self._axe:
            self._axe[relative] = _read_axe(self.source(relative))
        return self._axe[relative]


@dataclass(frozen=True)
class AxeRule:
    """One violated axe rule: its impact, how many elements, their selectors and HTML."""

    id: str
    impact: str
    help: str
    nodes: int
    targets: tuple[str, ...]
    snippets: tuple[str, ...]


def _read_axe(path: Path | None) -> list[AxeRule]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = data.get("violations") if isinstance(data, dict) else None
    rules = [_axe_rule(v) for v in found or [] if isinstance(v, dict)]
    return sorted(rules, key=lambda r: (_impact_rank(r.impact), r.id))


def _impact_rank(impact: str) -> int:
    return IMPACT_ORDER.index(impact) if impact in IMPACT_ORDER else len(IMPACT_ORDER)


def _axe_rule(violation: dict[str, Any]) -> AxeRule:
    nodes = [n for n in violation.get("nodes") or [] if isinstance(n, dict)]
    shown = nodes[:MAX_NODES]
    targets = tuple(" ".join(str(t) for t in n.get("target") or []) for n in shown)
    snippets = tuple(str(n.get("html", ""))[:MAX_SNIPPET] for n in shown)
    return AxeRule(id=str(violation.get("id", "")), impact=str(violation.get("impact") or ""),
                   help=str(violation.get("help", "")), nodes=len(nodes), targets=targets,
                   snippets=snippets)


@dataclass
class ObservationView:
    """One observation as the report shows it, in one language."""

    name: str
    page: str | None
    value: str
    outcome: str
    outcome_label: str
    detail: str
    images: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)
    axe: list[dict[str, Any]] = field(default_factory=list)
    timing: Chart | None = None
    runs: list[str] = field(default_factory=list)


def index_observations(observations: Sequence[Observation]) -> dict[Key, list[Observation]]:
    """Observations per (check, name, page), in stored order."""
    index: dict[Key, list[Observation]] = {}
    for observation in observations:
        key = (observation.check, observation.name, observation.page)
        index.setdefault(key, []).append(observation)
    return index


def parse_ref(ref: str) -> Key:
    """'check/name@page' (as scoring writes it) -> (check, name, page or None)."""
    head, at, page = ref.partition("@")
    check, _, name = head.partition("/")
    return check, name, page if at else None


def item_evidence(refs: Sequence[str], index: dict[Key, list[Observation]],
                  copier: ArtifactCopier, lang: str) -> list[ObservationView]:
    """The observations an item's score names, with their evidence, in one language."""
    views: list[ObservationView] = []
    seen_axe: set[str] = set()
    for ref in refs:
        found = index.get(parse_ref(ref), [])
        decided = [o for o in found if o.stat != "run"]
        runs = [o for o in found if o.stat == "run"]
        for observation in decided[:1] or runs[:1]:
            views.append(_view(observation, runs, copier, lang, seen_axe))
    return views


def _view(observation: Observation, runs: list[Observation], copier: ArtifactCopier,
          lang: str, seen_axe: set[str]) -> ObservationView:
    view = ObservationView(
        name=observation.name, page=observation.page,
        value=fmt_value(observation.value, observation.unit, lang),
        outcome=observation.outcome,
        outcome_label=pick(OUTCOMES.get(observation.outcome, (observation.outcome,) * 2), lang),
        detail=observation.detail)
    for artifact in observation.artifacts:
        _attach(view, artifact, copier, lang, seen_axe)
    if runs:
        _attach_timing(view, observation, runs, lang)
    return view


def _attach(view: ObservationView, artifact: str, copier: ArtifactCopier, lang: str,
            seen_axe: set[str]) -> None:
    href = copier.href(artifact)
    if href is None:
        return
    suffix = PurePosixPath(artifact).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        view.images.append(href)
        return
    view.files.append((PurePosixPath(artifact).name, href))
    rules = copier.axe_rules(artifact) if suffix == ".json" else []
    if rules and artifact not in seen_axe:
        seen_axe.add(artifact)
        view.axe = [{**rule.__dict__, "impact_label": pick(IMPACTS.get(rule.impact,
                                                                        (rule.impact,) * 2),
                                                            lang)} for rule in rules]


def _attach_timing(view: ObservationView, observation: Observation, runs: list[Observation],
                   lang: str) -> None:
    values = [float(o.value) for o in runs if o.outcome == "ok" and _is_number(o.value)]
    median = float(observation.value) if observation.stat == "median" \
        and _is_number(observation.value) else None
    unit = "ms" if observation.unit == "ms" else ""
    metric = METRICS.get(observation.name, observation.name)
    view.runs = [f"{v:g}" for v in values]
    words = ("lần đo", "trung vị") if lang == "vi" else ("runs", "median")
    label = (f"{metric}: {len(values)} {words[0]} "
             f"{', '.join(view.runs)} {unit}; {words[1]} {view.value}")
    view.timing = strip_chart(label, values, median, unit, view.value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)
