"""Benchmark: sweep throughput on the portal farm at concurrency 1, 2 and 4, the peak memory
of the sweep's process tree, and the cost per checked page next to Lighthouse 12.8.2 and
pa11y 9.1.1 on the same pages in the same run.

The farm is started here (`probe.farm.start_farm`, loopback only) with its server latencies
multiplied by `--latency-scale`, so that waiting for the servers, not the 2 CPUs, bounds a
sweep. Each sweep is the real command, `probe sweep --schedule` (every check family with a
lighter sampling than nightly's, see SCHEDULE; retries off so that the broken portal's HTTP
500 costs no backoff), in a child process with its own fresh database; /proc is sampled
for the resident memory of that process and its descendants (Python, the Playwright driver,
Chromium, the Scrapy crawl), summed as RSS (shared pages once per process: an upper bound)
and as PSS (shared pages shared out).

Figures per concurrency: portals and checked pages per minute (a checked page is a distinct
page of a run with at least one observation of a check family, discovery aside) and seconds
per checked page. From the sweep's own log: the seconds of the timed phase (performance, one
portal at a time by design) and of the longest portal's own chain: its mapping, then its
untimed step (its other check families and HAR capture, as many at once as its host's
politeness allows: `probe.sweep._check_step`). Their sum bounds any
concurrency's wall time; with Amdahl's law (the timed phase serial, the rest at best N times
faster) it gives the most concurrency can gain on this farm ("ceiling"). Each phase's wall
seconds are printed per concurrency, and each sweep's log is kept beside the JSON
(`<stem>-c<N>.log`). `--copies N` serves every farm portal N times over (own ports, same
content): a sweep of many portals.
Lighthouse (a default run: every category, its own simulated throttling)
and pa11y (WCAG2AA) then run once on each of `--peer-pages` pages the sweep checked (each
starts its own browser, as from the command line). Targets (issue 8):
- seconds per checked page at concurrency 4 at least 5x fewer than one Lighthouse run;
- portals per minute at concurrency 4 at least 2.5x those at concurrency 1;
- peak memory of the concurrency-4 sweep under 2.5 GiB, as the PSS sum: the memory the
  tree holds, each shared page divided among its sharers. The RSS sum counts Chromium's
  shared pages (zygote, libraries, fonts) once per process, 20-odd times at concurrency 4,
  and is printed for reference only.

Lighthouse and pa11y come from bench/.peers (`make bench` installs them with npm; see
bench/checks_bench.py); without npm the comparison is skipped, saying so.

    python bench/sweep.py [--concurrency 1 2 4] [--latency-scale 2] [--copies 1] [--peer-pages 4]
                          [--json-out out/bench-sweep.json] [--skip-peers] [--only ID ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from probe.farm import Farm, start_farm
from probe.farm.cli import env_lines
from probe.proctree import rss, tree, tree_pss

HERE = Path(__file__).resolve().parent
GIB = 1024 ** 3
PAGE_RATIO_TARGET = 5.0
SCALING_TARGET = 2.5
MEMORY_TARGET_GIB = 2.5
# Every family; lighter sampling than the nightly schedule so that three sweeps fit in minutes
# (figures are per checked page, so they compare all the same).
SCHEDULE = """\
name: bench
registry: registry.csv
checks: all
retry: {max_attempts: 1}
probe: {perf_runs: 2, perf_pages: 2, sample_pages: 4}
discovery: {max_pages: 30, time_limit_s: 45}
"""


@dataclass
class SweepFigures:
    """One sweep of the farm at one concurrency."""

    concurrency: int
    wall_s: float
    portals: int
    completed: int
    checked_pages: int
    peak_rss_gib: float
    peak_pss_gib: float
    exit_status: int
    pages: list[str] = field(default_factory=list)
    rss_mib_at_peak: dict[str, float] = field(default_factory=dict)
    timed_s: float = 0.0  # these three from the sweep's log (LogFigures)
    longest_chain_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def bound_s(self) -> float | None:
        """The least wall time any concurrency could take: the timed phase, which runs one
        portal at a time, plus the longest portal's own chain before it (its mapping,
        untimed checks and HAR capture, one after another; storing left out)."""
        return round(self.timed_s + self.longest_chain_s, 1) or None

    @property
    def portals_per_min(self) -> float:
        return 60 * self.portals / self.wall_s

    @property
    def pages_per_min(self) -> float:
        return 60 * self.checked_pages / self.wall_s

    @property
    def s_per_page(self) -> float | None:
        return self.wall_s / self.checked_pages if self.checked_pages else None

    def to_dict(self) -> dict[str, Any]:
        found = asdict(self)
        del found["pages"]
        found.update(bound_s=self.bound_s, portals_per_min=round(self.portals_per_min, 2),
                     pages_per_min=round(self.pages_per_min, 2),
                     s_per_page=round(self.s_per_page, 3) if self.s_per_page else None)
        return found


# --- memory ----------------------------------------------------------------------------------

class PeakMemory(threading.Thread):
    """Samples a process tree's summed RSS (every 0.2 s) and PSS (every 1 s) until stopped;
    keeps the peaks. RSS counts shared pages once per process (an upper bound); PSS shares
    them out, so its sum is what the tree really holds."""

    def __init__(self, pid: int, every_s: float = 0.2, pss_every: int = 5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s, self.pss_every = pid, every_s, pss_every
        self.peak_rss = self.peak_pss = 0
        self._halt = threading.Event()

        self.breakdown: dict[str, float] = {}  # MiB per kind of process at the RSS peak

    def run(self) -> None:
        tick = 0
        while not self._halt.wait(self.every_s):
            members = {pid: rss(pid) for pid in tree(self.pid)}
            if sum(members.values()) > self.peak_rss:
                self.peak_rss = sum(members.values())
                self.breakdown = kinds(members)
            tick += 1
            if tick % self.pss_every == 0:
                self.peak_pss = max(self.peak_pss, tree_pss(self.pid))

    def stop(self) -> tuple[int, int]:
        """(peak RSS sum, peak PSS sum) in bytes."""
        self._halt.set()
        self.join(timeout=5)
        return self.peak_rss, self.peak_pss


def kinds(members: dict[int, int]) -> dict[str, float]:
    """MiB of RSS per kind of process: chromium by its --type, others by program name."""
    found: dict[str, float] = {}
    for pid, size in members.items():
        kind = process_kind(pid)
        found[kind] = found.get(kind, 0.0) + size / 2**20
    return {k: round(v) for k, v in sorted(found.items(), key=lambda kv: -kv[1])}


def process_kind(pid: int) -> str:
    """'chromium:renderer', 'chromium:browser', 'node', 'python3.11'... ('' when gone)."""
    try:  # Chromium's children rewrite their command line as one space-separated string
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").split()
    except OSError:
        return ""
    name = Path(args[0]).name if args else ""
    if name != "chromium":
        return name
    kind = next((a[len("--type="):] for a in args if a.startswith("--type=")), "")
    return f"chromium:{kind or 'browser'}"


# --- one sweep -------------------------------------------------------------------------------

def sweep_once(farm: Farm, work: Path, concurrency: int, args: argparse.Namespace
               ) -> SweepFigures:
    """`probe sweep` of the farm (the agencies in `args.only`, or all) at `concurrency` into
    a fresh database."""
    folder = work / f"c{concurrency}"
    folder.mkdir()
    farm.write_registry(folder / "registry.csv")
    extra = f"only: [{', '.join(args.only)}]\n" if args.only else ""
    extra += f"browsers: {{max: {args.browsers}}}\n" if args.browsers else ""
    (folder / "bench.yaml").write_text(SCHEDULE + extra, encoding="utf-8")
    db = folder / "results.db"
    env = {**os.environ, **dict(line.split("=", 1) for line in env_lines(farm))}
    env.pop("PROBE_NETWORK", None)  # loopback only
    env["PROBE_LOG"] = "INFO"  # the family, mapping and phase times (read_log)
    command = [sys.executable, "-m", "probe.cli", "sweep", "--schedule",
               str(folder / "bench.yaml"), "--concurrency", str(concurrency), "--ca-file",
               farm.ca_file, "--allow-private", "--db", f"sqlite:///{db}"]
    started = time.perf_counter()
    with (folder / "sweep.log").open("w") as log:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        sampler = PeakMemory(process.pid)
        sampler.start()
        status = process.wait()
    wall = time.perf_counter() - started
    peak_rss, peak_pss = sampler.stop()
    portals, completed, pages = stored(db)
    figures = read_log(folder / "sweep.log")
    kept = args.json_out.with_name(f"{args.json_out.stem}-c{concurrency}.log")
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "sweep.log", kept)  # the per-portal and per-phase seconds
    return SweepFigures(concurrency, round(wall, 2), portals, completed, len(pages),
                        round(peak_rss / GIB, 3), round(peak_pss / GIB, 3), status, pages,
                        sampler.breakdown, figures.timed_s, figures.longest_chain_s,
                        figures.phases)


STEP_LINE = re.compile(r"step ([\w+]+) on (\S+): ([\d.]+) s$")
MAPPED_LINE = re.compile(r"discovered (\S+): \d+ pages in ([\d.]+)s")
VISITS_LINE = re.compile(r"page visits of (\S+): ([\d.]+) s$")
STORED_LINE = re.compile(r"stored \S+: ([\d.]+) s$")
PHASE_LINE = re.compile(r"phase (\w+) of \d+ portals: ([\d.]+) s$")
PHASES = ("untimed", "timed")


@dataclass
class LogFigures:
    """What a sweep's INFO log says about where its time went."""

    timed_s: float  # the performance family's seconds, summed over portals
    longest_chain_s: float  # one portal's mapping and untimed step (HAR within), the most
    # Wall seconds of each phase (untimed: mapping and untimed checks, side by side; timed),
    # summed over batches, and of page visits (HAR) and storing, summed over portals
    phases: dict[str, float]


