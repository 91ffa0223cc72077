"""Small pieces of the evidence trail: replay comparison and its HAR transport, concurrent
sealing, undecodable rows, durations, artifact kinds."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from probe.audit.digests import kind_of
from probe.audit.har import HarTransport, redact_har
from probe.audit.manifest import manifest_row, seal_after_run, seal_run
from probe.audit.replay import as_swept, compare
from probe.audit.verify import verify
from probe.commands_evidence import parse_days
from probe.context import ProbeSettings
from probe.db.store import Store, run_row
from probe.errors import UserError
from probe.models import Observation
from probe.sweep import SweepOptions
from tests.audit_helpers import AGENCY, ORIGIN, secret_har, seeded_store


def _o(name: str, value: object, page: str = "p", stat: str | None = None,
       outcome: str = "ok") -> Observation:
    return Observation("access", name, value, "count", page=page, stat=stat,
                       outcome=outcome)  # type: ignore[arg-type]


def test_compare_pairs_observations_and_names_every_difference() -> None:
    stored = [_o("axe.violations", 3), _o("axe.violations", 1, page="q"),
              _o("robots.allows", True), _o("sitemap_xml", True),
              Observation("performance", "fcp", 900.0, "ms", page="p")]
    replayed = [_o("axe.violations", 3), _o("axe.violations", 2, page="q"),
                _o("robots.allows", None, outcome="portal_error"),
                _o("page.title_lang", True)]
    compared, same, differences = compare(stored, replayed, ["access"])
    assert (compared, same) == (5, 1)  # performance is not compared
    kinds = {(d.kind, d.name, d.page) for d in differences}
    assert kinds == {("changed", "axe.violations", "q"), ("changed", "robots.allows", "p"),
                     ("missing", "sitemap_xml", "p"), ("new", "page.title_lang", "p")}


def test_har_transport_answers_from_the_recording_only() -> None:
    transport = HarTransport(redact_har(secret_har()))

    async def fetch() -> tuple[httpx.Response, str]:
        async with httpx.AsyncClient(transport=transport, follow_redirects=False) as client:
            home = await client.get(f"{ORIGIN}/")
            await home.aread()
            with pytest.raises(httpx.ConnectError, match="not in the HAR"):
                await client.get(f"{ORIGIN}/elsewhere")
            return home, home.text

    home, text = asyncio.run(fetch())
    assert home.status_code == 200 and "Cổng dịch vụ công" in text
    assert "content-encoding" not in home.headers  # bodies are stored decoded


def test_har_transport_asks_its_fallback_for_what_the_recording_lacks() -> None:
    """In a sweep step, what the visits did not record still comes from the portal."""
    asked: list[str] = []

    def portal(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return httpx.Response(404, text="không có")

    transport = HarTransport(secret_har(), fallback=httpx.MockTransport(portal))

    async def fetch() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport) as client:
            return ((await client.get(f"{ORIGIN}/")).status_code,
                    (await client.get(f"{ORIGIN}/sitemap.xml")).status_code)

    assert asyncio.run(fetch()) == (200, 404)
    assert asked == ["/sitemap.xml"]


def test_a_replay_samples_and_recognises_hosts_as_its_sweep_did(tmp_path: Path) -> None:
    """`probe replay` builds its settings from the environment of the day it runs; the
    checks must sample the pages and know the national hosts the sweep's night did."""
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    night = ProbeSettings(sample_pages=4, perf_pages=2, national_sso_hosts=("sso.gov.vn:8443",))
    swept = store.start_sweep("registry.csv", options_json=SweepOptions(
        settings=night, evidence_root=tmp_path).to_json())
    bare = store.start_sweep("registry.csv")
    broken = store.start_sweep("registry.csv", options_json='{"settings": 1}')
    today = ProbeSettings(allow_private=True, page_timeout_ms=9000)

    replayed = as_swept(store, swept, today)
    assert (replayed.sample_pages, replayed.perf_pages) == (4, 2)
    assert replayed.national_sso_hosts == ("sso.gov.vn:8443",)
    assert replayed.allow_private and replayed.page_timeout_ms == 9000  # the replay's own
    for unknown in (bare, broken, None):
        assert as_swept(store, unknown, today) == today


def test_concurrent_sealing_keeps_one_unbroken_chain(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    root = tmp_path / "evidence"
    sweep_id = store.start_sweep("x", sweep_id="s-par")
    ids = [f"r-par-{i}" for i in range(8)]
    for run_id in ids:
        store.save_run(run_row(AGENCY, run_id, sweep_id, status="completed",
                               started_at="2026-01-01T00:00:00+00:00"), None,
                       [Observation("discovery", "portal.reachable", True, "bool")])
    writers = [Store(store.url) for _ in range(3)]  # three writers, as three machines

    def seal(index: int) -> None:
        seal_run(writers[index % 3], root, ids[index])

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(seal, range(len(ids))))
    seals = sorted((manifest_row(store, r) for r in ids), key=lambda s: s.seq)
    assert [s.seq for s in seals] == list(range(1, 9))
    assert verify(store, root=root).ok


def test_sealing_failure_is_logged_not_raised(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    store.save_run(run_row(AGENCY, "r-1", None, status="completed", started_at="t"), None, [])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence root should be")
    assert seal_after_run(store, blocker, "r-1") is None
    assert {f.kind for f in verify(store, root=tmp_path / "evidence").findings} == \
        {"run_unsealed"}


def test_an_undecodable_row_is_reported_not_crashed(tmp_path: Path) -> None:
    store, root, runs = seeded_store(tmp_path, runs=1)
    db = sqlite3.connect(tmp_path / "results.db")
    db.execute("update observations set detail = cast(x'c328' as text) where id = 3")
    db.commit()
    db.close()
    problems = verify(store, root=root).problems
    assert [(f.kind, f.subject) for f in problems] == [("observation_edited",
                                                        "rows unreadable")]


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("30", 30),
                                            ("1.5 days", 1.5)])
def test_durations(text: str, days: float) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["", "soon", "-3d", "3m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UserError):
        parse_days(text)


def test_artifact_kinds() -> None:
    assert [kind_of(p) for p in ("a/x.jpg", "a/x.har.gz", "a/x.trace.zip", "a/x.json",
                                 "a/x.pem", "a/x.txt", "a/x.manifest.json", "a/x.bin")] == \
        ["screenshot", "har", "trace", "json", "certificate", "text", "manifest", "other"]
