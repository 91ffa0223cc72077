"""Artifacts on disk, content-addressed: a file's name is its SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import Path


class EvidenceStore:
    """Stores artifacts of one run under `root/<run_id>/`; returns paths relative to `root`."""

    def __init__(self, root: Path, run_id: str) -> None:
        self.root = Path(root)
        self.run_id = run_id
        self.run_dir = self.root / run_id
        self.run_dir.mkdir(parents=True, exist_ok=True)

    def put(self, data: bytes, suffix: str) -> str:
        """Store `data` (e.g. suffix '.png', '.json'); return its path relative to the root."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.run_dir / f"{digest}{suffix}"
        if not path.exists():
            path.write_bytes(data)
        return path.relative_to(self.root).as_posix()

    def put_text(self, text: str, suffix: str) -> str:
        return self.put(text.encode("utf-8"), suffix)

    def path(self, relative: str) -> Path:
        return self.root / relative
