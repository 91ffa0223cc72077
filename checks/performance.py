"""Performance (P1-P5): timed cold loads of sampled pages, and their availability.

For each of up to `settings.perf_pages` sampled pages (home first) the page is loaded
`settings.perf_runs` times (at least 3), each time in a fresh browser context (cold HTTP
cache, no cookies, new connections). One load of the first page comes before them and is
not counted: a browser's first page load pays for its own start (measured on the farm: the
first run of a fresh browser up to twice as slow as the next ones).
With `settings.throttling` "none" (the default) that is
Playwright's default 1280x720 viewport without network or CPU throttling: what a citizen on
the probe's network would see; with "mobile", Lighthouse 12.8.2's mobile device, network and
4x CPU throttling applied through the DevTools protocol (`probe.throttling`), lifted once
the page has been measured. Every timed observation's detail ends with the conditions.
Timed loads never overlap, not even between probe processes on one machine (`timed_lock`).
Each run is recorded (stat="run"), then the median per page (stat="median", with min/max in
the detail).

Metrics, all in ms from the navigation start (`performance.timeOrigin`):
- ttfb: `responseStart` of the navigation entry, i.e. redirects + DNS + connect + TLS +
  server wait, as web-vitals defines TTFB (the rubric's 0.8 s / 1.8 s thresholds are the
  web-vitals ones). The detail gives the breakdown, server wait = responseStart - requestStart.
  Under a throttling profile the navigation entry does not see the emulated latency (Chromium
  holds the headers after they arrived), so the hold is added: TTFB is then when the page
  received the headers (`probe.throttling.held_ms`).
- fcp: the `first-contentful-paint` paint entry.
- lcp: the last `largest-contentful-paint` entry of a buffered PerformanceObserver.
- tbt: sum over long tasks (observer installed before any page script) of the part beyond
  50 ms, clipped to the window from FCP to the end of observation; Lighthouse ends the
  window at TTI instead. Observation ends as Lighthouse's does: at least 1 s after load,
  network idle, and no long task for 1 s (at most `QUIET_CAP_MS` after load).
- cls: the largest session window of layout shifts without recent input (web-vitals).
- speed_index: from a CDP screencast (JPEG frames with compositor timestamps), visual
  progress per frame as Lighthouse's speedline computes it (colour histograms without
  near-white pixels, compared with the blank start and the last frame), then
  SI = first visual change + sum of (1 - progress) over time. Recorded only for runs whose
  frames show the page painting.
- availability.ok_ratio: share of sampled pages (up to `settings.sample_pages`) answering
  2xx: a timed page counts when all its runs did; the other pages are fetched once, in a
  sweep by `prepare` beside the untimed checks (not in the timed phase, which has the
  machine to itself), or read from the sweep step's shared page visits (checks._visits).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from playwright.async_api import Browser, CDPSession, Page

from checks import _visits as visits
from checks._dom import short
from checks._sampling import (
    error_detail,
    error_outcome,
    observation,
    portal_url,
    sampled_pages,
    unmeasured,
)
from checks._timed_lock import timed_lock
from probe import throttling
from probe.browser import close_context
from probe.context import PORTAL_LANES, PortalContext
from probe.models import Observation, Outcome
from probe.throttling import Throttling

METRICS = ("ttfb", "fcp", "lcp", "tbt", "cls", "speed_index")
QUIET_CAP_MS = 5000  # longest observation after the load event
PAUSE_AFTER_LOAD_MS = 1000  # as Lighthouse: observe at least this long after load
CPU_QUIET_MS = 1000  # ... and until no long task ended for this long
PREPARED = "performance.untimed_statuses"  # prepare's key in ctx.prepared
MAX_FRAMES = 120  # screencast frames kept per run (the last frame is always kept)
LONG_TASK_MS = 50.0
WHITE = 249  # speedline ignores pixels whose three channels are all >= this value
DETAIL_LIMIT = 240  # observation details are cut to this length

# Installed before any page script runs: records LCP candidates, long tasks, layout shifts.
OBSERVERS_JS = """(() => {
  if (window.top !== window || window.__probePerf) return;
  const store = window.__probePerf = {lcp: null, longtasks: [], shifts: []};
  const watch = (type, on) => {
    try { new PerformanceObserver(list => list.getEntries().forEach(on))
            .observe({type, buffered: true}); } catch (e) {}
  };
  watch('largest-contentful-paint', e => { store.lcp = e.startTime; });
  watch('longtask', e => store.longtasks.push([e.startTime, e.duration]));
  watch('layout-shift', e => store.shifts.push([e.startTime, e.value, e.hadRecentInput]));
})();"""

COLLECT_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const fp = performance.getEntriesByName('first-paint')[0] || fcp;
  const store = window.__probePerf || {lcp: null, longtasks: [], shifts: []};
  return {nav: nav ? nav.toJSON() : null, fcp: fcp ? fcp.startTime : null,
          fp: fp ? fp.startTime : null, lcp: store.lcp,
          longtasks: store.longtasks, shifts: store.shifts,
          timeOrigin: performance.timeOrigin, now: performance.now()};
}"""

