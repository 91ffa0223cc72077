"""Orchestration: registry rows -> discovery -> checks -> observations -> scores -> store."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import (
    AbstractAsyncContextManager,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from dataclasses import asdict, dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Browser, Playwright

import checks
from checks import _visits as visits
from probe import attestations, order
from probe import status as statuses
from probe.audit.manifest import seal_after_run
from probe.browser import SCRIPT_STOPPED, PageEvents, merge_events, playwright
from probe.context import PORTAL_LANES, PortalContext, ProbeSettings, as_of_run_start
from probe.db.plan import SweepPlan
from probe.db.store import Store, new_id, run_row
from probe.discovery import CrawlerSession, crawl_summary
from probe.evidence import EvidenceStore
from probe.hostlimit import HostLimiter
from probe.judged import sweep_rubric
from probe.models import Agency, Observation, PortalScore, SiteMap, utc_now
from probe.observations import CATALOGUE
from probe.pool import BrowserPool, PoolSettings
from probe.reach import refusal
from probe.retry import Attempt, RetryPolicy, attempts_note
from probe.schedule import Window
from probe.scoring import Rubric, load_rubric, score
from probe.workers.locks import MachineLock, chain_lock
from spiders.budget import Budget

log = logging.getLogger(__name__)

# (portal, stage): a stage's name when it starts ("discover", "retry", a family, "skipped",
# "done"), and `ended(family)` when a family ends (a portal's families may run side by side).
Progress = Callable[[Agency, str], None]
ENDED = "/end"
T = TypeVar("T")
TIMED_FAMILIES = frozenset({"performance"})


@dataclass
class SweepOptions:
    """What a sweep needs besides its agencies."""

    settings: ProbeSettings = field(default_factory=ProbeSettings)
    rubric: str = "2024"
    families: tuple[str, ...] = checks.FAMILIES
    evidence_root: Path = Path("evidence")
    concurrency: int = 1
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # one attempt unless told
    window: Window | None = None  # no new portal starts outside it
    batch_size: int | None = None  # portals taken through all phases together (None: all)
    budget: Budget | None = None  # discovery budget and per-host politeness
    pool: PoolSettings = field(default_factory=PoolSettings)  # browsers, their recycling
    # Several processes on one machine (`probe worker`): timed runs take it exclusively, the
    # other phases share it. Not stored with the sweep: each machine has its own.
    machine_lock: MachineLock | None = None

    def to_json(self) -> str:
        """What a resume needs to go on as this sweep began (not the evidence root)."""
        return json.dumps({
            "settings": asdict(self.settings), "rubric": self.rubric,
            "families": list(self.families), "concurrency": self.concurrency,
            "retry": self.retry.to_dict(), "batch_size": self.batch_size,
            "window": self.window.to_dict() if self.window else None,
            "budget": self.budget.to_dict() if self.budget else None,
            "pool": self.pool.to_dict(),
        }, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, evidence_root: Path) -> SweepOptions:
        """The options stored by `to_json`."""
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(ProbeSettings)}  # fields added or dropped since
        settings = {k: tuple(v) if isinstance(v, list) else v
                    for k, v in data["settings"].items() if k in known}
        return cls(settings=ProbeSettings(**settings), rubric=data["rubric"],
                   families=tuple(data["families"]), evidence_root=evidence_root,
                   concurrency=data["concurrency"], retry=RetryPolicy.from_dict(data["retry"]),
                   window=Window(**data["window"]) if data.get("window") else None,
                   batch_size=data.get("batch_size"),
                   budget=Budget.from_dict(data["budget"]) if data.get("budget") else None,
                   pool=PoolSettings.from_dict(data.get("pool") or {}))


@dataclass
class PortalOutcome:
    """One portal probed and judged (already stored)."""

    run_id: str
    agency: Agency
    status: str
    status_detail: str
    sitemap: SiteMap
    observations: list[Observation]
    score: PortalScore
    duration_s: float
    attempts: int = 1


def _noop(_agency: Agency, _stage: str) -> None:
    return None


def unobservable(names: list[str], outcome: str, detail: str) -> list[Observation]:
    """One observation per name saying it could not be made, and why."""
    return [Observation(check=CATALOGUE[name].check, name=name, value=None,
                        unit=CATALOGUE[name].unit, outcome=outcome, detail=detail)
            for name in names]


def _discovery_observations(sitemap: SiteMap, reachable: bool) -> list[Observation]:
    found = [
        Observation("discovery", "portal.reachable", reachable, "bool", page=sitemap.portal,
                    detail=sitemap.error or "home page answered"),
        Observation("discovery", "discovery.pages", len(sitemap.pages), "count",
                    page=sitemap.portal, detail=crawl_summary(sitemap)),
    ]
    if sitemap.handover:
        found.append(Observation("discovery", "portal.handover", sitemap.handover, "text",
                                 page=sitemap.portal, detail="hand-over to the national portal"))
    return found


def _names_of(families: tuple[str, ...]) -> list[str]:
    return [name for name, spec in CATALOGUE.items() if spec.check in families]


CHECK_MESSAGE = "check %s on %s: %.1f s"  # family, portal, wall seconds (benchmarks read it)
CHECK_FAILED_MESSAGE = "check %s failed on %s: %r"  # family, portal, the error


async def _run_family(family: str, ctx: PortalContext,
                      budget_s: float | None = None) -> list[Observation]:
    """One check family on one portal within `budget_s` (default: the settings' per-family
    budget); over it, the family's items are recorded unmeasured, never raised."""
    clock = time.monotonic()
    budget = ctx.settings.check_budget_s if budget_s is None else budget_s
    try:
        found = await asyncio.wait_for(checks.load(family)(ctx), budget)
        log.info(CHECK_MESSAGE, family, ctx.agency.portal_url, time.monotonic() - clock)
        return found
    except TimeoutError:
        log.warning("check %s on %s exceeded %.3g s", family, ctx.agency.portal_url, budget)
        return unobservable(_names_of((family,)), "probe_error",
                            f"check time budget exceeded ({budget:.3g} s)")
    except Exception as error:  # a probe failure must not sink the run
        log.warning(CHECK_FAILED_MESSAGE, family, ctx.agency.portal_url, error)
        log.debug("traceback", exc_info=True)
        detail = f"probe failure in {family}: {error.__class__.__name__}: {error}"[:300]
        return unobservable(_names_of((family,)), "probe_error", detail)


