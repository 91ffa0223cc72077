"""rubric_texts: every rubric file that judged runs, by its SHA-256; sweeps.rubric_sha256

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the rubric_texts table and the sweeps' rubric hash ("" for sweeps before)."""
    op.create_table(
        "rubric_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rubric_sha256", sa.String(length=64), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    """Drop the sweeps' rubric hash and the rubric_texts table."""
    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.drop_column("rubric_sha256")
    op.drop_table("rubric_texts")
