"""`probe worker`: a Celery worker that probes the agencies `probe dispatch` enqueues."""

from __future__ import annotations

import os
from pathlib import Path

from kombu.utils.url import maybe_sanitize_url

from probe.commands import evidence_root, out
from probe.db.store import StoreError
from probe.errors import UserError
from probe.workers import jobs


def start(broker: str, db: str, ca_file: str | None, concurrency: int,
          evidence: Path | None, hostname: str | None, loglevel: str = "INFO") -> int:
    """Check the broker, the database and the CA file, then serve until stopped."""
    from probe.workers.tasks import check_broker, configure, run_worker

    if not broker:
        raise UserError("cần --broker URL hoặc PROBE_BROKER, ví dụ redis://máy-chủ:6379/0 "
                        "(give the broker URL)")
    if ca_file and not Path(ca_file).is_file():
        raise UserError(f"không tìm thấy tệp CA '{ca_file}' (CA file not found)")
    root = (evidence or evidence_root(db)).resolve()
    _check_database(db)
    app = configure(broker)
    check_broker(app, broker)
    os.environ.update({"PROBE_DB": db, "PROBE_EVIDENCE": str(root)})
    if ca_file:
        os.environ["PROBE_CA_FILE"] = str(Path(ca_file).resolve())
    out.print(f"Máy quét (worker) {hostname or ''} nhận việc từ (takes tasks from) "
              f"{maybe_sanitize_url(broker)}, {concurrency} cổng một lúc (at once); "
              f"bằng chứng (evidence) {root}")
    run_worker(concurrency, hostname, loglevel)
    return 0


def _check_database(db: str) -> None:
    """Open (and migrate) the shared database once, then let it go before the pool forks."""
    try:
        jobs.open_shared_store(db).close()
    except StoreError as error:
        raise UserError(str(error)) from error
