"""Offline replay: re-run the browser checks of a stored run against its recorded HAR and list
every observation that comes out different.

Layout, access and EMC replay from the run's HAR (the shared visit of the sampled pages,
checks._visits: the documents as sent and the tracker's requests); functions replays from
the network log of its own trace (its searches and look-ups as they were made, and the
scripts it ran: `probe.audit.trace`),
acting as of the run's date so that the unknown dossier code it tries is the same.

The checks sample the pages and recognise the national hosts as the run's sweep did (the
settings it stored, `as_swept`), whatever the environment of the day of the replay says.
Each browser context the checks open is routed from the HAR
(`context.route_from_har(har, not_found="abort")`) and its pages are guarded as a sweep's
(`probe.browser.PageGuard`: a recorded endless script is stopped); the checks' Python HTTP
client is served from the same HAR. Nothing reaches the network: a request the HAR does not
hold is aborted.
Artifacts the replayed checks make go to a temporary folder, never to the run's evidence.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext

from probe.audit.digests import sha256_bytes
from probe.audit.har import HarTransport, load_har
from probe.audit.manifest import inside, manifest_row, read_manifest
from probe.context import PortalContext, ProbeSettings, as_of_run_start
from probe.db.store import Store, StoreError, agency_of
from probe.evidence import EvidenceStore
from probe.models import Observation

log = logging.getLogger(__name__)
# Families that look at rendered pages and recorded traffic; performance (timings) and
# security (TLS, live headers) cannot be judged from a recording.
DEFAULT_FAMILIES: tuple[str, ...] = ("layout", "access", "functions", "emc")
TRACE_FAMILIES = frozenset({"functions"})  # replayed from the check's own trace
LIMITS: tuple[str, ...] = (
    "Yêu cầu GET lặp lại được trả lời bằng bản ghi đầu tiên "
    "(a repeated GET is answered with its first recording)",
    "Thân yêu cầu POST không được so khớp: tìm kiếm, tra cứu bằng POST không phát lại đúng "
    "(POST bodies are not matched: searches and look-ups sent by POST do not replay "
    "faithfully)",
    "Chỉ có những gì HAR đã ghi (các trang được lấy mẫu); mọi yêu cầu khác bị huỷ "
    "(only what the HAR recorded — the sampled pages; every other request is aborted)",
    "Không có TLS, chứng chỉ hay thời gian tải thật: hiệu năng và bảo mật không phát lại "
    "(no TLS, certificates or real timings: performance and security are not replayed)",
    "Cookie và token đã được che trước khi lưu: phiên đăng nhập không phát lại "
    "(cookies and tokens were redacted before storage: sessions do not replay)",
)


class ReplayError(RuntimeError):
    """The run cannot be replayed (no HAR stored, HAR pruned or altered)."""


@dataclass(frozen=True)
class Difference:
    """An observation that came out differently: changed, missing in replay, or new."""

    kind: str  # changed | missing | new
    check: str
    name: str
    page: str | None
    stat: str | None
    stored: Any = None
    replayed: Any = None
    stored_outcome: str = ""
    replayed_outcome: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class ReplayReport:
    """The result of a replay: what was compared and every difference, with the limits."""

    run_id: str
    families: tuple[str, ...]
    compared: int = 0
    same: int = 0
    differences: list[Difference] = field(default_factory=list)
    har_entries: int = 0
    limits: tuple[str, ...] = LIMITS

    @property
    def identical(self) -> bool:
        """True when every replayed observation matches the stored one."""
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"run_id": self.run_id, "families": list(self.families),
                "compared": self.compared, "same": self.same,
                "identical": self.identical, "har_entries": self.har_entries,
                "differences": [d.to_dict() for d in self.differences],
                "limits": list(self.limits)}


# --- serving from the HAR -----------------------------------------------------------------


@dataclass
class ReplayContext(PortalContext):
    """A PortalContext whose browser contexts and HTTP client answer from a HAR file."""

    har_path: Path = Path()
    har: dict[str, Any] = field(default_factory=dict)

    async def route(self, context: BrowserContext, timed: bool,
                    recording: Path | None) -> None:
        """Every request of the context answered from the HAR, the rest aborted: the HAR is
        the only source, whatever `recording` a check asks for. (Its pages are guarded as a
        sweep's are: a recorded page's endless script is stopped as it was then.)"""
        await context.route_from_har(self.har_path, not_found="abort")

    def http_client(self, recording: Path | None = None,
                    **options: object) -> httpx.AsyncClient:
        """An httpx client served from the HAR (whatever `recording` a check asks for)."""
        defaults: dict[str, Any] = {"headers": {"User-Agent": self.settings.user_agent},
                                    "timeout": self.settings.page_timeout_ms / 1000,
                                    "follow_redirects": True}
        merged = {**defaults, **options, "transport": HarTransport(self.har)}
        merged.pop("verify", None)
        return httpx.AsyncClient(**merged)  # type: ignore[arg-type]


# --- comparing ----------------------------------------------------------------------------


def _key(o: Observation) -> tuple[str, str, str | None, str | None]:
    return (o.check, o.name, o.page, o.stat)


def _grouped(found: Sequence[Observation]) -> dict[tuple[Any, ...], list[Observation]]:
    groups: dict[tuple[Any, ...], list[Observation]] = {}
    for o in found:
        groups.setdefault(_key(o), []).append(o)
    return groups


def compare(stored: Sequence[Observation], replayed: Sequence[Observation],
            families: Sequence[str]) -> tuple[int, int, list[Difference]]:
    """(compared, same, differences) of the stored and replayed observations of `families`,
    paired by check, name, page and stat (in order when a key repeats)."""
    before = _grouped([o for o in stored if o.check in families])
    after = _grouped([o for o in replayed if o.check in families])
    compared = same = 0
    differences: list[Difference] = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key, []), after.get(key, [])
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else None
            b = new[index] if index < len(new) else None
            compared += 1
            if a is not None and b is not None and (a.value, a.outcome) == (b.value, b.outcome):
                same += 1
                continue
            differences.append(_difference(key, a, b))
    return compared, same, differences


def _difference(key: tuple[Any, ...], a: Observation | None,
                b: Observation | None) -> Difference:
    kind = "changed" if a is not None and b is not None else ("missing" if b is None else "new")
    return Difference(kind, key[0], key[1], key[2], key[3],
                      a.value if a else None, b.value if b else None,
                      a.outcome if a else "", b.outcome if b else "",
                      (b.detail if b else a.detail if a else "")[:200])


# --- running ------------------------------------------------------------------------------


def stored_har(store: Store, root: Path, run_id: str) -> bytes:
    """The run's HAR artifact, checked against its manifest; ReplayError otherwise."""
    return stored_artifact(store, root, run_id, "har", "HAR")


