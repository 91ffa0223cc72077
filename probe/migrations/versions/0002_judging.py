"""judging: attestations, published (historical) results, rubric hash of scores

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the attestations and published_results tables and scores.rubric_sha256."""
    op.create_table(
        "attestations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(length=120), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("attested_by", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("credit", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_path", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.create_index("ix_attestations_agency_item", ["agency_id", "item_id"],
                              unique=False)

    op.create_table(
        "published_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sweep_id", sa.String(length=40), nullable=False),
        sa.Column("block", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("grade", sa.String(length=2), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("vendor", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweeps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("published_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_published_results_sweep_id"), ["sweep_id"],
                              unique=False)

    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rubric_sha256", sa.String(length=64), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_column("rubric_sha256")
    with op.batch_alter_table("published_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_published_results_sweep_id"))
    op.drop_table("published_results")
    with op.batch_alter_table("attestations", schema=None) as batch_op:
        batch_op.drop_index("ix_attestations_agency_item")
    op.drop_table("attestations")
