"""discoveries: site maps of `probe discover --registry`, kept apart from sweeps and runs

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the discoveries table."""
    op.create_table(
        "discoveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.String(length=120), nullable=False),
        sa.Column("agency_name", sa.Text(), nullable=False),
        sa.Column("block", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("discovered_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("sitemap_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("discoveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discoveries_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discoveries_agency_id"), ["agency_id"],
                              unique=False)


def downgrade() -> None:
    """Drop the discoveries table."""
    with op.batch_alter_table("discoveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discoveries_agency_id"))
        batch_op.drop_index(batch_op.f("ix_discoveries_batch_id"))
    op.drop_table("discoveries")
