"""Check families: each module has `async def run(ctx: PortalContext) -> list[Observation]`.

A check records what it saw and never awards points (scoring does that). A family whose
`run` is timed may also have `async def prepare(ctx) -> dict`: its untimed part, which a
sweep runs beside the untimed checks and hands over in `ctx.prepared`.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from probe.context import PortalContext
from probe.models import Observation

CheckFn = Callable[[PortalContext], Awaitable[list[Observation]]]
PrepareFn = Callable[[PortalContext], Awaitable[dict[str, Any]]]

# The order checks run in within a step, and the order of reports.
FAMILIES: tuple[str, ...] = ("performance", "functions", "layout", "access", "security", "emc")


def load(family: str) -> CheckFn:
    """The `run` function of check family `family`."""
    return importlib.import_module(f"checks.{family}").run


def preparation(family: str) -> PrepareFn | None:
    """The untimed `prepare` function of check family `family`, when it has one."""
    return getattr(importlib.import_module(f"checks.{family}"), "prepare", None)
