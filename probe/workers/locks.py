"""Locks for a sweep shared by several processes and machines.

- `advisory_lock`: a PostgreSQL advisory lock held by a transaction of its own for the block
  (released on commit, rollback or a lost connection); nothing on other databases.
  `chain_lock` uses it so that one seal at a time extends a sweep's manifest chain;
  `agency_lock` so that one task at a time probes an agency of a sweep (with a file lock on
  this machine when the database is not PostgreSQL); `migration_lock` so that processes
  opening a fresh database do not run its migrations side by side.
- `MachineLock`: timed performance runs alone on this machine. A readers-writer lock on two
  files (flock): timed runs take it exclusively, the other phases (discovery, untimed checks)
  share it, and a waiting timed run stops new sharers (a turnstile) so it is not starved.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine


def lock_dir() -> Path:
    """Where this machine's lock files live: $PROBE_LOCK_DIR, else a folder in /tmp."""
    folder = Path(os.environ.get("PROBE_LOCK_DIR") or
                  Path(tempfile.gettempdir()) / "dvc-probe-locks")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def lock_key(*parts: str) -> int:
    """A signed 64-bit advisory-lock key naming `parts`."""
    digest = hashlib.sha256("\x1f".join(("dvc-probe", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def advisory_lock(engine: Engine, *parts: str) -> Iterator[bool]:
    """Hold the advisory lock named by `parts` for the block (True) on PostgreSQL; on other
    databases hold nothing (False)."""
    if not is_postgres(engine):
        yield False
        return
    with engine.begin() as connection:
        connection.execute(select(func.pg_advisory_xact_lock(lock_key(*parts))))
        yield True


@contextmanager
def chain_lock(engine: Engine, chain: str | None) -> Iterator[None]:
    """One seal at a time in the manifest chain of a sweep (PostgreSQL; elsewhere the
    database serialises writers and `seal_run` retries a link taken meanwhile)."""
    with advisory_lock(engine, "chain", chain or ""):
        yield


@contextmanager
def file_lock(name: str) -> Iterator[None]:
    """An exclusive lock on this machine, named `name` (hashed into 4096 files, so that they
    do not pile up; two names sharing a file only wait for each other)."""
    safe = hashlib.sha256(name.encode()).hexdigest()[:3]
    with (lock_dir() / f"{safe}.lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@contextmanager
def agency_lock(engine: Engine, sweep_id: str, agency_id: str) -> Iterator[None]:
    """One task at a time for an agency of a sweep: across machines on PostgreSQL, on this
    machine otherwise."""
    with advisory_lock(engine, "agency", sweep_id, agency_id) as shared:
        if shared:
            yield
            return
        with file_lock(f"agency/{engine.url}/{sweep_id}/{agency_id}"):
            yield


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise opening (and so migrating) a shared database."""
    with advisory_lock(engine, "migrate"):
        yield


@dataclass(frozen=True)
class MachineLock:
    """Timed runs alone on this machine: exclusive for them, shared for everything else."""

    folder: Path

    @asynccontextmanager
    async def hold(self, exclusive: bool) -> AsyncIterator[None]:
        """Hold the lock (exclusively or shared) for the block; closing the files frees it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "timed.turnstile").open("a+") as turn, \
                (self.folder / "timed.lock").open("a+") as main:
            await asyncio.to_thread(fcntl.flock, turn, fcntl.LOCK_EX)
            try:
                mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
                await asyncio.to_thread(fcntl.flock, main, mode)
            finally:
                if not exclusive:  # sharers only pass the turnstile
                    fcntl.flock(turn, fcntl.LOCK_UN)
            yield
