"""A process and its descendants, read from /proc (Linux): pids and resident memory.

Used to bound a browser's memory (`probe.pool`) and to measure a sweep's peak memory
(`bench/sweep.py`). RSS is summed over the processes: shared pages count once per process,
so the sum is an upper bound of what the tree really holds.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible now."""
    found: dict[int, int] = {}
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        found[int(entry.name)] = int(fields[1])
    return found


def tree(pid: int) -> list[int]:
    """`pid` and all its living descendants (empty when `pid` is gone)."""
    parents = _parents()
    if pid not in parents:
        return []
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def rss(pid: int) -> int:
    """Resident memory of one process in bytes (0 when it is gone)."""
    try:
        resident = (PROC / str(pid) / "statm").read_text().split()[1]
    except (OSError, IndexError):
        return 0
    return int(resident) * PAGE


def tree_rss(pid: int) -> int:
    """Resident memory of `pid` and its descendants, summed, in bytes."""
    return sum(rss(member) for member in tree(pid))


def pss(pid: int) -> int:
    """Proportional set size of one process in bytes: its private pages plus its share of
    the pages it shares (0 when it is gone or unreadable)."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_pss(pid: int) -> int:
    """Proportional set size of `pid` and its descendants, summed, in bytes: what the tree
    really holds (shared pages counted once in all)."""
    return sum(pss(member) for member in tree(pid))
