"""A sweep split across two Celery worker processes (real Redis broker, real PostgreSQL
database, both private servers on loopback) gives the same grades and item statuses as the
same sweep run locally on SQLite; every agency has exactly one run, each worker probed at
least one, and `probe verify --sweep` is clean on PostgreSQL.

Every check family runs. The timed items (performance group) are measured on both sides
but compared only for being measured: their figures are timings, which differ run to run
(the farm's pages sit far inside the rubric's curves, so the grades still agree).

The servers are Debian's (`make services` installs redis-server and postgresql); the test is
skipped, saying so, only when their binaries are missing. PostgreSQL refuses to run as root,
so as root the cluster belongs to the `postgres` user (runuser). Every server and worker is
stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.farm import Farm, start_farm
from probe.farm.cli import env_lines

pytestmark = pytest.mark.slow
AGENCIES = ("tinh-binh-minh", "bo-kinh-te-bien", "tinh-phu-an")
WORKERS = ("w1@dist-test", "w2@dist-test")
SCHEDULE = """\
name: dist-test
registry: registry.csv
checks: all
concurrency: 2
retry: {max_attempts: 1}
probe: {perf_runs: 1, perf_pages: 1, sample_pages: 2}
discovery: {max_pages: 10, time_limit_s: 20}
"""
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


def wait_for(check, limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {limit_s} s")


def as_postgres(args: list[str]) -> list[str]:
    """`args` run as the postgres user when we are root (postgres refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """A folder in /tmp the postgres user can reach (pytest's tmp folders are root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="dvc-dist-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_url(scratch: Path) -> Iterator[str]:
    if not Path(REDIS).is_file():
        pytest.skip("redis-server not installed (Debian package redis-server; `make services`)")
    port = free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(scratch)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_for(answers, 20, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def postgres_url(scratch: Path) -> Iterator[str]:
    binaries = pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL not installed (Debian package postgresql; `make services`)")
    cluster = scratch / "pg"
    cluster.mkdir()
    if os.geteuid() == 0:
        shutil.chown(scratch, "postgres")
        shutil.chown(cluster, "postgres")
    port = free_port()
    subprocess.run(as_postgres([str(binaries / "initdb"), "-D", str(cluster / "data"), "-A",
                                "trust", "-U", "probe", "-E", "UTF8", "--no-sync",
                                "--no-instructions"]), check=True, capture_output=True,
                   timeout=120)
    options = (f"-k {cluster} -p {port} -h 127.0.0.1 -c fsync=off -c full_page_writes=off "
               "-c synchronous_commit=off")
    ctl = [str(binaries / "pg_ctl"), "-D", str(cluster / "data"), "-w", "-t", "60"]
    subprocess.run(as_postgres([*ctl, "-o", options, "-l", str(cluster / "log"), "start"]),
                   check=True, capture_output=True, timeout=90)
    try:
        yield f"postgresql+psycopg://probe@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_postgres([*ctl, "-m", "fast", "stop"]), capture_output=True,
                       timeout=90)


def create_database(url: str, name: str) -> str:
    """A fresh, empty database on the same server; its URL."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'create database "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module")
def farm(scratch: Path) -> Iterator[Farm]:
    with start_farm(scratch / "farm") as running:
        yield running


def environment(farm: Farm, scratch: Path) -> dict[str, str]:
    env = {**os.environ, **dict(line.split("=", 1) for line in env_lines(farm))}
    for name in ("PROBE_NETWORK", "PROBE_DB", "PROBE_BROKER", "PROBE_EVIDENCE", "PROBE_CA_FILE"):
        env.pop(name, None)
    env["PROBE_LOCK_DIR"] = str(scratch / "locks")  # the two workers share one machine
    return env


def probe(*args: str, cwd: Path, env: dict[str, str],
          timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probe.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Workers:
    """`probe worker` processes, each in its own process group, all stopped on exit."""

    def __init__(self, broker: str, db: str, farm: Farm, work: Path, env: dict[str, str]):
        self.processes: list[subprocess.Popen] = []
        self.logs = [work / f"{name.split('@')[0]}.log" for name in WORKERS]
        for name, log in zip(WORKERS, self.logs, strict=True):
            with log.open("w") as handle:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "probe.cli", "worker", "--broker", broker, "--db", db,
                     "--ca-file", farm.ca_file, "--evidence", str(work / "evidence"),
                     "--concurrency", "1", "--hostname", name], cwd=work, env=env,
                    stdout=handle, stderr=subprocess.STDOUT, start_new_session=True))

    def wait_ready(self, broker: str) -> None:
        from probe.workers.tasks import configure

        app = configure(broker)

        def both() -> bool:
            for process, log in zip(self.processes, self.logs, strict=True):
                assert process.poll() is None, log.read_text()[-3000:]
            replies = app.control.ping(timeout=0.5)
            return {name for reply in replies for name in reply} >= set(WORKERS)

        wait_for(both, 60, "two workers")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # warm shutdown: idle, so at once
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for process in self.processes:  # nothing of the group may be left behind
            with pytest.raises(ProcessLookupError):
                os.killpg(process.pid, 0)


