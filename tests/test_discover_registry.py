"""`probe discover --registry`: every portal of a registry mapped by the real crawler, each map
stored apart from sweeps and runs, and compared with the agency's previous map."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from probe import mapping, registry
from probe.cli import app
from probe.commands_discovery import print_history
from probe.console import plain_console
from probe.context import ProbeSettings
from probe.db import Store
from probe.db.discoveries import previous_map, prune_maps, save_map, stored_maps
from probe.db.schema import DiscoveryRow
from probe.errors import UserError
from probe.farm import Farm, start_farm
from probe.farm.cli import env_lines
from probe.mapping import EXPECTED_TYPES, MappedPortal
from probe.models import Agency, PageInfo, SiteMap
from probe.retry import RetryPolicy
from probe.sweep import SweepOptions
from tests.test_discovery_farm import offered_types

AGENCY = Agency(id="tinh-x", name="Tỉnh X", block="province", portal_url="https://x.gov.vn/")


def site_map(*paths: str, error: str | None = None) -> SiteMap:
    return SiteMap(portal=AGENCY.portal_url, error=error, pages=[
        PageInfo(url=f"https://x.gov.vn{path}", type="catalogue" if "tthc" in path else "home",
                 depth=index) for index, path in enumerate(paths)])


def test_the_previous_map_is_the_newest_complete_one_of_another_batch(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    save_map(store, "d-1", AGENCY, site_map("/", "/tthc"), "completed", "2026-11-01T01:00:00+00:00")
    save_map(store, "d-2", AGENCY, site_map(error="timeout"), "timeout",
             "2026-11-02T01:00:00+00:00")
    save_map(store, "d-3", AGENCY, site_map("/", "/tthc", "/hoi-dap"), "completed",
             "2026-11-03T01:00:00+00:00")
    assert [m.batch_id for m in stored_maps(store, AGENCY.id)] == ["d-1", "d-2", "d-3"]
    assert previous_map(store, AGENCY.id, "d-4").batch_id == "d-3"  # type: ignore[union-attr]
    assert previous_map(store, AGENCY.id, "d-3").batch_id == "d-1"  # type: ignore[union-attr]
    assert previous_map(store, "another", "d-4") is None
    # nothing a run, a rank or a trend reads
    assert store.runs() == [] and store.agencies() == []


def test_changes_are_the_pages_added_and_removed_since_the_previous_map(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    save_map(store, "d-1", AGENCY, site_map("/", "/tthc", "/cu"), "completed", "t1")
    portal = MappedPortal(AGENCY, site_map("/", "/tthc", "/moi"), "completed", "", "t2",
                          previous_map(store, AGENCY.id, "d-2"))
    assert portal.changes() == (["https://x.gov.vn/moi"], ["https://x.gov.vn/cu"])
    assert portal.missing_types() == [t for t in EXPECTED_TYPES if t != "catalogue"]
    failed = MappedPortal(AGENCY, site_map(error="dns_error"), "dns_error", "", "t2",
                          previous_map(store, AGENCY.id, "d-2"))
    assert failed.changes() is None and failed.missing_types() == []
    first = MappedPortal(AGENCY, site_map("/"), "completed", "", "t2", None)
    assert first.changes() is None and first.to_dict()["since"] is None


def test_a_stored_batch_reads_as_it_was_printed_whatever_came_after(tmp_path: Path) -> None:
    """Read again, a batch keeps its registry order, its registry's word on each URL, and
    its comparison with the map before it, not with a later one."""
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    other = replace(AGENCY, id="bo-y", name="Bộ Y", block="ministry", confirmed=True)
    save_map(store, "d-1", AGENCY, site_map("/", "/cu"), "completed", "t1", source="a.csv")
    # d-2 stored its maps in the order they arrived, the registry's second agency first
    save_map(store, "d-2", other, site_map("/"), "completed", "t2", source="a.csv", position=1)
    save_map(store, "d-2", AGENCY, site_map("/", "/moi"), "completed", "t3", source="a.csv",
             position=0)
    save_map(store, "d-3", AGENCY, site_map("/", "/moi", "/sau"), "completed", "t4")
    source, (first, second) = mapping.stored_batch(store, "d-2")
    assert source == "a.csv" and [first.agency.id, second.agency.id] == [AGENCY.id, "bo-y"]
    assert first.changes() == (["https://x.gov.vn/moi"], ["https://x.gov.vn/cu"])  # not d-3
    assert second.previous is None and second.agency.confirmed
    assert not first.agency.confirmed and first.to_dict()["block"] == "province"
    assert mapping.stored_batch(store, "d-9") == ("", [])


def test_an_agency_s_map_history_names_the_pages_it_lost_and_gained(tmp_path: Path) -> None:
    """Each stored map against the complete one before it (a failed map in between is
    skipped); found by id or by name in any case; --json without the maps themselves."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(db)
    save_map(store, "d-1", AGENCY, site_map("/", "/tthc", "/tra-cuu-ho-so"), "completed",
             "2026-11-01T01:00:00+00:00")
    save_map(store, "d-1", replace(AGENCY, id="bo-y", name="Bộ Y"), site_map("/"), "completed",
             "2026-11-01T01:02:00+00:00")
    save_map(store, "d-2", AGENCY, site_map(error="timeout"), "timeout",
             "2026-11-02T01:00:00+00:00", detail="no answer in 30 s")
    save_map(store, "d-3", AGENCY, site_map("/", "/tthc", "/tra-cuu"), "completed",
             "2026-11-03T01:00:00+00:00")
    history = mapping.agency_history(store, AGENCY.id)
    assert [(m.batch_id, m.previous and m.previous.batch_id) for m in history] == [
        ("d-1", None), ("d-2", "d-1"), ("d-3", "d-1")]
    assert history[2].changes() == (["https://x.gov.vn/tra-cuu"], ["https://x.gov.vn/tra-cuu-ho-so"])
    console = plain_console(record=True, width=300)  # the CLI's width depends on its output
    print_history(console, history)
    text = console.export_text()
    assert "Tỉnh X (tinh-x) — 3 sơ đồ đã lưu" in text and "no answer in 30 s" in text
    assert "+1 / −1 trang (pages):" in text and "−/tra-cuu-ho-so +/tra-cuu " in text
    runner = CliRunner()
    assert runner.invoke(app, ["discover", "--history", AGENCY.id, "--db", db]).exit_code == 0
    plain = runner.invoke(app, ["discover", "--history", "TINH  X", "--db", db, "--json"])
    assert json.loads(plain.output)["agency_id"] == AGENCY.id  # no diacritics, as trend
    by_name = runner.invoke(app, ["discover", "--history", "tỉnh x", "--db", db, "--json"])
    document = json.loads(by_name.output)
    assert document["agency_id"] == AGENCY.id
    assert [m["batch_id"] for m in document["maps"]] == ["d-1", "d-2", "d-3"]
    assert document["maps"][2]["since"]["removed"] == ["https://x.gov.vn/tra-cuu-ho-so"]
    assert all("sitemap" not in m for m in document["maps"])
    newest = json.loads(runner.invoke(app, ["discover", "--history", AGENCY.id, "--db", db,
                                            "--json", "--last", "1"]).output)
    assert [m["batch_id"] for m in newest["maps"]] == ["d-3"] and newest["older_maps"] == 2
    assert newest["maps"][0]["since"]["removed"] == ["https://x.gov.vn/tra-cuu-ho-so"]
    print_history(console, history[-2:], older=1)
    assert "— 2 sơ đồ gần nhất / 3" in console.export_text()
    unknown = runner.invoke(app, ["discover", "--history", "tinh-xx", "--db", db]).exception
    assert isinstance(unknown, UserError) and "did you mean): tinh-x" in str(unknown)


