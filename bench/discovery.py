"""Benchmark: how long mapping each farm portal takes, against the floor politeness sets.

This prints figures and asserts nothing. The target is an overhead under 10 %.

Each farm portal (latency scale 1.0, default `Budget`) is mapped on its own by the discovery
subprocess (`python -m spiders.run`, as `probe.discovery` runs it), `--runs` times. The
farm's server-side request log says how many requests each host received. Medians are
printed.

The politeness floor is the shortest time the requests the farm received could take under
the settings, with nothing else in the way:

    floor = sum(L_host for each request before the fan-out)
            + max over hosts of pipelined(R_host, L_host, d, c)

- The fan-out starts with the first request for a page of click depth >= 1. Before it,
  every request waits for the one before: robots.txt (which must come first), the home
  page and its redirects, and the robots.txt of every host a redirect reaches.
- R_host: the requests that host received from the fan-out on. That includes pages,
  redirects and 404s. Static files are left out, because the farm serves them at once.
- L_host: the farm's configured latency per request on that host.
- d: `Budget.delay`, the minimum spacing between two requests to one host. It is a per-host
  rate, so it is not divided by the concurrency.
- c: `Budget.per_host`, the requests to one host in flight at once.

`pipelined(R, L, d, c)` is the shortest time R requests can take when starts are at least d
apart, at most c are in flight and each takes L. Request k starts at
max(start[k-1] + d, start[k-c] + L), and the last one ends L later. That works out to about
R x max(d, L / c). Waits where the frontier runs dry between click depths are not in the
floor, so they count as overhead.

- **crawl s** is the subprocess's own time for the portal: crawl, plus rendering for app
  shells. Overhead is measured against it.
- **wall s** adds the one-off start-up of the Python and Scrapy process. A sweep pays it
  once for all its portals (`discover_many`).
- **best s** is the quickest run. Other processes on the machine only ever slow a run down,
  so the best run is the least disturbed one.
- **cpu s** is the subprocess's CPU time (user + system), start-up included. On a busy
  machine the crawl waits for CPU, so the load average is printed too.

The app-shell portal is mapped in Chromium. Its time is dominated by rendering and settling
each route, which politeness does not dictate, so it is shown without a target. The broken
portal is bounded by the page timeout, so it is shown the same way.

    python bench/discovery.py [--runs 3] [--portal tinh-binh-minh ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from probe.context import ProbeSettings
from probe.discovery import build_request, wall_limit
from probe.farm import Farm, start_farm
from probe.farm.profiles import Kind
from spiders.budget import Budget

TARGET = 0.10


@dataclass(frozen=True)
class Hit:
    """One request a farm host received during a run."""

    time: float
    site: str  # farm site id
    target: str  # path and query


@dataclass
class Run:
    """One mapping of one portal."""

    crawl_s: float
    wall_s: float
    cpu_s: float
    pages: int
    requests: int
    floor_s: float


def pipelined(requests: int, latency_s: float, delay: float, concurrency: int) -> float:
    """Shortest time for `requests` requests: starts >= `delay` apart, <= `concurrency` in
    flight, each taking `latency_s`."""
    starts: list[float] = []
    for k in range(requests):
        start = starts[-1] + delay if starts else 0.0
        if k >= concurrency:
            start = max(start, starts[k - concurrency] + latency_s)
        starts.append(start)
    return starts[-1] + latency_s if starts else 0.0


def floor_s(hits: list[Hit], fan_out: int, latency_s: dict[str, float],
            budget: Budget) -> float:
    """The politeness floor of a run's requests (see the module docstring)."""
    serial = sum(latency_s[h.site] for h in hits[:fan_out])
    per_site: dict[str, int] = {}
    for hit in hits[fan_out:]:
        per_site[hit.site] = per_site.get(hit.site, 0) + 1
    parallel = [pipelined(n, latency_s[s], budget.delay, max(1, budget.per_host))
                for s, n in per_site.items()]
    return serial + max(parallel, default=0.0)


def fan_out_index(hits: list[Hit], deeper: set[tuple[str, str]]) -> int:
    """Index of the first request for a page of click depth >= 1 (len(hits) if none)."""
    return next((i for i, h in enumerate(hits) if (h.site, h.target) in deeper), len(hits))


def deeper_pages(farm: Farm, sites: tuple[str, ...], pages: list[dict[str, object]],
                 ) -> set[tuple[str, str]]:
    """(site id, path?query) of the mapped pages at click depth >= 1."""
    by_origin = {farm.site(s).origin: s for s in sites}
    found = set()
    for page in pages:
        parts = urlsplit(str(page["url"]))
        site = by_origin.get(f"{parts.scheme}://{parts.netloc}")
        if site and int(page["depth"]) >= 1:  # type: ignore[call-overload]
            found.add((site, parts.path + (f"?{parts.query}" if parts.query else "")))
    return found


def hits_since(farm: Farm, sites: tuple[str, ...], before: dict[str, int]) -> list[Hit]:
    """Requests the sites received since `before` (counts per site), static files left out."""
    hits = [Hit(t, s, target) for s in sites for t, target in farm.request_log(s)[before[s]:]
            if not target.startswith("/static/")]
    return sorted(hits, key=lambda h: h.time)


