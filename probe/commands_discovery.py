"""What `probe find` and `probe discover --registry` do.

`probe find` finds an agency's portal from its home page or a national directory: the exit
status is 0 when a portal (own or national) was found, 1 when the page links to none, and 3
(EXIT_UNREACHABLE) when the home page, the portal or the directory could not be read,
robots.txt included. `probe discover --registry` maps every portal of a registry and stores
the maps (probe.mapping): 0 when every portal was mapped, 3 when one could not be.
`probe discover --stored BATCH` prints a stored call again, as it printed then, with no
network: 0 once printed (what was mapped is in the table), 2 for an unknown batch.
The CLI module only parses options; bad input raises UserError.
"""

from __future__ import annotations

import asyncio
import json
from difflib import get_close_matches
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe import status as statuses
from probe.commands import (
    checked_url,
    existing_store,
    open_store,
    settings_for,
    within_reach,
)
from probe.commands_sweep import SweepRequest, prepare
from probe.console import plain_console
from probe.context import ProbeSettings
from probe.db.discoveries import mapped_agencies, recent_batches
from probe.db.store import shown_url
from probe.errors import EXIT_UNREACHABLE, UserError
from probe.finder import (
    NOT_FOUND,
    DirectoryError,
    FinderResult,
    find_from_directory,
    find_portal,
)
from probe.mapping import TYPE_VI, MappedPortal, agency_history, map_registry, stored_batch
from probe.polite import ROBOTS_DISALLOWED
from probe.progress import sweep_progress

out = plain_console()
UNCONFIRMED = "†"  # marks an agency whose portal URL the registry has not confirmed
EXIT_NOT_FOUND = 1


def find(url: str, ca_file: str | None, allow_private: bool, as_json: bool,
         directory: bool = False) -> int:
    """Find the portal linked from the home page `url` (or, with `directory`, list a
    national directory page's agencies and portals); print it; return the exit status."""
    url = checked_url(url, allow_private)
    settings = finder_settings(ca_file, allow_private)
    within_reach(url, settings)
    if directory:
        return _directory(url, settings, as_json)
    result = find_portal(url, settings)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_result(out, result)
    return exit_status(result)


def finder_settings(ca_file: str | None, allow_private: bool) -> ProbeSettings:
    """The common settings; loopback-only unless PROBE_NETWORK=open (as for the browser)."""
    return settings_for(ca_file, allow_private)


def exit_status(result: FinderResult) -> int:
    """0 found or handed over, 1 no portal link, 3 something could not be read."""
    if result.found:
        return 0
    if result.state == NOT_FOUND:
        return EXIT_NOT_FOUND
    return EXIT_UNREACHABLE


def _directory(url: str, settings: ProbeSettings, as_json: bool) -> int:
    """List a directory page's agencies and portal URLs."""
    try:
        entries = find_from_directory(url, settings)
    except DirectoryError as error:
        why = (statuses.label(error.status) if error.status != ROBOTS_DISALLOWED
               else "robots.txt không cho phép (robots.txt disallows)")
        if as_json:
            print(json.dumps({"directory": url, "error": error.status, "detail": error.detail,
                              "portals": {}}, ensure_ascii=False, indent=2))
        else:
            out.print(f"Không đọc được danh bạ (directory unreadable): {why} — {error.detail}")
        return EXIT_UNREACHABLE
    if as_json:
        print(json.dumps({"directory": url, "error": None, "portals": entries},
                         ensure_ascii=False, indent=2))
    else:
        print_directory(out, url, entries)
    return 0 if entries else EXIT_NOT_FOUND


def print_result(console: Console, result: FinderResult) -> None:
    """One finder result, Vietnamese first."""
    console.print(Text.assemble((result.label(), "bold"),
                                f" ({result.label('en')}): {result.home_url}"))
    rows = (
        ("Cổng (portal)", result.portal_url or "—"),
        ("Liên kết (link)", f"{result.link_url or '—'}  «{result.link_text}»"
         if result.link_url else "—"),
        ("Dấu hiệu (patterns)", "; ".join(result.patterns) or "—"),
        ("Chuyển hướng (redirects)", " → ".join(result.redirects) or "—"),
        ("Trạng thái (status)", _status_text(result)),
        ("Ghi chú (detail)", result.detail or "—"),
    )
    for name, value in rows:
        console.print(f"  {name}: {value}")


