"""`probe sweep`: a registry or a schedule swept, or an unfinished sweep resumed."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from probe.commands import (
    evidence_root,
    load_registry,
    open_store,
    out,
    settings_for,
    warn_robots_ignored,
)
from probe.context import ProbeSettings
from probe.db.plan import SweepPlan
from probe.db.schema import SweepRow
from probe.db.store import DEFAULT_DB, Store, StoreError, shown_url
from probe.errors import EXIT_INCOMPLETE, UserError
from probe.models import Agency
from probe.pool import PoolSettings
from probe.retry import RetryPolicy
from probe.schedule import DEMO_SCHEDULE, Schedule, ScheduleError, load_schedule
from probe.sweep import SweepOptions, open_sweep

# `probe sweep --registry` without a schedule: three attempts, 10 s then 20 s apart.
DEFAULT_RETRY = RetryPolicy(max_attempts=3, backoff_s=10.0)
FINISHED = ("completed", "imported")
RESUME_WITHIN = timedelta(hours=12)


@dataclass(frozen=True)
class SweepRequest:
    """The options of `probe sweep` as given on the command line (None: not given)."""

    registry: Path | None = None
    schedule: str | None = None
    resume: bool = False
    sweep_id: str | None = None
    db: str = DEFAULT_DB
    ca_file: str | None = None
    allow_private: bool = False
    rubric: str | None = None
    concurrency: int | None = None
    ignore_window: bool = False
    pages_per_browser: int | None = None
    browser_memory_mb: int | None = None


def sweep(request: SweepRequest) -> int:
    """Run `probe sweep`; returns the exit status."""
    if request.resume:
        if request.registry or (request.schedule and request.sweep_id):
            raise UserError("--resume nhận một mã đợt quét hoặc một --schedule, không kèm "
                            "--registry (--resume takes a sweep id or a schedule)")
        return _resume_or_start(request) if request.schedule else resume(request)
    check_new_sweep(request)
    return start(request)


def check_new_sweep(request: SweepRequest) -> None:
    """Raise UserError unless `request` names a new sweep: no sweep id, and exactly one of
    a registry or a schedule."""
    if request.sweep_id:
        raise UserError(f"đối số thừa '{request.sweep_id}'; mã đợt quét chỉ dùng với --resume "
                        "(a sweep id goes with --resume)")
    if (request.registry is None) == (request.schedule is None):
        raise UserError("cần đúng một trong --registry hoặc --schedule "
                        "(give --registry FILE or --schedule NAME)")


def prepare(request: SweepRequest) -> tuple[Schedule, SweepOptions]:
    """The schedule (or registry) of a new sweep and its options; a UserError when the
    sweep's window is closed (unless --ignore-window). `probe dispatch` uses it too."""
    plan = _schedule(request)
    options = _options(plan, request)
    if options.window and not request.ignore_window and not options.window.is_open():
        raise UserError(f"ngoài khung giờ quét {options.window.describe()}; không bắt đầu cổng "
                        "nào — dùng --ignore-window để chạy ngay (outside the sweep window)",
                        EXIT_INCOMPLETE)
    if request.ignore_window:
        options = replace(options, window=None)
    if plan.ignore_robots:
        for host in sorted({urlsplit(a.portal_url).netloc for a in plan.agencies}):
            warn_robots_ignored(host)
    return plan, options


def start(request: SweepRequest) -> int:
    """A new sweep of the schedule or registry in `request`."""
    plan, options = prepare(request)
    store = open_store(request.db)
    label = str(plan.registry or plan.source)
    sweep_id = open_sweep(store, label, plan.name, options, owner())
    return run(store, sweep_id, list(plan.agencies), options, request.db)


def _resume_or_start(request: SweepRequest) -> int:
    """`--schedule NAME --resume`: make sure tonight's sweep of NAME is done. The latest
    sweep of NAME started less than RESUME_WITHIN ago is resumed (killed, then restarted by
    systemd or cron) or, when complete, left alone; without one, a new sweep starts."""
    name = _schedule(request).name
    store = open_store(request.db)
    since = datetime.now(UTC) - RESUME_WITHIN
    recent = [row for row in store.sweeps() if row.schedule == name and row.options_json
              and datetime.fromisoformat(row.started_at) >= since]
    if not recent:
        return start(replace(request, resume=False))
    latest = recent[-1]
    if latest.status in FINISHED:
        out.print(f"Đợt quét {latest.id} của lịch '{name}' đã hoàn tất (already complete).")
        return 0
    if (pid := live_owner(latest.owner)) is not None:
        out.print(f"Đợt quét {latest.id} đang chạy ở tiến trình {pid} (already running).")
        return 0
    return resume(replace(request, sweep_id=latest.id, schedule=None))


def _schedule(request: SweepRequest) -> Schedule:
    """The schedule file given, or one made from --registry with the defaults."""
    if request.schedule is not None:
        try:
            return load_schedule(request.schedule)
        except ScheduleError as error:
            raise UserError(f"lịch quét lỗi (bad schedule) {error}") from error
    agencies = load_registry(request.registry)  # type: ignore[arg-type]
    return Schedule(name="", source=str(request.registry), registry=request.registry,
                    agencies=tuple(agencies), retry=DEFAULT_RETRY)