def stored_rows(store: Store) -> list[DiscoveryRow]:
    with store.session() as session:
        return list(session.scalars(select(DiscoveryRow)))


def test_pruning_maps_keeps_what_the_next_batch_compares_with(tmp_path: Path) -> None:
    """Maps stored before the cutoff go, except each agency's newest complete one; a dry run
    and the command's --json count the same maps and remove nothing."""
    db = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(db)
    other = replace(AGENCY, id="bo-y", name="Bộ Y", block="ministry")
    now = datetime.now(UTC)
    old, recent = ((now - timedelta(days=d)).isoformat(timespec="seconds") for d in (100, 10))
    for batch, at in (("d-1", old), ("d-2", old), ("d-3", recent)):
        save_map(store, batch, AGENCY, site_map("/", f"/{batch}"), "completed", at)
    save_map(store, "d-1", other, site_map("/"), "completed", old)  # its newest complete map
    save_map(store, "d-2", other, site_map(error="timeout"), "timeout", old)
    before = [(m.batch_id, m.agency_id) for m in stored_maps(store)]
    runner = CliRunner()
    dry = runner.invoke(app, ["prune", "--maps-older-than", "90d", "--dry-run", "--json",
                              "--db", db])
    assert json.loads(dry.output)["maps"]["maps"] == 3, dry.output
    assert [(m.batch_id, m.agency_id) for m in stored_maps(store)] == before
    done = runner.invoke(app, ["prune", "--maps-older-than", "90d", "--db", db])
    assert done.exit_code == 0 and "Đã xoá (removed) 3 sơ đồ" in done.output, done.output
    assert [(m.batch_id, m.agency_id) for m in stored_maps(store)] == [
        ("d-1", "bo-y"), ("d-3", AGENCY.id)]
    assert prune_maps(store, now.isoformat(timespec="seconds")) == (0, 0)  # all newest now
    from probe.db.discoveries import _delete_rows

    for index in range(5):
        save_map(store, f"d-9{index}", AGENCY, site_map("/"), "timeout", old)
    ids = [row.id for row in stored_rows(store) if row.batch_id.startswith("d-9")]
    _delete_rows(ids, store, chunk=2)  # three statements, as a year of maps takes many
    assert [m.batch_id for m in stored_maps(store)] == ["d-1", "d-3"]
    bare = runner.invoke(app, ["prune", "--db", db]).exception
    assert isinstance(bare, UserError) and "--maps-older-than" in str(bare)


