"""Benchmark: the performance check against Lighthouse 12.8.2 and pa11y 9.1.1 on farm pages.

This prints figures (a table, then JSON) and asserts nothing. Everything runs on loopback
against the portal farm, side by side in one run: for each chosen page, in turn,

1. our performance check unthrottled (`--runs` cold runs): the FCP coefficient of variation
   over the runs (target < 5 %) and the TTFB median against the server delay the farm is
   configured with (target within +-30 ms);
2. our performance check with `throttling="mobile"` (`--runs` runs), Lighthouse's mobile
   settings applied through the DevTools protocol (`probe.throttling`);
3. Lighthouse (`--lh-runs` runs, `--throttling-method=devtools`, so both apply the same
   throttling; `--only-categories=performance`): FCP and LCP medians compared with ours
   (target: within 15 %);
4. pa11y (default runner, WCAG2AA) once, for its speed;
5. with `--lh-plain-runs N`, Lighthouse again N times unthrottled (`--throttling-method=provided
   --preset=desktop`): its own FCP coefficient of variation beside ours, the same pages in the
   same run, to tell the machine's spread from the probe's.

Pages per minute: pages measured / wall time. Our check makes `--runs` timed loads per
page with one browser kept running; Lighthouse and pa11y make one load per page and start
a browser for each (that is how they are used from the command line).

Then every check family on one farm portal through `probe.sweep.probe_one` with
`sample_pages=20`: the farm portals have fewer URL templates than that, so each family
samples every template (17 on tinh-binh-minh). Target: the checks under 60 s on 2 cores,
as the wall seconds of the portal's check steps (its families run side by side there, HAR
capture beside the last ones; discovery, storing and sealing are shown apart).

Lighthouse and pa11y are installed on first use into bench/.peers with
`PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix bench/.peers lighthouse@12.8.2 pa11y@9.1.1`
(Node 20). Both use Debian's Chromium with the loopback resolver rules (chromium.md) and
trust the farm's CA through the same NSS HOME folder as `probe.browser.launch`.

Timings on a busy machine are longer and noisier: the load average is printed (start and
end), and Chromium's CPU throttle is a duty cycle, so a CPU shared with other work shows
less of the 4x slowdown.

    python bench/checks_bench.py [--runs 5] [--lh-runs 1] [--lh-plain-runs 0]
                                 [--page tinh-binh-minh:/ ...] [--skip-portal]
                                 [--portal tinh-binh-minh] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

from checks import performance
from probe.browser import chromium_path, launch, launch_args, nss_home
from probe.context import PortalContext, ProbeSettings
from probe.evidence import EvidenceStore
from probe.farm import Farm, start_farm
from probe.models import Observation, PageInfo, SiteMap

PEERS = Path(__file__).resolve().parent / ".peers"
VERSIONS = {"lighthouse": "12.8.2", "pa11y": "9.1.1"}
DEFAULT_PAGES = ("tinh-binh-minh:/", "tinh-binh-minh:/thu-tuc-hanh-chinh", "bo-kinh-te-bien:/",
                 "thanh-pho-hai-dang:/", "tinh-lam-giang:/")
FIDELITY = 0.15  # FCP/LCP within 15 % of Lighthouse's
CV_TARGET = 0.05
TTFB_TOLERANCE_MS = 30.0
PORTAL_TARGET_S = 60.0
METRICS = ("ttfb", "fcp", "lcp", "speed_index", "tbt")
LH_AUDITS = {"fcp": "first-contentful-paint", "lcp": "largest-contentful-paint",
             "speed_index": "speed-index", "tbt": "total-blocking-time"}


@dataclass
class PageResult:
    """Everything measured on one farm page."""

    agency: str
    url: str
    delay_ms: float
    ours: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # profile -> runs
    ours_s: dict[str, float] = field(default_factory=dict)  # profile -> wall s
    lighthouse: dict[str, list[float]] = field(default_factory=dict)  # metric -> runs
    lighthouse_plain: dict[str, list[float]] = field(default_factory=dict)  # unthrottled
    lighthouse_s: float = 0.0  # wall s of the throttled runs
    lighthouse_error: str = ""
    pa11y_s: float = 0.0
    pa11y_issues: int | None = None


# --- peers ---------------------------------------------------------------------------------

def installed_version(package: str) -> str:
    """The version of `package` in bench/.peers ('' when missing)."""
    manifest = PEERS / "node_modules" / package / "package.json"
    if not manifest.exists():
        return ""
    return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))


def ensure_peers() -> dict[str, Path]:
    """Install Lighthouse and pa11y into bench/.peers when missing; their executables."""
    if any(installed_version(p) != v for p, v in VERSIONS.items()):
        specs = [f"{p}@{v}" for p, v in VERSIONS.items()]
        print(f"installing {' '.join(specs)} into {PEERS}", file=sys.stderr, flush=True)
        subprocess.run(["npm", "install", "--prefix", str(PEERS), *specs], check=True,
                       env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
                       stdout=sys.stderr)
    return {p: PEERS / "node_modules" / ".bin" / p for p in VERSIONS}


def peer_env(ca_file: str) -> dict[str, str]:
    """Environment for a peer tool: Debian's Chromium and a HOME whose NSS trusts the CA."""
    return {**os.environ, "HOME": nss_home(ca_file), "CHROME_PATH": chromium_path()}