@dataclass
class _PortalRun:
    """One portal while a sweep is under way."""

    agency: Agency
    run_id: str = field(default_factory=lambda: new_id("r"))
    started: str = field(default_factory=utc_now)
    clock: float = field(default_factory=time.monotonic)
    sitemap: SiteMap | None = None
    status: str = statuses.COMPLETED
    detail: str = ""
    observations: list[Observation] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    skipped: bool = False  # not started: the sweep's time window had closed
    check_s: float = 0.0  # wall clock spent in its check steps (portal_budget_s)
    charging_since: float | None = None  # monotonic clock when the step under way began
    untimed_end: float = 0.0  # monotonic clock when its untimed checks ended
    waited_s: float = 0.0  # from then until its turn at the timed checks (not its own time)
    prepared: dict[str, Any] = field(default_factory=dict)  # timed families' untimed parts
    page_events: list[PageEvents] = field(default_factory=list)  # what its pages tried

    def budget_left(self, settings: ProbeSettings) -> float:
        """Seconds of the portal's check budget still unspent (the step under way counts)."""
        running = 0.0 if self.charging_since is None else time.monotonic() - self.charging_since
        return settings.portal_budget_s - self.check_s - running

    @property
    def reachable(self) -> bool:
        return self.status == statuses.COMPLETED


class _Plan:
    """The sweep's plan when there is one (a sweep id), else nothing is recorded; and the
    rubric its runs are scored with, resolved once."""

    def __init__(self, store: Store, sweep_id: str | None) -> None:
        self.plan = SweepPlan(store, sweep_id) if sweep_id else None
        self.store, self.sweep_id = store, sweep_id
        self._rubric: Rubric | None = None

    def rubric(self, name: str) -> Rubric:
        """One rubric for the whole sweep, on every machine: the text kept when it began
        (`name` outside a sweep), kept in the store under the hash its scores carry."""
        if self._rubric is None:
            rubric = sweep_rubric(self.store, self.store.sweep(self.sweep_id), name) \
                if self.sweep_id else load_rubric(name)
            self.store.keep_rubric(rubric)
            self._rubric = rubric
        return self._rubric

    def start(self, run: _PortalRun) -> None:
        if self.plan:
            self.plan.start(run.agency.id, run.run_id)

    def attempts(self, run: _PortalRun) -> None:
        if self.plan:
            self.plan.attempts(run.agency.id, [a.to_dict() for a in run.attempts])

    def finish(self, run: _PortalRun, sealed: bool, duration: float) -> None:
        if self.plan and sealed:  # unsealed: still half-written, a resume redoes it
            self.plan.finish(run.agency.id, run.run_id, run.status, duration)


