"""Shared helpers of the judging tests: a store in tmp_path, synthetic sweeps, the CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from probe.cli_judging import register
from probe.db import Store
from probe.synthetic import Profile, make_profiles

SEED = 2024


def db_url(tmp_path: Path) -> str:
    """An SQLite URL in tmp_path."""
    return f"sqlite:///{tmp_path / 'results.db'}"


def new_store(tmp_path: Path) -> Store:
    """A fresh, migrated store in tmp_path."""
    return Store(db_url(tmp_path))


def judging_app() -> typer.Typer:
    """A `probe`-like app with only the judging commands registered."""
    app = typer.Typer(add_completion=False)
    register(app)
    return app


def steady_profiles(count: int, seed: int = SEED) -> list[Profile]:
    """Synthetic portals with 5 % run-to-run timing noise."""
    return [replace(p, noise=0.05) for p in make_profiles(count, seed=seed)]


def borderline_profile(index: int = 99) -> Profile:
    """A good portal whose timings sit just inside full credit, with a dossier look-up page:
    slowing it down costs P1-P5, removing the look-up costs F3."""
    base = make_profiles(index + 1, seed=SEED)[index]
    facts = dict(base.facts)
    facts.update({"lookup.form": True, "lookup.known_code": True, "lookup.unknown_code": True,
                  "availability.ok_ratio": 1.0})
    timings = {"/": {"ttfb": 700.0, "fcp": 1650.0, "lcp": 2300.0, "speed_index": 3100.0,
                     "tbt": 180.0, "cls": 0.02}}
    return replace(base, facts=facts, timings=timings, noise=0.04)
