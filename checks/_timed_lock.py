"""`timed_lock`: held around every timed page load, so that timed loads never overlap,
neither in one sweep (one lock per event loop) nor between probe processes on the same
machine (a file lock: a nightly sweep, an agency's self-check and Celery workers alike).

The file lock is an advisory `flock`, which the kernel drops when its holder dies, so a
killed probe never leaves the next one waiting. A process waiting for it also holds a
shared lock on a sibling `.waiting` file; a holder that sees one lets a moment pass after
its load, so that a sweep's back-to-back loads do not starve another probe's. The files are
in this machine's lock folder (`probe.workers.locks.lock_dir`: `$PROBE_LOCK_DIR`), beside
the lock that `probe worker` processes share by phase (`MachineLock`)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from filelock import AsyncFileLock, Timeout

from probe.workers.locks import lock_dir

POLL_S = 0.05  # how often a waiting probe tries the file lock again
COURTESY_S = 3 * POLL_S  # a holder's pause after its load while another probe waits

log = logging.getLogger("probe.timed")

_WARNED: list[str] = []  # the machine lock's failure, once said
_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


def lock_path() -> Path:
    """The file every probe process on this machine locks around a timed load."""
    return lock_dir() / "timed-load.lock"


def _loop_lock() -> asyncio.Lock:
    """This event loop's lock (shared by all portals of a sweep)."""
    loop = asyncio.get_running_loop()
    lock = _LOCKS.get(loop)
    if lock is None:
        lock = _LOCKS[loop] = asyncio.Lock()
    return lock


def _open_waiting(path: Path) -> int:
    """A read-only descriptor of the `.waiting` file beside the lock (flock needs no more)."""
    return os.open(path.with_name(path.name + ".waiting"), os.O_RDONLY | os.O_CREAT, 0o444)


@contextlib.contextmanager
def _waiting(path: Path) -> Iterator[None]:
    """Say that this process waits for the lock (a shared lock on the `.waiting` file)."""
    fd = _open_waiting(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a holder looks (`_anyone_waiting`)
        yield
    finally:
        os.close(fd)


def _anyone_waiting(path: Path) -> bool:
    """True when another process holds a shared lock on the `.waiting` file."""
    fd = _open_waiting(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


async def _take(path: Path) -> AsyncFileLock:
    """The machine's lock at `path`, taken (waiting, and saying so, while another holds it)."""
    machine = AsyncFileLock(path, mode=0o666, poll_interval=POLL_S, fallback_to_soft=False,
                            run_in_executor=False)
    try:
        await machine.acquire(timeout=0)
    except Timeout:
        log.info("waiting for another probe's timed load to end (%s)", path)
        with _waiting(path):
            await machine.acquire()
    return machine


async def _machine_lock() -> AsyncFileLock | None:
    """This machine's timed-load lock, taken; None when its file cannot be opened (a lock
    folder of another user, say): the load goes on, and the log says once what is lost."""
    try:
        return await _take(lock_path())
    except OSError as error:
        if not _WARNED:
            _WARNED.append(str(error))
            log.warning("timed loads of other probe processes may overlap this one's: "
                        "no machine lock (%s); set PROBE_LOCK_DIR to a writable folder", error)
        return None


async def _give_back(machine: AsyncFileLock) -> None:
    """Release the machine's lock; pause a moment when another probe waits for it."""
    await machine.release()
    if _anyone_waiting(Path(machine.lock_file)):
        await asyncio.sleep(COURTESY_S)


@asynccontextmanager
async def timed_lock() -> AsyncIterator[None]:
    """Hold the right to make a timed load on this machine (waits for any other holder)."""
    async with _loop_lock():
        machine = await _machine_lock()
        try:
            yield
        finally:
            if machine is not None:
                await _give_back(machine)
