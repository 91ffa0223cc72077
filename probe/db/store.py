"""The results store: sweeps, runs, site maps, observations and scores (SQLAlchemy)."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from probe.db.schema import ObservationRow, PageRow, RunRow, ScoreRow, SweepRow
from probe.models import Agency, Observation, PageInfo, PortalScore, SiteMap, utc_now

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class StoreError(RuntimeError):
    """The database cannot be opened or does not hold what was asked for."""


def new_id(prefix: str) -> str:
    """A sortable, unique id such as r-20261122T174012-3f9a1c."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}-{stamp}-{secrets.token_hex(3)}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _engine(url: str) -> Engine:
    if "://" not in url:
        url = f"sqlite:///{url}"
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """One results database; created and migrated on first use."""

    def __init__(self, url: str = "sqlite:///results.db") -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            migrate(self.engine)
        except (SQLAlchemyError, OSError) as error:
            raise StoreError(f"không mở được cơ sở dữ liệu {url} (cannot open database): "
                             f"{error.__class__.__name__}: {str(error).splitlines()[0]}") from error
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    # sweeps -------------------------------------------------------------------------------
    def start_sweep(self, registry: str = "", schedule: str = "", rubric: str = "2024",
                    sweep_id: str | None = None) -> str:
        sweep_id = sweep_id or new_id("s")
        with self.session.begin() as session:
            session.add(SweepRow(id=sweep_id, started_at=utc_now(), registry_path=registry,
                                 schedule=schedule, rubric=rubric))
        return sweep_id

    def finish_sweep(self, sweep_id: str, status: str = "completed") -> None:
        with self.session.begin() as session:
            row = session.get(SweepRow, sweep_id)
            if row is not None:
                row.status, row.finished_at = status, utc_now()

    def sweep(self, sweep_id: str) -> SweepRow:
        with self.session() as session:
            if sweep_id == "latest":
                row = session.scalars(select(SweepRow).order_by(SweepRow.started_at.desc(),
                                                                SweepRow.id.desc())).first()
            else:
                row = session.get(SweepRow, sweep_id)
        if row is None:
            raise StoreError(f"không có đợt quét '{sweep_id}' (no such sweep)")
        return row

    def sweeps(self) -> list[SweepRow]:
        with self.session() as session:
            return list(session.scalars(select(SweepRow).order_by(SweepRow.started_at)))

    # runs ---------------------------------------------------------------------------------
    def save_run(self, run: RunRow, sitemap: SiteMap | None,
                 observations: list[Observation]) -> None:
        """Store a finished run with its site map and observations in one transaction."""
        with self.session.begin() as session:
            session.add(run)
            session.flush()
            for page in (sitemap.pages if sitemap else []):
                session.add(_page_row(run.id, page))
            for observation in observations:
                session.add(_observation_row(run.id, observation))

    def save_score(self, run_id: str, score: PortalScore) -> None:
        """Store (or replace) the score of a run under `score.rubric`."""
        with self.session.begin() as session:
            existing = session.scalars(select(ScoreRow).where(
                ScoreRow.run_id == run_id, ScoreRow.rubric == score.rubric)).first()
            row = existing or ScoreRow(run_id=run_id, rubric=score.rubric)
            row.total, row.grade = score.total, score.grade
            row.groups_json = json.dumps(score.groups, ensure_ascii=False, sort_keys=True)
            row.items_json = json.dumps([i.to_dict() for i in score.items], ensure_ascii=False)
            row.scored_at = utc_now()
            session.add(row)

    def run(self, run_id: str) -> RunRow:
        with self.session() as session:
            if run_id == "latest":
                row = session.scalars(select(RunRow).order_by(RunRow.started_at.desc(),
                                                              RunRow.id.desc())).first()
            else:
                row = session.get(RunRow, run_id)
        if row is None:
            raise StoreError(f"không có lượt kiểm tra '{run_id}' (no such run)")
        return row

    def runs(self, sweep_id: str | None = None) -> list[RunRow]:
        with self.session() as session:
            query = select(RunRow).order_by(RunRow.started_at, RunRow.id)
            if sweep_id is not None:
                query = query.where(RunRow.sweep_id == sweep_id)
            return list(session.scalars(query))

    def observations(self, run_id: str) -> list[Observation]:
        with self.session() as session:
            rows = session.scalars(select(ObservationRow).where(ObservationRow.run_id == run_id)
                                   .order_by(ObservationRow.id))
            return [_observation(row) for row in rows]

    def sitemap(self, run_id: str) -> SiteMap:
        run = self.run(run_id)
        with self.session() as session:
            rows = session.scalars(select(PageRow).where(PageRow.run_id == run_id)
                                   .order_by(PageRow.id))
            pages = [PageInfo(url=r.url, type=r.type, depth=r.depth, template=r.template,
                              signals=json.loads(r.signals_json), status=r.http_status,
                              title=r.title) for r in rows]
        return SiteMap(portal=run.final_url or run.url, handover=run.handover,
                       rendered=run.rendered, pages=pages)

    def score(self, run_id: str, rubric: str) -> dict[str, Any] | None:
        with self.session() as session:
            row = session.scalars(select(ScoreRow).where(
                ScoreRow.run_id == run_id, ScoreRow.rubric == rubric)).first()
        if row is None:
            return None
        return {"rubric": row.rubric, "total": row.total, "grade": row.grade,
                "groups": json.loads(row.groups_json), "items": json.loads(row.items_json)}

    def close(self) -> None:
        self.engine.dispose()


def run_row(agency: Agency, run_id: str, sweep_id: str | None, **fields: Any) -> RunRow:
    """A RunRow for `agency` (not yet stored)."""
    return RunRow(id=run_id, sweep_id=sweep_id, agency_id=agency.id, agency_name=agency.name,
                  block=agency.block, vendor=agency.vendor, url=agency.portal_url,
                  agency_json=json.dumps(asdict(agency), ensure_ascii=False), **fields)


def agency_of(run: RunRow) -> Agency:
    """The agency row a run was made for, as it was then."""
    return Agency(**json.loads(run.agency_json))


def _page_row(run_id: str, page: PageInfo) -> PageRow:
    return PageRow(run_id=run_id, url=page.url, type=page.type, depth=page.depth,
                   template=page.template, signals_json=json.dumps(page.signals,
                                                                   ensure_ascii=False),
                   http_status=page.status, title=page.title)


def _observation_row(run_id: str, observation: Observation) -> ObservationRow:
    return ObservationRow(
        run_id=run_id, check=observation.check, name=observation.name, page=observation.page,
        value_json=json.dumps(observation.value, ensure_ascii=False), unit=observation.unit,
        stat=observation.stat, outcome=observation.outcome, detail=observation.detail,
        observed_at=observation.observed_at,
        artifacts_json=json.dumps(observation.artifacts))


def _observation(row: ObservationRow) -> Observation:
    return Observation(check=row.check, name=row.name, value=json.loads(row.value_json),
                       unit=row.unit, page=row.page, stat=row.stat, outcome=row.outcome,
                       detail=row.detail, artifacts=json.loads(row.artifacts_json),
                       observed_at=row.observed_at)