def stored_artifact(store: Store, root: Path, run_id: str, kind: str, label: str) -> bytes:
    """The run's first artifact of `kind`, checked against its manifest; ReplayError
    otherwise."""
    seal = manifest_row(store, run_id)
    stored = read_manifest(root, seal) if seal is not None else None
    if stored is None or not stored.intact or stored.document is None:
        raise ReplayError(f"run {run_id} has no intact manifest")
    entries = [e for e in stored.document["artifacts"] if e.get("kind") == kind]
    if not entries:
        raise ReplayError(f"run {run_id} has no recorded {label}")
    entry = entries[0]
    path = root / str(entry["path"])
    if not inside(root, str(entry["path"])) or not path.is_file():
        raise ReplayError(f"the {label} of run {run_id} is no longer stored (pruned?)")
    data = path.read_bytes()
    if sha256_bytes(data) != entry["sha256"]:
        raise ReplayError(f"the {label} of run {run_id} does not match its manifest")
    return data


async def _run_families(ctx: PortalContext, families: Sequence[str]) -> list[Observation]:
    import checks

    found: list[Observation] = []
    for family in families:
        try:
            found += await checks.load(family)(ctx)
        except Exception as error:  # a failing family is a difference, not a crash
            log.warning("replay of %s failed: %r", family, error)
    return found


