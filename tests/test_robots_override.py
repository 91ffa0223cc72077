"""robots.txt is obeyed, unless an operator lifts it for its own portal (`--ignore-robots` on
`probe check` and `probe discover URL`, `ignore_robots: true` in a schedule of inline
agencies, never for a registry); the run then says so."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.discovery import crawl_summary
from probe.farm.faults import FAULTS, FaultFarm
from probe.models import SiteMap
from spiders.budget import Budget
from spiders.settings import scrapy_settings


def probe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probe.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def shut_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Tỉnh Bế Quan: its robots.txt disallows everything."""
    chosen = tuple(f for f in FAULTS if f.id == "tinh-be-quan")
    with FaultFarm(tmp_path_factory.mktemp("faults"), chosen) as farm:
        yield farm.agencies[0].portal_url


def test_the_crawler_obeys_robots_txt_unless_told() -> None:
    assert scrapy_settings(Budget(), "ua")["ROBOTSTXT_OBEY"] is True
    assert scrapy_settings(Budget(), "ua", obey_robots=False)["ROBOTSTXT_OBEY"] is False
    summary = crawl_summary(SiteMap(portal="https://x.gov.vn/", robots_ignored=True))
    assert summary == "stopped by nothing; robots.txt ignored (the operator's own portal)"


def test_discovery_maps_a_portal_that_shuts_robots_out_only_when_lifted(
        shut_out: str, tmp_path: Path) -> None:
    obeyed = probe("discover", shut_out, "--allow-private", "--json", cwd=tmp_path)
    assert obeyed.returncode == 3 and json.loads(obeyed.stdout)["error"] == "blocked"
    assert "robots.txt" not in obeyed.stderr
    lifted = probe("discover", shut_out, "--allow-private", "--json", "--ignore-robots",
                   cwd=tmp_path)
    assert lifted.returncode == 0, lifted.stderr
    mapped = json.loads(lifted.stdout)
    assert mapped["error"] is None and mapped["robots_ignored"] is True
    assert len(mapped["pages"]) > 1
    assert "robots.txt ignored on request" in lifted.stderr


def test_a_registry_cannot_lift_robots_txt(tmp_path: Path) -> None:
    refused = probe("discover", "--registry", "2026", "--ignore-robots", cwd=tmp_path)
    assert refused.returncode == 2 and "your own portal" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "results.db").exists()
    assert "--ignore-robots" not in probe("sweep", "--help", cwd=tmp_path).stdout


@pytest.mark.slow
def test_a_self_check_of_ones_own_portal_records_that_robots_txt_was_lifted(
        shut_out: str, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    blocked = probe("check", shut_out, "--allow-private", "--json", "--db", db, cwd=tmp_path)
    assert blocked.returncode == 3 and json.loads(blocked.stdout)["status"] == "blocked"
    checked = probe("check", shut_out, "--allow-private", "--json", "--db", db,
                    "--ignore-robots", cwd=tmp_path)
    document = json.loads(checked.stdout)
    assert checked.returncode == 0 and document["status"] == "completed", checked.stderr
    shown = json.loads(probe("show", document["run_id"], "--json", "--db", db,
                             cwd=tmp_path).stdout)
    (pages,) = [o for o in shown["observations"] if o["name"] == "discovery.pages"]
    assert "robots.txt ignored (the operator's own portal)" in pages["detail"]


def schedule(folder: Path, body: str) -> Path:
    path = folder / "own.yaml"
    path.write_text(f"name: own\nallow_private: true\nignore_robots: true\n{body}",
                    encoding="utf-8")
    return path


def test_a_self_check_schedule_lifts_robots_txt_for_its_own_portals_only(
        shut_out: str, tmp_path: Path) -> None:
    own = schedule(tmp_path, "agencies:\n  - {id: tinh-be-quan, name: Tỉnh Bế Quan, "
                             f"block: province, portal_url: '{shut_out}'}}\n"
                             "discovery: {max_pages: 6, time_limit_s: 30}\n")
    mapped = probe("discover", "--schedule", str(own), "--json", "--db",
                   f"sqlite:///{tmp_path / 'r.db'}", cwd=tmp_path)
    assert mapped.returncode == 0, mapped.stderr
    (portal,) = json.loads(mapped.stdout)["portals"]
    assert portal["status"] == "completed" and portal["sitemap"]["robots_ignored"] is True
    assert "robots.txt ignored on request" in mapped.stderr
    registry = schedule(tmp_path, "registry: '2026'\n")
    refused = probe("sweep", "--schedule", str(registry), cwd=tmp_path)
    assert refused.returncode == 2 and "ignore_robots" in refused.stderr
    assert "never a registry" in refused.stderr and "Traceback" not in refused.stderr