# Runs in a blank page: decodes JPEG frames and returns per-channel colour histograms.
HISTOGRAMS_JS = """async ([frames, white]) => {
  const out = [];
  for (const data of frames) {
    const img = new Image();
    img.src = 'data:image/jpeg;base64,' + data;
    try { await img.decode(); } catch (e) { out.push(null); continue; }
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
    const hist = [new Array(256).fill(0), new Array(256).fill(0), new Array(256).fill(0)];
    for (let i = 0; i < px.length; i += 4) {
      const r = px[i], gr = px[i + 1], b = px[i + 2];
      if (r >= white && gr >= white && b >= white) continue;
      hist[0][r]++; hist[1][gr]++; hist[2][b]++;
    }
    out.push(hist);
  }
  return out;
}"""

Histogram = list[list[int]]


@dataclass
class Run:
    """One timed cold load of one page."""

    url: str
    status: int | None = None
    final_url: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    outcome: Outcome = "ok"
    error: str = ""
    reachable: bool = True  # False when the page failed below HTTP (connection, TLS, DNS)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


# --------------------------------------------------------------------------------------
# Pure computations
# --------------------------------------------------------------------------------------

def ttfb(nav: dict[str, Any], held: float = 0.0) -> tuple[float, str]:
    """TTFB (responseStart from the navigation start, plus the time network emulation `held`
    the headers) and its breakdown as text."""
    start = float(nav.get("startTime") or 0.0)
    value = float(nav["responseStart"]) - start + held

    def span(begin: str, end: str) -> float:
        first, last = float(nav.get(begin) or 0.0), float(nav.get(end) or 0.0)
        return max(0.0, last - first) if first and last else 0.0

    tls_start = float(nav.get("secureConnectionStart") or 0.0)
    tls = span("secureConnectionStart", "connectEnd") if tls_start else 0.0
    parts = {
        "redirect": span("redirectStart", "redirectEnd"),
        "dns": span("domainLookupStart", "domainLookupEnd"),
        "connect": span("connectStart", "connectEnd") - tls,
        "tls": tls,
        "server wait": span("requestStart", "responseStart"),
        "emulated latency": held,
    }
    text = ", ".join(f"{k} {v:.0f}" for k, v in parts.items() if v >= 0.5 or k == "server wait")
    return value, f"responseStart from navigation start ({text} ms)"


def total_blocking_time(longtasks: Sequence[Sequence[float]], fcp: float, end: float) -> float:
    """Sum of each long task's time beyond 50 ms, clipped to the window [fcp, end]."""
    total = 0.0
    for start, duration in longtasks:
        clipped = min(start + duration, end) - max(start, fcp)
        if clipped > LONG_TASK_MS:
            total += clipped - LONG_TASK_MS
    return total


def cumulative_layout_shift(shifts: Sequence[Sequence[Any]]) -> float:
    """The largest session window of shifts without recent input (gap < 1 s, span <= 5 s)."""
    best = current = 0.0
    window_start = previous = None
    for start, value, had_input in sorted(shifts, key=lambda s: s[0]):
        if had_input:
            continue
        if (previous is None or start - previous >= 1000 or window_start is None
                or start - window_start > 5000):
            current, window_start = 0.0, start
        current += float(value)
        previous = start
        best = max(best, current)
    return best


