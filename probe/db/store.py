"""The results store: sweeps, runs, site maps, observations and scores (SQLAlchemy)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Select, create_engine, event, insert, or_, select, true, update
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from probe.db.schema import (
    AttestationRow,
    ObservationRow,
    PageRow,
    PublishedResultRow,
    RubricTextRow,
    RunRow,
    ScoreRow,
    SweepRow,
)
from probe.models import Agency, Observation, PageInfo, PortalScore, SiteMap, utc_now

if TYPE_CHECKING:
    from probe.scoring.rubric import Rubric

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


def with_scheme(url: str) -> str:
    """`url` as an SQLAlchemy URL: a bare path names an SQLite file."""
    return url if "://" in url else f"sqlite:///{url}"


def shown_url(url: str) -> str:
    """A database URL as it may be printed or logged: its password masked."""
    try:
        return make_url(with_scheme(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL (or a bare path) names; None for a server database or memory."""
    try:
        parsed = make_url(with_scheme(url))
    except ArgumentError:
        return None
    name = parsed.database or ""
    if not parsed.drivername.startswith("sqlite") or name in ("", ":memory:") \
            or name.startswith("file:"):
        return None
    return Path(name)


def _engine(url: str) -> Engine:
    engine = create_engine(with_scheme(url))
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


DEFAULT_DB = "sqlite:///results.db"  # the database every command uses unless told otherwise
RECENT_LISTED = 5  # sweep ids named when an asked-for sweep does not exist
PUBLISHED_RUBRIC = "published"  # the rubric of an imported table's sweep: none, as published


def is_published(sweep: SweepRow) -> bool:
    """Whether `sweep` is an imported published results table (grades and ranks as published,
    no evidence), not a measured sweep: one imported from an auditor bundle is measured."""
    return sweep.status == "imported" and sweep.rubric == PUBLISHED_RUBRIC


def _of_runs(query: Select[Any], run_id: Any, sweep_id: str | None,
             run_ids: Sequence[str] | None) -> Select[Any]:
    """`query` narrowed to the runs of one sweep and/or to the runs named (`run_id`: the
    queried table's run id column)."""
    if sweep_id is not None:
        query = query.join(RunRow, RunRow.id == run_id).where(RunRow.sweep_id == sweep_id)
    if run_ids is not None:
        query = query.where(run_id.in_(run_ids))
    return query


def sweep_selector(sweep_id: str) -> tuple[str, str | None]:
    """('latest' | 'previous' | the id itself, the schedule named after a colon or None)."""
    which, colon, schedule = sweep_id.partition(":")
    if colon and schedule and which in ("latest", "previous"):
        return which, schedule
    return sweep_id, None


def _no_previous(newest: SweepRow) -> str:
    """Why 'previous' names no sweep although `newest` was measured."""
    schedule = f"lịch '{newest.schedule}' (schedule)" if newest.schedule else \
        "quét không theo lịch (unscheduled sweeps)"
    return (f"không có đợt quét 'previous' (no such sweep): đợt mới nhất {newest.id} là đợt "
            f"đầu tiên của {schedule}; 'previous' cần hai đợt cùng lịch (the newest sweep is "
            f"the first of its schedule; 'previous' needs two sweeps of it)")


