"""Re-scoring: judge stored runs again under a rubric, in bulk, with no network.

`rescore(store, rubric, sweep_id)` reads every observation of the selected runs in one query,
the latest attestation of every agency in another, scores each run (pure
`probe.scoring.score`) and writes all scores in one transaction. Scores are keyed by run and
rubric version, so the scores of each rubric version sit side by side. The same evidence
under the same rubric gives the same bytes; a stored score that would not change is not
rewritten (its `scored_at` stays).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from probe import attestations
from probe.db.schema import RunRow
from probe.db.store import Store
from probe.models import Observation, PortalScore
from probe.scoring import Rubric, load_rubric, score
from probe.scoring.judge import JudgeCache


@dataclass(frozen=True)
class RescoreSummary:
    """What a re-scoring did: how many runs, written or unchanged, grades, time taken."""

    rubric: str
    rubric_sha256: str
    sweep_id: str | None
    runs: int
    written: int
    unchanged: int
    grades: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # load, score, write, total

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {"rubric": self.rubric, "rubric_sha256": self.rubric_sha256,
                "sweep_id": self.sweep_id, "runs": self.runs, "written": self.written,
                "unchanged": self.unchanged, "grades": dict(self.grades),
                "seconds": dict(self.seconds)}


def as_rubric(rubric: Rubric | str | Path) -> Rubric:
    """A loaded rubric from a Rubric, a packaged version name or a file path."""
    return rubric if isinstance(rubric, Rubric) else load_rubric(rubric)


@dataclass(frozen=True)
class Evidence:
    """What scoring needs, read in bulk: runs, their observations, agencies' attestations."""

    runs: list[RunRow]
    observations: dict[str, list[Observation]]
    attested: dict[str, attestations.Attestations]

    def score(self, rubric: Rubric) -> list[tuple[str, PortalScore]]:
        """(run id, score) of every run under `rubric`, in run order (nothing stored).

        One judging cache serves the whole batch: nightly runs of a portal repeat most facts.
        """
        cache: JudgeCache = {}
        return [(run.id, score(self.observations.get(run.id, []), rubric,
                               self.attested.get(run.agency_id), cache=cache))
                for run in self.runs]


def load_evidence(store: Store, rubric: Rubric, sweep_id: str | None = None) -> Evidence:
    """The stored runs (of one sweep) with their observations, in three queries at most."""
    needs = any(item.source == "attestation" for item in rubric.items)
    return Evidence(store.runs(sweep_id), store.observations_by_run(sweep_id),
                    attestations.latest(store.attestations()) if needs else {})


def rescore(store: Store, rubric: Rubric | str | Path,
            sweep_id: str | None = None) -> RescoreSummary:
    """Re-judge the stored runs (of one sweep, or all) under `rubric` and store the scores."""
    judged = as_rubric(rubric)
    clock = time.perf_counter()
    evidence = load_evidence(store, judged, sweep_id)
    existing = store.stored_scores(judged.version, sweep_id)
    loaded = time.perf_counter()
    scored = evidence.score(judged)
    judged_at = time.perf_counter()
    written = store.save_scores(scored, judged.sha256, existing)
    done = time.perf_counter()
    seconds = {"load": loaded - clock, "score": judged_at - loaded, "write": done - judged_at,
               "total": done - clock}
    grades = Counter(s.grade for _, s in scored)
    return RescoreSummary(judged.version, judged.sha256, sweep_id, len(scored), written,
                          len(scored) - written, dict(sorted(grades.items())),
                          {k: round(v, 3) for k, v in seconds.items()})
