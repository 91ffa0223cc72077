"""`probe dispatch`: a sweep handed to Celery workers, one task per agency.

The coordinator creates the sweep and its plan in the shared database exactly as
`probe sweep` does (same schedule, options, plan rows), then enqueues one `probe.agency` task
per agency not done yet. With `--wait` (the default) it follows the tasks, then prints the
ranking, the summary and which worker probed what; `--resume ID` enqueues again what a sweep
has left (tasks are idempotent, so enqueuing too much is harmless).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from kombu.utils.url import maybe_sanitize_url
from rich.table import Table

from probe.commands import out
from probe.commands_sweep import SweepRequest, check_new_sweep, owner, prepare
from probe.db.plan import DONE, SweepPlan
from probe.db.store import Store, StoreError, shown_url
from probe.errors import EXIT_INCOMPLETE, UserError
from probe.sweep import open_sweep
from probe.workers import jobs

POLL_S = 0.5


@dataclass(frozen=True)
class DispatchRequest:
    """`probe dispatch` options besides those it shares with `probe sweep`."""

    sweep: SweepRequest
    broker: str
    wait: bool = True
    timeout_s: float = 0.0  # 0: wait as long as it takes
    as_json: bool = False


def dispatch(request: DispatchRequest) -> int:
    """Run `probe dispatch`; returns the exit status."""
    if not request.broker:
        raise UserError("cần --broker URL hoặc PROBE_BROKER, ví dụ redis://máy-chủ:6379/0 "
                        "(give the broker URL)")
    from probe.workers.tasks import check_broker, configure

    app = configure(request.broker)
    check_broker(app, request.broker)
    store = _open(request.sweep.db)
    sweep_id, rubric = (_resumed(store, request.sweep) if request.sweep.resume
                        else _created(store, request.sweep))
    pending = [a.id for a in SweepPlan(store, sweep_id).pending()]
    results = {agency_id: app.send_task("probe.agency", args=[sweep_id, agency_id])
               for agency_id in pending}
    if not request.as_json:
        out.print(f"Đợt quét (sweep) {sweep_id}: đã gửi {len(results)} việc tới hàng đợi "
                  f"(tasks queued) {maybe_sanitize_url(request.broker)}")
    if not request.wait:
        if request.as_json:
            print(json.dumps({"sweep_id": sweep_id, "queued": pending}, ensure_ascii=False))
        return 0
    return _follow(store, sweep_id, rubric, results, request)


def _open(db: str) -> Store:
    try:
        return jobs.open_shared_store(db)
    except StoreError as error:
        raise UserError(str(error)) from error


def _created(store: Store, request: SweepRequest) -> tuple[str, str]:
    """A new sweep with its plan, as `probe sweep` starts one."""
    check_new_sweep(request)
    plan, options = prepare(request)
    sweep_id = open_sweep(store, str(plan.registry or plan.source), plan.name, options, owner())
    SweepPlan(store, sweep_id).ensure(list(plan.agencies))
    return sweep_id, options.rubric


def _resumed(store: Store, request: SweepRequest) -> tuple[str, str]:
    """An unfinished sweep whose agencies not done are enqueued again."""
    if not request.sweep_id or request.registry or request.schedule:
        raise UserError("--resume cần đúng một mã đợt quét, không kèm --registry/--schedule "
                        "(--resume takes a sweep id)")
    try:
        row = store.sweep(request.sweep_id)
    except StoreError as error:
        raise UserError(str(error)) from error
    if not row.options_json or not SweepPlan(store, row.id).items():
        raise UserError(f"đợt quét {row.id} không lưu kế hoạch nên không tiếp tục được "
                        "(sweep has no stored plan)")
    store.claim_sweep(row.id, owner(), row.owner)
    return row.id, row.rubric


def _follow(store: Store, sweep_id: str, rubric: str, results: dict[str, Any],
            request: DispatchRequest) -> int:
    """Wait for the tasks, then record how the sweep ended and print it."""
    clock = time.monotonic()
    try:
        done = _collect(results, request.timeout_s, request.as_json)
    except KeyboardInterrupt:
        store.finish_sweep(sweep_id, "interrupted")
        out.print(f"Đã dừng chờ; các máy quét vẫn làm tiếp (workers go on); tiếp tục bằng "
                  f"(resume with): probe dispatch --resume {sweep_id}")
        raise
    items = SweepPlan(store, sweep_id).items()
    left = [item.agency_id for item in items if item.state != DONE]
    store.finish_sweep(sweep_id, "incomplete" if left else "completed")
    wall = time.monotonic() - clock
    if request.as_json:
        print(json.dumps({"sweep_id": sweep_id, "status": "incomplete" if left else "completed",
                          "tasks": list(done.values()), "left": left,
                          "wall_s": round(wall, 2)}, ensure_ascii=False))
    else:
        _print_end(store, sweep_id, rubric, done, items, wall)
    if left:
        if not request.as_json:
            out.print(f"Còn {len(left)} cổng chưa xong (not done); tiếp tục bằng (resume "
                      f"with): probe dispatch --resume {sweep_id}")
        return EXIT_INCOMPLETE
    return 0


def _collect(results: dict[str, Any], timeout_s: float, quiet: bool) -> dict[str, dict]:
    """Each task's result (or failure) as it ends; stops at the timeout (0: none)."""
    deadline = time.monotonic() + timeout_s if timeout_s > 0 else None
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(results):
        for agency_id, result in results.items():
            if agency_id not in done and result.ready():
                done[agency_id] = _outcome(agency_id, result)
                if not quiet:
                    _print_task(done[agency_id])
        if len(done) == len(results) or (deadline is not None and time.monotonic() > deadline):
            break
        time.sleep(POLL_S)
    for agency_id in results:
        done.setdefault(agency_id, {"agency_id": agency_id, "state": "waiting"})
    return done


