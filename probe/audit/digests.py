"""Canonical JSON and SHA-256 digests of what a run stored: its row, site map, observations,
scores and artifact files.

A digest is taken over canonical JSON (sorted keys, no spaces, UTF-8) of the stored facts
read back from the database, so an auditor can recompute it from a bundle's JSON files. A
JSON column whose text is not exactly what the probe writes (`json.dumps`) gets a digest of
its raw text instead: an edit that happens to parse to the same value is still caught.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from probe.db.schema import ObservationRow, PageRow, RunRow, ScoreRow
from probe.db.store import Store
from probe.models import Observation

MANIFEST_SUFFIX = ".manifest.json"
_CHUNK = 1 << 20

# Artifact kinds by file name ending; "heavy" kinds are what retention may prune.
KINDS: tuple[tuple[str, str], ...] = (
    (MANIFEST_SUFFIX, "manifest"), (".har.gz", "har"), (".har", "har"),
    (".trace.zip", "trace"), (".zip", "trace"), (".jpg", "screenshot"), (".jpeg", "screenshot"),
    (".png", "screenshot"), (".webp", "screenshot"), (".json", "json"), (".pem", "certificate"),
    (".txt", "text"), (".html", "dom"), (".mhtml", "dom"),
)
HEAVY_KINDS = frozenset({"screenshot", "har", "trace"})


def canonical(value: Any) -> bytes:
    """`value` as canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def kind_of(path: str) -> str:
    """The artifact kind of a file name (screenshot, har, trace, json, certificate, ...)."""
    name = path.lower()
    return next((kind for suffix, kind in KINDS if name.endswith(suffix)), "other")


def json_field(raw: str) -> tuple[Any, bool]:
    """A stored JSON column parsed, and whether its text is exactly what `json.dumps` writes."""
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return raw, False
    written = (json.dumps(value, ensure_ascii=False), json.dumps(value))
    return value, raw in written


def _digest(facts: dict[str, Any], exact: bool, raw: dict[str, Any]) -> str:
    """SHA-256 of the facts, or of the raw columns (marked) when a JSON column was edited."""
    if exact:
        return sha256_bytes(canonical(facts))
    return sha256_bytes(b"non-canonical\0" + canonical(raw))


# --- the run row --------------------------------------------------------------------------


def run_facts(run: RunRow) -> dict[str, Any]:
    """Every column of a run row, by column name."""
    return {column.name: getattr(run, column.key) for column in RunRow.__table__.columns}


def run_digest(run: RunRow) -> str:
    """Digest of the run row (agency, URL, status, times)."""
    return sha256_bytes(canonical(run_facts(run)))


# --- observations -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowDigest:
    """One stored row (observation, page) with its id, a short label and its digest."""

    id: int
    label: str
    digest: str
    facts: dict[str, Any]


def observation_facts(row: ObservationRow) -> tuple[dict[str, Any], bool]:
    """An observation row as `Observation.to_dict()` and whether its JSON columns are exact."""
    value, value_ok = json_field(row.value_json)
    artifacts, artifacts_ok = json_field(row.artifacts_json)
    facts = Observation(check=row.check, name=row.name, value=value, unit=row.unit,
                        page=row.page, stat=row.stat, outcome=row.outcome,  # type: ignore[arg-type]
                        detail=row.detail, artifacts=artifacts,  # type: ignore[arg-type]
                        observed_at=row.observed_at).to_dict()
    return facts, value_ok and artifacts_ok


def observation_digest(facts: dict[str, Any]) -> str:
    """Digest of one observation as a dict (what a bundle's observations.json holds)."""
    return sha256_bytes(canonical(facts))


def observation_rows(store: Store, run_id: str) -> list[RowDigest]:
    """The run's observation rows in stored order, each with its digest."""
    with store.session() as session:
        rows = list(session.scalars(select(ObservationRow).where(
            ObservationRow.run_id == run_id).order_by(ObservationRow.id)))
    found = []
    for row in rows:
        facts, exact = observation_facts(row)
        raw = {"value_json": row.value_json, "artifacts_json": row.artifacts_json, **facts}
        label = f"#{row.id} {row.check}/{row.name}" + (f" @ {row.page}" if row.page else "")
        found.append(RowDigest(row.id, label, _digest(facts, exact, raw), facts))
    return found


def list_digest(items: Iterable[dict[str, Any]]) -> str:
    """Digest of a list of dicts as one canonical JSON array."""
    return sha256_bytes(canonical(list(items)))


# --- site map -----------------------------------------------------------------------------


def page_rows(store: Store, run_id: str) -> list[RowDigest]:
    """The run's site-map pages in stored order, each with its digest."""
    with store.session() as session:
        rows = list(session.scalars(select(PageRow).where(PageRow.run_id == run_id)
                                    .order_by(PageRow.id)))
    found = []
    for row in rows:
        signals, exact = json_field(row.signals_json)
        facts = {"url": row.url, "type": row.type, "depth": row.depth, "template": row.template,
                 "signals": signals, "status": row.http_status, "title": row.title}
        raw = {**facts, "signals_json": row.signals_json}
        found.append(RowDigest(row.id, f"#{row.id} {row.url}", _digest(facts, exact, raw), facts))
    return found


# --- scores -------------------------------------------------------------------------------


def score_facts(row: ScoreRow) -> tuple[dict[str, Any], bool]:
    """A score row as {rubric, total, grade, groups, items} and whether its JSON is exact."""
    groups, groups_ok = json_field(row.groups_json)
    items, items_ok = json_field(row.items_json)
    facts = {"rubric": row.rubric, "total": row.total, "grade": row.grade, "groups": groups,
             "items": items}
    return facts, groups_ok and items_ok


def score_digests(store: Store, run_id: str) -> dict[str, str]:
    """Rubric version -> digest of the run's stored score under it."""
    with store.session() as session:
        rows = list(session.scalars(select(ScoreRow).where(ScoreRow.run_id == run_id)))
    found = {}
    for row in rows:
        facts, exact = score_facts(row)
        raw = {**facts, "groups_json": row.groups_json, "items_json": row.items_json}
        found[row.rubric] = _digest(facts, exact, raw)
    return found


# --- artifact files -----------------------------------------------------------------------


def artifact_entry(root: Path, relative: str) -> dict[str, Any]:
    """A manifest entry for one stored file: path, sha256, bytes, kind."""
    path = root / relative
    return {"path": relative, "sha256": sha256_file(path), "bytes": path.stat().st_size,
            "kind": kind_of(relative)}


def run_files(root: Path, run_id: str) -> list[str]:
    """Paths (relative to `root`) of the files in the run's evidence folder, manifests
    excluded, sorted."""
    folder = root / run_id
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.name.endswith(MANIFEST_SUFFIX))


def referenced_files(observations: Iterable[dict[str, Any]]) -> set[str]:
    """Artifact paths the observations name (relative to the evidence root)."""
    found: set[str] = set()
    for facts in observations:
        artifacts = facts.get("artifacts")
        if isinstance(artifacts, list):
            found.update(a for a in artifacts if isinstance(a, str))
    return found