class Store:
    """One results database; created and migrated on first use."""

    def __init__(self, url: str = DEFAULT_DB) -> None:
        self.url = url
        try:
            self.engine = _engine(url)
            migrate(self.engine)
        except (SQLAlchemyError, OSError) as error:
            raise StoreError(f"không mở được cơ sở dữ liệu {shown_url(url)} "
                             f"(cannot open database): "
                             f"{error.__class__.__name__}: {str(error).splitlines()[0]}") from error
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    # sweeps -------------------------------------------------------------------------------
    def start_sweep(self, registry: str = "", schedule: str = "", rubric: str = "2024",
                    sweep_id: str | None = None, options_json: str = "",
                    owner: str = "", rubric_sha256: str = "") -> str:
        """A new sweep scored with `rubric` (a version or file; `rubric_sha256`: its hash,
        whose text `keep_rubric` stored); returns its id."""
        sweep_id = sweep_id or new_id("s")
        with self.session.begin() as session:
            session.add(SweepRow(id=sweep_id, started_at=utc_now(), registry_path=registry,
                                 schedule=schedule, rubric=rubric, options_json=options_json,
                                 owner=owner, rubric_sha256=rubric_sha256))
        return sweep_id

    # rubric files that judged runs ----------------------------------------------------------
    def keep_rubric(self, rubric: Rubric) -> str:
        """Store the rubric file's text under its hash, once (again changes nothing); returns
        the hash ("" for a rubric not read from text)."""
        if not rubric.sha256 or not rubric.text:
            return ""
        with self.session() as session:
            if session.get(RubricTextRow, rubric.sha256) is not None:
                return rubric.sha256
        try:
            with self.session.begin() as session:
                session.add(RubricTextRow(sha256=rubric.sha256, version=rubric.version,
                                          text=rubric.text, stored_at=utc_now()))
        except IntegrityError:
            pass  # another process stored the same text first
        return rubric.sha256

    def first_score_hash(self, run_id: str) -> str:
        """The rubric hash of the run's earliest stored score ("" when none was recorded)."""
        with self.session() as session:
            found = session.scalars(select(ScoreRow.rubric_sha256).where(
                ScoreRow.run_id == run_id).order_by(ScoreRow.scored_at, ScoreRow.id)).first()
        return found or ""

    def rubric_text(self, sha256: str) -> str | None:
        """The text of the rubric file of hash `sha256`, or None when it was not kept."""
        with self.session() as session:
            row = session.get(RubricTextRow, sha256) if sha256 else None
            return row.text if row is not None else None

    def claim_sweep(self, sweep_id: str, owner: str, previous: str) -> bool:
        """Mark a sweep as running again by `owner` (host:pid), for a resume, provided its
        owner is still `previous`; False when another process claimed it first."""
        with self.session.begin() as session:
            done = session.execute(update(SweepRow).where(
                SweepRow.id == sweep_id, SweepRow.owner == previous).values(
                status="running", owner=owner, finished_at=None))
        return bool(done.rowcount)

    def finish_sweep(self, sweep_id: str, status: str = "completed") -> None:
        with self.session.begin() as session:
            row = session.get(SweepRow, sweep_id)
            if row is not None:
                row.status, row.finished_at, row.owner = status, utc_now(), ""

    def sweep(self, sweep_id: str) -> SweepRow:
        """A sweep by its id; 'latest' is the newest, 'previous' the measured sweep of the
        same schedule before the newest measured one (last night's, for `probe diff
        previous latest` in the morning). 'latest:NAME' and 'previous:NAME' pick among the
        sweeps of schedule NAME only (a database several schedules share)."""
        which, schedule = sweep_selector(sweep_id)
        newest = select(SweepRow).order_by(SweepRow.started_at.desc(), SweepRow.id.desc())
        if schedule is not None:
            newest = newest.where(SweepRow.schedule == schedule)
        with self.session() as session:
            if which == "latest":
                row = session.scalars(newest).first()
            elif which == "previous":
                row = session.scalars(newest.where(SweepRow.status != "imported")).first()
            else:
                row = session.get(SweepRow, sweep_id)
        if which == "previous" and row is not None:
            newest_measured, row = row, self.previous_sweep(row)
            if row is None:
                raise StoreError(_no_previous(newest_measured))
        if row is None:
            raise StoreError(self._no_such_sweep(sweep_id, schedule))
        return row

    def _no_such_sweep(self, sweep_id: str, schedule: str | None = None) -> str:
        """Why `sweep_id` names no sweep, with the newest ids (or the schedules) to pick from."""
        if schedule is not None:
            known = sorted({s.schedule for s in self.sweeps() if s.schedule})
            return (f"không có đợt quét nào của lịch '{schedule}' (no sweep of that schedule); "
                    f"lịch đã có (schedules stored): {', '.join(known) or '—'}")
        recent = [s.id for s in reversed(self.sweeps()[-RECENT_LISTED:])]
        if not recent:
            return (f"không có đợt quét '{sweep_id}' (no such sweep): chưa có đợt quét nào "
                    f"(no sweeps yet) trong {shown_url(self.url)}")
        return (f"không có đợt quét '{sweep_id}' (no such sweep); đợt gần đây (recent "
                f"sweeps): {', '.join(recent)}")

    def previous_sweep(self, sweep: SweepRow) -> SweepRow | None:
        """The measured sweep of `sweep`'s schedule that started last before it, if any."""
        query = (select(SweepRow)
                 .where(SweepRow.status != "imported", SweepRow.schedule == sweep.schedule,
                        (SweepRow.started_at < sweep.started_at)
                        | ((SweepRow.started_at == sweep.started_at) & (SweepRow.id < sweep.id)))
                 .order_by(SweepRow.started_at.desc(), SweepRow.id.desc()))
        with self.session() as session:
            return session.scalars(query).first()

    def sweeps(self) -> list[SweepRow]:
        with self.session() as session:
            return list(session.scalars(select(SweepRow).order_by(SweepRow.started_at)))

    # runs ---------------------------------------------------------------------------------
    def save_run(self, run: RunRow, sitemap: SiteMap | None,
                 observations: list[Observation], score: PortalScore | None = None,
                 rubric_sha256: str = "") -> None:
        """Store a finished run with its site map, observations and (given) score, made by
        the rubric file of hash `rubric_sha256`, in one transaction: a reader never sees part
        of it."""
        with self.session.begin() as session:
            session.add(run)
            session.flush()
            for page in (sitemap.pages if sitemap else []):
                session.add(_page_row(run.id, page))
            for observation in observations:
                session.add(_observation_row(run.id, observation))
            if score is not None:
                session.add(ScoreRow(run_id=run.id, rubric=score.rubric, scored_at=utc_now(),
                                     rubric_sha256=rubric_sha256, **score_columns(score)))

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
        """A run by its id; 'latest' is the newest run, an agency's id that agency's newest."""
        newest = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc())
        with self.session() as session:
            if run_id == "latest":
                row = session.scalars(newest).first()
            else:
                row = session.get(RunRow, run_id) or session.scalars(
                    newest.where(RunRow.agency_id == run_id)).first()
        if row is None:
            raise StoreError(f"không có lượt kiểm tra hay cơ quan '{run_id}' "
                             "(no such run or agency)")
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

    # judging: bulk reads and writes ---------------------------------------------------------
    def save_runs(self, runs: list[tuple[RunRow, list[Observation]]]) -> None:
        """Store many finished runs (without site maps) and their observations at once."""
        with self.session.begin() as session:
            session.add_all([run for run, _ in runs])
            session.flush()
            rows = [_observation_columns(run.id, o) for run, found in runs for o in found]
            if rows:
                session.execute(insert(ObservationRow), rows)

    def observations_by_run(self, sweep_id: str | None = None,
                            run_ids: Sequence[str] | None = None) -> dict[str, list[Observation]]:
        """Every observation of every run (of one sweep, or of the runs named), per run id, in
        stored order."""
        table = ObservationRow.__table__
        query = _of_runs(select(table.c.run_id, table.c.check, table.c.name, table.c.value_json,
                                table.c.unit, table.c.page, table.c.stat, table.c.outcome,
                                table.c.detail, table.c.artifacts_json, table.c.observed_at),
                         table.c.run_id, sweep_id, run_ids)
        found: dict[str, list[Observation]] = {}
        with self.engine.connect() as connection:
            order = (table.c.id,) if run_ids is None else (table.c.run_id, table.c.id)  # indexed
            rows = connection.execute(query.order_by(*order)).all()
        for row in rows:
            found.setdefault(row[0], []).append(Observation(
                check=row[1], name=row[2], value=_json_value(row[3]), unit=row[4],
                page=row[5], stat=row[6], outcome=row[7], detail=row[8],
                artifacts=[] if row[9] == "[]" else json.loads(row[9]), observed_at=row[10]))
        return found

    def stored_scores(self, rubric: str, sweep_id: str | None = None,
                      run_ids: Sequence[str] | None = None) -> dict[str, StoredScore]:
        """The stored scores under `rubric` (of one sweep, or of the runs named), per run id,
        as stored text."""
        query = _of_runs(select(ScoreRow.run_id, ScoreRow.id, ScoreRow.total, ScoreRow.grade,
                                ScoreRow.groups_json, ScoreRow.items_json, ScoreRow.rubric_sha256
                                ).where(ScoreRow.rubric == rubric),
                         ScoreRow.run_id, sweep_id, run_ids)
        with self.engine.connect() as connection:
            return {row[0]: StoredScore(row[1], row[2], row[3], row[4], row[5], row[6])
                    for row in connection.execute(query)}

    def save_scores(self, scores: list[tuple[str, PortalScore]], rubric_sha256: str = "",
                    existing: dict[str, StoredScore] | None = None) -> int:
        """Store many scores in one transaction; identical stored scores are left untouched.

        `existing` is `stored_scores(...)` of the same rubric (read here when None). Returns
        the number of rows inserted or updated.
        """
        if not scores:
            return 0
        rubric = scores[0][1].rubric
        existing = self.stored_scores(rubric) if existing is None else existing
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        now = utc_now()
        for run_id, portal_score in scores:
            columns = score_columns(portal_score)
            old = existing.get(run_id)
            if old is not None and old.same(columns, rubric_sha256):
                continue
            columns.update(scored_at=now, rubric_sha256=rubric_sha256)
            if old is None:
                inserts.append({"run_id": run_id, "rubric": portal_score.rubric, **columns})
            else:
                updates.append({"id": old.id, **columns})
        with self.session.begin() as session:
            if inserts:
                session.execute(insert(ScoreRow), inserts)
            if updates:
                session.execute(update(ScoreRow), updates)
        return len(inserts) + len(updates)

    def agencies(self) -> list[tuple[str, str]]:
        """Distinct (agency id, agency name) pairs of stored runs, sorted by id."""
        with self.session() as session:
            rows = session.execute(select(RunRow.agency_id, RunRow.agency_name).distinct())
            return sorted({(r[0], r[1]) for r in rows})

    def runs_of_agency(self, agency_id: str) -> list[RunRow]:
        """The runs of one agency, oldest first."""
        with self.session() as session:
            return list(session.scalars(select(RunRow).where(RunRow.agency_id == agency_id)
                                        .order_by(RunRow.started_at, RunRow.id)))

    def last_durations(self, agency_ids: list[str]) -> dict[str, float]:
        """Seconds the latest completed run of each agency took (agencies never completed
        are absent): how long each portal may be expected to take tonight."""
        with self.session() as session:
            rows = session.execute(select(RunRow.agency_id, RunRow.duration_s)
                                   .where(RunRow.agency_id.in_(agency_ids),
                                          RunRow.status == "completed")
                                   .order_by(RunRow.started_at, RunRow.id))
            return {agency_id: duration for agency_id, duration in rows}

    def score_totals(self, run_ids: Sequence[str], rubric: str,
                     sha256: str = "") -> dict[str, tuple[float | None, str | None]]:
        """(total, grade) under `rubric` of the given runs that have a score, per run id
        (what a ranking reads, without the items); with `sha256`, only scores made by that
        rubric text or with no text recorded (as `probe.judged.made_by`)."""
        found: dict[str, tuple[float | None, str | None]] = {}
        made_by = or_(ScoreRow.rubric_sha256.is_(None), ScoreRow.rubric_sha256 == "",
                      ScoreRow.rubric_sha256 == sha256) if sha256 else true()
        with self.engine.connect() as connection:
            for start in range(0, len(run_ids), _CHUNK):
                query = select(ScoreRow.run_id, ScoreRow.total, ScoreRow.grade).where(
                    ScoreRow.rubric == rubric, made_by,
                    ScoreRow.run_id.in_(run_ids[start:start + _CHUNK]))
                found.update((row[0], (row[1], row[2])) for row in connection.execute(query))
        return found

    # attestations ---------------------------------------------------------------------------
    def add_attestation(self, agency_id: str, item_id: str, attested_by: str, note: str = "",
                        credit: float = 1.0, file_name: str = "", file_sha256: str = "",
                        file_path: str = "", recorded_at: str | None = None) -> int:
        """Record a person's statement about an item; returns its id."""
        row = AttestationRow(agency_id=agency_id, item_id=item_id, attested_by=attested_by,
                             note=note, credit=credit, recorded_at=recorded_at or utc_now(),
                             file_name=file_name, file_sha256=file_sha256, file_path=file_path)
        with self.session.begin() as session:
            session.add(row)
            session.flush()
            return row.id

    def attestations(self, agency_id: str | None = None) -> list[AttestationRow]:
        """Recorded attestations (of one agency), oldest first."""
        query = select(AttestationRow).order_by(AttestationRow.recorded_at, AttestationRow.id)
        if agency_id is not None:
            query = query.where(AttestationRow.agency_id == agency_id)
        with self.session() as session:
            return list(session.scalars(query))

    # published (historical) results ---------------------------------------------------------
    def save_published(self, sweep_id: str, started_at: str, source: str,
                       rows: list[dict[str, Any]]) -> None:
        """Store a published ranking as an imported sweep with its rows, in one transaction."""
        with self.session.begin() as session:
            session.add(SweepRow(id=sweep_id, started_at=started_at, finished_at=started_at,
                                 registry_path=source, schedule="import", status="imported",
                                 rubric=PUBLISHED_RUBRIC))
            session.flush()
            for row in rows:
                session.add(PublishedResultRow(
                    sweep_id=sweep_id, block=row["block"], rank=row.get("rank"),
                    agency=row["agency"], grade=row["grade"], total=row.get("total"),
                    vendor=row.get("vendor", "")))

    def published_results(self, sweep_id: str | None = None) -> list[dict[str, Any]]:
        """Imported published rows (of one sweep) as dicts, in file order, with sweep_id."""
        query = select(PublishedResultRow).order_by(PublishedResultRow.id)
        if sweep_id is not None:
            query = query.where(PublishedResultRow.sweep_id == sweep_id)
        with self.session() as session:
            return [{"sweep_id": r.sweep_id, "block": r.block, "rank": r.rank,
                     "agency": r.agency, "grade": r.grade, "total": r.total,
                     "vendor": r.vendor} for r in session.scalars(query)]

    def close(self) -> None:
        self.engine.dispose()


