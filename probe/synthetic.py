"""Synthetic but realistic portal runs, for the re-scoring benchmark and judging tests.

Each synthetic portal has a fixed profile (which features it has, how fast its pages are);
each run draws fresh run-to-run timing noise around that profile, like a nightly sweep of an
unchanged portal. A `Degradation` makes a portal slower and/or changes observed facts, like a
portal that lost a page between two sweeps. Everything is seeded: the same seed gives the same
runs. Nothing here touches the network.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from probe.db.schema import RunRow, SweepRow
from probe.db.store import Store
from probe.models import Agency, Observation, ObservationValue
from probe.observations import CATALOGUE

TIMINGS = ("ttfb", "fcp", "lcp", "tbt", "cls", "speed_index")
VENDORS = ("VNPT", "Viettel", "FPT IS", "CMC", "Tự xây dựng")
# bool observations where False is the good value
GOOD_WHEN_FALSE = frozenset({"mobile.overflow_360", "mobile.overflow_320",
                             "tls.legacy_accepted"})
RATIO_STEPS = {"procedure.fields": 6, "nav.sections": 8, "footer.fields": 5,
               "headers.security": 3, "emc.snippet_pages": 5}
PAGES = ("/", "/thu-tuc-hanh-chinh", "/tra-cuu-ho-so")


@dataclass(frozen=True)
class Degradation:
    """What changed on a portal: timings multiplied by `slowdown`; facts replaced; or the
    portal did not answer at all (`unreachable`: every observation a portal error)."""

    slowdown: float = 1.0
    facts: Mapping[str, ObservationValue] = field(default_factory=dict)
    unreachable: bool = False


@dataclass(frozen=True)
class Profile:
    """A synthetic portal: its agency, fixed facts, typical timings per page, noise level."""

    agency: Agency
    facts: Mapping[str, ObservationValue]
    timings: Mapping[str, Mapping[str, float]]  # page path -> metric -> typical value
    noise: float = 0.06  # sigma of the log-normal run-to-run noise

    @property
    def pages(self) -> tuple[str, ...]:
        """The timed page paths."""
        return tuple(self.timings)


def make_profiles(count: int, seed: int = 0, timed_pages: int = 1,
                  noise: float = 0.06) -> list[Profile]:
    """`count` portal profiles of mixed quality (ministries then provinces)."""
    return [_profile(index, random.Random(f"profile:{seed}:{index}"), timed_pages, noise)
            for index in range(count)]


def _profile(index: int, rng: random.Random, timed_pages: int, noise: float) -> Profile:
    quality = rng.betavariate(4, 2)
    block = "ministry" if index % 4 == 0 else "province"
    agency = Agency(id=f"syn-{index:04d}", name=f"Cơ quan thử {index:04d}", block=block,
                    portal_url=f"https://dichvucong.syn{index:04d}.gov.vn/",
                    vendor=rng.choice(VENDORS))
    facts = {name: _fact(name, quality, rng) for name, spec in CATALOGUE.items()
             if spec.check not in ("performance", "discovery")}
    facts["availability.ok_ratio"] = 1.0 if rng.random() < 0.2 + 0.75 * quality else 0.9
    speed = math.exp(rng.gauss(0.0, 0.35)) * (1.6 - quality)
    timings = {path: _page_timings(speed * (1.0 + 0.15 * n), rng)
               for n, path in enumerate(PAGES[:max(1, timed_pages)])}
    return Profile(agency, facts, timings, noise)


def _fact(name: str, quality: float, rng: random.Random) -> ObservationValue:
    """A plausible fixed value for a non-timing observation, better with `quality`."""
    unit = CATALOGUE[name].unit
    has = rng.random() < 0.3 + 0.65 * quality
    if unit == "bool":
        return (not has) if name in GOOD_WHEN_FALSE else has
    if unit == "ratio":
        steps = RATIO_STEPS.get(name, 4)
        return round(min(steps, round(steps * quality + rng.uniform(-1, 1.5))) / steps, 4) \
            if has else round(rng.randint(0, steps // 2) / steps, 4)
    if unit == "clicks":
        return rng.choice((2, 3)) if has else rng.choice((4, 5))
    if unit == "text":
        return "TLSv1.3" if has else "TLSv1.2"
    return _count(name, has, rng)


def _count(name: str, good: bool, rng: random.Random) -> int:
    """Counts: procedures, days left, violations, injected or mixed items."""
    if name == "catalogue.procedures":
        return rng.randint(150, 2200)
    if name == "tls.cert_days_left":
        return rng.randint(20, 380)
    if name == "axe.violations":
        return rng.randint(0, 6) if good else rng.randint(5, 40)
    return 0 if good else rng.randint(1, 12)


def _page_timings(speed: float, rng: random.Random) -> dict[str, float]:
    """Typical values of one page's metrics for a portal of relative slowness `speed`."""
    fcp = 1100.0 * speed * math.exp(rng.gauss(0.0, 0.15))
    return {"ttfb": 380.0 * speed * math.exp(rng.gauss(0.0, 0.25)), "fcp": fcp,
            "lcp": fcp * rng.uniform(1.15, 1.8), "speed_index": fcp * rng.uniform(1.3, 2.0),
            "tbt": 150.0 * speed * math.exp(rng.gauss(0.0, 0.5)),
            "cls": round(rng.uniform(0.0, 0.25), 4)}