def visual_progress(current: Histogram, initial: Histogram, target: Histogram) -> float:
    """Share (0..1) of the change from `initial` to `target` that `current` shows."""
    match = total = 0
    for channel in range(3):
        for level in range(256):
            start = initial[channel][level]
            to_current = abs(current[channel][level] - start)
            to_target = abs(target[channel][level] - start)
            match += min(to_current, to_target)
            total += to_target
    if total == 0:
        return 1.0
    return int(match / total * 100) / 100  # speedline floors to whole percent


def _is_blank(histogram: Histogram) -> bool:
    """True when a frame has no pixel other than (near-)white ones."""
    return not any(any(channel) for channel in histogram)


def speed_index(frames: Sequence[tuple[float, Histogram]],
                first_paint: float | None = None) -> float | None:
    """Speed Index (ms) from frames (time from navigation start, histogram), time-ordered.

    The page starts blank (white: an empty histogram); the last frame is complete. As in
    speedline, SI = time of the first frame with visual progress + the integral of
    (1 - progress) over the later frames. With `first_paint` (the browser's own paint
    timing) frame times are shifted so that the first non-blank frame lands on it:
    screencast timestamps come from another process's clock; their differences are
    reliable, their origin less so. None when nothing was painted.
    """
    if not frames or _is_blank(frames[-1][1]):
        return None
    first_drawn = next(t for t, h in frames if not _is_blank(h))
    shift = first_paint - first_drawn if first_paint is not None else 0.0
    blank: Histogram = [[0] * 256 for _ in range(3)]
    target = frames[-1][1]
    progress = [(t + shift, visual_progress(h, blank, target)) for t, h in frames
                if t >= first_drawn]
    start = next(i for i, (_, share) in enumerate(progress) if share > 0)
    value = progress[start][0]
    previous_time, previous_progress = progress[start]
    for moment, share in progress[start + 1:]:
        value += (moment - previous_time) * (1 - previous_progress)
        previous_time, previous_progress = moment, share
    return value


def median_detail(values: Sequence[float], unit: str, runs: int) -> str:
    """'median of 3 runs (min 120, max 150 ms)'."""
    digits = 3 if unit == "count" else 0
    low, high = min(values), max(values)
    spread = f"min {low:.{digits}f}, max {high:.{digits}f}"
    suffix = " ms" if unit == "ms" else ""
    missing = runs - len(values)
    extra = f"; {missing} run(s) without a value" if missing else ""
    return f"median of {len(values)} runs ({spread}{suffix}){extra}"


# --------------------------------------------------------------------------------------
# The browser side
# --------------------------------------------------------------------------------------

class Screencast:
    """Frames of a page's screencast with their times (ms since the epoch)."""

    def __init__(self, session: CDPSession) -> None:
        self.session = session
        self.frames: list[tuple[float, str]] = []
        self._acks: set[asyncio.Future[Any]] = set()

    async def start(self) -> None:
        self.session.on("Page.screencastFrame", self._on_frame)
        await self.session.send("Page.startScreencast", {
            "format": "jpeg", "quality": 60, "maxWidth": 320, "maxHeight": 240,
            "everyNthFrame": 1})

    def _on_frame(self, params: dict[str, Any]) -> None:
        frame = (float(params["metadata"]["timestamp"]) * 1000, params["data"])
        if len(self.frames) >= MAX_FRAMES:
            self.frames[-1] = frame
        else:
            self.frames.append(frame)
        ack = asyncio.ensure_future(
            self.session.send("Page.screencastFrameAck", {"sessionId": params["sessionId"]}))
        self._acks.add(ack)
        ack.add_done_callback(self._acks.discard)

    async def stop(self) -> list[tuple[float, str]]:
        try:
            await self.session.send("Page.stopScreencast")
        finally:
            await asyncio.gather(*self._acks, return_exceptions=True)
        return self.frames