def _classified(sitemap: SiteMap) -> tuple[SiteMap, str, str]:
    """A site map with its status and, on failure, the status's label."""
    status = sitemap.error or statuses.COMPLETED
    return sitemap, status, statuses.label(status, "en") if sitemap.error else ""


async def discover_portal(agency: Agency, settings: ProbeSettings,
                          crawler: CrawlerSession) -> tuple[SiteMap, str, str]:
    """The agency's site map, its status and, on failure, why (one attempt, no retry)."""
    refused = refusal(agency.portal_url, settings)
    if refused:
        return SiteMap(portal=agency.portal_url, error="probe_error"), "probe_error", refused
    try:
        sitemap = await crawler.discover(agency.portal_url)
    except Exception as error:
        log.warning("discovery failed on %s: %r", agency.portal_url, error)
        log.debug("traceback", exc_info=True)
        return (SiteMap(portal=agency.portal_url, error="probe_error"), "probe_error",
                f"discovery failed: {error.__class__.__name__}: {error}"[:300])
    return _classified(sitemap)


def home_http_code(sitemap: SiteMap) -> int | None:
    """The HTTP status the home page answered with, when discovery recorded one."""
    home = [p for p in sitemap.pages if p.depth == 0 and p.status is not None]
    return home[0].status if home else None


async def discover_with_retries(agency: Agency, settings: ProbeSettings, retry: RetryPolicy,
                                crawler: CrawlerSession, attempts: list[Attempt],
                                stage: Callable[[str], None],
                                attempted: Callable[[], None] = lambda: None,
                                ) -> tuple[SiteMap, str, str]:
    """Discovery, tried again after a transient failure as `retry` allows. Each try is
    appended to `attempts` (then `attempted()` runs); `stage` hears "retry" and "discover"
    around each wait. The last try's map and status, and its detail with a note of the tries."""
    number = 0
    while True:
        number += 1
        clock, started = time.monotonic(), utc_now()
        sitemap, status, detail = await discover_portal(agency, settings, crawler)
        code = home_http_code(sitemap) if status != statuses.COMPLETED else None
        attempts.append(Attempt(number, status, detail, code, started,
                                round(time.monotonic() - clock, 2)))
        attempted()
        if not retry.again(number, status, code):
            return sitemap, status, _joined(detail, attempts_note(attempts))
        wait = retry.delay(number)
        log.info("%s: %s, attempt %d; again in %.1f s", agency.portal_url, status, number, wait)
        stage("retry")
        await asyncio.sleep(wait)
        stage("discover")  # mapping again


async def _discover_with_retries(run: _PortalRun, options: SweepOptions, progress: Progress,
                                 plan: _Plan, crawler: CrawlerSession) -> None:
    """The run's discovery, its tries recorded in the sweep's plan as they end."""
    run.sitemap, run.status, run.detail = await discover_with_retries(
        run.agency, options.settings, options.retry, crawler, run.attempts,
        partial(progress, run.agency), partial(plan.attempts, run))


def _begin(run: _PortalRun, options: SweepOptions, progress: Progress, plan: _Plan) -> bool:
    """Start the run in the sweep's plan; False (the run skipped) once the window closed."""
    if options.window is not None and not options.window.is_open():
        run.skipped = True
        progress(run.agency, "skipped")
        return False
    run.started, run.clock = utc_now(), time.monotonic()
    plan.start(run)  # before anything is written into the run's evidence folder
    progress(run.agency, "discover")
    return True


async def _discovery_step(run: _PortalRun, options: SweepOptions, progress: Progress,
                          plan: _Plan, crawler: CrawlerSession) -> bool:
    """Begin the run and map its portal; False (nothing done) once the window closed."""
    if not _begin(run, options, progress, plan):
        return False
    await _discover_with_retries(run, options, progress, plan, crawler)
    run.observations = _discovery_observations(run.sitemap, run.reachable)
    if not run.reachable:
        run.observations += _lost_to(run.status, run.detail, options.families)
    return True


