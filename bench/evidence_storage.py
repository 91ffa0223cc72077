"""Storage per portal run: evidence bytes (by artifact kind) and results.db growth.

Sweeps farm portals with every check family and the checks sampling up to `--pages` pages
(the HAR capture visits the same pages), then measures each run's evidence folder (as
sealed in its manifest) and the database. Loopback only.

    python bench/evidence_storage.py --pages 20 [--agencies tinh-binh-minh,...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from probe.audit.har import load_har
from probe.audit.manifest import manifest_row, read_manifest
from probe.audit.verify import verify
from probe.context import ProbeSettings
from probe.db.store import Store
from probe.farm import start_farm
from probe.sweep import SweepOptions, sweep


def run_sizes(store: Store, root: Path, run_id: str) -> dict[str, Any]:
    """Bytes per artifact kind of one run (manifest included), from its sealed manifest."""
    seal = manifest_row(store, run_id)
    document = read_manifest(root, seal).document if seal else None
    kinds: Counter[str] = Counter()
    for entry in (document or {}).get("artifacts", []):
        kinds[entry["kind"]] += int(entry["bytes"])
    if seal is not None:
        kinds["manifest"] += (root / seal.path).stat().st_size
    pages = next((o.value for o in store.observations(run_id) if o.name == "discovery.pages"),
                 None)
    har = next((e for e in (document or {}).get("artifacts", []) if e["kind"] == "har"), None)
    captured = len(load_har((root / har["path"]).read_bytes())["log"].get(
        "_dvcProbePages", [])) if har else 0
    count = Counter(e["kind"] for e in (document or {}).get("artifacts", []))
    return {"run_id": run_id, "pages_mapped": pages, "har_urls": captured,
            "screenshots": count["screenshot"], "bytes": sum(kinds.values()),
            "by_kind": dict(kinds), "files": len((document or {}).get("artifacts", [])) + 1}


def db_bytes(path: Path) -> int:
    """Size of an SQLite database after a WAL checkpoint."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def measure(pages: int, agencies: list[str] | None, work: Path) -> dict[str, Any]:
    """Sweep the farm and measure storage per run."""
    store = Store(f"sqlite:///{work / 'results.db'}")
    root = work / "evidence"
    empty_db = db_bytes(work / "results.db")
    with start_farm(work / "farm") as farm:
        chosen = [a for a in farm.agencies if not agencies or a.id in agencies]
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, sample_pages=pages,
                                 **farm.settings_overrides())
        options = SweepOptions(settings=settings, evidence_root=root, concurrency=2)
        sweep_id = store.start_sweep("bench")
        clock = time.monotonic()
        outcomes = sweep(chosen, store, options, sweep_id)
        seconds = time.monotonic() - clock
    runs = [{"agency": o.agency.id, "status": o.status, **run_sizes(store, root, o.run_id)}
            for o in outcomes]
    report = verify(store, root=root)
    total_db = db_bytes(work / "results.db") - empty_db
    return {"sample_pages": pages, "runs": runs, "sweep_seconds": round(seconds, 1),
            "db_bytes_per_run": total_db // max(1, len(runs)),
            "max_run_bytes": max(r["bytes"] for r in runs),
            "mean_run_bytes": sum(r["bytes"] for r in runs) // max(1, len(runs)),
            "verify_ok": report.ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--agencies", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="probe-storage-") as folder:
        result = measure(args.pages, [a for a in args.agencies.split(",") if a], Path(folder))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
