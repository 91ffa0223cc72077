"""Manifests and verification: a clean store verifies; every single-byte change to an
artifact, an observation row, the run row, the site map, a score or a manifest is named;
removed runs are found; pruned artifacts are told apart from tampered ones."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probe.audit.manifest import manifest_row, seal_run
from probe.audit.retention import prune
from probe.audit.verify import verify
from probe.db.store import Store
from tests.audit_helpers import SeededRun, seed_run, seeded_store

TEXT_COLUMNS = ("check", "name", "page", "value_json", "unit", "stat", "outcome", "detail",
                "observed_at", "artifacts_json")


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[tuple[Store, Path, list[SeededRun]]]:
    store, root, runs = seeded_store(tmp_path)
    yield store, root, runs
    store.close()


def _db(store: Store) -> sqlite3.Connection:
    return sqlite3.connect(store.url.removeprefix("sqlite:///"))


def _flip_text(text: str, rng: random.Random) -> tuple[str, int]:
    """`text` with bit 0 of one ASCII byte flipped (stays valid UTF-8), and its index."""
    positions = [i for i, ch in enumerate(text) if ord(ch) < 128]
    index = rng.choice(positions)
    return text[:index] + chr(ord(text[index]) ^ 1) + text[index + 1:], index


def _kinds(report, run_id: str | None = None) -> set[str]:
    return {f.kind for f in report.findings if run_id is None or f.run_id == run_id}


def test_a_clean_store_verifies_at_every_scope(seeded) -> None:
    store, root, runs = seeded
    whole = verify(store, root=root)
    assert whole.ok and not whole.findings, whole.findings
    assert (whole.runs, whole.artifacts, whole.observations) == (3, 15, 36)
    assert set(whole.chains) == {"s-test"}
    assert verify(store, sweep_id="s-test", root=root).ok
    assert verify(store, run_id=runs[1].run_id, root=root).ok
    assert verify(store, run_id="latest", root=root).runs == 1


def test_every_sampled_single_byte_flip_in_an_artifact_is_named(seeded) -> None:
    store, root, runs = seeded
    rng = random.Random(7)
    flips = 0
    for run in runs:
        for relative in run.artifacts:
            path = root / relative
            original = path.read_bytes()
            positions = {0, len(original) - 1, len(original) // 2,
                         *rng.sample(range(len(original)), 3)}
            for position in positions:
                changed = bytearray(original)
                changed[position] ^= 1 << rng.randrange(8)
                path.write_bytes(bytes(changed))
                report = verify(store, run_id=run.run_id, root=root)
                altered = [f for f in report.problems if f.kind == "artifact_altered"]
                assert [f.subject for f in altered] == [relative], (relative, position)
                flips += 1
            path.write_bytes(original)
    assert flips >= 60
    assert verify(store, root=root).ok


def test_every_sampled_single_byte_flip_in_an_observation_row_is_named(seeded) -> None:
    store, root, runs = seeded
    rng = random.Random(11)
    db = _db(store)
    rows = db.execute("select id, run_id from observations order by id").fetchall()
    flips = 0
    for row_id, run_id in rng.sample(rows, 18):
        for column in TEXT_COLUMNS:
            (original,) = db.execute(f'select "{column}" from observations where id = ?',
                                     (row_id,)).fetchone()
            if not original:
                continue
            changed, _ = _flip_text(original, rng)
            db.execute(f'update observations set "{column}" = ? where id = ?', (changed, row_id))
            db.commit()
            report = verify(store, run_id=run_id, root=root)
            edited = [f for f in report.problems if f.kind == "observation_edited"]
            assert len(edited) == 1 and edited[0].subject.startswith(f"#{row_id} "), \
                (column, original, changed, report.findings)
            db.execute(f'update observations set "{column}" = ? where id = ?',
                       (original, row_id))
            db.commit()
            flips += 1
    db.close()
    assert flips >= 100
    assert verify(store, root=root).ok


def test_an_edit_that_parses_to_the_same_value_is_still_caught(seeded) -> None:
    store, root, runs = seeded
    db = _db(store)
    db.execute("update observations set value_json = '0.750' where value_json = '0.75'")
    db.commit()
    db.close()
    assert "observation_edited" in _kinds(verify(store, root=root))


def test_flips_in_run_row_site_map_and_scores_are_named(seeded) -> None:
    store, root, runs = seeded
    rng = random.Random(3)
    target = runs[0].run_id
    cases = [("runs", "status", "id", target, "run_edited"),
             ("runs", "agency_json", "id", target, "run_edited"),
             ("pages", "title", "run_id", target, "sitemap_edited"),
             ("pages", "signals_json", "run_id", target, "sitemap_edited"),
             ("scores", "grade", "run_id", target, "score_edited"),
             ("scores", "items_json", "run_id", target, "score_edited")]
    db = _db(store)
    for table, column, key, value, kind in cases:
        (original,) = db.execute(f'select "{column}" from {table} where {key} = ? limit 1',
                                 (value,)).fetchone()
        changed, _ = _flip_text(original, rng)
        db.execute(f'update {table} set "{column}" = ? where "{column}" = ? and {key} = ?',
                   (changed, original, value))
        db.commit()
        assert kind in _kinds(verify(store, run_id=target, root=root)), (table, column)
        db.execute(f'update {table} set "{column}" = ? where "{column}" = ? and {key} = ?',
                   (original, changed, value))
        db.commit()
    db.close()
    assert verify(store, root=root).ok


def test_a_changed_manifest_or_seal_is_named(seeded) -> None:
    store, root, runs = seeded
    seal = manifest_row(store, runs[2].run_id)
    path = root / seal.path
    original = path.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 3] ^= 1
    path.write_bytes(bytes(changed))
    assert "manifest_altered" in _kinds(verify(store, run_id=runs[2].run_id, root=root))
    path.unlink()
    assert "manifest_missing" in _kinds(verify(store, run_id=runs[2].run_id, root=root))
    path.write_bytes(original)
    db = _db(store)
    db.execute("update manifests set sha256 = ? where run_id = ?", ("0" * 64, seal.run_id))
    db.commit()
    db.close()
    assert "manifest_altered" in _kinds(verify(store, root=root))


def test_missing_unlisted_and_deleted_rows_are_named(seeded) -> None:
    store, root, runs = seeded
    run = runs[1]
    (root / run.artifacts[2]).unlink()
    (root / run.run_id / "extra.jpg").write_bytes(b"added later")
    db = _db(store)
    db.execute("delete from observations where id = (select max(id) from observations "
               "where run_id = ?)", (run.run_id,))
    db.execute("delete from scores where run_id = ?", (run.run_id,))
    db.commit()
    db.close()
    report = verify(store, run_id=run.run_id, root=root)
    by_kind = {f.kind: f.subject for f in report.problems}
    assert by_kind["artifact_missing"] == run.artifacts[2]
    assert by_kind["artifact_unlisted"] == f"{run.run_id}/extra.jpg"
    assert "observation_missing" in by_kind and by_kind["score_missing"] == "2024"


def _delete_run(store: Store, run_id: str, seal_too: bool) -> None:
    db = _db(store)
    for table in ("observations", "pages", "scores"):
        db.execute(f"delete from {table} where run_id = ?", (run_id,))
    db.execute("delete from runs where id = ?", (run_id,))
    if seal_too:
        db.execute("delete from manifests where run_id = ?", (run_id,))
    db.commit()
    db.close()


def test_a_removed_run_is_detected_however_it_was_removed(tmp_path: Path) -> None:
    # only the run rows deleted: its seal remains
    store, root, runs = seeded_store(tmp_path / "a")
    _delete_run(store, runs[1].run_id, seal_too=False)
    report = verify(store, sweep_id="s-test", root=root)
    assert ("run_removed", runs[1].run_id) in {(f.kind, f.run_id) for f in report.problems}
    # rows, seal and evidence folder of a middle run deleted: the chain has a gap
    store, root, runs = seeded_store(tmp_path / "b")
    _delete_run(store, runs[1].run_id, seal_too=True)
    shutil.rmtree(root / runs[1].run_id)
    report = verify(store, root=root)
    assert [(f.kind, f.subject) for f in report.problems] == [("run_removed", "s-test#2")]
    assert "run_removed" in _kinds(verify(store, run_id=runs[2].run_id, root=root))
    # the last run's rows and seal deleted: its manifest file on disk still names it
    store, root, runs = seeded_store(tmp_path / "c")
    _delete_run(store, runs[2].run_id, seal_too=True)
    report = verify(store, root=root)
    assert ("run_removed", runs[2].run_id) in {(f.kind, f.run_id) for f in report.problems}


def test_runs_are_chained_within_their_sweep(seeded) -> None:
    store, root, runs = seeded
    seals = [manifest_row(store, r.run_id) for r in runs]
    assert [s.seq for s in seals] == [1, 2, 3]
    assert seals[0].previous_sha256 == ""
    assert [s.previous_sha256 for s in seals[1:]] == [s.sha256 for s in seals[:-1]]
    assert seal_run(store, root, runs[0].run_id).sha256 == seals[0].sha256  # sealed once
    lone = seed_run(store, root, "r-lone", None)
    assert manifest_row(store, lone.run_id).chain == ""
    assert verify(store, root=root).ok


def test_an_unsealed_run_is_a_problem(seeded) -> None:
    store, root, runs = seeded
    db = _db(store)
    db.execute("delete from manifests where run_id = ?", (runs[2].run_id,))
    db.commit()
    db.close()
    kinds = _kinds(verify(store, run_id=runs[2].run_id, root=root))
    assert kinds == {"run_unsealed"}


def test_pruned_artifacts_are_told_apart_from_tampered_ones(tmp_path: Path) -> None:
    store, root, runs = seeded_store(tmp_path, started_at="2025-01-01T00:00:00+00:00")
    fresh = seed_run(store, root, "r-fresh", None, started_at=datetime.now(UTC).isoformat())
    altered = root / runs[0].artifacts[0]  # a screenshot, altered before the prune
    altered.write_bytes(altered.read_bytes() + b"x")
    report = prune(store, 90, root=root)
    assert (report.runs, report.files) == (3, 5)  # 3 runs x (screenshot + HAR) - altered one
    assert report.skipped == [(runs[0].artifacts[0], "altered since sealing; left for verify")]
    assert all((root / p).exists() for p in fresh.artifacts)
    for run in runs:
        assert not (root / run.artifacts[4]).exists()  # HAR gone
        assert (root / run.artifacts[1]).exists()  # axe JSON kept
    after = verify(store, root=root)
    pruned = [f for f in after.findings if f.kind == "artifact_pruned"]
    assert len(pruned) == 5 and not any(f.problem for f in pruned)
    assert [(f.kind, f.subject) for f in after.problems] == [("artifact_altered",
                                                              runs[0].artifacts[0])]
    (root / runs[1].artifacts[1]).unlink()  # a small artifact deleted by hand: tampering
    assert ("artifact_missing", runs[1].artifacts[1]) in {
        (f.kind, f.subject) for f in verify(store, root=root).problems}
    assert prune(store, 90, root=root).files == 0  # nothing left to prune


def test_prune_dry_run_removes_nothing(tmp_path: Path) -> None:
    store, root, runs = seeded_store(tmp_path, runs=1, started_at="2025-01-01T00:00:00+00:00")
    report = prune(store, 30, root=root, dry_run=True)
    assert report.files == 2 and report.bytes > 0
    assert all((root / p).exists() for p in runs[0].artifacts)
    assert not [f for f in verify(store, root=root).findings]


def test_a_score_rejudged_under_a_rubric_file_verifies_wherever_the_file_went(
        seeded, tmp_path: Path) -> None:
    from probe.rescoring import rescore
    from probe.scoring import load_rubric
    from probe.scoring.rubric import rubrics_dir

    store, root, runs = seeded
    text = (rubrics_dir() / "2024.yaml").read_text(encoding="utf-8")
    draft = tmp_path / "criteria-2026.yaml"
    draft.write_text(text.replace('version: "2024"', 'version: "2026"', 1)
                     .replace("  B: 80\n", "  B: 75\n", 1), encoding="utf-8")
    rubric = load_rubric(draft)
    rescore(store, rubric)
    draft.unlink()  # months later: the file is gone, its text is kept by hash
    assert store.rubric_text(rubric.sha256) == rubric.text
    report = verify(store, root=root)
    assert _kinds(report) == {"score_unsealed"} and report.ok
    db = _db(store)  # an edited score under it is still caught
    db.execute("update scores set total = total + 1 where rubric = '2026' and run_id = ?",
               (runs[0].run_id,))
    db.commit()
    db.close()
    assert "score_edited" in _kinds(verify(store, run_id=runs[0].run_id, root=root))
    db = _db(store)  # a database from before texts were kept: not edited, but unverifiable
    db.execute("delete from rubric_texts where sha256 = ?", (rubric.sha256,))
    db.commit()
    db.close()
    unkept = verify(store, run_id=runs[1].run_id, root=root)
    assert _kinds(unkept) == {"score_unverifiable"} and not unkept.ok
    assert "probe rescore --rubric FILE" in unkept.findings[0].detail