def _recordings(store: Store, root: Path, run_id: str, families: tuple[str, ...]
                ) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """(families, HAR) pairs: the pages' HAR for most families, the trace's for functions
    (with the script bodies a trace stored before they were kept taken from the pages')."""
    from probe.audit.trace import har_from_trace, with_bodies_from

    paged = tuple(f for f in families if f not in TRACE_FAMILIES)
    traced = tuple(f for f in families if f in TRACE_FAMILIES)
    try:
        pages: dict[str, Any] | None = load_har(stored_har(store, root, run_id))
    except ReplayError:
        if paged:
            raise
        pages = None  # for the trace's families it only helps: it may be gone
    found = [(paged, pages)] if paged and pages else []
    if traced:
        trace = har_from_trace(stored_artifact(store, root, run_id, "trace", "trace"))
        found.append((traced, with_bodies_from(trace, pages) if pages else trace))
    return found


async def _replay(store: Store, root: Path, run_id: str, families: tuple[str, ...],
                  settings: ProbeSettings, browser_factory: Any) -> ReplayReport:
    run = store.run(run_id)
    recordings = _recordings(store, root, run.id, families)
    report = ReplayReport(run.id, families, har_entries=sum(
        len(har["log"]["entries"]) for _, har in recordings))
    settings = as_swept(store, run.sweep_id, settings)
    as_of = as_of_run_start(settings, run.started_at)
    replayed: list[Observation] = []
    with tempfile.TemporaryDirectory(prefix="probe-replay-") as folder:
        async with browser_factory() as browser:
            for index, (chosen, har) in enumerate(recordings):
                har_path = Path(folder) / f"recording-{index}.har"
                har_path.write_text(json.dumps(har, ensure_ascii=False), "utf-8")
                ctx = ReplayContext(agency=agency_of(run), sitemap=store.sitemap(run.id),
                                    browser=browser, settings=as_of,
                                    evidence=EvidenceStore(Path(folder) / "evidence", run.id),
                                    har_path=har_path, har=har)
                replayed += await _run_families(ctx, chosen)
    report.compared, report.same, report.differences = compare(
        store.observations(run.id), replayed, families)
    return report


# What a replay takes from the settings its run's sweep stored: what the checks sampled and
# which hosts they recognised as national, so that they judge the recording as they judged
# the portal (a schedule's sample sizes, PROBE_NATIONAL_SSO_HOSTS of that night).
SWEPT_SETTINGS = ("national_portal_hosts", "national_sso_hosts", "sample_pages", "perf_pages")


def as_swept(store: Store, sweep_id: str | None, settings: ProbeSettings) -> ProbeSettings:
    """`settings` with the `SWEPT_SETTINGS` the run's sweep stored; unchanged for a run
    outside a sweep, or a sweep that stored no options or unreadable ones."""
    from probe.sweep import SweepOptions

    try:
        stored = store.sweep(sweep_id).options_json if sweep_id else ""
        swept = SweepOptions.from_json(stored, Path()).settings if stored else None
    except (StoreError, ValueError, KeyError, TypeError, AttributeError):  # unreadable
        return settings
    if swept is None:
        return settings
    return replace(settings, **{name: getattr(swept, name) for name in SWEPT_SETTINGS})


class _OfflineBrowser:
    """Launches Chromium with loopback-only resolver rules (replay needs no network)."""

    def __init__(self) -> None:
        self._session: AsyncExitStack = AsyncExitStack()

    async def __aenter__(self) -> Browser:
        from probe.browser import launch, playwright

        async with AsyncExitStack() as session:
            pw = await session.enter_async_context(playwright())
            browser = await launch(pw, loopback_only=True)
            session.push_async_callback(browser.close)
            self._session = session.pop_all()
        return browser

    async def __aexit__(self, *_exc: object) -> None:
        await self._session.aclose()


def replay(store: Store, run_id: str, families: Sequence[str] = DEFAULT_FAMILIES,
           root: Path | None = None, settings: ProbeSettings | None = None) -> ReplayReport:
    """Re-run `families` of a stored run offline against its HAR; every difference listed.

    ReplayError when the run has no intact HAR; StoreError for an unknown run.
    """
    from probe.audit.verify import default_root

    root = Path(root) if root is not None else default_root(store)
    settings = settings or ProbeSettings(allow_private=True)
    return asyncio.run(_replay(store, root, store.run(run_id).id, tuple(families), settings,
                               _OfflineBrowser))
