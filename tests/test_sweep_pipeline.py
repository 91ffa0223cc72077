"""A sweep maps and checks each portal in one slot: its untimed checks begin before the
last portal is mapped, the timed checks come after every untimed one, one portal at a time,
and a run's stored duration leaves out its wait for that turn (real farm, Scrapy, Chromium)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from probe.context import ProbeSettings
from probe.db.store import Store
from probe.farm import start_farm
from probe.models import Agency
from probe.sweep import SweepOptions, ended, sweep
from spiders.budget import Budget

pytestmark = pytest.mark.slow

PORTALS = ("tinh-binh-minh", "tinh-lam-giang", "bo-kinh-te-bien")


def test_checks_start_before_the_last_portal_is_mapped_and_timed_checks_come_last(
        tmp_path: Path) -> None:
    events: list[tuple[str, str, float]] = []

    def progress(agency: Agency, stage: str) -> None:
        events.append((agency.id, stage, time.monotonic()))

    with start_farm(tmp_path / "farm") as farm:
        agencies = [a for a in farm.agencies if a.id in PORTALS]
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                                 perf_pages=1, perf_runs=3, **farm.settings_overrides())
        options = SweepOptions(settings=settings, families=("security", "performance"),
                               evidence_root=tmp_path / "evidence", concurrency=2,
                               budget=Budget(max_pages=8, time_limit=20))
        store = Store(f"sqlite:///{tmp_path / 'results.db'}")
        outcomes = sweep(agencies, store, options, progress=progress)
        store.close()

    assert [o.status for o in outcomes] == ["completed"] * 3
    stages = [(agency_id, stage) for agency_id, stage, _ in events]
    started = [agency_id for agency_id, stage in stages if stage == "discover"]
    assert sorted(started) == sorted(a.id for a in agencies)  # the start order is the sweep's
    first_check = stages.index(next(s for s in stages if s[1] == "security"))
    assert stages.index((started[2], "discover")) > first_check  # a slot freed up first
    last_untimed = max(i for i, s in enumerate(stages) if s[1] == "security")
    timed = [i for i, s in enumerate(stages) if s[1] == "performance"]
    assert len(timed) == 3 and min(timed) > last_untimed
    for index in timed:  # one portal at a time: each is stored before the next one's turn
        agency_id = stages[index][0]
        assert stages[index + 1:index + 3] == [(agency_id, ended("performance")),
                                               (agency_id, "done")]
    for agency_id, stage in stages:  # each family's end is reported, before its portal's done
        if stage in options.families:
            done = stages.index((agency_id, "done"))
            assert (agency_id, ended(stage)) in stages[stages.index((agency_id, stage)):done]

    first = started[0]
    span = (next(t for a, s, t in events if (a, s) == (first, "done"))
            - next(t for a, s, t in events if (a, s) == (first, "discover")))
    duration = next(o.duration_s for o in outcomes if o.agency.id == first)
    assert 0 < duration < span - 1.0  # it waited for the third portal's map and checks