def chrome_flags() -> list[str]:
    """Headless Chromium with the project's loopback-only flags."""
    return ["--headless=new", "--no-sandbox", *launch_args(loopback_only=True)]


LAUNCHER_FLAGS = PEERS / "node_modules" / "chrome-launcher" / "dist" / "flags.js"


def launcher_disabled_features(flags_js: Path = LAUNCHER_FLAGS) -> list[str]:
    """The features chrome-launcher, Lighthouse's launcher, disables by default (read from
    its installed flags.js; none when it is missing)."""
    try:
        text = flags_js.read_text(encoding="utf-8")
    except OSError:
        return []
    block = re.search(r"'--disable-features=' \+\s*\[(.*?)\]\.join", text, re.S)
    return re.findall(r"^\s*'(\w+)',?\s*$", block.group(1), re.M) if block else []


def lighthouse_chrome_flags(launcher_flags: Path = LAUNCHER_FLAGS) -> str:
    """`--chrome-flags` for Lighthouse: ours, with chrome-launcher's disabled features added
    to our one `--disable-features` (Chromium keeps only the last such switch, so passing
    ours alone would turn chrome-launcher's back on, RenderDocument among them)."""
    flags = chrome_flags()
    for index, flag in enumerate(flags):
        if flag.startswith("--disable-features="):
            ours = flag.split("=", 1)[1].split(",")
            extra = [f for f in launcher_disabled_features(launcher_flags) if f not in ours]
            flags[index] = "--disable-features=" + ",".join([*ours, *extra])
    return " ".join(shlex.quote(f) if " " in f else f for f in flags)


# --- Lighthouse and pa11y ----------------------------------------------------------------

LH_MOBILE = ("--throttling-method=devtools",)  # Lighthouse's default form factor: mobile
LH_PLAIN = ("--throttling-method=provided", "--preset=desktop")  # no throttling, desktop


def lighthouse_once(binary: Path, url: str, ca_file: str, folder: Path,
                    mode: tuple[str, ...] = LH_MOBILE) -> dict[str, float]:
    """One Lighthouse run (`mode`: its throttling flags); its metrics in ms."""
    report = folder / "lighthouse.json"
    report.unlink(missing_ok=True)
    command = [str(binary), url, *mode,
               "--only-categories=performance", "--output=json", f"--output-path={report}",
               "--quiet", f"--chrome-flags={lighthouse_chrome_flags()}"]
    subprocess.run(command, env=peer_env(ca_file), capture_output=True, timeout=300,
                   check=False)
    data = json.loads(report.read_text(encoding="utf-8"))
    if data.get("runtimeError", {}).get("code"):
        raise RuntimeError(data["runtimeError"]["message"])
    audits = data["audits"]
    found = {k: float(audits[a]["numericValue"]) for k, a in LH_AUDITS.items()
             if audits[a].get("numericValue") is not None}
    ttfb = audits["metrics"]["details"]["items"][0].get("timeToFirstByte")
    if ttfb is not None:
        found["ttfb"] = float(ttfb)
    return found