def _lost_to(status: str, detail: str, families: tuple[str, ...]) -> list[Observation]:
    """Every observation of `families` unobservable because the portal was not read: a
    probe_error outcome when the probe was at fault (never scored against the agency), a
    portal_error otherwise."""
    outcome = "probe_error" if status in statuses.PROBE_SIDE else "portal_error"
    return unobservable(_names_of(families), outcome, f"{status}: {detail}")


async def _check_step(run: _PortalRun, families: tuple[str, ...], pool: BrowserPool,
                      options: SweepOptions, progress: Progress, capture: bool = False,
                      prepare: tuple[str, ...] = ()) -> None:
    """Run `families` on a reachable portal, then the untimed parts of the `prepare` families
    (kept for their timed step) and, with `capture`, record its redacted HAR; all within what
    is left of the portal's budget. The jobs go in turn to `_lanes(options)` lanes, each with
    its own lease of `pool` and so its own politeness slot on the portal's host: a slow
    portal keeps as many visitors busy as its host allows, never more. Observations keep
    the order of `families`."""
    sitemap = run.sitemap
    if not run.reachable or sitemap is None:
        return
    jobs: list[_Job] = [*(partial(_family_job, run, family, progress) for family in families),
                        *(partial(_prepare_job, run, family) for family in prepare)]
    shared: dict[str, Any] = {}  # the page visits the step's families share (checks._visits)
    read = bool(visits.READERS.intersection(families))
    if capture or read:
        visits.prime(shared)
        jobs.insert(0, partial(_visits_job, run, capture, read))  # first: readers await it
    found: list[list[Observation]] = [[] for _ in jobs]
    pending = enumerate(jobs)  # shared: each lane takes the next job (as probe.turns does)

    async def lane() -> None:
        async with pool.lease(run.agency.portal_url) as lease:
            ctx = PortalContext(agency=run.agency, sitemap=sitemap, browser=lease.browser,
                                evidence=EvidenceStore(options.evidence_root, run.run_id),
                                settings=as_of_run_start(options.settings, run.started),
                                lease=lease, prepared=run.prepared,
                                shared=shared)
            try:
                for index, job in pending:
                    found[index] = await job(ctx)
            finally:
                run.page_events += ctx.page_events

    clock = time.monotonic()
    with _charged(run):
        try:
            async with asyncio.TaskGroup() as lanes:
                for _ in range(min(_lanes(options), len(jobs))):
                    lanes.create_task(lane())
        except ExceptionGroup as group:  # a lane's failure, as one lane would raise it
            raise group.exceptions[0] from group
        finally:
            visits.release(shared)
    run.observations += [observation for part in found for observation in part]
    log_step(families, run.agency.portal_url, time.monotonic() - clock)


_Job = Callable[[PortalContext], Awaitable[list[Observation]]]


def _note_page_guard(run: _PortalRun, options: SweepOptions) -> None:
    """What the portal's pages tried that the page guard answered or undid (dialogs,
    pop-ups, downloads, endless scripts; the app walker's stopped scripts too): counted in
    the run's status detail, each page and message in `.page-guard.json` beside its
    evidence, sealed with it. A page whose script was stopped may read differently from one
    run (or replay) to the next."""
    events = merge_events([*run.page_events, _mapping_events(run.sitemap)])
    if not (note := events.note()):
        return
    EvidenceStore(options.evidence_root, run.run_id).put_text(
        json.dumps(asdict(events), ensure_ascii=False, indent=1), ".page-guard.json")
    run.detail = _joined(run.detail, note)


def _mapping_events(sitemap: SiteMap | None) -> PageEvents:
    """The routes whose script the app walker's page guard stopped (their signal)."""
    pages = sitemap.pages if sitemap is not None else []
    return PageEvents(stopped_scripts=[p.url for p in pages if SCRIPT_STOPPED in p.signals])


def _joined(*parts: str) -> str:
    """A status detail made of `parts` that say something."""
    return " — ".join(part for part in parts if part)


STEP_MESSAGE = "step %s on %s: %.1f s"  # families joined by "+", portal, wall seconds