def read_log(log: Path) -> LogFigures:
    """The figures of the sweep log `log` (probe.sweep's and probe.discovery's INFO lines)."""
    timed = 0.0
    chains: defaultdict[str, float] = defaultdict(float)  # portal -> its untimed chain
    phases = defaultdict(float, {name: 0.0 for name in (*PHASES, "visits", "stored")})
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if found := PHASE_LINE.search(line):
            phases[found.group(1)] += float(found.group(2))
        elif found := STORED_LINE.search(line):
            phases["stored"] += float(found.group(1))
        elif found := VISITS_LINE.search(line):
            phases["visits"] += float(found.group(2))
        elif found := MAPPED_LINE.search(line):
            chains[found.group(1)] += float(found.group(2))
        elif found := STEP_LINE.search(line):
            families, portal, seconds = found.group(1), found.group(2), float(found.group(3))
            if "performance" in families.split("+"):
                timed += seconds
            else:  # its families side by side in lanes, then HAR capture: wall seconds
                chains[portal] += seconds
    return LogFigures(round(timed, 1), round(max(chains.values(), default=0.0), 1),
                      {name: round(seconds, 1) for name, seconds in phases.items()})


def stored(db: Path) -> tuple[int, int, list[str]]:
    """(runs, completed runs, checked pages as 'run_id page') of the sweep in `db`."""
    with sqlite3.connect(db) as connection:
        runs = connection.execute("SELECT status FROM runs").fetchall()
        pages = connection.execute(
            "SELECT DISTINCT run_id, page FROM observations WHERE \"check\" != 'discovery' "
            "AND page IS NOT NULL AND page != '' ORDER BY run_id, page").fetchall()
    completed = sum(1 for (status,) in runs if status == "completed")
    return len(runs), completed, [f"{run_id} {page}" for run_id, page in pages]