QUIET_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const tasks = (window.__probePerf || {longtasks: []}).longtasks;
  const last = tasks.length ? tasks[tasks.length - 1] : null;
  return {now: performance.now(), load: nav ? nav.loadEventEnd : 0,
          lastTask: last ? last[0] + last[1] : 0};
}"""


async def _quiet(page: Page) -> None:
    """Observe until quiet, as Lighthouse does: at least PAUSE_AFTER_LOAD_MS after load,
    network idle (500 ms without requests) and no long task for CPU_QUIET_MS; at most
    QUIET_CAP_MS."""
    deadline = time.monotonic() + QUIET_CAP_MS / 1000
    with contextlib.suppress(Exception):  # a busy page is measured as it is
        await page.wait_for_load_state("networkidle", timeout=QUIET_CAP_MS)
    while (left := deadline - time.monotonic()) > 0:
        state = await page.evaluate(QUIET_JS)
        wait = max(state["load"] + PAUSE_AFTER_LOAD_MS, state["lastTask"] + CPU_QUIET_MS)
        wait = (wait - state["now"]) / 1000
        if wait <= 0:
            return
        await asyncio.sleep(min(wait, left))


async def _speed_index(page: Page, frames: list[tuple[float, str]], time_origin: float,
                       first_paint: float | None) -> tuple[float | None, str]:
    """Speed Index of a run from its screencast frames, decoded once the measured page
    has been replaced by a blank one (the measurement is over by then)."""
    timed = [(t - time_origin, data) for t, data in frames]
    if not timed:
        return None, "no screencast frame"
    await page.goto("about:blank")
    histograms = await page.evaluate(HISTOGRAMS_JS, [[d for _, d in timed], WHITE])
    decoded = [(t, h) for (t, _), h in zip(timed, histograms, strict=True) if h is not None]
    value = speed_index(decoded, first_paint)
    if value is None:
        return None, f"{len(decoded)} frames, none shows a painted page"
    return value, (f"screencast, {len(decoded)} frames, speedline visual progress, "
                   "anchored on first paint")


def _metrics(run: Run, raw: dict[str, Any], timing: dict[str, float] | None = None) -> None:
    """Fill `run` with the metrics read from the page (`timing`: Playwright's timing of the
    document request, given under a throttling profile)."""
    nav = raw.get("nav")
    if nav and nav.get("responseStart"):
        run.metrics["ttfb"], run.notes["ttfb"] = ttfb(nav, throttling.held_ms(nav, timing))
    fcp = raw.get("fcp")
    if fcp is None:
        run.outcome, run.error = "portal_error", "the page painted no content"
        return
    run.metrics["fcp"] = float(fcp)
    run.notes["fcp"] = "first-contentful-paint entry"
    if raw.get("lcp") is not None:
        run.metrics["lcp"] = float(raw["lcp"])
        run.notes["lcp"] = "last largest-contentful-paint candidate"
    end = float(raw["now"])
    longtasks = raw.get("longtasks") or []
    run.metrics["tbt"] = total_blocking_time(longtasks, float(fcp), end)
    run.notes["tbt"] = f"{len(longtasks)} long tasks, window FCP to {end:.0f} ms"
    shifts = raw.get("shifts") or []
    run.metrics["cls"] = cumulative_layout_shift(shifts)
    run.notes["cls"] = f"{len(shifts)} layout shifts"


async def timed_run(ctx: PortalContext, url: str) -> Run:
    """One cold load of `url` in a fresh context, holding the timed lock; never raises."""
    run = Run(url=url)
    chosen = throttling.profile(ctx.settings.throttling)
    async with timed_lock():
        options = throttling.context_options(chosen, ctx.settings.user_agent)
        context, page = await ctx.new_page(timed=True, **options)
        try:
            await _measure(ctx, run, page, await context.new_cdp_session(page), chosen)
        except Exception as error:  # recorded as an observation
            run.outcome, run.error = error_outcome(error), error_detail(error)
            run.reachable = run.status is not None
        finally:
            await close_context(context)
    return run


async def _measure(ctx: PortalContext, run: Run, page: Page, session: CDPSession,
                   chosen: Throttling | None) -> None:
    """Load the page under the profile, wait until quiet, read the metrics into `run`."""
    await page.add_init_script(OBSERVERS_JS)
    cast = Screencast(session)
    await cast.start()
    await throttling.apply(session, chosen)
    response = await page.goto(run.url, wait_until="load", timeout=ctx.settings.page_timeout_ms)
    run.status = response.status if response else None
    run.final_url = page.url
    if run.status is not None and run.status >= 400:
        run.outcome, run.error = "portal_error", f"HTTP {run.status}"
        return
    await _quiet(page)
    raw = await page.evaluate(COLLECT_JS)
    frames = await cast.stop()
    await throttling.release(session, chosen)
    timing = dict(response.request.timing) if response and chosen else None
    _metrics(run, raw, timing)
    if run.ok:
        value, note = await _speed_index(page, frames, float(raw["timeOrigin"]), raw.get("fp"))
        run.notes["speed_index"] = note
        if value is not None:
            run.metrics["speed_index"] = value


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------

def run_observations(url: str, runs: Sequence[Run]) -> list[Observation]:
    """Per-run observations (stat="run") and the per-page medians (stat="median")."""
    found: list[Observation] = []
    total = len(runs)
    for index, run in enumerate(runs, 1):
        label = f"run {index}/{total}"
        if not run.ok:
            found += unmeasured(METRICS, url, run.outcome, f"{label}: {run.error}", stat="run")
            continue
        for name in METRICS:
            if name in run.metrics:
                found.append(observation(name, round(run.metrics[name], 4 if name == "cls"
                                                     else 1), url,
                                         f"{label}: {run.notes.get(name, '')}", stat="run"))
            else:
                note = run.notes.get(name) or "not observed in this run"
                found.append(observation(name, None, url, f"{label}: {note}", "probe_error",
                                         stat="run"))
    found += _medians(url, runs)
    return found


def _medians(url: str, runs: Sequence[Run]) -> list[Observation]:
    """The median per metric over the runs that measured it."""
    good = [r for r in runs if r.ok]
    if not good:
        failed = runs[0] if runs else Run(url=url, outcome="probe_error", error="no run")
        detail = f"all {len(runs)} runs failed: {failed.error}"
        return unmeasured(METRICS, url, failed.outcome, detail, stat="median")
    found = []
    failures = len(runs) - len(good)
    for name in METRICS:
        values = [r.metrics[name] for r in good if name in r.metrics]
        unit = "count" if name == "cls" else "ms"
        if not values:
            note = next((r.notes[name] for r in good if name in r.notes), "not observed")
            found.append(observation(name, None, url, f"no run measured it: {note}",
                                     "probe_error", stat="median"))
            continue
        detail = median_detail(values, unit, len(good))
        if failures:
            detail += f"; {failures} of {len(runs)} runs failed ({runs_errors(runs)})"
        value = statistics.median(values)
        found.append(observation(name, round(value, 4 if name == "cls" else 1), url, detail,
                                 stat="median"))
    return found


def runs_errors(runs: Sequence[Run]) -> str:
    """The distinct errors of failed runs, joined."""
    return "; ".join(sorted({r.error for r in runs if not r.ok}))


async def _page_runs(ctx: PortalContext, url: str, count: int,
                     warm_up: bool = False) -> list[Run]:
    """`count` timed runs of `url`; stops after a first run that could not reach the page.
    With `warm_up`, one load comes first and is discarded when it succeeds (a failed one
    counts: a failure says as much on a browser's first load as on any other)."""
    first = await timed_run(ctx, url)
    if warm_up and first.ok:
        first = await timed_run(ctx, url)
    runs = [first]
    if not first.reachable:
        return runs
    for _ in range(count - 1):
        runs.append(await timed_run(ctx, url))
    return runs


async def _status(ctx: PortalContext, url: str) -> tuple[int | None, str]:
    """The HTTP status of one untimed fetch of `url` (None and a reason on failure)."""
    try:
        async with ctx.http_client() as client:
            response = await client.get(url)
        return response.status_code, f"HTTP {response.status_code}"
    except Exception as error:  # a failed fetch is a failed page
        return None, error_detail(error)


async def _statuses(ctx: PortalContext, urls: list[str]) -> dict[str, tuple[int | None, str]]:
    """`_status` of each of `urls`, `PORTAL_LANES` fetches at a time."""
    gate = asyncio.Semaphore(PORTAL_LANES)

    async def one(url: str) -> tuple[int | None, str]:
        async with gate:
            return await _status(ctx, url)

    return dict(zip(urls, await asyncio.gather(*(one(u) for u in urls)), strict=True))


def _availability_pages(ctx: PortalContext, timed: Sequence[str]) -> tuple[list[str], list[str]]:
    """The pages availability counts, and those of them it fetches once (not `timed`)."""
    pages = [p.url for p in sampled_pages(ctx, max(ctx.settings.sample_pages, len(timed)))]
    pages += [url for url in timed if url not in pages]
    return pages, [url for url in pages if url not in timed]


async def prepare(ctx: PortalContext) -> dict[str, Any]:
    """The untimed part of this family: the answer of each sampled page that will not be
    timed, for `availability` (a sweep runs it beside the untimed checks). A page the sweep
    step's shared visits opened is not asked for again; the others are fetched once."""
    timed = [page.url for page in sampled_pages(ctx, ctx.settings.perf_pages)]
    _, untimed = _availability_pages(ctx, timed)
    seen = await visits.answers(ctx, untimed)
    fetched = await _statuses(ctx, [url for url in untimed if url not in seen])
    return {PREPARED: {url: seen.get(url) or fetched[url] for url in untimed}}


async def availability(ctx: PortalContext, timed: dict[str, list[Run]]) -> Observation:
    """Share of sampled pages answering 2xx (timed pages: every run; others: one fetch,
    made by `prepare` when the sweep ran it)."""
    home = portal_url(ctx)
    failures: list[str] = []
    ok = 0
    pages, untimed = _availability_pages(ctx, list(timed))
    fetched = ctx.prepared.get(PREPARED)
    if fetched is None or list(fetched) != untimed:  # not prepared, or for other pages
        fetched = await _statuses(ctx, untimed)
    for url in pages:
        if url in timed:
            runs = timed[url]
            good = all(r.status is not None and 200 <= r.status < 300 for r in runs)
            reason = runs_errors(runs) or ", ".join(str(r.status) for r in runs)
        else:
            status, reason = fetched[url]
            good = status is not None and 200 <= status < 300
        ok += good
        if not good:
            failures.append(f"{url} ({reason})")
    detail = f"{ok} of {len(pages)} sampled pages answered 2xx"
    if failures:
        detail += "; failing: " + ", ".join(failures[:4])
    return observation("availability.ok_ratio", round(ok / len(pages), 4), home, detail)


def with_conditions(found: Sequence[Observation], conditions: str) -> list[Observation]:
    """`found` with the measuring conditions at the end of every timed metric's detail."""
    room = DETAIL_LIMIT - len(conditions) - 2
    return [replace(o, detail="; ".join(filter(None, (short(o.detail, room), conditions))))
            if o.name in METRICS else o for o in found]


# Browsers that have made a timed load: a fresh browser's first load pays for its own start
# (up to twice as slow on the farm), so each browser is warmed up once, not each portal.
_WARMED: weakref.WeakSet[Browser] = weakref.WeakSet()


def _warm_up_first(ctx: PortalContext) -> bool:
    """Whether the next timed load is this browser's first (and is to be discarded)."""
    if ctx.browser in _WARMED:
        return False
    _WARMED.add(ctx.browser)
    return True


async def _timed_pages(ctx: PortalContext, home: str) -> list[Observation]:
    """Timed runs of the sampled pages (the first after a warm-up load when the browser has
    made none), then availability (none when the home page failed)."""
    pages = sampled_pages(ctx, ctx.settings.perf_pages)
    count = max(3, ctx.settings.perf_runs)
    found: list[Observation] = []
    timed: dict[str, list[Run]] = {}
    for index, page in enumerate(pages):
        runs = await _page_runs(ctx, page.url, count, warm_up=index == 0 and _warm_up_first(ctx))
        timed[page.url] = runs
        found += run_observations(page.url, runs)
        if index == 0 and not any(r.ok for r in runs) and \
                all(r.outcome == "portal_error" for r in runs):
            detail = f"home page failed: {runs_errors(runs)}"
            for other in pages[1:]:
                found += unmeasured(METRICS, other.url, "portal_error", detail, "median")
            found += unmeasured(("availability.ok_ratio",), home, "portal_error", detail)
            return found
    found.append(await availability(ctx, timed))
    return found


async def run(ctx: PortalContext) -> list[Observation]:
    """Timed cold loads of sampled pages: per-run values, per-page medians, availability."""
    home = portal_url(ctx)
    try:
        conditions = throttling.describe(throttling.profile(ctx.settings.throttling))
        return with_conditions(await _timed_pages(ctx, home), conditions)
    except Exception as error:  # a probe bug must not sink the run
        names = (*METRICS, "availability.ok_ratio")
        return unmeasured(names, home, "probe_error", f"probe failure: {error_detail(error)}")