def log_step(families: tuple[str, ...], portal_url: str, seconds: float) -> None:
    """Log a check step's wall seconds (the benchmarks read a portal's chain from them)."""
    log.info(STEP_MESSAGE, "+".join(families) or "none", portal_url, seconds)


def _lanes(options: SweepOptions) -> int:
    """Leases one portal's checks use at once: `PORTAL_LANES`, or fewer when the sweep's
    politeness allows fewer visitors per host."""
    return max(1, min(PORTAL_LANES, (options.budget or Budget()).per_host))


async def _family_job(run: _PortalRun, family: str, progress: Progress,
                      ctx: PortalContext) -> list[Observation]:
    progress(run.agency, family)
    try:
        return await _family_within(run, family, ctx)
    finally:
        progress(run.agency, ended(family))


def ended(family: str) -> str:
    """The progress stage saying that `family` has ended on a portal."""
    return family + ENDED


async def _prepare_job(run: _PortalRun, family: str, ctx: PortalContext) -> list[Observation]:
    await _prepare_within(run, family, ctx)
    return []


async def _visits_job(run: _PortalRun, capture: bool, read: bool,
                      ctx: PortalContext) -> list[Observation]:
    """Visit the pages the step's readers share (with `read`), recording the run's redacted
    HAR with `capture`, within the portal's budget (never a finding: the readers report
    failures)."""
    clock = time.monotonic()
    await visits.fulfil(ctx, capture, read, run.budget_left(ctx.settings))
    log.info(VISITS_MESSAGE, run.agency.portal_url, time.monotonic() - clock)
    return []


VISITS_MESSAGE = "page visits of %s: %.1f s"  # the benchmarks read it


@contextmanager
def _charged(run: _PortalRun) -> Iterator[None]:
    """Count the block's wall seconds against the run's check budget, once: a block inside
    a charged block (a family within its step) is already counted."""
    if run.charging_since is not None:
        yield
        return
    run.charging_since = time.monotonic()
    try:
        yield
    finally:
        run.check_s += time.monotonic() - run.charging_since
        run.charging_since = None


async def _family_within(run: _PortalRun, family: str, ctx: PortalContext) -> list[Observation]:
    """`family` on the run's portal with the smaller of its own and the portal's budget left;
    nothing is opened once the portal's budget is spent (a hostile portal ends in bounded
    time however many families and pages it has)."""
    settings = ctx.settings
    left = run.budget_left(settings)
    if left <= 0:
        return unobservable(_names_of((family,)), "probe_error",
                            f"portal time budget spent ({settings.portal_budget_s:g} s)")
    with _charged(run):
        return await _run_family(family, ctx, min(settings.check_budget_s, left))


async def _prepare_within(run: _PortalRun, family: str, ctx: PortalContext) -> None:
    """The untimed part of timed family `family` into `run.prepared`, within the portal's
    budget; on failure nothing is kept and the timed step does that part itself."""
    prepare = checks.preparation(family)
    left = min(ctx.settings.check_budget_s, run.budget_left(ctx.settings))
    if prepare is None or left <= 0:
        return
    with _charged(run):
        try:
            run.prepared.update(await asyncio.wait_for(prepare(ctx), left))
        except Exception as error:  # the timed step will do it
            log.warning("untimed part of %s failed on %s: %r", family, ctx.agency.portal_url,
                        error)


def _finish(run: _PortalRun, store: Store, options: SweepOptions, sweep_id: str | None,
            progress: Progress, plan: _Plan) -> PortalOutcome:
    """Store the run with its site map, observations and score in one transaction, seal it,
    then mark it done in the sweep's plan."""
    sitemap = run.sitemap or SiteMap(portal=run.agency.portal_url)
    clock = time.monotonic()
    if len(run.attempts) > 1:  # the attempts travel with the run, sealed with it
        EvidenceStore(options.evidence_root, run.run_id).put_text(
            json.dumps([a.to_dict() for a in run.attempts], ensure_ascii=False, indent=1),
            ".attempts.json")
    _note_page_guard(run, options)
    rubric = plan.rubric(options.rubric)
    portal_score = score(run.observations, rubric, attestations.for_agency(store, run.agency.id))
    duration = round(time.monotonic() - run.clock - run.waited_s, 2)
    store.save_run(run_row(run.agency, run.run_id, sweep_id, final_url=sitemap.portal,
                           handover=sitemap.handover, rendered=sitemap.rendered,
                           status=run.status, status_detail=run.detail,
                           started_at=run.started, finished_at=utc_now(),
                           duration_s=duration), sitemap, run.observations, portal_score,
                   rubric.sha256)
    with chain_lock(store.engine, sweep_id):  # one link at a time, across machines
        sealed = seal_after_run(store, options.evidence_root, run.run_id)  # manifest, chain
    plan.finish(run, sealed is not None, duration)
    log.info("stored %s: %.1f s", run.agency.portal_url, time.monotonic() - clock)
    progress(run.agency, "done")
    return PortalOutcome(run.run_id, run.agency, run.status, run.detail, sitemap,
                         run.observations, portal_score, duration, len(run.attempts))


