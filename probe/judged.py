"""The scores of stored runs under a rubric: stored when that rubric made them, else judged now.

A read command (`probe rank`, `show`, `diff`, `report`) is given a rubric by name or file. The
runs it shows are scored under exactly that rubric: a stored score is used when it was made
by the same rubric (same version and, when recorded, the same file hash); any other run is
judged now from its stored observations (pure scoring, no network) and nothing is written.
`judged_now` names those runs, so the reader can be told that `probe rescore` would store
them. History (trend lines, the national trend over sweeps) reads stored scores only:
judging a year of runs on every read is `probe rescore`'s work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from probe.attestations import Attestations
from probe.db.schema import RunRow, SweepRow
from probe.db.store import Store, StoredScore
from probe.rescoring import attested_for, collector_paused, load_evidence
from probe.scoring import Rubric, RubricError, load_rubric, parse_rubric_text
from probe.scoring.engine import attested_item
from probe.scoring.rubric import Item, rubrics_dir


@dataclass(frozen=True)
class JudgedScores:
    """The scores of some runs under one rubric: those read from the store (`stored`, as
    stored text, parsed when asked for) and those judged now (`fresh`)."""

    stored: dict[str, StoredScore]
    fresh: dict[str, dict[str, Any]]
    version: str

    @property
    def judged_now(self) -> frozenset[str]:
        """The ids of the runs judged now rather than read from the store."""
        return frozenset(self.fresh)

    def totals(self) -> dict[str, tuple[float | None, str | None]]:
        """(total, grade) per run id, without reading any item."""
        found: dict[str, tuple[float | None, str | None]] = {
            run_id: (row.total, row.grade) for run_id, row in self.stored.items()}
        found.update((run_id, (s["total"], s["grade"])) for run_id, s in self.fresh.items())
        return found

    @cached_property
    def scores(self) -> dict[str, dict[str, Any]]:
        """Every score per run id: {"rubric", "total", "grade", "groups", "items"}, as
        `Store.score` returns one."""
        found = {run_id: _parsed(self.version, row) for run_id, row in self.stored.items()}
        found.update(self.fresh)
        return found


def made_by(stored: StoredScore, rubric: Rubric) -> bool:
    """Whether a stored score (of `rubric.version`) was made by this very rubric file: the
    hashes agree, or none was recorded with the score."""
    return not stored.rubric_sha256 or not rubric.sha256 or stored.rubric_sha256 == rubric.sha256


def scores_for(store: Store, runs: Sequence[RunRow], rubric: Rubric) -> JudgedScores:
    """Every run's score under `rubric`: the stored one when `rubric` made it and it still
    holds the agency's latest attestations, else judged now from the run's stored
    observations and those attestations (nothing written)."""
    attested = attested_for(store, rubric)
    attested_items = [item for item in rubric.items if item.source == "attestation"]
    agency_of = {run.id: run.agency_id for run in runs}
    stored = {run_id: row for run_id, row in store.stored_scores(
        rubric.version, run_ids=list(agency_of)).items()
        if made_by(row, rubric)
        and holds(row, rubric, attested_items, attested.get(agency_of[run_id]))}
    missing = [run for run in runs if run.id not in stored]
    fresh: dict[str, dict[str, Any]] = {}
    if missing:
        with collector_paused():  # as re-scoring: many acyclic objects built at once
            evidence = load_evidence(store, missing, attested)
            fresh = {run_id: judged.to_dict() for run_id, judged in evidence.score(rubric)}
    return JudgedScores(stored, fresh, rubric.version)


def holds(stored: StoredScore, rubric: Rubric, items: Sequence[Item],
          attestation: Attestations | None) -> bool:
    """Whether a stored score's attested `items` (the rubric's) are what the agency's latest
    attestations give now (always, when there are none): `probe attest` after scoring makes
    the stored score stale until `probe rescore`."""
    if not items:
        return True
    kept = {entry["id"]: entry for entry in json.loads(stored.items_json)}
    return all(kept.get(item.id) == attested_item(item, (attestation or {}).get(item.id),
                                                  rubric).to_dict() for item in items)


def score_for(store: Store, run: RunRow, rubric: Rubric) -> tuple[dict[str, Any], bool]:
    """One run's score under `rubric` (as `scores_for`) and whether it was judged now."""
    found = scores_for(store, [run], rubric)
    return found.scores[run.id], run.id in found.judged_now


def _parsed(version: str, row: StoredScore) -> dict[str, Any]:
    return {"rubric": version, "total": row.total, "grade": row.grade,
            "groups": json.loads(row.groups_json), "items": json.loads(row.items_json)}


def judged_now_note(count: int, rubric: Rubric, sweep_id: str = "") -> str:
    """One line saying that `count` runs were judged now and the command that stores them."""
    where = f" --sweep {sweep_id}" if sweep_id else ""
    runs = "run" if count == 1 else "runs"
    return (f"{count} lượt được chấm ngay từ bằng chứng đã lưu theo bộ tiêu chí "
            f"{rubric.version}, chưa lưu điểm; lưu bằng: probe rescore --rubric "
            f"{rubric_argument(rubric)}{where} ({count} {runs} judged now from stored "
            f"evidence, scores not stored)")


def rubric_argument(rubric: Rubric, absolute: bool = False) -> str:
    """What `--rubric` takes to name `rubric` again: its version when it is the packaged file
    of that version, else its file (as given, or `absolute`: from any folder)."""
    packaged = rubrics_dir() / f"{rubric.version}.yaml"
    if Path(rubric.source) == packaged:
        return rubric.version
    return str(Path(rubric.source).resolve()) if absolute else rubric.source


def kept_rubric(store: Store, sha256: str, source: str = "") -> Rubric | None:
    """The rubric whose text the store kept under `sha256` (`Store.keep_rubric`), named
    `source` (by default after its hash); None when it was not kept or no longer parses."""
    text = store.rubric_text(sha256)
    if text is None:
        return None
    try:
        return parse_rubric_text(text, source=source or f"rubric_texts:{sha256[:12]}")
    except RubricError:
        return None


def sweep_rubric(store: Store, sweep: SweepRow, given: str | None = None) -> Rubric:
    """The rubric `sweep` is scored with: the text kept when it began (the same on every
    machine, and after its file changed or moved), else its version or file as recorded.
    `given` (a sweep's options) overrides a record that names another rubric. RubricError
    when the rubric cannot be read."""
    named = given or sweep.rubric
    if sweep.rubric_sha256 and named == sweep.rubric:
        kept = kept_rubric(store, sweep.rubric_sha256, named)
        if kept is not None:
            return kept
    return load_rubric(named)


def rubric_of_sweep(store: Store, sweep_id: str, rubric: Rubric | str) -> Rubric:
    """`rubric`, or the rubric the sweep `sweep_id` is scored with when named as its options
    name it (`sweep_rubric`: the text kept when it began, not the file as it is now)."""
    if isinstance(rubric, Rubric):
        return rubric
    return sweep_rubric(store, store.sweep(sweep_id), rubric)