def _outcome(agency_id: str, result: Any) -> dict[str, Any]:
    if result.successful():
        return dict(result.result)
    return {"agency_id": agency_id, "state": "failed", "worker": "",
            "error": f"{type(result.result).__name__}: {result.result}"[:300]}


STATES_VI = {"probed": "đã quét", "redone": "làm lại", "kept": "đã có, giữ nguyên",
             "skipped": "ngoài khung giờ", "missing": "không có trong kế hoạch",
             "failed": "lỗi", "waiting": "chưa xong",
             "given_up": "bỏ qua sau nhiều lần máy quét chết"}


def _print_task(task: dict[str, Any]) -> None:
    mark = "✓" if task["state"] in ("probed", "redone", "kept") else "✗"
    state = f"{STATES_VI.get(task['state'], task['state'])} ({task['state']})"
    extra = task.get("error") or task.get("status") or ""
    out.print(f"{mark} {task['agency_id']}: {state} — {task.get('worker') or '?'} {extra}")


def _print_end(store: Store, sweep_id: str, rubric: str, done: dict[str, dict[str, Any]],
               items: list[Any], wall: float) -> None:
    from probe.commands_judging import print_since_previous_sweep
    from probe.progress import print_summary
    from probe.tables import print_ranking

    print_ranking(out, store, sweep_id, rubric, None)
    print_summary(out, items, wall)
    table = Table(title="Máy quét (workers)")
    table.add_column("Máy (worker)")
    table.add_column("Cổng (portals)", justify="right")
    per_worker: dict[str, int] = {}
    for task in done.values():
        if task["state"] in ("probed", "redone"):
            per_worker[task["worker"]] = per_worker.get(task["worker"], 0) + 1
    for worker, count in sorted(per_worker.items()):
        table.add_row(worker, str(count))
    out.print(table)
    print_since_previous_sweep(out, store, sweep_id, rubric)
    out.print(f"Đợt quét (sweep) {sweep_id}; CSDL (database) {shown_url(store.url)}")


