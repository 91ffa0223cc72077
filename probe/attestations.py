"""Attestations: a person's statement about a rubric item the probe cannot see.

Security paperwork (a system approved at cấp độ 3, its security plan, periodic inspection)
is recorded by a person, never probed. An attestation keeps who said it, when, a note, a
credit in [0, 1] and, optionally, a supporting file: its SHA-256 and a stored copy under
`<evidence root>/attestations/<sha256><suffix>`. Rubric items with `source: attestation` are
scored from the latest attestation of the agency for that item.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.db.schema import AttestationRow
from probe.db.store import Store
from probe.scoring.rubric import Rubric

FOLDER = "attestations"
Attestations = dict[str, dict[str, Any]]  # item id -> what `probe.scoring.score` takes


class AttestationError(ValueError):
    """An attestation that cannot be recorded (message Vietnamese first, English after)."""


@dataclass(frozen=True)
class StoredFile:
    """A supporting file as stored: original name, SHA-256, path relative to the root."""

    name: str
    sha256: str
    path: str


def store_file(source: Path, evidence_root: Path) -> StoredFile:
    """Copy `source` to `evidence_root/attestations/<sha256><suffix>` (content-addressed)."""
    if not source.is_file():
        raise AttestationError(f"không tìm thấy tệp '{source}' (file not found)")
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    relative = f"{FOLDER}/{sha}{source.suffix.lower()}"
    target = evidence_root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return StoredFile(source.name, sha, relative)


def check_credit(credit: float) -> float:
    """`credit` as a float in [0, 1], or AttestationError."""
    if isinstance(credit, bool) or not isinstance(credit, int | float) \
            or not math.isfinite(credit) or not 0 <= credit <= 1:
        raise AttestationError(f"mức ghi nhận (credit) phải từ 0 đến 1, có {credit!r} "
                               f"(credit must be between 0 and 1)")
    return float(credit)


def attestable_items(rubrics: Iterable[Rubric]) -> dict[str, list[str]]:
    """Item id -> versions of the given rubrics in which it is an attestation item."""
    found: dict[str, list[str]] = {}
    for rubric in rubrics:
        for item in rubric.items:
            if item.source == "attestation":
                found.setdefault(item.id, []).append(rubric.version)
    return found


def record(store: Store, evidence_root: Path, agency_id: str, item_id: str, by: str,
           note: str = "", credit: float = 1.0, file: Path | None = None,
           recorded_at: str | None = None) -> int:
    """Record an attestation (with a stored copy of `file`); returns its id."""
    if not by.strip():
        raise AttestationError("thiếu người xác nhận --by (who attests is required)")
    credit = check_credit(credit)
    stored = store_file(file, evidence_root) if file is not None else StoredFile("", "", "")
    return store.add_attestation(agency_id, item_id, by.strip(), note.strip(), credit,
                                 stored.name, stored.sha256, stored.path, recorded_at)


def as_scoring(row: AttestationRow) -> dict[str, Any]:
    """An attestation row as `probe.scoring.score` takes it (credit, by, date, note, evidence)."""
    return {"id": row.id, "credit": row.credit, "by": row.attested_by,
            "date": row.recorded_at[:10], "note": row.note,
            "evidence": [row.file_path] if row.file_path else []}


def latest(rows: Iterable[AttestationRow]) -> dict[str, Attestations]:
    """Agency id -> item id -> its latest attestation (by time recorded, then id)."""
    found: dict[str, dict[str, AttestationRow]] = {}
    for row in rows:
        mine = found.setdefault(row.agency_id, {})
        best = mine.get(row.item_id)
        if best is None or (row.recorded_at, row.id) > (best.recorded_at, best.id):
            mine[row.item_id] = row
    return {agency: {item: as_scoring(row) for item, row in items.items()}
            for agency, items in found.items()}


def for_agency(store: Store, agency_id: str) -> Attestations:
    """The latest attestation of each item for one agency (what scoring of its runs uses)."""
    return latest(store.attestations(agency_id)).get(agency_id, {})


def document(row: AttestationRow) -> dict[str, Any]:
    """An attestation as JSON-ready data."""
    return {"id": row.id, "agency_id": row.agency_id, "item": row.item_id,
            "by": row.attested_by, "note": row.note, "credit": row.credit,
            "recorded_at": row.recorded_at, "file": row.file_name,
            "sha256": row.file_sha256, "stored": row.file_path}