def registry_of(farm: Farm, folder: Path) -> None:
    """registry.csv with AGENCIES only, and the schedule beside it."""
    path = farm.write_registry(folder / "registry.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], *[line for line in lines[1:]
                                           if line.split(",")[0] in AGENCIES]]) + "\n",
                    encoding="utf-8")
    (folder / "dist-test.yaml").write_text(SCHEDULE, encoding="utf-8")


Judged = tuple[str, str, list[tuple[str, str]], dict[str, str]]


def judged(db: str, sweep_id: str) -> dict[str, Judged]:
    """Per agency of the sweep ('latest': the newest): (run status, grade, [(item, status)]
    of untimed items, {item: status} of the timed ones)."""
    from probe.db.store import Store

    store = Store(db)
    try:
        found = {}
        for run in store.runs(store.sweep(sweep_id).id):
            assert run.agency_id not in found, f"two runs for {run.agency_id}"
            document = store.score(run.id, "2024")
            found[run.agency_id] = (run.status, document["grade"],
                                    [(i["id"], i["status"]) for i in document["items"]
                                     if i["group"] != "performance"],
                                    {i["id"]: i["status"] for i in document["items"]
                                     if i["group"] == "performance"})
        return found
    finally:
        store.close()


def test_a_sweep_split_across_two_workers_matches_a_local_sweep(
        farm: Farm, redis_url: str, postgres_url: str, scratch: Path) -> None:
    clock = time.monotonic()
    work, local = scratch / "dist", scratch / "local"
    work.mkdir()
    local.mkdir()
    registry_of(farm, work)
    registry_of(farm, local)
    env = environment(farm, scratch)
    db = create_database(postgres_url, "sweeps")
    common = ("--ca-file", farm.ca_file, "--allow-private")
    workers = Workers(redis_url, db, farm, work, env)
    local_log = (local / "sweep.log").open("w")
    swept = subprocess.Popen(  # the same sweep on SQLite, meanwhile
        [sys.executable, "-m", "probe.cli", "sweep", "--schedule", str(local / "dist-test.yaml"),
         "--db", f"sqlite:///{local / 'results.db'}", *common], cwd=local, env=env,
        stdout=local_log, stderr=subprocess.STDOUT)
    try:
        workers.wait_ready(redis_url)
        ready_s = time.monotonic() - clock
        dispatched = probe("dispatch", "--schedule", str(work / "dist-test.yaml"), "--broker",
                           redis_url, "--db", db, "--json", "--timeout", "240", *common,
                           cwd=work, env=env)
        assert dispatched.returncode == 0, (dispatched.stdout[-2000:] + dispatched.stderr[-3000:]
                                            + workers.logs[0].read_text()[-3000:])
        document = json.loads(dispatched.stdout.splitlines()[-1])
        again = probe("dispatch", document["sweep_id"], "--resume", "--broker", redis_url,
                      "--db", db, "--json", cwd=work, env=env)
        from celery import Celery  # a duplicate delivery changes nothing

        from probe.workers.tasks import QUEUE

        client = Celery(broker=redis_url, backend=redis_url)  # not the app other tests configured
        client.conf.update(task_default_queue=QUEUE, result_extended=True)
        duplicate = client.send_task("probe.agency", args=[document["sweep_id"], AGENCIES[0]])
        duplicate = duplicate.get(timeout=60)
        distributed_s = time.monotonic() - clock
        assert swept.wait(timeout=300) == 0, (local / "sweep.log").read_text()[-3000:]
    finally:
        workers.stop()
        if swept.poll() is None:
            swept.kill()
            swept.wait(timeout=30)
        local_log.close()

    sweep_id = document["sweep_id"]
    assert document["status"] == "completed" and not document["left"]
    tasks = {task["agency_id"]: task for task in document["tasks"]}
    assert set(tasks) == set(AGENCIES)
    assert {task["state"] for task in tasks.values()} == {"probed"}
    assert {task["worker"] for task in tasks.values()} == set(WORKERS)  # each did some
    assert json.loads(again.stdout.splitlines()[-1])["tasks"] == []  # nothing left to do
    assert (duplicate["state"], duplicate["run_id"]) == ("kept", tasks[AGENCIES[0]]["run_id"])

    on_postgres = judged(db, sweep_id)
    on_sqlite = judged(f"sqlite:///{local / 'results.db'}", "latest")
    assert set(on_postgres) == set(AGENCIES)
    for agency_id in AGENCIES:
        assert on_postgres[agency_id][:3] == on_sqlite[agency_id][:3], agency_id
        for side in (on_postgres, on_sqlite):  # timed on the workers too, under the lock
            timed = side[agency_id][3]
            assert timed and "unmeasured" not in timed.values(), (agency_id, timed)

    verified = probe("verify", "--sweep", sweep_id, "--json", "--db", db, cwd=work, env=env)
    assert verified.returncode == 0, verified.stdout[-3000:] + verified.stderr[-2000:]
    report = json.loads(verified.stdout)
    assert report["ok"] and report["runs"] == len(AGENCIES)
    print(f"\nworkers ready {ready_s:.1f} s, dispatched sweep done {distributed_s:.1f} s, "
          f"test {time.monotonic() - clock:.1f} s;",
          *(f"{t['agency_id']}: {t['worker']} {t['duration_s']} s" for t in tasks.values()))


