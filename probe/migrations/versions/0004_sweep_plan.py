"""sweep plan: per-agency progress of a sweep (resume, attempts) and the sweep's options

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add sweeps.options_json, sweeps.owner and the sweep_portals table."""
    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("options_json", sa.Text(), server_default="",
                                      nullable=False))
        batch_op.add_column(sa.Column("owner", sa.String(length=200), server_default="",
                                      nullable=False))
    op.create_table(
        "sweep_portals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sweep_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=120), nullable=False),
        sa.Column("agency_json", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempts_json", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(length=32), nullable=False),
        sa.Column("finished_at", sa.String(length=32), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("redone", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweeps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sweep_id", "agency_id", name="uq_sweep_portals_agency"),
    )
    with op.batch_alter_table("sweep_portals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sweep_portals_sweep_id"), ["sweep_id"],
                              unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("sweep_portals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sweep_portals_sweep_id"))
    op.drop_table("sweep_portals")
    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.drop_column("owner")
        batch_op.drop_column("options_json")