def map_once(url: str, settings: ProbeSettings, budget: Budget, folder: Path,
             ) -> tuple[float, float, float, list[dict[str, object]]]:
    """(crawl s, wall s, CPU s, pages) of one discovery subprocess for `url`."""
    request, output = folder / "request.json", folder / "output.json"
    output.unlink(missing_ok=True)
    request.write_text(json.dumps(build_request([url], settings, budget, 1)), encoding="utf-8")
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "spiders.run", str(request), str(output)],
                   capture_output=True, timeout=wall_limit(1, budget, 1), check=False)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
    result = json.loads(output.read_text(encoding="utf-8"))["results"][url]
    return float(result["notes"]["seconds"]), wall, cpu, list(result["sitemap"]["pages"])


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(farm: Farm, agency_id: str, settings: ProbeSettings, budget: Budget,
            folder: Path) -> Run:
    """Map one portal once; its times, what its hosts received and the floor of that."""
    url = next(a.portal_url for a in farm.agencies if a.id == agency_id)
    sites = (agency_id, farm.national.profile.id)
    before = {s: len(farm.request_log(s)) for s in sites}
    crawl, wall, cpu, pages = map_once(url, settings, budget, folder)
    hits = hits_since(farm, sites, before)
    fan_out = fan_out_index(hits, deeper_pages(farm, sites, pages))
    latency = {s: farm.latency_ms(s) / 1000 for s in sites}
    return Run(crawl, wall, cpu, len(pages), len(hits), floor_s(hits, fan_out, latency, budget))


def row(farm: Farm, agency_id: str, runs: list[Run]) -> dict[str, object]:
    """Medians of a portal's runs, its floor and overhead."""
    crawl = statistics.median(r.crawl_s for r in runs)
    floor = statistics.median(r.floor_s for r in runs)
    kind = farm.site(agency_id).profile.kind
    return {
        "portal": agency_id, "kind": kind.value,
        "pages": int(statistics.median(r.pages for r in runs)),
        "requests": int(statistics.median(r.requests for r in runs)),
        "latency_ms": int(farm.latency_ms(agency_id)),
        "floor_s": floor, "crawl_s": crawl, "best_s": min(r.crawl_s for r in runs),
        "wall_s": statistics.median(r.wall_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "overhead": (crawl - floor) / floor if floor and kind in TARGETED else None,
        "spread_s": max(r.crawl_s for r in runs) - min(r.crawl_s for r in runs),
    }


TARGETED = (Kind.CLASSIC, Kind.HANDOVER)


def print_table(rows: list[dict[str, object]], budget: Budget, runs: int) -> None:
    """The figures, one line per portal, then the verdict on the targeted ones."""
    print(f"discovery benchmark: Budget(delay={budget.delay}s, per_host={budget.per_host}, "
          f"max_pages={budget.max_pages}), latency scale 1.0, median of {runs} runs")
    header = (f"{'portal':<20} {'kind':<9} {'pages':>5} {'reqs':>5} {'L ms':>5} "
              f"{'floor s':>8} {'crawl s':>8} {'overhead':>9} {'best s':>7} {'spread s':>9} "
              f"{'wall s':>7} {'cpu s':>6}")
    print(header)
    print("-" * len(header))
    for r in rows:
        overhead = r["overhead"]
        shown = f"{overhead:+9.1%}" if isinstance(overhead, float) else f"{'n/a':>9}"
        print(f"{r['portal']:<20} {r['kind']:<9} {r['pages']:>5} {r['requests']:>5} "
              f"{r['latency_ms']:>5} {r['floor_s']:>8.2f} {r['crawl_s']:>8.2f} {shown} "
              f"{r['best_s']:>7.2f} {r['spread_s']:>9.2f} {r['wall_s']:>7.2f} {r['cpu_s']:>6.2f}")
    targeted = [r for r in rows if isinstance(r["overhead"], float)]
    if targeted:
        floor = sum(float(r["floor_s"]) for r in targeted)  # type: ignore[arg-type]
        crawl = sum(float(r["crawl_s"]) for r in targeted)  # type: ignore[arg-type]
        best = sum(float(r["best_s"]) for r in targeted)  # type: ignore[arg-type]
        worst = max(float(r["overhead"]) for r in targeted)  # type: ignore[arg-type]
        print(f"crawled portals together: floor {floor:.2f}s, crawl {crawl:.2f}s, overhead "
              f"{(crawl - floor) / floor:+.1%} (best runs {(best - floor) / floor:+.1%}); "
              f"worst portal {worst:+.1%} (target < {TARGET:.0%})")
    print("n/a: app shell (browser rendering) or broken portal (page timeouts); see docstring")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--portal", action="append", default=[],
                        help="farm agency id (default: every farm portal)")
    args = parser.parse_args(argv)
    budget = Budget()
    with tempfile.TemporaryDirectory(prefix="dvc-bench-") as folder, \
            start_farm(Path(folder) / "farm") as farm:
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                                 **farm.settings_overrides())
        ids = args.portal or [a.id for a in farm.agencies]
        print("load average (1, 5, 15 min) at the start: "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()), file=sys.stderr)
        rows = []
        for agency_id in ids:
            runs = [measure(farm, agency_id, settings, budget, Path(folder))
                    for _ in range(max(1, args.runs))]
            rows.append(row(farm, agency_id, runs))
            print(f"  measured {agency_id}", file=sys.stderr, flush=True)
        print_table(rows, budget, max(1, args.runs))
        print("load average (1, 5, 15 min) at the end: "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
