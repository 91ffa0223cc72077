"""`probe diff` on two real sweeps of the farm: one portal slowed down and stripped of its
dossier look-up in between shows exactly that; the untouched portal shows nothing.

What the degradation changes, and so what the diff must show:
- `set_latency` delays every answer of the portal's HTML pages (not its static files), so the
  document's TTFB and what waits for it (FCP, LCP, Speed Index) grow by the delay; TBT and CLS
  do not. TTFB is the direct measure: it must be a regression on every timed page; the others
  may be (a loaded machine can hide them in run-to-run noise), TBT and CLS never. DELAY_MS is
  beyond the rubric's full-credit TTFB (800 ms), so P5 loses points with TTFB as its evidence.
- `disable('lookup')` removes the look-up page and its menu link: F3 (the look-up items) is
  lost, and L2 loses the one standard menu section of `checks.layout.NAV_SECTIONS` it was.
Families are limited to those the degradation touches (performance, functions, layout) to keep
the test short; the others are unmeasured on both sides and so cannot change.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from typer.testing import CliRunner

from checks.layout import NAV_SECTIONS
from probe.cli import app
from probe.commands import evidence_root
from probe.context import ProbeSettings
from probe.db.store import Store
from probe.farm import Farm, start_farm
from probe.sweep import SweepOptions, sweep

# It asserts that an untouched portal shows no timing shift: it runs alone (Makefile).
pytestmark = [pytest.mark.slow, pytest.mark.timing]
DEGRADED, UNTOUCHED = "tinh-binh-minh", "bo-kinh-te-bien"
DELAY_MS = 900
FAMILIES = ("performance", "functions", "layout")
LATENCY_BOUND = {"ttfb", "fcp", "lcp", "speed_index"}  # wait for the delayed document
REQUIRED_ITEMS = {"F3", "L2", "P5"}
TIMED_ITEMS = {"P1": "fcp", "P2": "lcp", "P3": "speed_index", "P4": "tbt"}


def _sweep(farm: Farm, store: Store, options: SweepOptions) -> str:
    agencies = [a for a in farm.agencies if a.id in (DEGRADED, UNTOUCHED)]
    sweep_id = store.start_sweep("farm", schedule="test")
    sweep(agencies, store, options, sweep_id)
    store.finish_sweep(sweep_id)
    return sweep_id


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str, float]:
    """(db, sweep before, sweep after, seconds) of two sweeps with the degradation between."""
    work = tmp_path_factory.mktemp("diff-farm")
    db = f"sqlite:///{work / 'results.db'}"
    clock = time.monotonic()
    store = Store(db)
    with start_farm(work / "farm") as farm:
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                                 perf_runs=3, perf_pages=1, sample_pages=2,
                                 **farm.settings_overrides())
        options = SweepOptions(settings=settings, families=FAMILIES,
                               evidence_root=evidence_root(db), concurrency=2)
        before = _sweep(farm, store, options)
        farm.set_latency(DEGRADED, DELAY_MS)
        farm.disable(DEGRADED, "lookup")
        after = _sweep(farm, store, options)
    store.close()
    return db, before, after, time.monotonic() - clock


@pytest.fixture(scope="module")
def result(nights: tuple[str, str, str, float]) -> dict[str, Any]:
    db, before, after, _ = nights
    ran = CliRunner().invoke(app, ["diff", before, after, "--db", db, "--json"])
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.stdout)


def test_untouched_portal_shows_nothing(result: dict[str, Any]) -> None:
    assert result["compared"] == 2 and not result["only_before"] and not result["only_after"]
    changed = {a["agency_id"]: a for a in result["agencies"]}
    assert list(changed) == [DEGRADED], changed.get(UNTOUCHED)  # what moved, if anything
    assert UNTOUCHED not in {f["agency_id"] for f in result["noise_grade_changes"]}


def test_latency_shows_as_timing_regressions_only(result: dict[str, Any]) -> None:
    (degraded,) = result["agencies"]
    timing = degraded["timing"]
    assert all(t["verdict"] == "regression" for t in timing)
    assert {t["name"] for t in timing} <= LATENCY_BOUND
    ttfb = [t for t in timing if t["name"] == "ttfb"]
    assert ttfb, timing
    for shift in ttfb:  # each run slower by about the delay
        assert min(shift["runs_after"]) >= DELAY_MS > max(shift["runs_before"])


def test_lost_items_are_the_lookup_the_menu_and_server_response(result: dict[str, Any]) -> None:
    (degraded,) = result["agencies"]
    items = {i["id"]: i for i in degraded["items"]}
    assert REQUIRED_ITEMS <= set(items) <= REQUIRED_ITEMS | set(TIMED_ITEMS)
    assert all(i["change"] == "lost" for i in items.values())
    lookup = {e["name"]: e for e in items["F3"]["evidence"]}
    assert set(lookup) == {"lookup.form", "lookup.known_code", "lookup.unknown_code"}
    assert (lookup["lookup.form"]["before"], lookup["lookup.form"]["after"]) == (True, False)
    (menu,) = items["L2"]["evidence"]
    assert menu["name"] == "nav.sections"
    assert (menu["before"], menu["after"]) == (1.0, round(1 - 1 / len(NAV_SECTIONS), 3))
    assert {e["name"] for e in items["P5"]["evidence"]} == {"ttfb"}
    for item_id, name in TIMED_ITEMS.items():  # only with that metric's regression behind it
        if item_id in items:
            assert {e["name"] for e in items[item_id]["evidence"]} == {name}


def test_text_output_and_wall_time(nights: tuple[str, str, str, float]) -> None:
    db, before, after, seconds = nights
    ran = CliRunner().invoke(app, ["diff", before, after, "--db", db])
    assert ran.exit_code == 0, ran.output
    assert "2 cơ quan (agencies), 1 có thay đổi (changed)" in ran.stdout
    assert "chậm hơn (regression)" in ran.stdout and "Bộ Kinh tế Biển" not in ran.stdout
    print(f"two farm sweeps: {seconds:.1f} s")
