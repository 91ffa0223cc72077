"""Retries: transient failures are tried again with backoff, permanent ones are not, and
every attempt is recorded (no network: discovery is replaced by a script of answers)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import probe.sweep as sweep_module
from probe import status
from probe.db.plan import SweepPlan
from probe.db.store import Store
from probe.models import Agency, PageInfo, SiteMap
from probe.retry import RetryPolicy
from probe.sweep import SweepOptions, _discovery_step, _Plan, _PortalRun, home_http_code

AGENCY = Agency(id="tinh-a", name="Tỉnh A", block="province", portal_url="https://a.example/")


@pytest.mark.parametrize(("name", "code", "again"), [
    ("timeout", None, True), ("connection_refused", None, True), ("dns_error", None, True),
    ("http_error", 503, True), ("http_error", 500, True), ("http_error", None, True),
    ("blocked", 429, True), ("blocked", 403, False), ("blocked", None, False),
    ("http_error", 404, False), ("http_error", 410, False), ("tls_error", None, False),
    ("redirect_loop", None, False), ("probe_error", None, False), ("completed", 200, False),
])
def test_which_statuses_are_transient(name: str, code: int | None, again: bool) -> None:
    assert status.retryable(name, code) is again


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_s=10, backoff_factor=2, max_backoff_s=35)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [10, 20, 35, 35]
    assert policy.again(4, "timeout") and not policy.again(5, "timeout")
    assert not policy.again(1, "completed") and not policy.again(1, "tls_error")
    assert RetryPolicy.from_dict(policy.to_dict()) == policy


def sitemap(error: str | None, code: int | None = None) -> SiteMap:
    pages = [PageInfo(url=AGENCY.portal_url, type="home", status=code)] if code else []
    if error is None:
        pages = [PageInfo(url=AGENCY.portal_url, type="home", status=200)]
    return SiteMap(portal=AGENCY.portal_url, error=error, pages=pages)


class ScriptedCrawler:
    """Stands in for the crawler process: answers `answers` in turn."""

    def __init__(self, answers: list[SiteMap]) -> None:
        self.answers = list(answers)

    async def discover(self, _url: str) -> SiteMap:
        return self.answers.pop(0)


def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The list the backoff waits go into, instead of sleeping them."""
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(sweep_module.asyncio, "sleep", fake_sleep)
    return waits


def discovered(answers: list[SiteMap], policy: RetryPolicy, monkeypatch: pytest.MonkeyPatch,
               plan: _Plan | None = None) -> tuple[_PortalRun, list[float], list[str]]:
    waits = no_waiting(monkeypatch)
    stages: list[str] = []
    run = _PortalRun(AGENCY)
    options = SweepOptions(retry=policy)
    options.settings.allow_private = True
    asyncio.run(_discovery_step(run, options, lambda _a, stage: stages.append(stage),
                                plan or _Plan(None, None),  # type: ignore[arg-type]
                                ScriptedCrawler(answers)))  # type: ignore[arg-type]
    return run, waits, stages


def test_transient_failures_are_retried_with_backoff_until_success(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    sweep_id = store.start_sweep("reg.csv")
    SweepPlan(store, sweep_id).ensure([AGENCY])
    policy = RetryPolicy(max_attempts=3, backoff_s=5, backoff_factor=3)
    run, waits, stages = discovered([sitemap("timeout"), sitemap("http_error", 503),
                                     sitemap(None)], policy, monkeypatch, _Plan(store, sweep_id))
    assert run.status == "completed" and run.reachable
    assert [(a.number, a.status, a.http_code) for a in run.attempts] == [
        (1, "timeout", None), (2, "http_error", 503), (3, "completed", None)]
    assert waits == [5, 15] and stages.count("retry") == 2
    assert stages == ["discover", "retry", "discover", "retry", "discover"]  # each attempt shown
    assert run.detail == "3 lần thử (attempts): timeout, http_error 503, completed"
    row = SweepPlan(store, sweep_id).items()[0]
    assert row.state == "running" and row.run_id == run.run_id and row.attempts == 3
    assert [a["status"] for a in json.loads(row.attempts_json)] == [
        "timeout", "http_error", "completed"]


def test_attempts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    run, waits, _ = discovered([sitemap("connection_refused")] * 2,
                               RetryPolicy(max_attempts=2, backoff_s=1), monkeypatch)
    assert run.status == "connection_refused" and len(run.attempts) == 2 and waits == [1]
    assert "2 lần thử" in run.detail
    assert {o.outcome for o in run.observations if o.check != "discovery"} == {"portal_error"}


@pytest.mark.parametrize(("error", "code"), [("tls_error", None), ("http_error", 404),
                                             ("redirect_loop", None), ("blocked", 403)])
def test_permanent_failures_are_not_retried(error: str, code: int | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    run, waits, _ = discovered([sitemap(error, code)], RetryPolicy(max_attempts=3),
                               monkeypatch)
    assert run.status == error and len(run.attempts) == 1 and waits == []
    assert "lần thử" not in run.detail


def test_home_http_code_reads_the_home_page() -> None:
    assert home_http_code(sitemap("http_error", 503)) == 503
    assert home_http_code(sitemap("timeout")) is None
