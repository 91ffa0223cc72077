"""Benchmark: re-score 1,000 stored portal runs (target: under 10 s on a 2-core machine).

Fills a temporary SQLite database with synthetic but realistic runs (`probe.synthetic`:
100 agencies x 10 nightly sweeps by default, about 76 observations per run, timed runs
included, 2 % of runs unreachable), then re-scores all of them with
`probe.rescoring.rescore` several times and prints the median wall time (and CPU time,
which is steadier on a busy machine).

"cold": no stored score under the rubric (every score written);
"warm": every stored score already identical (nothing rewritten).
Then the peak memory of one warm re-scoring, in a process of its own: it follows the chunk
(`probe.rescoring.CHUNK_RUNS`), not the store (`--agencies 51 --sweeps 365`: a year of
nightly sweeps).

    python bench/rescore.py [--agencies 100] [--sweeps 10] [--repeat 5] [--rubric 2024]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from pathlib import Path

from sqlalchemy import delete

from probe.db import Store
from probe.db.schema import ScoreRow
from probe.rescoring import RescoreSummary, rescore
from probe.scoring import load_rubric
from probe.synthetic import Degradation, fill_sweep, make_profiles

UNREACHABLE_SHARE = 0.02  # runs whose portal timed out (every observation a portal error)


def fill(store: Store, agencies: int, sweeps: int, seed: int) -> int:
    """Store `sweeps` synthetic sweeps of `agencies` portals; returns the observation count."""
    profiles = make_profiles(agencies, seed=seed)
    rng = random.Random(seed)
    for night in range(sweeps):
        down = {p.agency.id: Degradation(unreachable=True) for p in profiles
                if rng.random() < UNREACHABLE_SHARE}
        fill_sweep(store, profiles, f"bench{night:03d}",
                   f"2024-05-{1 + night % 28:02d}T18:00:00+00:00", seed=seed,
                   degradations=down)
    return sum(len(found) for found in store.observations_by_run().values())


def timed(store: Store, rubric: str, cold: bool) -> tuple[float, float, RescoreSummary]:
    """(wall s, CPU s, summary) of one re-scoring; `cold` deletes the rubric's scores first."""
    if cold:
        with store.session.begin() as session:
            session.execute(delete(ScoreRow).where(ScoreRow.rubric == rubric))
    wall, cpu = time.perf_counter(), time.process_time()
    summary = rescore(store, rubric)
    return time.perf_counter() - wall, time.process_time() - cpu, summary


def _rescore_once(url: str, rubric: str, answer: Queue[int]) -> None:
    rescore(Store(url), rubric)
    status = Path("/proc/self/status").read_text(encoding="ascii")
    answer.put(int(status.split("VmHWM:")[1].split()[0]))  # kB, this program's own peak


def peak_rss_mb(url: str, rubric: str) -> float:
    """Peak resident memory of a fresh Python process that re-scores the store once (its
    VmHWM: getrusage would count the benchmark's own memory, copied at fork before exec)."""
    context = multiprocessing.get_context("spawn")
    answer: Queue[int] = context.Queue()
    child = context.Process(target=_rescore_once, args=(url, rubric, answer))
    child.start()
    peak_kb = answer.get()
    child.join()
    return peak_kb / 1024


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--sweeps", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rubric", default="2024")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    version = load_rubric(args.rubric).version
    with tempfile.TemporaryDirectory(prefix="probe-bench-") as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        started = time.perf_counter()
        observations = fill(store, args.agencies, args.sweeps, args.seed)
        runs = args.agencies * args.sweeps
        print(f"filled {runs} runs, {observations} observations "
              f"({observations / runs:.1f} per run) in {time.perf_counter() - started:.1f} s")
        for label, cold in (("cold", True), ("warm", False)):
            results = [timed(store, version, cold) for _ in range(args.repeat)]
            _report(label, runs, results)
        store.close()
        print(f"peak memory of one warm re-scoring in a process of its own: "
              f"{peak_rss_mb(store.url, version):.0f} MB")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cpus {os.cpu_count()}, load average {load:.1f}, python {sys.version.split()[0]}")
    return 0


def _report(label: str, runs: int, results: list[tuple[float, float, RescoreSummary]]) -> None:
    walls = [w for w, _, _ in results]
    cpus = [c for _, c, _ in results]
    last = results[-1][2]
    phases = {k: statistics.median(r[2].seconds[k] for r in results)
              for k in ("load", "score", "write")}
    print(f"{label}: rescore {runs} runs under {last.rubric}: median wall "
          f"{statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}; "
          f"{len(walls)} repetitions), median CPU {statistics.median(cpus):.2f} s; "
          f"phases load {phases['load']:.2f} / score {phases['score']:.2f} / "
          f"write {phases['write']:.2f} s; written {last.written}, unchanged {last.unchanged}; "
          f"grades {last.grades}")


if __name__ == "__main__":
    raise SystemExit(main())