def test_concurrent_seals_and_migrations_on_postgres(postgres_url: str, scratch: Path) -> None:
    """Fresh database opened by four processes at once (one migrates, the others wait), then
    eight runs of one sweep sealed from eight threads at once: one unbroken chain."""
    from probe.audit.manifest import manifest_rows, seal_run
    from probe.audit.verify import verify
    from probe.db.store import run_row
    from probe.models import Agency, Observation, SiteMap
    from probe.workers.jobs import open_shared_store
    from probe.workers.locks import chain_lock

    db = create_database(postgres_url, "seals")
    opened = [subprocess.Popen([sys.executable, "-c", "import sys; from probe.workers.jobs "
                                "import open_shared_store as o; o(sys.argv[1]).close()", db])
              for _ in range(4)]
    assert [process.wait(timeout=120) for process in opened] == [0, 0, 0, 0]
    store = open_shared_store(db)
    root = scratch / "seal-evidence"
    sweep_id = store.start_sweep("registry.csv")
    for number in range(8):
        agency = Agency(id=f"a{number}", name=f"A{number}", block="province",
                        portal_url=f"https://a{number}.example/")
        store.save_run(run_row(agency, f"r-{number}", sweep_id, status="completed",
                               started_at="2026-03-01T15:00:00+00:00"),
                       SiteMap(portal=agency.portal_url),
                       [Observation("discovery", "portal.reachable", True, "bool")])

    def seal(run_id: str) -> None:
        with chain_lock(store.engine, sweep_id):
            seal_run(store, root, run_id)

    threads = [threading.Thread(target=seal, args=(f"r-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    rows = manifest_rows(store, sweep_id)
    assert [row.seq for row in rows] == list(range(1, 9))
    assert all(row.previous_sha256 == before.sha256 for before, row in
               zip(rows, rows[1:], strict=False))
    report = verify(store, sweep_id=sweep_id, root=root)
    assert report.ok, report.problems
    store.close()


def test_the_postgres_schema_matches_the_models_and_keeps_site_maps(postgres_url: str) -> None:
    """Every migration on PostgreSQL gives the tables the models declare; registry site maps
    (probe discover --registry) are stored and compared there as in SQLite."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from probe.db import Store
    from probe.db.discoveries import (
        previous_map,
        prune_maps,
        recent_batches,
        save_map,
        stored_maps,
    )
    from probe.db.schema import Base
    from probe.models import Agency, PageInfo, SiteMap

    store = Store(create_database(postgres_url, "maps"))
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    agency = Agency(id="tinh-x", name="Tỉnh X", block="province", portal_url="https://x.vn/")
    for batch, paths in (("d-1", ["/"]), ("d-2", ["/", "/thủ-tục"])):
        pages = [PageInfo(url=f"https://x.vn{path}", type="home", depth=0) for path in paths]
        save_map(store, batch, agency, SiteMap(portal=agency.portal_url, pages=pages),
                 "completed", f"2026-11-2{batch[-1]}T01:00:00+00:00", "")
    assert [m.batch_id for m in stored_maps(store, agency.id)] == ["d-1", "d-2"]
    latest = previous_map(store, agency.id, "d-3")
    assert latest is not None and latest.sitemap.pages[-1].url == "https://x.vn/thủ-tục"
    assert [batch for batch, _, _ in recent_batches(store)] == ["d-2", "d-1"]
    assert prune_maps(store, "2026-11-23T00:00:00+00:00")[0] == 1  # d-2 is the newest
    assert [m.batch_id for m in stored_maps(store, agency.id)] == ["d-2"]
    store.close()


def test_rescoring_in_chunks_on_postgres(postgres_url: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunked re-scoring's queries (runs named in a list) work on PostgreSQL too."""
    import probe.rescoring
    from probe.db import Store
    from probe.rescoring import rescore
    from probe.synthetic import fill_sweep, make_profiles

    store = Store(create_database(postgres_url, "rescore"))
    profiles = make_profiles(5)
    for night in (1, 2):
        fill_sweep(store, profiles, f"night{night}", f"2026-11-0{night}T18:00:00+00:00")
    monkeypatch.setattr(probe.rescoring, "CHUNK_RUNS", 3)
    first = rescore(store, "2024")
    assert first.runs == first.written == 10
    again = rescore(store, "2024")
    assert again.written == 0 and again.grades == first.grades
    store.close()