async def _bounded(limit: int, jobs: list[Awaitable[T]],
                   start_order: Sequence[int] | None = None) -> list[T]:
    """Await `jobs`, at most `limit` at a time, started in `start_order` (indexes into
    `jobs`; default as given); results in the order given."""
    gate = asyncio.Semaphore(max(1, limit))

    async def one(job: Awaitable[T]) -> T:
        async with gate:  # waiters get the gate first come, first served
            return await job

    order = range(len(jobs)) if start_order is None else start_order
    tasks = {index: asyncio.ensure_future(one(jobs[index])) for index in order}
    await asyncio.gather(*tasks.values())
    return [tasks[index].result() for index in range(len(jobs))]


async def _start_order(runs: list[_PortalRun], store: Store, options: SweepOptions) -> list[int]:
    """Indexes of `runs` in the order their slots take them (probe.order): the home pages
    of portals never completed before are timed only when portals queue for slots."""
    known = store.last_durations([run.agency.id for run in runs])
    durations = [known.get(run.agency.id) for run in runs]
    first_byte = [0.0] * len(runs)
    unknown = [i for i, seconds in enumerate(durations)
               if seconds is None and refusal(runs[i].agency.portal_url, options.settings) is None]
    if len(runs) > options.concurrency > 1 and unknown:
        timed = await order.first_bytes([runs[i].agency.portal_url for i in unknown],
                                        options.settings)
        for index, seconds in zip(unknown, timed, strict=True):
            first_byte[index] = seconds
    return order.longest_first(durations, first_byte)


def _batches(agencies: list[Agency], size: int | None) -> Iterator[list[Agency]]:
    step = size or max(1, len(agencies))
    for start in range(0, len(agencies), step):
        yield agencies[start:start + step]


async def _batch(agencies: list[Agency], store: Store, options: SweepOptions,
                 sweep_id: str | None, progress: Progress, plan: _Plan) -> list[PortalOutcome]:
    """Two phases. Side by side, `concurrency` at a time, each portal is mapped and then
    given its untimed checks at once. Then the timed checks, one portal at a time with
    nothing else running (so concurrency cannot distort them). Each portal is stored,
    scored and sealed as soon as its last check ends."""
    runs = [_PortalRun(agency) for agency in agencies]
    timed = tuple(f for f in options.families if f in TIMED_FAMILIES)
    untimed = tuple(f for f in options.families if f not in TIMED_FAMILIES)

    def finish(run: _PortalRun) -> PortalOutcome:
        return _finish(run, store, options, sweep_id, progress, plan)

    async with playwright() as pw, _pool(pw, options) as pool, \
            CrawlerSession(options.settings, options.budget) as crawler:  # fresh per batch

        async def untimed_step(run: _PortalRun) -> PortalOutcome | None:
            if not await _discovery_step(run, options, progress, plan, crawler):
                return None
            await _check_step(run, untimed, pool, options, progress, capture=True, prepare=timed)
            run.untimed_end = time.monotonic()
            return None if timed and run.reachable else finish(run)

        async with _machine(options, exclusive=False), _phase("untimed", len(runs)):
            outcomes = await _bounded(options.concurrency, [untimed_step(r) for r in runs],
                                      await _start_order(runs, store, options))
        waiting = [i for i, run in enumerate(runs) if outcomes[i] is None and not run.skipped]
        if waiting:
            async with _machine(options, exclusive=True), _phase("timed", len(waiting)):
                for index in waiting:
                    await _timed_step(runs[index], timed, pool, options, progress)
                    outcomes[index] = finish(runs[index])
    return [outcome for outcome in outcomes if outcome is not None]