def run_observations(profile: Profile, rng: random.Random, observed_at: str, runs: int = 3,
                     degradation: Degradation | None = None) -> list[Observation]:
    """One run's observations: discovery, every fixed fact, and timed runs with medians."""
    change = degradation or Degradation()
    home = profile.agency.portal_url
    if change.unreachable:
        return _unreachable(profile, observed_at)
    found = [_obs("portal.reachable", True, home, observed_at),
             _obs("discovery.pages", rng.randint(25, 140), home, observed_at)]
    for name, value in profile.facts.items():
        value = change.facts.get(name, value)
        page = None if name == "availability.ok_ratio" else home
        found.append(_obs(name, value, page, observed_at))
    for path, typical in profile.timings.items():
        found += _timed(home.rstrip("/") + path, typical, profile.noise, change.slowdown, rng,
                        runs, observed_at)
    return found


def _unreachable(profile: Profile, observed_at: str) -> list[Observation]:
    """A run of a portal that timed out: every observation a portal error, no timed runs."""
    home = profile.agency.portal_url
    detail = "timeout: the home page did not answer within 30 s"
    found = [_obs("portal.reachable", False, home, observed_at, detail=detail)]
    names = [n for n in (*profile.facts, *TIMINGS) if n != "portal.reachable"]
    for name in names:
        spec = CATALOGUE[name]
        found.append(Observation(spec.check, name, None, spec.unit, outcome="portal_error",
                                 detail=detail, observed_at=observed_at))
    return found


def _timed(url: str, typical: Mapping[str, float], noise: float, slowdown: float,
           rng: random.Random, runs: int, observed_at: str) -> list[Observation]:
    """`runs` timed runs of one page (stat run), then the median per metric (stat median)."""
    values: dict[str, list[float]] = {name: [] for name in TIMINGS}
    found: list[Observation] = []
    for index in range(1, runs + 1):
        for name in TIMINGS:
            factor = 1.0 if name == "cls" else slowdown * math.exp(rng.gauss(0.0, noise))
            value = round(typical[name] * factor, 4 if name == "cls" else 1)
            if name == "speed_index" and rng.random() < 0.03:  # no painted frames: probe-side
                found.append(Observation("performance", name, None, "ms", page=url, stat="run",
                                         outcome="probe_error", observed_at=observed_at,
                                         detail=f"run {index}/{runs}: no screencast frames"))
                continue
            values[name].append(value)
            found.append(_obs(name, value, url, observed_at, stat="run",
                              detail=f"run {index}/{runs}"))
    for name in TIMINGS:
        ordered = sorted(values[name])
        middle = len(ordered) // 2
        median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1]
                                                           + ordered[middle]) / 2
        found.append(_obs(name, round(median, 4 if name == "cls" else 1), url, observed_at,
                          stat="median", detail=f"median of {runs} runs"))
    return found


def _obs(name: str, value: ObservationValue, page: str | None, observed_at: str,
         stat: str | None = None, detail: str = "") -> Observation:
    spec = CATALOGUE[name]
    return Observation(spec.check, name, value, spec.unit, page=page,
                       stat=stat, detail=detail, observed_at=observed_at)  # type: ignore[arg-type]


def fill_sweep(store: Store, profiles: Sequence[Profile], label: str, started_at: str,
               seed: int = 0, runs: int = 3,
               degradations: Mapping[str, Degradation] | None = None) -> str:
    """Store one synthetic sweep of every profile (not scored); returns the sweep id."""
    sweep_id = f"s-{label}"
    with store.session.begin() as session:
        session.add(SweepRow(id=sweep_id, started_at=started_at, registry_path="synthetic",
                             schedule="synthetic", status="running"))
    made: list[tuple[RunRow, list[Observation]]] = []
    for number, profile in enumerate(profiles):
        rng = random.Random(f"run:{seed}:{label}:{profile.agency.id}")
        stamp = _offset(started_at, 45 * number)
        change = (degradations or {}).get(profile.agency.id)
        found = run_observations(profile, rng, stamp, runs, change)
        status = "timeout" if change is not None and change.unreachable else "completed"
        made.append((_run_row(profile.agency, f"r-{label}-{number:05d}", sweep_id, stamp,
                              rng, status), found))
    store.save_runs(made)
    store.finish_sweep(sweep_id)
    return sweep_id


def _run_row(agency: Agency, run_id: str, sweep_id: str, started_at: str,
             rng: random.Random, status: str = "completed") -> RunRow:
    duration = round(rng.uniform(25.0, 140.0), 2)
    return RunRow(id=run_id, sweep_id=sweep_id, agency_id=agency.id, agency_name=agency.name,
                  block=agency.block, vendor=agency.vendor, url=agency.portal_url,
                  final_url=agency.portal_url, handover=None, rendered=False,
                  status=status, status_detail="", started_at=started_at,
                  finished_at=_offset(started_at, int(duration)), duration_s=duration,
                  agency_json=json.dumps(asdict(agency), ensure_ascii=False))


def _offset(stamp: str, seconds: int) -> str:
    """An ISO time `seconds` after `stamp`."""
    moment = datetime.fromisoformat(stamp).astimezone(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds")
