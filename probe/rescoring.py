"""Re-scoring: judge stored runs again under a rubric, in bulk, with no network.

`rescore(store, rubric, sweep_id)` reads the latest attestation of every agency once, then
takes the selected runs a chunk at a time (`CHUNK_RUNS`, whole sweeps together): every
observation and stored score of the chunk in one query each, each run scored (pure
`probe.scoring.score`) and the chunk's scores written in one transaction. Memory follows the
chunk, not the store: a year of nightly sweeps is re-judged in the memory of a few weeks.
Scores are keyed by run and rubric version, so the scores of each rubric version sit side by
side. The same evidence under the same rubric gives the same bytes; a stored score that would
not change is not rewritten (its `scored_at` stays). Stopped half-way, a re-scoring has
written whole chunks, and running it again finishes the rest.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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

    def score(self, rubric: Rubric,
              cache: JudgeCache | None = None) -> list[tuple[str, PortalScore]]:
        """(run id, score) of every run under `rubric`, in run order (nothing stored).

        One judging cache (`cache`, or a new one) serves the whole batch: nightly runs of a
        portal repeat most facts.
        """
        cache = {} if cache is None else cache
        return [(run.id, score(self.observations.get(run.id, []), rubric,
                               self.attested.get(run.agency_id), cache=cache))
                for run in self.runs]


CHUNK_RUNS = 1000  # runs judged and written together (a bigger sweep is one chunk)
CACHE_ENTRIES = 50_000  # judging results kept from chunk to chunk before starting afresh


def load_evidence(store: Store, runs: list[RunRow],
                  attested: dict[str, attestations.Attestations]) -> Evidence:
    """`runs` with their observations, read in one query, and the agencies' attestations
    (`attested_for`)."""
    return Evidence(runs, store.observations_by_run(run_ids=[run.id for run in runs]),
                    attested)


def attested_for(store: Store, rubric: Rubric) -> dict[str, attestations.Attestations]:
    """The agencies' latest attestations, when `rubric` has an item that reads them."""
    needs = any(item.source == "attestation" for item in rubric.items)
    return attestations.latest(store.attestations()) if needs else {}


def chunks(runs: list[RunRow], size: int = CHUNK_RUNS) -> Iterator[list[RunRow]]:
    """`runs` cut into chunks of about `size` runs, each sweep's runs whole in one chunk
    (runs outside any sweep are cut anywhere)."""
    by_sweep: dict[str | None, list[RunRow]] = {}
    for run in runs:
        by_sweep.setdefault(run.sweep_id, []).append(run)
    chunk: list[RunRow] = []
    for sweep_id, group in by_sweep.items():
        parts = [group] if sweep_id is not None else \
            [group[start:start + size] for start in range(0, len(group), size)]
        for part in parts:
            chunk += part
            if len(chunk) >= size:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a chunk's objects are built: they hold no cycles,
    and the collector's passes over a growing heap took about half the re-scoring time.
    Anything cyclic is collected when the chunk is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def rescore(store: Store, rubric: Rubric | str | Path,
            sweep_id: str | None = None) -> RescoreSummary:
    """Re-judge the stored runs (of one sweep, or all) under `rubric` and store the scores."""
    judged = as_rubric(rubric)
    clock = time.perf_counter()
    store.keep_rubric(judged)
    attested = attested_for(store, judged)
    runs = store.runs(sweep_id)
    seconds: Counter[str] = Counter({"load": time.perf_counter() - clock})
    grades: Counter[str] = Counter()
    written = 0
    cache: JudgeCache = {}
    for chunk in chunks(runs, CHUNK_RUNS):
        if len(cache) > CACHE_ENTRIES:
            cache.clear()
        started = time.perf_counter()
        with collector_paused():
            evidence = load_evidence(store, chunk, attested)
            existing = store.stored_scores(judged.version, run_ids=[run.id for run in chunk])
            loaded = time.perf_counter()
            scored = evidence.score(judged, cache)
        judged_at = time.perf_counter()
        written += store.save_scores(scored, judged.sha256, existing)
        seconds.update(load=loaded - started, score=judged_at - loaded,
                       write=time.perf_counter() - judged_at)
        grades.update(s.grade for _, s in scored)
    seconds["total"] = time.perf_counter() - clock
    return RescoreSummary(judged.version, judged.sha256, sweep_id, len(runs), written,
                          len(runs) - written, dict(sorted(grades.items())),
                          {k: round(seconds[k], 3) for k in ("load", "score", "write", "total")})