def _options(plan: Schedule, request: SweepRequest) -> SweepOptions:
    """Sweep options: the schedule's, with what the command line gives taking precedence."""
    from probe.commands import loaded_rubric
    from probe.judged import rubric_argument

    # a rubric file by its absolute path: the sweep's record, a resume and the read commands
    # that default to the sweep's rubric find it from any folder
    rubric = rubric_argument(loaded_rubric(request.rubric or plan.rubric), absolute=True)
    settings = settings_for(request.ca_file or plan.ca_file,
                            request.allow_private or plan.allow_private,
                            obey_robots=not plan.ignore_robots, **plan.settings)
    return SweepOptions(settings=settings, rubric=rubric, families=plan.families,
                        evidence_root=evidence_root(request.db),
                        concurrency=request.concurrency or plan.concurrency, retry=plan.retry,
                        window=plan.window, batch_size=plan.batch_size, budget=plan.budget,
                        pool=_pool(plan.pool, request))


def _pool(pool: PoolSettings, request: SweepRequest) -> PoolSettings:
    """The browser pool's settings with --pages-per-browser and --browser-memory on top."""
    return replace(pool, pages_per_browser=request.pages_per_browser or pool.pages_per_browser,
                   memory_mb=request.browser_memory_mb or pool.memory_mb)


def owner() -> str:
    """host:pid of this process, recorded on the sweep it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run(store: Store, sweep_id: str, agencies: list[Agency], options: SweepOptions,
        db: str) -> int:
    """Sweep `agencies` into `sweep_id`, then print the ranking and the summary."""
    from probe.commands_judging import print_since_previous_sweep
    from probe.progress import print_summary, sweep_progress
    from probe.sweep import sweep as run_sweep
    from probe.tables import print_ranking

    clock = time.monotonic()
    try:
        with sweep_progress(out, agencies, families=options.families) as progress:
            run_sweep(agencies, store, options, sweep_id, progress)
    except KeyboardInterrupt:
        store.finish_sweep(sweep_id, "interrupted")
        out.print(f"Đã dừng; tiếp tục bằng (resume with): probe sweep --resume {sweep_id}")
        raise
    items = SweepPlan(store, sweep_id).items()
    left = [item for item in items if item.state != "done"]
    store.finish_sweep(sweep_id, "incomplete" if left else "completed")
    print_ranking(out, store, sweep_id, options.rubric, None)
    print_summary(out, items, time.monotonic() - clock)
    print_since_previous_sweep(out, store, sweep_id, options.rubric)
    out.print(f"Đợt quét (sweep) {sweep_id}; CSDL (database) {shown_url(db)}")
    if left:
        out.print(f"Còn {len(left)} cổng chưa quét (not started: the window closed); tiếp tục "
                  f"bằng (resume with): probe sweep --resume {sweep_id}")
        return EXIT_INCOMPLETE
    return 0


# --- resume --------------------------------------------------------------------------------


def resume(request: SweepRequest) -> int:
    """Finish an unfinished sweep: sealed portals are kept, half-written runs redone."""
    store = open_store(request.db)
    row = _unfinished(store, request.sweep_id)
    if row is None:
        out.print("Không có đợt quét nào dang dở (no unfinished sweep to resume).")
        return 0
    if row.status in FINISHED:
        out.print(f"Đợt quét {row.id} đã hoàn tất (sweep already complete).")
        return 0
    if (pid := live_owner(row.owner)) is not None:
        raise UserError(f"đợt quét {row.id} đang chạy ở tiến trình {pid} "
                        f"(sweep is being run by process {pid})")
    if not row.options_json or not SweepPlan(store, row.id).items():
        raise UserError(f"đợt quét {row.id} không lưu kế hoạch nên không tiếp tục được "
                        "(sweep has no stored plan; it was started by an older version)")
    options = _resumed_options(row.options_json, request)
    if not store.claim_sweep(row.id, owner(), row.owner):
        raise UserError(f"đợt quét {row.id} vừa được một tiến trình khác tiếp tục "
                        "(another process resumed this sweep first)")
    found = SweepPlan(store, row.id).reconcile(options.evidence_root)
    out.print(f"Tiếp tục đợt quét (resuming sweep) {row.id}: giữ {found.kept} cổng đã xong "
              f"(kept), hủy {len(found.discarded)} lượt dở dang (discarded half-written runs), "
              f"còn {found.pending} cổng (to do)")
    if options.window and not options.window.is_open():
        store.finish_sweep(row.id, "incomplete")
        raise UserError(f"ngoài khung giờ quét {options.window.describe()} — dùng "
                        "--ignore-window để chạy ngay (outside the sweep window)",
                        EXIT_INCOMPLETE)
    return run(store, row.id, SweepPlan(store, row.id).pending(), options, request.db)


def _unfinished(store: Store, sweep_id: str | None) -> SweepRow | None:
    """The sweep to resume: the one named, else the latest not completed (or None); a
    demo's sweep is never taken (the farm it swept ended with it)."""
    if sweep_id:
        try:
            return store.sweep(sweep_id)
        except StoreError as error:
            raise UserError(str(error)) from error
    candidates = [s for s in store.sweeps() if s.status not in FINISHED and s.options_json
                  and s.schedule != DEMO_SCHEDULE]
    return candidates[-1] if candidates else None


def live_owner(recorded: str) -> int | None:
    """The pid in a sweep's owner (host:pid) when it is a live process on this host."""
    host, _, pid = recorded.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return int(pid)


def _resumed_options(text: str, request: SweepRequest) -> SweepOptions:
    """The stored options, with --ca-file, --allow-private, --concurrency given now on top."""
    options = SweepOptions.from_json(text, evidence_root(request.db))
    settings: ProbeSettings = options.settings
    if request.ca_file:
        settings = replace(settings, ca_file=settings_for(request.ca_file, False).ca_file)
    if request.allow_private:
        settings = replace(settings, allow_private=True)
    options = replace(options, settings=settings, pool=_pool(options.pool, request),
                      concurrency=request.concurrency or options.concurrency)
    return replace(options, window=None) if request.ignore_window else options
