"""SQLAlchemy tables. Changes to them go with an Alembic migration in probe/migrations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SweepRow(Base):
    __tablename__ = "sweeps"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    registry_path: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="running")
    # A rubric name or file path: text (0005); SQLite keeps its old VARCHAR(64), whose
    # length it never enforces.
    rubric: Mapped[str] = mapped_column(Text().with_variant(String(64), "sqlite"),
                                        default="2024")
    # What `probe sweep --resume` needs to go on: the sweep's options as JSON (0004).
    options_json: Mapped[str] = mapped_column(Text, default="", server_default="")
    # host:pid of the process sweeping now ("" when none), so two cannot resume one sweep.
    owner: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # SHA-256 of the rubric file the sweep was scored with ("" before 0008): its text is in
    # rubric_texts, so the read commands find that rubric even after the file moved.
    rubric_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")


class SweepPortalRow(Base):
    """One agency of a sweep's plan: pending, running (its run id known) or done (sealed).

    The plan is what makes a sweep resumable: it is written before any portal starts, and a
    portal counts as done only once its run is sealed. Attempts (retries) are kept here as
    JSON; the run itself carries them as an artifact sealed with it.
    """

    __tablename__ = "sweep_portals"
    __table_args__ = (UniqueConstraint("sweep_id", "agency_id", name="uq_sweep_portals_agency"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"),
                                          index=True)
    position: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[str] = mapped_column(String(120))
    agency_json: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    run_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempts_json: Mapped[str] = mapped_column(Text, default="[]")
    started_at: Mapped[str] = mapped_column(String(32), default="")
    finished_at: Mapped[str] = mapped_column(String(32), default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    redone: Mapped[int] = mapped_column(Integer, default=0)  # half-written runs discarded
    # Celery deliveries of the agency's task whose worker died before it ended (0005).
    deliveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sweep_id: Mapped[str | None] = mapped_column(ForeignKey("sweeps.id"), nullable=True,
                                                 index=True)
    agency_id: Mapped[str] = mapped_column(String(120), index=True)
    agency_name: Mapped[str] = mapped_column(Text)
    block: Mapped[str] = mapped_column(String(20))
    vendor: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text, default="")
    handover: Mapped[str | None] = mapped_column(Text, nullable=True)
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(32))
    status_detail: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[str] = mapped_column(String(32), default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    agency_json: Mapped[str] = mapped_column(Text, default="{}")


class PageRow(Base):
    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    template: Mapped[str] = mapped_column(Text, default="")
    signals_json: Mapped[str] = mapped_column(Text, default="[]")
    http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(Text, default="")


class ObservationRow(Base):
    __tablename__ = "observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    check: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(64))
    page: Mapped[str | None] = mapped_column(Text, nullable=True)
    value_json: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    stat: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")
    observed_at: Mapped[str] = mapped_column(String(32))
    artifacts_json: Mapped[str] = mapped_column(Text, default="[]")


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("run_id", "rubric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    rubric: Mapped[str] = mapped_column(String(64))
    total: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(2))
    groups_json: Mapped[str] = mapped_column(Text)
    items_json: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[str] = mapped_column(String(32))
    # SHA-256 of the rubric file that produced the score ("" when not recorded).
    rubric_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AttestationRow(Base):
    """A person's statement about a rubric item the probe cannot see (e.g. level-3 approval)."""

    __tablename__ = "attestations"
    __table_args__ = (Index("ix_attestations_agency_item", "agency_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[str] = mapped_column(String(120))
    item_id: Mapped[str] = mapped_column(String(32))
    attested_by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[float] = mapped_column(Float, default=1.0)
    recorded_at: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_path: Mapped[str] = mapped_column(Text, default="")  # relative to the evidence root


class PublishedResultRow(Base):
    """One row of a published (historical) ranking table, imported as a sweep."""

    __tablename__ = "published_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"),
                                          index=True)
    block: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agency: Mapped[str] = mapped_column(Text)
    grade: Mapped[str] = mapped_column(String(2))
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    vendor: Mapped[str] = mapped_column(Text, default="")


class DiscoveryRow(Base):
    """One portal's site map from `probe discover --registry`: mapped outside any sweep, so no
    run, score, rank or trend ever reads it (0006). `batch_id` names the command's call;
    `confirmed`, `position` and `source` (0007) are NULL on maps stored before they were kept."""

    __tablename__ = "discoveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str] = mapped_column(String(120), index=True)
    agency_name: Mapped[str] = mapped_column(Text)
    block: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    discovered_at: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))  # completed, or the taxonomy's code
    detail: Mapped[str] = mapped_column(Text, default="")  # why it failed; the tries it took
    pages: Mapped[int] = mapped_column(Integer, default=0)
    sitemap_json: Mapped[str] = mapped_column(Text)
    confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # by the registry
    position: Mapped[int | None] = mapped_column(Integer, nullable=True)  # in the registry
    source: Mapped[str | None] = mapped_column(Text, nullable=True)  # registry or schedule


class RubricTextRow(Base):
    """A rubric file, byte for byte, as it was when it judged runs, keyed by its SHA-256: the
    `rubric_sha256` of a score or sweep finds the exact rubric that made it (0008)."""

    __tablename__ = "rubric_texts"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[str] = mapped_column(String(32))