async def _timed_step(run: _PortalRun, timed: tuple[str, ...], pool: BrowserPool,
                      options: SweepOptions, progress: Progress) -> None:
    """The timed checks of a portal whose untimed checks are done (its wait for this turn
    is not counted as its own time)."""
    run.waited_s = time.monotonic() - run.untimed_end
    await _check_step(run, timed, pool, options, progress)


def _pool(pw: Playwright, options: SweepOptions) -> BrowserPool:
    """The batch's browser pool (no more browsers than portals at once) and the per-host
    politeness its contexts share (the schedule's, as in discovery)."""
    from probe.browser import launch

    def launcher() -> Awaitable[Browser]:
        return launch(pw, loopback_only=options.settings.loopback_only,
                      ca_file=options.settings.ca_file,
                      block_private=not options.settings.allow_private)

    budget = options.budget or Budget()
    settings = replace(options.pool, browsers=max(1, min(options.pool.browsers,
                                                         options.concurrency)))
    return BrowserPool(launcher, settings, HostLimiter(budget.per_host, budget.delay))


@asynccontextmanager
async def _phase(name: str, portals: int) -> AsyncIterator[None]:
    """Log the phase's wall seconds (bench/sweep.py reads them): a phase's share of a sweep
    shows what concurrency can and cannot shorten."""
    clock = time.monotonic()
    try:
        yield
    finally:
        log.info("phase %s of %d portals: %.1f s", name, portals, time.monotonic() - clock)


def _machine(options: SweepOptions, exclusive: bool) -> AbstractAsyncContextManager[None]:
    """This machine's timed-run lock when several processes sweep on it, else nothing."""
    if options.machine_lock is None:
        return nullcontext()
    return options.machine_lock.hold(exclusive)


async def _sweep(agencies: list[Agency], store: Store, options: SweepOptions,
                 sweep_id: str | None, progress: Progress) -> list[PortalOutcome]:
    plan = _Plan(store, sweep_id)
    outcomes: list[PortalOutcome] = []
    for batch in _batches(agencies, options.batch_size):
        outcomes += await _batch(batch, store, options, sweep_id, progress, plan)
    return outcomes


def open_sweep(store: Store, registry: str, schedule: str, options: SweepOptions,
               owner: str = "") -> str:
    """A new sweep in `store` with its options (for a resume) and the rubric it is scored
    with: its name and the hash of its text, which is kept; returns the sweep's id."""
    rubric = load_rubric(options.rubric)
    return store.start_sweep(registry, schedule=schedule, rubric=options.rubric,
                             options_json=options.to_json(), owner=owner,
                             rubric_sha256=store.keep_rubric(rubric))


def sweep(agencies: list[Agency], store: Store, options: SweepOptions, sweep_id: str | None = None,
          progress: Progress = _noop) -> list[PortalOutcome]:
    """Probe the agencies, `options.concurrency` at a time, `options.batch_size` portals
    through all phases together, with a bounded pool of browsers per batch (probe.pool).

    Each run is stored and sealed as it finishes; outcomes come back in registry order
    (portals left unstarted because the time window closed have none). In a sweep, the
    agencies join its plan first (`probe.db.plan`), which `probe sweep --resume` reads.
    """
    if sweep_id is not None:
        SweepPlan(store, sweep_id).ensure(agencies)
    return asyncio.run(_sweep(agencies, store, options, sweep_id, progress))


def probe_one(agency: Agency, store: Store, options: SweepOptions,
              progress: Progress = _noop) -> PortalOutcome:
    """Probe, store and score a single portal outside any sweep."""
    return sweep([agency], store, options, None, progress)[0]


def record_unprobed(agency: Agency, store: Store, options: SweepOptions, sweep_id: str | None,
                    status: str, detail: str) -> PortalOutcome:
    """Store and seal a run of `agency` that was given up without probing it (e.g. its task
    kept killing its worker): every observation unobservable with `status` and `detail`; a
    probe-side status (probe_error) is never scored against the agency."""
    plan = _Plan(store, sweep_id)
    run = _PortalRun(agency, status=status, detail=detail,
                     sitemap=SiteMap(portal=agency.portal_url, error=status))
    plan.start(run)
    run.observations = (_discovery_observations(run.sitemap, False)
                        + _lost_to(status, detail, options.families))
    return _finish(run, store, options, sweep_id, _noop, plan)
