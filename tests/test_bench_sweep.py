"""bench/sweep.py's reading of a sweep log (the timed phase, the longest portal's chain, the
phases) and its verdicts."""

import asyncio
import logging
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench_helpers import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("sweep")


def test_the_timed_seconds_and_the_longest_chain_from_the_sweeps_own_log_lines(
        bench: ModuleType, tmp_path: Path) -> None:
    from probe import discovery, sweep

    log = tmp_path / "sweep.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    for logger in (sweep.log, discovery.log):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:  # the messages probe.discovery and probe.sweep write for each portal
        discovery.log.info("discovered %s: %d pages in %ss %s", "https://a/", 30, 2.0, "")
        discovery.log.info("discovered %s: %d pages in %ss %s", "https://b/", 27, 9.0, "")
        for families, portal, seconds in [("functions+access+security", "https://a/", 8.5),
                                          ("performance", "https://a/", 10.0),
                                          ("functions+access", "https://b/", 6.0),
                                          ("performance", "https://b/", 12.5)]:
            sweep.log.info(sweep.CHECK_MESSAGE, families.split("+")[0], portal, 1.0)
            sweep.log_step(tuple(families.split("+")), portal, seconds)
        sweep.log.warning("check %s on %s exceeded %.3g s", "access", "https://b/", 240)
        sweep.log.info(sweep.VISITS_MESSAGE, "https://a/", 1.5)
    finally:
        for logger in (sweep.log, discovery.log):
            logger.removeHandler(handler)
        handler.close()
    found = bench.read_log(log)
    # a: 2 mapping + 8.5 for its untimed step (HAR within); b: 9 mapping + 6, the longer chain
    assert (found.timed_s, found.longest_chain_s) == (22.5, 15.0)
    assert found.phases["visits"] == 1.5


def test_the_ceiling_is_c1s_wall_over_its_bound(bench: ModuleType) -> None:
    def figures(concurrency: int, wall: float) -> object:
        return bench.SweepFigures(concurrency, wall, 7, 7, 70, 1.0, 0.5, 0, timed_s=100.0,
                                  longest_chain_s=50.0)
    found = bench.verdicts({1: figures(1, 600.0), 4: figures(4, 200.0)}, None)
    scaling = next(t for t in found if t["target"].startswith("c4/c1"))
    assert scaling["value"] == 3.0 and scaling["met"] and scaling["ceiling"] == 4.0
    memory = [t for t in found if "memory" in t["target"] or "RSS" in t["target"]]
    assert [t["met"] for t in memory] == [True, None]


def test_phase_seconds_from_the_sweeps_own_phase_lines(bench: ModuleType, tmp_path: Path) -> None:
    from probe import sweep

    async def phases() -> None:
        for name in ("untimed", "timed", "untimed", "timed"):
            async with sweep._phase(name, 4):
                await asyncio.sleep(0.2)

    log = tmp_path / "sweep.log"
    handler = logging.FileHandler(log, encoding="utf-8")
    sweep.log.addHandler(handler)
    sweep.log.setLevel(logging.INFO)
    try:  # two batches; the per-portal steps probe.sweep logs inside them
        asyncio.run(phases())
        sweep.log.info(sweep.VISITS_MESSAGE, "https://a/", 1.5)
        sweep.log.info(sweep.VISITS_MESSAGE, "https://b/", 2.0)
        sweep.log.info("stored %s: %.1f s", "https://a/", 0.4)
    finally:
        sweep.log.removeHandler(handler)
        handler.close()
    found = bench.read_log(log).phases
    assert found["visits"] == 3.5 and found["stored"] == 0.4
    assert found["timed"] >= 0.4 and found["untimed"] >= 0.4  # two batches each, summed
    assert set(found) == {"untimed", "timed", "visits", "stored"}


def test_the_ceiling_takes_amdahls_law_with_the_timed_phase_serial(bench: ModuleType) -> None:
    phases = {"untimed": 800.0, "timed": 200.0}
    first = bench.SweepFigures(1, 1000.0, 14, 14, 190, 1.0, 0.5, 0, timed_s=200.0,
                               longest_chain_s=100.0, phases=phases)
    # the bound allows 1000 / 300 = 3.33; Amdahl 1000 / (200 + 800 / 4) = 2.5
    assert bench.scaling_ceiling(first, 4) == 2.5
    last = bench.SweepFigures(4, 450.0, 14, 14, 190, 1.5, 1.0, 0, timed_s=200.0,
                              longest_chain_s=100.0,
                              phases={"untimed": 250.0, "timed": 200.0})
    assert bench.concurrent_gain(first, last) == 3.2
    found = bench.verdicts({1: first, 4: last}, None)
    reference = next(t for t in found if "phases concurrency runs" in t["target"])
    assert reference["value"] == 3.2 and reference["met"] is None


FLAGS_JS = """export const DEFAULT_FLAGS = [
    '--disable-features=' +
        [
            // Disable built-in Google Translate service
            'Translate',
            // Disables "Enhanced ad privacy in Chrome" dialog (it shouldn't show up)
            'MediaRouter',
            'RenderDocument',
        ].join(','),
    // Disable all chrome extensions
    '--disable-extensions',
];
"""


def test_lighthouse_gets_one_disable_features_with_chrome_launchers_list_added(
        bench: ModuleType, tmp_path: Path) -> None:
    helpers = bench.bench_checks()
    (tmp_path / "flags.js").write_text(FLAGS_JS, encoding="utf-8")
    assert helpers.launcher_disabled_features(tmp_path / "flags.js") == [
        "Translate", "MediaRouter", "RenderDocument"]
    assert helpers.launcher_disabled_features(tmp_path / "missing.js") == []

    flags = helpers.lighthouse_chrome_flags(tmp_path / "flags.js").split()
    switches = [f for f in flags if f.startswith("--disable-features=")]
    assert len(switches) == 1  # Chromium would keep only the last one
    features = switches[0].split("=", 1)[1].split(",")
    assert {"Translate", "RenderDocument", "PaintHolding"} <= set(features)
    assert features.count("MediaRouter") == 1  # in both lists, named once
    assert "--no-proxy-server" in flags
