"""A real `probe sweep` on the farm, killed with SIGKILL in the middle, then `--resume`d.

Once one run is sealed and the next portal is under way, the whole process group (probe,
its Scrapy subprocess, Chromium) gets SIGKILL. The resume must keep the sealed run as it
was, throw the half-written one away, finish the rest, and leave a database and evidence
trail that pass `PRAGMA integrity_check` and `probe verify --sweep`.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.farm import Farm, start_farm
from probe.farm.cli import env_lines

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # its kill point races the sweep: alone
AGENCIES = ("tinh-binh-minh", "tinh-phu-an", "bo-kinh-te-bien")
SCHEDULE = """\
name: kill-test
registry: registry.csv
checks: [security]
concurrency: 1
batch_size: 1
retry: {max_attempts: 1}
probe: {perf_runs: 1, perf_pages: 1, sample_pages: 2}
discovery: {max_pages: 10, time_limit_s: 20}
"""


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with start_farm(tmp_path_factory.mktemp("farm")) as running:
        yield running


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "probe.cli", *args]


def environment(farm: Farm) -> dict[str, str]:
    env = {**os.environ, **dict(line.split("=", 1) for line in env_lines(farm))}
    env.pop("PROBE_NETWORK", None)
    env.pop("PROBE_DB", None)
    return env


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    if not db.exists():
        return []
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        connection.close()


def sealed_and_running(db: Path) -> tuple[list[tuple], list[tuple]]:
    sealed = query(db, "select r.id, r.agency_id, r.started_at, r.finished_at, m.seq, m.sha256 "
                       "from runs r join manifests m on m.run_id = r.id order by m.seq")
    running = query(db, "select agency_id, run_id from sweep_portals where state = 'running'")
    return sealed, running


def wait_for_kill_point(process: subprocess.Popen, db: Path, evidence: Path,
                        limit_s: float = 150) -> tuple[list[tuple], str]:
    """Poll until a run is sealed and another portal is running (its evidence preferably
    begun); returns the sealed rows and the running run id. A portal whose run is already
    sealed is not half-written: the sweep seals a run before it marks its portal done."""
    deadline = time.monotonic() + limit_s
    seen_running_at = None
    while time.monotonic() < deadline:
        assert process.poll() is None, "the sweep ended before it could be killed"
        sealed, running = sealed_and_running(db)
        running = [row for row in running if row[1] not in {r[0] for r in sealed}]
        if sealed and running:
            run_id = running[0][1]
            seen_running_at = seen_running_at or time.monotonic()
            folder = evidence / run_id
            if (folder.is_dir() and any(folder.iterdir())) or \
                    time.monotonic() - seen_running_at > 4:
                return sealed, run_id
        time.sleep(0.1)
    raise AssertionError("no moment with one sealed run and one running portal")


def test_sweep_killed_with_sigkill_resumes_without_loss_or_duplicates(farm: Farm,
                                                                      tmp_path: Path) -> None:
    agencies = [a for a in farm.agencies if a.id in AGENCIES]
    farm.write_registry(tmp_path / "registry.csv")
    (tmp_path / "registry.csv").write_text(
        (tmp_path / "registry.csv").read_text(encoding="utf-8").splitlines()[0] + "\n" +
        "\n".join(line for line in (tmp_path / "registry.csv").read_text(
            encoding="utf-8").splitlines()[1:] if line.split(",")[0] in AGENCIES) + "\n",
        encoding="utf-8")
    (tmp_path / "kill-test.yaml").write_text(SCHEDULE, encoding="utf-8")
    db_file, evidence = tmp_path / "results.db", tmp_path / "evidence"
    db = f"sqlite:///{db_file}"
    env = environment(farm)
    common = ("--db", db, "--ca-file", farm.ca_file, "--allow-private")
    log = (tmp_path / "first.log").open("w")
    process = subprocess.Popen(command("sweep", "--schedule", str(tmp_path / "kill-test.yaml"),
                                       *common), cwd=tmp_path, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        sealed, half_written = wait_for_kill_point(process, db_file, evidence)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # probe and every child it started
        process.wait(timeout=30)
        log.close()
    assert process.returncode == -signal.SIGKILL
    sweep_id = query(db_file, "select id from sweeps")[0][0]
    assert query(db_file, "select status from sweeps")[0][0] == "running"

    resumed = subprocess.run(command("sweep", "--resume", *common), cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=300)
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output[-4000:]
    assert "Traceback" not in output
    assert f"Tiếp tục đợt quét (resuming sweep) {sweep_id}" in output
    assert "Tổng kết đợt quét" in output

    runs = query(db_file, "select agency_id, id, status from runs where sweep_id = ?", sweep_id)
    assert sorted(r[0] for r in runs) == sorted(a.id for a in agencies)  # one run each
    after, running = sealed_and_running(db_file)
    assert not running and len(after) == len(agencies)
    assert [r[4] for r in after] == list(range(1, len(agencies) + 1))  # one unbroken chain
    assert after[:len(sealed)] == sealed  # sealed runs were kept, not redone
    assert half_written not in {r[1] for r in runs}
    assert not (evidence / half_written).exists()
    plan = query(db_file, "select agency_id, state, redone from sweep_portals "
                          "where sweep_id = ?", sweep_id)
    assert {row[1] for row in plan} == {"done"}
    assert sum(row[2] for row in plan) == 1
    assert query(db_file, "select status from sweeps")[0][0] == "completed"
    assert query(db_file, "pragma integrity_check") == [("ok",)]

    verified = subprocess.run(command("verify", "--sweep", sweep_id, "--json", "--db", db),
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-2000:]
    report = json.loads(verified.stdout)
    assert report["ok"] and report["runs"] == len(agencies)