class FlakyCrawler:
    """Stands in for the crawler process: refuses each portal's first visit, maps the next."""

    def __init__(self, *_: object) -> None:
        self.asked: list[str] = []

    async def __aenter__(self) -> FlakyCrawler:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def discover(self, url: str) -> SiteMap:
        self.asked.append(url)
        if self.asked.count(url) == 1:
            return SiteMap(portal=url, error="connection_refused")
        return SiteMap(portal=url, pages=[PageInfo(url=url, type="home", depth=0)])


def test_a_transient_failure_is_tried_again_as_in_a_sweep(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapping, "CrawlerSession", FlakyCrawler)
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    stages: list[str] = []
    options = SweepOptions(settings=ProbeSettings(loopback_only=False),  # reaches nothing
                           retry=RetryPolicy(max_attempts=3, backoff_s=0.01))
    batch_id, (portal,) = asyncio.run(mapping.map_registry(
        [AGENCY], options, store, lambda _agency, stage: stages.append(stage)))
    assert portal.mapped and "2 lần thử (attempts): connection_refused, completed" in portal.detail
    assert stages == ["discover", "retry", "discover", "done"]
    (stored,) = stored_maps(store, batch_id=batch_id)
    assert stored.status == "completed" and stored.detail == portal.detail


# --- end to end: the command, the real crawler, the farm ---------------------------------

SUBSET = ("tinh-binh-minh", "bo-kinh-te-bien", "tinh-phu-an")


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with start_farm(tmp_path_factory.mktemp("farm")) as running:
        yield running


