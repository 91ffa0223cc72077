"""Site maps mapped outside any sweep (`probe discover --registry`), stored as they arrive.

They live in their own table: a run, a score, `latest`, rank, trend and diff never read them.
What they are for is the map itself, and how it changed since the agency's previous map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from probe.db.schema import DiscoveryRow
from probe.db.store import Store
from probe.models import Agency, SiteMap


@dataclass(frozen=True)
class StoredMap:
    """One stored site map, with when and under which call it was made."""

    batch_id: str
    agency: Agency  # as the registry gave it then (confirmed is True when not known)
    discovered_at: str
    status: str
    detail: str
    sitemap: SiteMap
    source: str = ""  # the registry or schedule of the call ("" when not known)

    @property
    def agency_id(self) -> str:
        return self.agency.id


def save_map(store: Store, batch_id: str, agency: Agency, sitemap: SiteMap, status: str,
             discovered_at: str, detail: str = "", source: str = "",
             position: int | None = None) -> None:
    """Store one portal's site map under the call `batch_id` (made for the registry or
    schedule `source`, where the agency comes at `position`), with its status and why."""
    with store.session.begin() as session:
        session.add(DiscoveryRow(
            batch_id=batch_id, agency_id=agency.id, agency_name=agency.name,
            block=agency.block, url=agency.portal_url, discovered_at=discovered_at,
            status=status, detail=detail, pages=len(sitemap.pages),
            sitemap_json=json.dumps(sitemap.to_dict(), ensure_ascii=False),
            confirmed=agency.confirmed, position=position, source=source))


def stored_maps(store: Store, agency_id: str | None = None,
                batch_id: str | None = None) -> list[StoredMap]:
    """Stored site maps (of one agency, of one call), oldest first; one call's in the order
    of its registry."""
    order = DiscoveryRow.discovered_at if batch_id is None else DiscoveryRow.position
    query = select(DiscoveryRow).order_by(order, DiscoveryRow.id)
    if agency_id is not None:
        query = query.where(DiscoveryRow.agency_id == agency_id)
    if batch_id is not None:
        query = query.where(DiscoveryRow.batch_id == batch_id)
    with store.session() as session:
        return [_stored(row) for row in session.scalars(query)]


def recent_batches(store: Store, limit: int = 5) -> list[tuple[str, str, int]]:
    """The newest calls, newest first: (batch id, when its first map was stored, maps)."""
    query = (select(DiscoveryRow.batch_id, func.min(DiscoveryRow.discovered_at),
                    func.count(DiscoveryRow.id))
             .group_by(DiscoveryRow.batch_id)
             .order_by(func.max(DiscoveryRow.id).desc()).limit(limit))
    with store.session() as session:
        return [(batch, str(first), int(count)) for batch, first, count in session.execute(query)]


def mapped_agencies(store: Store) -> dict[str, str]:
    """The agencies with a stored map: id to the name of its newest map, newest first."""
    query = (select(DiscoveryRow.agency_id, DiscoveryRow.agency_name)
             .order_by(DiscoveryRow.discovered_at.desc(), DiscoveryRow.id.desc()))
    named: dict[str, str] = {}
    with store.session() as session:
        for agency_id, name in session.execute(query):
            named.setdefault(agency_id, name)
    return named


def previous_map(store: Store, agency_id: str, batch_id: str,
                 before: str | None = None) -> StoredMap | None:
    """The agency's newest complete site map stored by another call than `batch_id` (and
    `before` that moment, when given), if any (a map that failed holds no pages to compare
    with). Only that one map is read: a year of nightly maps is not parsed to find it."""
    query = (select(DiscoveryRow)
             .where(DiscoveryRow.agency_id == agency_id, DiscoveryRow.batch_id != batch_id,
                    DiscoveryRow.status == "completed")
             .order_by(DiscoveryRow.discovered_at.desc(), DiscoveryRow.id.desc()).limit(1))
    if before is not None:
        query = query.where(DiscoveryRow.discovered_at < before)
    with store.session() as session:
        row = session.scalars(query).first()
        return _stored(row) if row is not None else None


def prune_maps(store: Store, cutoff: str, dry_run: bool = False) -> tuple[int, int]:
    """Delete the maps stored before `cutoff` (an ISO time), keeping each agency's newest
    complete map, which the next call compares with. (maps, bytes of map JSON) removed, or
    that would be on a dry run."""
    rows = select(DiscoveryRow.id, DiscoveryRow.agency_id, DiscoveryRow.status,
                  DiscoveryRow.discovered_at, func.length(DiscoveryRow.sitemap_json))
    with store.session() as session:
        found = list(session.execute(rows.order_by(DiscoveryRow.discovered_at, DiscoveryRow.id)))
    newest = {agency: row_id for row_id, agency, status, _, _ in found if status == "completed"}
    kept = set(newest.values())
    gone = [(row_id, size) for row_id, _, _, at, size in found
            if at < cutoff and row_id not in kept]
    if not dry_run:
        _delete_rows([row_id for row_id, _ in gone], store)
    return len(gone), sum(int(size or 0) for _, size in gone)


def _delete_rows(ids: list[int], store: Store, chunk: int = 500) -> None:
    """Delete discovery rows by id, `chunk` at a time (within SQLite's bound variables)."""
    for start in range(0, len(ids), chunk):
        with store.session.begin() as session:
            batch = ids[start:start + chunk]
            session.execute(delete(DiscoveryRow).where(DiscoveryRow.id.in_(batch)))


def _stored(row: DiscoveryRow) -> StoredMap:
    agency = Agency(row.agency_id, row.agency_name, row.block,  # type: ignore[arg-type]
                    row.url, confirmed=row.confirmed is not False)
    return StoredMap(row.batch_id, agency, row.discovered_at, row.status, row.detail,
                     SiteMap.from_dict(json.loads(row.sitemap_json)), row.source or "")