def print_directory(console: Console, url: str, entries: dict[str, str]) -> None:
    """A directory's agencies and their portals."""
    shown = Table(title=f"{url} — {len(entries)} cổng (portals)")
    shown.add_column("Cơ quan (agency)")
    shown.add_column("Cổng (portal)")
    for name, portal in entries.items():
        shown.add_row(name, portal)
    console.print(shown)


def _status_text(result: FinderResult) -> str:
    """'HTTP 200' for an answer; the status label (and code) for a failure."""
    if result.status == statuses.COMPLETED:
        return f"HTTP {result.http_status}" if result.http_status else "—"
    if result.status == ROBOTS_DISALLOWED:
        return "robots.txt không cho phép (robots.txt disallows)"
    code = f" (HTTP {result.http_status})" if result.http_status else ""
    return f"{statuses.label(result.status)} / {statuses.label(result.status, 'en')}{code}"


# --- probe discover --registry ------------------------------------------------------------


def discover_registry(request: SweepRequest, as_json: bool) -> int:
    """Map every portal of the registry or schedule in `request` as a sweep of it would
    (its settings, politeness, discovery budget, retries and concurrency: `prepare`), store
    the maps, print them with what changed since each agency's previous map; return the exit
    status. A schedule's time window does not apply: whoever asks for maps chose the hour."""
    plan, options = prepare(request)
    store = open_store(request.db)
    agencies, source = list(plan.agencies), str(plan.registry or plan.source)
    with sweep_progress(Console(stderr=True), agencies, enabled=not as_json, families=(),
                        title="Lập sơ đồ (mapping)") as progress:
        batch_id, portals = asyncio.run(map_registry(agencies, options, store, progress,
                                                     source))
    _print_batch(batch_id, source, portals, as_json)
    return 0 if all(p.mapped for p in portals) else EXIT_UNREACHABLE


def show_stored(db: str, batch: str, as_json: bool) -> int:
    """Print the stored call `batch` ('latest': the newest) as it was printed when made."""
    store = existing_store(db)
    recent = recent_batches(store)
    batch_id = recent[0][0] if batch == "latest" and recent else batch
    source, portals = stored_batch(store, batch_id)
    if not portals:
        known = "; ".join(f"{b} ({first[:16]}, {count} cổng)" for b, first, count in recent)
        raise UserError(f"không có lô sơ đồ (no stored batch of maps) '{batch}' "
                        f"trong {shown_url(db)}"
                        + (f"; lô gần đây (recent batches): {known}" if known else
                           "; chạy (run) probe discover --registry trước (first)"))
    _print_batch(batch_id, source, portals, as_json)
    return 0


def show_history(db: str, agency: str, as_json: bool, last: int | None = None) -> int:
    """Print every stored map of `agency` (its id, or its name in any letter case, with or
    without diacritics, as `probe trend` finds it), or the newest `last`, oldest first, each
    compared with the complete map before it."""
    from probe.trends import name_key

    store = existing_store(db)
    known = mapped_agencies(store)
    by_name = [i for i, name in known.items() if name_key(name) == name_key(agency)]
    agency_id = agency if agency in known else next(iter(by_name), None)
    if agency_id is None:
        close = get_close_matches(agency, [*known, *known.values()], n=3)
        raise UserError(f"không có sơ đồ đã lưu của cơ quan '{agency}' (no stored maps of this "
                        f"agency) trong {shown_url(db)}"
                        + (f"; gần giống (did you mean): {', '.join(close)}" if close else ""))
    history = agency_history(store, agency_id)
    shown = history[-last:] if last else history
    if as_json:
        print(json.dumps({"agency_id": agency_id, "agency": known[agency_id], "maps": [
            {"batch_id": m.batch_id, **{k: v for k, v in m.to_dict().items() if k != "sitemap"}}
            for m in shown], "older_maps": len(history) - len(shown)},
            ensure_ascii=False, indent=2))
    else:
        print_history(out, shown, older=len(history) - len(shown))
    return 0