def discover(farm: Farm, work: Path, agencies: list[Agency], *extra: str,
             ) -> subprocess.CompletedProcess[str]:
    path = registry.write(work / f"registry-{len(agencies)}.csv", agencies)
    env = {**os.environ, **dict(line.split("=", 1) for line in env_lines(farm)), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "probe.cli", "discover", "--registry", str(path), "--db",
         f"sqlite:///{work / 'r.db'}", "--ca-file", farm.ca_file, "--allow-private", *extra],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_registry_is_mapped_stored_and_compared_with_its_last_map(farm: Farm,
                                                                    tmp_path: Path) -> None:
    chosen = [a for a in farm.agencies if a.id in SUBSET]
    # a portal URL that answers 404: a failure no retry cures (a 500 would be tried again)
    gone = replace(chosen[0], id="bo-da-doi-dia-chi", name="Bộ Đã Đổi Địa Chỉ",
                   portal_url=chosen[0].portal_url + "cong-cu/")
    first = discover(farm, tmp_path, [*chosen, gone], "--json")
    assert first.returncode == 3, first.stderr
    document = json.loads(first.stdout)
    portals = {p["agency_id"]: p for p in document["portals"]}
    assert list(portals) == [a.id for a in [*chosen, gone]]  # registry order
    assert portals[gone.id]["status"] == "http_error" and portals[gone.id]["since"] is None
    for agency_id in SUBSET:
        mapped = portals[agency_id]
        assert mapped["status"] == "completed" and mapped["since"] is None
        assert mapped["pages"] == len(mapped["sitemap"]["pages"]) > 1
    # what a portal lacks is what the farm left out of it
    for agency_id in ("tinh-binh-minh", "bo-kinh-te-bien"):
        lacking = [t for t in EXPECTED_TYPES if t not in offered_types(farm, agency_id)]
        assert portals[agency_id]["missing_types"] == lacking
    assert portals["bo-kinh-te-bien"]["missing_types"]  # the B portal lacks some pages
    assert portals["tinh-phu-an"]["sitemap"]["handover"]  # the national stand-in's pages

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    assert len(stored_maps(store, batch_id=document["batch_id"])) == len(SUBSET) + 1
    assert store.runs() == []  # a map is not a run: show, rank and trend see nothing

    assert all(portals[a.id]["confirmed"] is a.confirmed is False for a in chosen)

    confirmed = replace(chosen[0], confirmed=True)
    again = discover(farm, tmp_path, [confirmed, chosen[2]])  # as a table
    assert again.returncode == 0, again.stderr
    assert "Tỉnh Bình Minh †" not in again.stdout and "Tỉnh Phú An †" in again.stdout
    assert "URL unconfirmed in the registry): 1 cổng, lập được sơ đồ (mapped) 1" in again.stdout
    assert again.stdout.count("không đổi (unchanged)") == 2
    assert "Traceback" not in again.stderr + first.stderr
    assert len(stored_maps(store, "tinh-binh-minh")) == 2
    assert len(stored_maps(store, "tinh-phu-an")) == 2

    # read again from the store, no network: what each call printed
    assert json.loads(stored(tmp_path, document["batch_id"], "--json").stdout) == document
    latest = stored(tmp_path, "latest")
    assert latest.returncode == 0 and latest.stdout == again.stdout, latest.stderr
    unknown = stored(tmp_path, "d-khong-co")
    assert unknown.returncode == 2 and document["batch_id"] in unknown.stderr
    assert "Traceback" not in latest.stderr + unknown.stderr


def stored(work: Path, batch: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`probe discover --stored BATCH` with no farm settings at all."""
    return subprocess.run(
        [sys.executable, "-m", "probe.cli", "discover", "--stored", batch, "--db",
         f"sqlite:///{work / 'r.db'}", *extra], cwd=work, capture_output=True, text=True,
        env={**os.environ, "COLUMNS": "250"}, timeout=120)


@pytest.mark.slow
def test_a_schedule_maps_with_its_own_discovery_budget_whatever_its_window(
        farm: Farm, tmp_path: Path) -> None:
    """`--schedule` maps as a sweep of it would (here: at most 8 pages a portal), and its
    time window, closed now, does not stop a discovery asked for by hand."""
    agency = next(a for a in farm.agencies if a.id == "tinh-binh-minh")
    now = datetime.now(UTC) + timedelta(hours=7)  # the schedule's window is Vietnam's time
    start, end = ((now + timedelta(hours=h)).strftime("%H:%M") for h in (2, 3))
    schedule = tmp_path / "maps.yaml"
    schedule.write_text(
        f"name: maps\nagencies:\n  - {{id: {agency.id}, name: {agency.name}, block: province, "
        f"portal_url: '{agency.portal_url}'}}\nallow_private: true\nconcurrency: 1\n"
        f"window: {{start: '{start}', end: '{end}'}}\n"
        "discovery: {max_pages: 8, time_limit_s: 30}\n", encoding="utf-8")
    env = {**os.environ, **dict(line.split("=", 1) for line in env_lines(farm))}
    done = subprocess.run(
        [sys.executable, "-m", "probe.cli", "discover", "--schedule", str(schedule), "--db",
         f"sqlite:///{tmp_path / 'r.db'}", "--ca-file", farm.ca_file, "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (portal,) = json.loads(done.stdout)["portals"]
    assert portal["status"] == "completed" and portal["pages"] == 8
    assert portal["sitemap"]["stopped_by"] == "max_pages"
