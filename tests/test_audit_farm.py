"""Evidence of a real farm run: sealed with a redacted HAR, verified, replayed offline with
the farm gone, exported as a bundle with a WACZ, imported elsewhere and re-scored the same."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from pathlib import Path

import pytest

from probe.audit.bundle import export, import_bundle
from probe.audit.digests import kind_of
from probe.audit.har import REDACTED
from probe.audit.manifest import manifest_row, read_manifest
from probe.audit.replay import DEFAULT_FAMILIES, replay
from probe.audit.verify import verify
from probe.context import ProbeSettings
from probe.db.store import Store, score_columns
from probe.farm import start_farm
from probe.scoring import load_rubric, score
from probe.sweep import SweepOptions, sweep

pytestmark = pytest.mark.slow
AGENCY = "tinh-binh-minh"


@dataclass
class FarmRun:
    """One farm portal probed (the replayable families), then the farm stopped."""

    store: Store
    root: Path
    run_id: str
    settings: ProbeSettings
    work: Path


@pytest.fixture(scope="module")
def farm_run(tmp_path_factory: pytest.TempPathFactory) -> FarmRun:
    work = tmp_path_factory.mktemp("audit-farm")
    store = Store(f"sqlite:///{work / 'results.db'}")
    with start_farm(work / "farm") as farm:
        agency = next(a for a in farm.agencies if a.id == AGENCY)
        settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, sample_pages=3,
                                 perf_pages=1, **farm.settings_overrides())
        options = SweepOptions(settings=settings, families=DEFAULT_FAMILIES,
                               evidence_root=work / "evidence")
        sweep_id = store.start_sweep("farm", options_json=options.to_json())  # as `probe sweep`
        outcome = sweep([agency], store, options, sweep_id)[0]
        store.finish_sweep(sweep_id)
    assert outcome.status == "completed"
    return FarmRun(store, work / "evidence", outcome.run_id, settings, work)


def test_the_run_is_sealed_with_one_redacted_har_and_verifies(farm_run: FarmRun) -> None:
    seal = manifest_row(farm_run.store, farm_run.run_id)
    document = read_manifest(farm_run.root, seal).document
    kinds = [entry["kind"] for entry in document["artifacts"]]
    assert kinds.count("har") == 1 and "screenshot" in kinds and "json" in kinds
    assert all(kind_of(e["path"]) == e["kind"] for e in document["artifacts"])
    har_path = next(e["path"] for e in document["artifacts"] if e["kind"] == "har")
    har = json.loads(gzip.decompress((farm_run.root / har_path).read_bytes()))
    entries = har["log"]["entries"]
    assert len(entries) > 10
    cookies = [c for e in entries for c in e["request"]["cookies"] + e["response"]["cookies"]]
    assert cookies and all(c["value"] == REDACTED for c in cookies)
    for entry in entries:
        for header in entry["request"]["headers"] + entry["response"]["headers"]:
            if header["name"].lower() in ("cookie", "set-cookie", "authorization"):
                assert header["value"] == REDACTED
    report = verify(farm_run.store, root=farm_run.root)
    assert report.ok and not report.findings, report.findings


def test_the_har_pages_after_the_home_page_load_side_by_side(farm_run: FarmRun) -> None:
    seal = manifest_row(farm_run.store, farm_run.run_id)
    document = read_manifest(farm_run.root, seal).document
    har_path = next(e["path"] for e in document["artifacts"] if e["kind"] == "har")
    har = json.loads(gzip.decompress((farm_run.root / har_path).read_bytes()))
    pages = har["log"]["_dvcProbePages"]
    assert len(pages) >= 3 and len(set(pages)) == len(pages)
    spans = []  # (start, end) of each visited page's document, after the home page
    for entry in har["log"]["entries"]:
        if entry["request"]["url"] in pages[1:] and \
                entry["response"]["content"].get("mimeType", "").startswith("text/html"):
            start = datetime.fromisoformat(entry["startedDateTime"]).timestamp() * 1000
            spans.append((start, start + entry["time"]))
    assert len(spans) >= 2
    assert any(a[0] < b[1] and b[0] < a[1] for a, b in combinations(spans, 2)), spans


def test_replay_offline_with_the_farm_gone_reproduces_the_browser_checks(
        farm_run: FarmRun) -> None:
    # The settings `probe replay` has on another day: the sampling and the farm's national
    # hosts come from what the sweep stored.
    report = replay(farm_run.store, farm_run.run_id, root=farm_run.root,
                    settings=ProbeSettings(allow_private=True))
    assert report.compared >= 15 and report.har_entries > 10
    assert report.identical, [d.to_dict() for d in report.differences]
    # EMC too: its five readings (the tracker's request among them) came back the same
    stored_emc = [o for o in farm_run.store.observations(farm_run.run_id) if o.check == "emc"]
    assert len(stored_emc) == 5 and all(o.outcome == "ok" and o.value for o in stored_emc)
    assert any("POST" in limit for limit in report.limits)
    assert verify(farm_run.store, root=farm_run.root).ok  # replay adds nothing to the run


def test_the_bundle_carries_a_wacz_and_rescores_identically_elsewhere(
        farm_run: FarmRun) -> None:
    bundle = farm_run.work / "bundle.zip"
    summary = export(farm_run.store, farm_run.run_id, bundle, farm_run.root)
    assert summary.wacz_pages >= 3 and summary.wacz_records > 10
    wacz = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(bundle).read("pages.wacz")))
    pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
    assert pages[0]["url"].rstrip("/") == farm_run.store.run(farm_run.run_id).final_url \
        .rstrip("/")
    elsewhere = farm_run.work / "auditor"
    elsewhere.mkdir()
    other = Store(f"sqlite:///{elsewhere / 'results.db'}")
    import_bundle(other, bundle, elsewhere / "evidence")
    assert verify(other, root=elsewhere / "evidence").ok
    rubric = load_rubric("2024")
    again = score(other.observations(farm_run.run_id), rubric)
    assert score_columns(again) == score_columns(score(
        farm_run.store.observations(farm_run.run_id), rubric))
    assert other.score(farm_run.run_id, "2024") == farm_run.store.score(farm_run.run_id, "2024")