# --- peers -----------------------------------------------------------------------------------

def bench_checks() -> ModuleType:
    """bench/checks_bench.py (its peer installation and launch helpers), loaded once."""
    if "bench_checks" in sys.modules:
        return sys.modules["bench_checks"]
    spec = importlib.util.spec_from_file_location("bench_checks", HERE / "checks_bench.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["bench_checks"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def peers(helpers: ModuleType) -> tuple[dict[str, Path] | None, str]:
    """The peer tools' executables, or None and why they are skipped."""
    versions = helpers.VERSIONS
    if all(helpers.installed_version(p) == v for p, v in versions.items()):
        return {p: helpers.PEERS / "node_modules" / ".bin" / p for p in versions}, ""
    if not shutil.which("npm"):
        return None, "npm not found: Lighthouse/pa11y comparison skipped (apt-get install npm)"
    try:
        return helpers.ensure_peers(), ""
    except subprocess.CalledProcessError as error:
        return None, f"npm install failed ({error}): Lighthouse/pa11y comparison skipped"


def lighthouse_s(helpers: ModuleType, binary: Path, url: str, ca_file: str,
                 folder: Path) -> float | None:
    """Seconds of one default Lighthouse run on `url` (None when it failed)."""
    report = folder / "lighthouse.json"
    report.unlink(missing_ok=True)
    command = [str(binary), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--chrome-flags={helpers.lighthouse_chrome_flags()}"]
    started = time.perf_counter()
    subprocess.run(command, env=helpers.peer_env(ca_file), capture_output=True, timeout=300,
                   check=False)
    took = time.perf_counter() - started
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return None if data.get("runtimeError", {}).get("code") else took


def pa11y_s(helpers: ModuleType, binary: Path, url: str, ca_file: str,
            folder: Path) -> float | None:
    """Seconds of one pa11y run on `url` (None when it failed)."""
    result = helpers.PageResult(agency="", url=url, delay_ms=0.0)
    helpers.pa11y(binary, result, ca_file, folder)
    return result.pa11y_s if result.pa11y_issues is not None else None


def peer_pages(figures: SweepFigures, count: int) -> list[str]:
    """`count` pages the sweep checked, one per run first (home pages come first)."""
    by_run: dict[str, list[str]] = {}
    for entry in figures.pages:
        run_id, page = entry.split(" ", 1)
        by_run.setdefault(run_id, []).append(page)
    chosen: list[str] = []
    while len(chosen) < count and any(by_run.values()):
        for pages in by_run.values():
            if pages and len(chosen) < count:
                page = min(pages, key=len)
                pages.remove(page)
                if page not in chosen:
                    chosen.append(page)
    return chosen


def compare_peers(farm: Farm, tools: dict[str, Path], pages: list[str],
                  work: Path) -> dict[str, Any]:
    """Lighthouse and pa11y once on each page: their seconds per page."""
    helpers = bench_checks()
    folder = work / "peers"
    folder.mkdir()
    lighthouse = [lighthouse_s(helpers, tools["lighthouse"], u, farm.ca_file, folder)
                  for u in pages]
    pa11y = [pa11y_s(helpers, tools["pa11y"], u, farm.ca_file, folder) for u in pages]
    return {"pages": pages, "lighthouse_s": lighthouse, "pa11y_s": pa11y,
            "lighthouse_s_per_page": mean(lighthouse), "pa11y_s_per_page": mean(pa11y)}


def mean(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(sum(found) / len(found), 2) if found else None


# --- verdicts and output ---------------------------------------------------------------------

def verdicts(runs: dict[int, SweepFigures], peer: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each target of issue 8: its figure and whether it is met."""
    first, last = runs[min(runs)], runs[max(runs)]
    ceiling = scaling_ceiling(first, last.concurrency)
    found = [{"target": f"c{last.concurrency}/c{first.concurrency} portals per minute >= "
                        f"{SCALING_TARGET}", "value": round(last.portals_per_min
                                                            / first.portals_per_min, 2),
              "met": last.portals_per_min >= SCALING_TARGET * first.portals_per_min,
              "ceiling": ceiling},
             {"target": f"for reference, not a target: c{last.concurrency}/c{first.concurrency}"
                        " of the phases concurrency runs (discovery and untimed checks)",
              "value": concurrent_gain(first, last), "met": None},
             {"target": f"peak memory (PSS sum) of the c{last.concurrency} sweep < "
                        f"{MEMORY_TARGET_GIB} GiB", "value": last.peak_pss_gib,
              "met": last.peak_pss_gib < MEMORY_TARGET_GIB},
             {"target": f"for reference, not a target: peak RSS sum of the "
                        f"c{last.concurrency} sweep (shared pages once per process)",
              "value": last.peak_rss_gib, "met": None}]
    lighthouse = peer["lighthouse_s_per_page"] if peer else None
    if lighthouse and last.s_per_page:
        ratio = lighthouse / last.s_per_page
        found.insert(0, {"target": f"Lighthouse s/page / ours (c{last.concurrency}) >= "
                                   f"{PAGE_RATIO_TARGET}", "value": round(ratio, 2),
                         "met": ratio >= PAGE_RATIO_TARGET})
    else:
        found.insert(0, {"target": f"Lighthouse s/page / ours >= {PAGE_RATIO_TARGET}",
                         "value": None, "met": None})
    return found


def scaling_ceiling(first: SweepFigures, concurrency: int) -> float | None:
    """The most `concurrency` can gain over `first` (a c1 sweep): the smaller of its wall
    over the bound (timed phase plus the longest portal) and Amdahl's law with the timed
    phase serial and everything else `concurrency` times faster."""
    timed = first.phases.get("timed", 0.0)
    caps = [first.wall_s / first.bound_s] if first.bound_s else []
    if timed:
        caps.append(first.wall_s / (timed + (first.wall_s - timed) / concurrency))
    return round(min(caps), 2) if caps else None


def concurrent_gain(first: SweepFigures, last: SweepFigures) -> float | None:
    """`first`'s seconds in discovery and untimed checks over `last`'s."""
    mine, theirs = first.phases.get("untimed", 0.0), last.phases.get("untimed", 0.0)
    return round(mine / theirs, 2) if mine and theirs else None


def fmt_load(load: tuple[float, ...]) -> str:
    return "/".join(f"{x:.1f}" for x in load)


def print_table(runs: dict[int, SweepFigures], peer: dict[str, Any] | None,
                targets: list[dict[str, Any]], scale: float,
                loads: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    settings = " ".join(line for line in SCHEDULE.splitlines()[3:])
    print(f"sweep of the farm, every check family ({settings}), farm latency x{scale:g} "
          f"(server latency made the bottleneck), {os.cpu_count()} CPUs")
    head = (f"{'concurrency':>11} {'wall s':>7} {'bound s':>7} {'portals':>7} {'pages':>5} "
            f"{'portals/min':>11} {'pages/min':>9} {'s/page':>6} {'peak RSS GiB':>12} "
            f"{'PSS GiB':>7} {'exit':>4}")
    print(head)
    print("-" * len(head))
    for run in runs.values():
        per_page = f"{run.s_per_page:.2f}" if run.s_per_page else "-"
        print(f"{run.concurrency:>11} {run.wall_s:>7.1f} {run.bound_s or 0:>7.1f} {run.portals:>7} "
              f"{run.checked_pages:>5} {run.portals_per_min:>11.2f} {run.pages_per_min:>9.1f} "
              f"{per_page:>6} {run.peak_rss_gib:>12.2f} {run.peak_pss_gib:>7.2f} "
              f"{run.exit_status:>4}")
    print(f"load average (1, 5, 15 min) at the start {fmt_load(loads[0])}, at the end "
          f"{fmt_load(loads[1])}: other work on the machine slows every figure")
    if peer:
        print(f"same {len(peer['pages'])} pages: Lighthouse 12.8.2 "
              f"{peer['lighthouse_s_per_page']} s/page, pa11y 9.1.1 "
              f"{peer['pa11y_s_per_page']} s/page (one run each, own browser)")
    print("bound s: the timed phase (performance, one portal at a time) plus the longest "
          "portal's mapping and untimed step (other checks and HAR capture, side by side as "
          "its host's politeness allows); no concurrency ends sooner")
    print_phases(runs)
    for target in targets:
        mark = {True: "MET", False: "MISSED", None: "-" if target["value"] is not None
                else "not measured"}[target["met"]]
        ceiling = f" (ceiling on this farm: {target['ceiling']})" if target.get("ceiling") else ""
        print(f"  {mark:<12} {target['target']}: {target['value']}{ceiling}")


def print_phases(runs: dict[int, SweepFigures]) -> None:
    """Each phase's wall seconds per concurrency and c1's over them: which part scales."""
    first = runs[min(runs)]
    print("phases, wall s (c1's over this concurrency's): untimed is discovery and the untimed "
          "checks side by side; page visits (HAR) and storing are summed over portals:")
    for run in runs.values():
        parts = []
        for name in PHASES:
            seconds, base = run.phases.get(name, 0.0), first.phases.get(name, 0.0)
            gain = f" ({base / seconds:.2f}x)" if seconds and run is not first else ""
            parts.append(f"{name} {seconds:.1f}{gain}")
        visits, stored = run.phases.get("visits", 0), run.phases.get("stored", 0)
        steps = f"page visits (HAR) {visits:.1f}, storing {stored:.1f}"
        print(f"  c{run.concurrency}: " + ", ".join(parts) + "; " + steps)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--latency-scale", type=float, default=2.0,
                        help="multiply the farm's server latencies (default 2)")
    parser.add_argument("--copies", type=int, default=1,
                        help="serve every farm portal this many times over (default 1)")
    parser.add_argument("--peer-pages", type=int, default=4)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--only", nargs="+", default=[], help="farm agency ids (default: all)")
    parser.add_argument("--browsers", type=int, default=None,
                        help="the browser pool's size (default: the schedule default)")
    parser.add_argument("--json-out", type=Path, default=Path("out/bench-sweep.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write the JSON."""
    args = parse(argv)
    tools, skipped = (None, "--skip-peers") if args.skip_peers else peers(bench_checks())
    if skipped:
        print(skipped, file=sys.stderr)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="dvc-bench-sweep-") as name, \
            start_farm(Path(name) / "farm", args.latency_scale, args.copies) as farm:
        work = Path(name)
        runs: dict[int, SweepFigures] = {}
        for concurrency in sorted(set(args.concurrency)):
            runs[concurrency] = sweep_once(farm, work, concurrency, args)
            print(f"  concurrency {concurrency}: {runs[concurrency].wall_s:.1f} s",
                  file=sys.stderr, flush=True)
        pages = peer_pages(runs[min(runs)], args.peer_pages)
        peer = compare_peers(farm, tools, pages, work) if tools and pages else None
    targets = verdicts(runs, peer)
    load_end = os.getloadavg()
    print_table(runs, peer, targets, args.latency_scale, (load_start, load_end))
    figures = {"latency_scale": args.latency_scale, "copies": args.copies,
               "cpus": os.cpu_count(),
               "load_start": load_start, "load_end": load_end,
               "sweeps": [r.to_dict() for r in runs.values()], "peers": peer,
               "peers_skipped": skipped, "targets": targets}
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print(f"figures: {args.json_out}")
    return 0 if all(r.exit_status == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