def print_history(console: Console, history: list[MappedPortal], older: int = 0) -> None:
    """One row per stored map of one agency (`older` maps before them left out): when,
    status, pages, depth, missing, changes."""
    agency = history[-1].agency
    count = f"{len(history)} sơ đồ gần nhất / {len(history) + older} (newest of stored maps)" \
        if older else f"{len(history)} sơ đồ đã lưu (stored maps)"
    shown = Table(title=f"{agency.name} ({agency.id}) — {count}")
    for column in ("Lô (batch)", "Lúc (at, UTC)", *MAP_COLUMNS):
        shown.add_column(column)
    for portal in history:
        shown.add_row(portal.batch_id, portal.discovered_at[:16], *_map_cells(portal, paths=3))
    console.print(shown)


def _print_batch(batch_id: str, source: str, portals: list[MappedPortal],
                 as_json: bool) -> None:
    if as_json:
        print(json.dumps({"batch_id": batch_id, "registry": source or None,
                          "portals": [p.to_dict() for p in portals]},
                         ensure_ascii=False, indent=2))
    else:
        print_maps(out, batch_id, portals)


def print_maps(console: Console, batch_id: str, portals: list[MappedPortal]) -> None:
    """One row per portal: status, pages, depth, expected page types missing, changes."""
    shown = Table(title=f"Sơ đồ trang của {len(portals)} cổng (site maps of {len(portals)} "
                        f"portals) — lô (batch) {batch_id}")
    for column in ("Cơ quan (agency)", *MAP_COLUMNS):
        shown.add_column(column)
    for portal in portals:
        name = portal.agency.name + ("" if portal.agency.confirmed else f" {UNCONFIRMED}")
        shown.add_row(name, *_map_cells(portal))
    console.print(shown)
    mapped = sum(p.mapped for p in portals)
    console.print(f"Đã lập và lưu (mapped and stored) {mapped}/{len(portals)} cổng; "
                  "so sánh lần sau với lô này (the next batch compares with this one)")
    unconfirmed = [p for p in portals if not p.agency.confirmed]
    if unconfirmed:
        console.print(f"{UNCONFIRMED} URL chưa xác nhận trong sổ đăng ký (URL unconfirmed in the "
                      f"registry): {len(unconfirmed)} cổng, lập được sơ đồ (mapped) "
                      f"{sum(p.mapped for p in unconfirmed)}: một người cần xác nhận cổng là "
                      "của cơ quan (a person confirms the portal is the agency's)")


MAP_COLUMNS = ("Trạng thái (status)", "Trang (pages)", "Sâu (depth)", "Chưa thấy (missing)",
               "So với lần trước (since last)")


def _map_cells(portal: MappedPortal, paths: int = 0) -> tuple[str, ...]:
    """A map's cells under `MAP_COLUMNS` (`paths`: changed paths named, see `_since_last`)."""
    depth = portal.max_depth
    return (_map_status(portal), str(len(portal.sitemap.pages)),
            "—" if depth is None else str(depth),
            ", ".join(TYPE_VI[t] for t in portal.missing_types()) or "—",
            _since_last(portal, paths))


def _map_status(portal: MappedPortal) -> str:
    if portal.mapped and portal.sitemap.handover:
        return f"đã lập, chuyển sang (mapped, hand-over to) {portal.sitemap.handover}"
    if portal.mapped:
        return "đã lập (mapped)"
    why = f" — {portal.detail}" if portal.detail else ""
    return f"{statuses.label(portal.status)} ({portal.status}){why}"


def _since_last(portal: MappedPortal, paths: int = 0) -> str:
    """'+2 / −1 trang (pages)', followed by the first `paths` paths added and removed."""
    changes = portal.changes()
    if changes is None:
        return "—"
    added, removed = changes
    if not added and not removed:
        return "không đổi (unchanged)"
    named = [f"{sign}{urlsplit(url).path or '/'}" for sign, urls in (("−", removed), ("+", added))
             for url in urls[:paths]]
    return f"+{len(added)} / −{len(removed)} trang (pages)" + (f": {' '.join(named)}"
                                                              if named else "")