def lighthouse(binary: Path, result: PageResult, ca_file: str, folder: Path,
               runs: int, plain_runs: int = 0) -> None:
    """`runs` Lighthouse runs of the page (mobile, throttled), then `plain_runs` unthrottled,
    into `result`."""
    started = time.perf_counter()
    lighthouse_runs(binary, result, ca_file, folder, runs, LH_MOBILE, result.lighthouse)
    result.lighthouse_s = time.perf_counter() - started
    lighthouse_runs(binary, result, ca_file, folder, plain_runs, LH_PLAIN,
                    result.lighthouse_plain)


def lighthouse_runs(binary: Path, result: PageResult, ca_file: str, folder: Path,
                    runs: int, mode: tuple[str, ...], into: dict[str, list[float]]) -> None:
    """`runs` Lighthouse runs of the page under `mode`, their metrics into `into` (a failed
    run's error into `result`)."""
    for _ in range(runs):
        try:
            found = lighthouse_once(binary, result.url, ca_file, folder, mode)
        except Exception as error:  # shown in the table, the benchmark goes on
            result.lighthouse_error = f"{error.__class__.__name__}: {error}"[:120]
            continue
        for name, value in found.items():
            into.setdefault(name, []).append(value)


def pa11y(binary: Path, result: PageResult, ca_file: str, folder: Path) -> None:
    """One pa11y run of the page (exit code 2 means it found issues)."""
    config = folder / "pa11y.json"
    launch_config = {"executablePath": chromium_path(), "args": chrome_flags()}
    config.write_text(json.dumps({"chromeLaunchConfig": launch_config, "timeout": 60000}),
                      encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([str(binary), "--config", str(config), "--reporter", "json",
                           result.url], env=peer_env(ca_file), capture_output=True,
                          timeout=300, check=False)
    result.pa11y_s = time.perf_counter() - started
    if done.returncode in (0, 2):
        result.pa11y_issues = len(json.loads(done.stdout or b"[]"))


# --- our check -----------------------------------------------------------------------------

def page_context(farm: Farm, browser: Browser, result: PageResult, folder: Path,
                 **settings: Any) -> PortalContext:
    """A context whose site map holds only the page, so the check times exactly it."""
    agency = next(a for a in farm.agencies if a.id == result.agency)
    sitemap = SiteMap(portal=agency.portal_url,
                      pages=[PageInfo(url=result.url, type="home", depth=0, template="/")])
    options = {"sample_pages": 1, "perf_pages": 1, **farm.settings_overrides(), **settings}
    return PortalContext(agency=agency, sitemap=sitemap, browser=browser,
                         evidence=EvidenceStore(folder / "evidence", "bench"),
                         settings=ProbeSettings(ca_file=farm.ca_file, allow_private=True,
                                                loopback_only=True, **options))


def run_values(found: list[Observation]) -> dict[str, list[float]]:
    """metric -> the values of its timed runs."""
    values: dict[str, list[float]] = {}
    for row in found:
        if row.stat == "run" and row.name in METRICS and isinstance(row.value, (int, float)):
            values.setdefault(row.name, []).append(float(row.value))
    return values


async def ours(farm: Farm, browser: Browser, result: PageResult, folder: Path, runs: int,
               profile: str) -> None:
    """Our performance check on the page under `profile`, into `result`."""
    ctx = page_context(farm, browser, result, folder, perf_runs=runs, throttling=profile)
    started = time.perf_counter()
    found = await performance.run(ctx)
    result.ours_s[profile] = time.perf_counter() - started
    result.ours[profile] = run_values(found)


async def measure_pages(farm: Farm, results: list[PageResult], tools: dict[str, Path],
                        folder: Path, args: argparse.Namespace) -> None:
    """Every tool on each page in turn, our check with one browser kept running."""
    async with async_playwright() as pw:
        browser = await launch(pw, loopback_only=True, ca_file=farm.ca_file)
        try:
            for result in results:
                for profile in ("none", "mobile"):
                    await ours(farm, browser, result, folder, args.runs, profile)
                await asyncio.to_thread(lighthouse, tools["lighthouse"], result, farm.ca_file,
                                        folder, args.lh_runs, args.lh_plain_runs)
                await asyncio.to_thread(pa11y, tools["pa11y"], result, farm.ca_file, folder)
                print(f"  measured {result.url} ({result.agency})", file=sys.stderr,
                      flush=True)
        finally:
            await browser.close()


# --- every family on one portal ----------------------------------------------------------

class FamilyTimes(logging.Handler):
    """Collects the per-family durations `probe.sweep` logs at INFO, and the wall seconds
    of its check steps (families run side by side there, so their sum would overstate)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}
        self.steps_s = 0.0
        self.failed: list[str] = []  # families that raised (their time is not logged)

    def emit(self, record: logging.LogRecord) -> None:
        from probe.sweep import CHECK_FAILED_MESSAGE, CHECK_MESSAGE, STEP_MESSAGE

        if not isinstance(record.args, tuple):
            return
        if record.msg == STEP_MESSAGE:
            self.steps_s += float(record.args[2])  # type: ignore[arg-type]
        elif record.msg == CHECK_MESSAGE:
            family, _, seconds = record.args
            self.seconds[str(family)] = float(seconds)  # type: ignore[arg-type]
        elif record.msg == CHECK_FAILED_MESSAGE:
            self.failed.append(str(record.args[0]))


@contextmanager
def family_times() -> Iterator[FamilyTimes]:
    """Listen to probe.sweep's INFO log while the block runs."""
    logger = logging.getLogger("probe.sweep")
    handler, level = FamilyTimes(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def portal_run(farm: Farm, agency_id: str, folder: Path) -> dict[str, Any]:
    """Every check family on one farm portal (sample_pages=20), timed per family."""
    from probe.db import Store
    from probe.sweep import SweepOptions, probe_one

    agency = next(a for a in farm.agencies if a.id == agency_id)
    settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                             sample_pages=20, **farm.settings_overrides())
    store = Store(f"sqlite:///{folder / 'portal.db'}")
    options = SweepOptions(settings=settings, evidence_root=folder / "portal-evidence")
    with family_times() as times:
        outcome = probe_one(agency, store, options)
    store.close()
    sampled = len(outcome.sitemap.sample(per_template=1, limit=settings.sample_pages))
    checks_s = times.steps_s  # wall seconds: the untimed step's families side by side, HAR within
    return {"portal": agency_id, "status": outcome.status, "mapped_pages": len(
        outcome.sitemap.pages), "sampled_pages": sampled, "families_s": times.seconds,
            "failed_families": times.failed, "checks_s": checks_s,
            "total_s": outcome.duration_s,
            "other_s": outcome.duration_s - checks_s, "grade": outcome.score.grade}


# --- figures -------------------------------------------------------------------------------

def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def sd(values: list[float]) -> float | None:
    """Sample standard deviation (None under two values)."""
    return statistics.stdev(values) if len(values) >= 2 else None


def cv(values: list[float]) -> float | None:
    """Coefficient of variation (sample standard deviation / mean)."""
    if len(values) < 2 or not statistics.fmean(values):
        return None
    return statistics.stdev(values) / statistics.fmean(values)


def ratio(ours_ms: float | None, theirs_ms: float | None) -> float | None:
    return ours_ms / theirs_ms if ours_ms is not None and theirs_ms else None


def page_figures(result: PageResult) -> dict[str, Any]:
    """The medians, ratios and spreads of one page."""
    plain, mobile = result.ours.get("none", {}), result.ours.get("mobile", {})
    row: dict[str, Any] = {"agency": result.agency, "url": result.url,
                           "server_delay_ms": result.delay_ms}
    for name in METRICS:
        row[f"ours_{name}"] = median(plain.get(name, []))
        row[f"mobile_{name}"] = median(mobile.get(name, []))
        row[f"lh_{name}"] = median(result.lighthouse.get(name, []))
    for name in ("fcp", "lcp"):
        row[f"{name}_ratio"] = ratio(row[f"mobile_{name}"], row[f"lh_{name}"])
        value = row[f"{name}_ratio"]
        row[f"{name}_within"] = value is not None and abs(value - 1) <= FIDELITY
    row["fcp_cv"] = cv(plain.get("fcp", []))
    row["mobile_fcp_cv"] = cv(mobile.get("fcp", []))
    row["lh_plain_fcp_cv"] = cv(result.lighthouse_plain.get("fcp", []))
    row["fcp_sd_ms"] = sd(plain.get("fcp", []))
    row["lh_plain_fcp_sd_ms"] = sd(result.lighthouse_plain.get("fcp", []))
    ttfb = row["ours_ttfb"]
    row["ttfb_error_ms"] = ttfb - result.delay_ms if ttfb is not None else None
    row["fcp_runs"] = {"none": plain.get("fcp", []), "mobile": mobile.get("fcp", []),
                       "lighthouse": result.lighthouse.get("fcp", []),
                       "lighthouse_plain": result.lighthouse_plain.get("fcp", [])}
    row.update({"lh_runs": len(result.lighthouse.get("fcp", [])),
                "lh_error": result.lighthouse_error, "pa11y_issues": result.pa11y_issues})
    return row


def rates(results: list[PageResult], runs: int, lh_runs: int) -> dict[str, dict[str, float]]:
    """Pages and page loads per minute of each tool over all pages."""
    pages = len(results)
    walls = {"ours_none": (sum(r.ours_s.get("none", 0) for r in results), runs),
             "ours_mobile": (sum(r.ours_s.get("mobile", 0) for r in results), runs),
             "lighthouse": (sum(r.lighthouse_s for r in results), lh_runs),
             "pa11y": (sum(r.pa11y_s for r in results), 1)}
    return {tool: {"pages_per_min": 60 * pages / wall, "loads_per_page": loads,
                   "loads_per_min": 60 * pages * loads / wall}
            for tool, (wall, loads) in walls.items() if wall and loads}  # a tool that ran


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def print_pages(rows: list[dict[str, Any]], runs: int, lh_runs: int) -> None:
    """One line per page: fidelity against Lighthouse, then steadiness and TTFB."""
    print(f"performance check vs Lighthouse 12.8.2 (devtools throttling, mobile), medians; "
          f"ours {runs} runs per profile, Lighthouse {lh_runs} run(s) per page")
    head = (f"{'page':<46} {'FCP m':>6} {'LH':>6} {'ratio':>6} {'LCP m':>6} {'LH':>6} "
            f"{'ratio':>6} {'ok':>3} {'FCP':>5} {'cv%':>5} {'TTFB':>5} {'delay':>5} "
            f"{'err':>5} {'mTTFB':>5} {'LHTTFB':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        both = "yes" if r["fcp_within"] and r["lcp_within"] else "no"
        cv_pct = r["fcp_cv"] * 100 if r["fcp_cv"] is not None else None
        print(f"{r['agency'] + ' ' + r['url'].split('/', 3)[3]:<46.46} "
              f"{fmt(r['mobile_fcp']):>6} {fmt(r['lh_fcp']):>6} {fmt(r['fcp_ratio'], '.2f'):>6} "
              f"{fmt(r['mobile_lcp']):>6} {fmt(r['lh_lcp']):>6} {fmt(r['lcp_ratio'], '.2f'):>6} "
              f"{both:>3} {fmt(r['ours_fcp']):>5} {fmt(cv_pct, '.1f'):>5} "
              f"{fmt(r['ours_ttfb']):>5} {r['server_delay_ms']:>5.0f} "
              f"{fmt(r['ttfb_error_ms'], '+.0f'):>5} {fmt(r['mobile_ttfb']):>5} "
              f"{fmt(r['lh_ttfb']):>6}")
    print("m = ours with throttling=mobile; FCP/cv%/TTFB unthrottled; err = TTFB - delay; "
          f"targets: ratio within {FIDELITY:.0%}, cv < {CV_TARGET:.0%}, "
          f"|err| <= {TTFB_TOLERANCE_MS:.0f} ms")


def print_summary(rows: list[dict[str, Any]], speed: dict[str, dict[str, float]],
                  portal: dict[str, Any] | None) -> None:
    """Targets met or missed, speeds, the portal run."""
    within = sum(1 for r in rows if r["fcp_within"] and r["lcp_within"])
    fcp_ratio = median([r["fcp_ratio"] for r in rows if r["fcp_ratio"]])
    lcp_ratio = median([r["lcp_ratio"] for r in rows if r["lcp_ratio"]])
    print(f"FCP and LCP within {FIDELITY:.0%} of Lighthouse: {within} of {len(rows)} pages; "
          f"median ratio FCP {fmt(fcp_ratio, '.2f')}, LCP {fmt(lcp_ratio, '.2f')}")
    errors = [abs(r["ttfb_error_ms"]) for r in rows if r["ttfb_error_ms"] is not None]
    for key, profile in (("fcp_cv", "unthrottled"), ("mobile_fcp_cv", "throttling=mobile"),
                         ("lh_plain_fcp_cv", "Lighthouse unthrottled (desktop)")):
        cvs = [r[key] for r in rows if r[key] is not None]
        if not cvs:  # Lighthouse unthrottled not asked for
            continue
        print(f"FCP cv {profile}: median {fmt(median(cvs), '.1%')}, worst "
              f"{fmt(max(cvs, default=None), '.1%')}, "
              f"{sum(cv < CV_TARGET for cv in cvs)} of {len(cvs)} pages < {CV_TARGET:.0%}")
    print_spread(rows)
    print(f"|TTFB - delay|: median {fmt(median(errors))}, worst "
          f"{fmt(max(errors, default=None))} ms (target <= {TTFB_TOLERANCE_MS:.0f})")
    print("pages per minute (loads per page, loads per minute): " + ", ".join(
        f"{k} {v['pages_per_min']:.1f} ({v['loads_per_page']:.0f}, {v['loads_per_min']:.1f})"
        for k, v in speed.items()))
    if portal:
        families = ", ".join(f"{k} {v:.1f}" for k, v in portal["families_s"].items())
        print(f"all families on {portal['portal']} ({portal['sampled_pages']} sampled of "
              f"{portal['mapped_pages']} mapped pages, status {portal['status']}, grade "
              f"{portal['grade']}): checks {portal['checks_s']:.1f} s (target < "
              f"{PORTAL_TARGET_S:.0f} s; wall, HAR capture within) [{families}]; discovery, "
              f"storing and sealing "
              f"{portal['other_s']:.1f} s; total {portal['total_s']:.1f} s")
        if portal["failed_families"]:
            print(f"  failed (probe error, time not counted): {portal['failed_families']}")


def print_spread(rows: list[dict[str, Any]]) -> None:
    """Unthrottled FCP spread per page in ms, ours and (when run) Lighthouse's."""
    pages = [f"{r['agency']} {r['url'].split('/', 3)[3] or '/'} {fmt(r['fcp_sd_ms'])}"
             + (f"/{fmt(r['lh_plain_fcp_sd_ms'])}" if r["lh_plain_fcp_sd_ms"] is not None else "")
             for r in rows]
    print("unthrottled FCP standard deviation, ms (ours/Lighthouse): " + ", ".join(pages))


def load_text() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


# --- main ----------------------------------------------------------------------------------

def chosen_pages(farm: Farm, specs: list[str]) -> list[PageResult]:
    """`agency:path` specs -> pages with the farm's configured delay."""
    results = []
    for spec in specs:
        agency_id, path = spec.split(":", 1)
        origin = farm.site(agency_id).origin
        results.append(PageResult(agency_id, origin + path, farm.latency_ms(agency_id)))
    return results


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="our timed runs per page")
    parser.add_argument("--lh-runs", type=int, default=1, help="Lighthouse runs per page")
    parser.add_argument("--lh-plain-runs", type=int, default=0,
                        help="unthrottled Lighthouse runs per page (its own FCP spread)")
    parser.add_argument("--page", action="append", default=[],
                        help="farm page as agency:path (default: five pages)")
    parser.add_argument("--portal", default="tinh-binh-minh",
                        help="farm portal for the all-families run")
    parser.add_argument("--skip-portal", action="store_true")
    parser.add_argument("--json-out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    args = parse(argv)
    tools = ensure_peers()
    print(f"load average (1, 5, 15 min) at the start: {load_text()}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="dvc-bench-checks-") as name, \
            start_farm(Path(name) / "farm") as farm:
        folder = Path(name)
        results = chosen_pages(farm, args.page or list(DEFAULT_PAGES))
        asyncio.run(measure_pages(farm, results, tools, folder, args))
        portal = None if args.skip_portal else portal_run(farm, args.portal, folder)
    rows = [page_figures(r) for r in results]
    speed = rates(results, args.runs, args.lh_runs)
    print_pages(rows, args.runs, args.lh_runs)
    print_summary(rows, speed, portal)
    figures = {"pages": rows, "pages_per_minute": speed, "portal": portal,
               "runs": args.runs, "lh_runs": args.lh_runs, "lh_plain_runs": args.lh_plain_runs,
               "load_end": os.getloadavg(), "cpus": os.cpu_count()}
    print(json.dumps(figures, indent=1, default=str))
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    print(f"load average (1, 5, 15 min) at the end: {load_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
