"""The Celery application: one task, `probe.agency`, probes one agency of a sweep.

Run a worker with `probe worker --broker URL --db URL` (or, with PROBE_BROKER, PROBE_DB and
friends in the environment, `celery -A probe.workers.tasks worker`). Tasks are acknowledged
late (after they end) and given back to the broker when their worker process dies, so a
crashed machine's portal is probed by another; they are idempotent (probe.workers.jobs).
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any

from celery import Celery
from sqlalchemy.exc import OperationalError

from probe.db.store import Store
from probe.workers import jobs

log = logging.getLogger(__name__)
QUEUE = "dvc-probe"
TASK = "probe.agency"
VISIBILITY_S = 6 * 3600  # an unacknowledged task goes to another worker after this long
RESULTS_KEPT_S = 7 * 86400

app = Celery("dvc-probe")
app.conf.update(
    task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
    task_serializer="json", result_serializer="json", accept_content=["json"],
    task_default_queue=QUEUE, broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": VISIBILITY_S},
    result_backend_transport_options={"visibility_timeout": VISIBILITY_S},
    result_expires=RESULTS_KEPT_S, result_extended=True, worker_hijack_root_logger=False,
    worker_cancel_long_running_tasks_on_connection_loss=False,
)


def configure(broker: str | None, backend: str | None = None) -> Celery:
    """Point the application at `broker`; results go to `backend` (default: the broker)."""
    if broker:
        app.conf.broker_url = broker
        app.conf.result_backend = backend or os.environ.get("PROBE_RESULT_BACKEND") or broker
    return app


def check_broker(app: Celery, broker: str) -> None:
    """A UserError unless the broker answers."""
    from kombu.exceptions import OperationalError as BrokerError
    from kombu.utils.url import maybe_sanitize_url

    from probe.errors import UserError

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
    except (BrokerError, OSError) as error:
        raise UserError(f"không kết nối được hàng đợi {maybe_sanitize_url(broker)} "
                        f"(cannot reach the broker): {error}") from error


configure(os.environ.get("PROBE_BROKER"))  # for `celery -A probe.workers.tasks worker`


@cache
def _store(url: str) -> Store:
    """This worker process's store (opened in the process that uses it, never before a fork)."""
    return jobs.open_shared_store(url)


@app.task(name=TASK, bind=True, autoretry_for=(OperationalError, jobs.NotSealed),
          retry_backoff=15, retry_backoff_max=300, max_retries=3)
def probe_agency(self: Any, sweep_id: str, agency_id: str) -> dict[str, Any]:
    """Probe `agency_id` of `sweep_id` into the shared database (see probe.workers.jobs)."""
    config = jobs.WorkerConfig.from_env()
    log.info("sweep %s: agency %s", sweep_id, agency_id)
    result = jobs.probe_agency(_store(config.db), sweep_id, agency_id, config,
                               worker=self.request.hostname or "")
    return result.to_dict()


def run_worker(concurrency: int, hostname: str | None, loglevel: str = "INFO") -> None:
    """Run a Celery worker in the foreground (prefork: one process per concurrent portal)."""
    argv = ["worker", f"--concurrency={concurrency}", "--pool=prefork", f"--queues={QUEUE}",
            f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)