_CHUNK = 500  # ids per IN (...) list, below every backend's parameter limit


@dataclass(frozen=True)
class StoredScore:
    """A stored score row as text: what re-scoring compares byte for byte."""

    id: int
    total: float
    grade: str
    groups_json: str
    items_json: str
    rubric_sha256: str = ""

    def same(self, columns: dict[str, Any], rubric_sha256: str) -> bool:
        """Whether `columns` (from `score_columns`) and the hash equal what is stored."""
        return (self.total == columns["total"] and self.grade == columns["grade"]
                and self.groups_json == columns["groups_json"]
                and self.items_json == columns["items_json"]
                and self.rubric_sha256 == rubric_sha256)


def score_columns(score: PortalScore) -> dict[str, Any]:
    """The stored form of a score (total, grade, groups_json, items_json), as `save_score`
    writes it: the same score always gives the same bytes."""
    items = [{"id": i.id, "group": i.group, "points": i.points, "max": i.max,
              "status": i.status, "reason": i.reason, "reason_en": i.reason_en,
              "observations": list(i.observations)} for i in score.items]  # = to_dict(), faster
    return {"total": score.total, "grade": score.grade,
            "groups_json": json.dumps(score.groups, ensure_ascii=False, sort_keys=True),
            "items_json": json.dumps(items, ensure_ascii=False)}


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


def _observation_columns(run_id: str, observation: Observation) -> dict[str, Any]:
    """The column values `_observation_row` would store, for bulk inserts."""
    return {"run_id": run_id, "check": observation.check, "name": observation.name,
            "page": observation.page,
            "value_json": json.dumps(observation.value, ensure_ascii=False),
            "unit": observation.unit, "stat": observation.stat, "outcome": observation.outcome,
            "detail": observation.detail, "observed_at": observation.observed_at,
            "artifacts_json": json.dumps(observation.artifacts)}


_JSON_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _json_value(text: str) -> Any:
    """json.loads of a stored value, with fast paths for literals and plain numbers."""
    if text in _JSON_LITERALS:
        return _JSON_LITERALS[text]
    if text[:1] in "-0123456789" and text[:1]:
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                pass
    return json.loads(text)


def _observation(row: ObservationRow) -> Observation:
    return Observation(check=row.check, name=row.name, value=json.loads(row.value_json),
                       unit=row.unit, page=row.page, stat=row.stat, outcome=row.outcome,
                       detail=row.detail, artifacts=json.loads(row.artifacts_json),
                       observed_at=row.observed_at)
