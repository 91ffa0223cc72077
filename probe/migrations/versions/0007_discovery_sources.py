"""discoveries: the registry's word on each URL, its place there, and which registry asked

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add confirmed, position and source (NULL on maps stored before: not known)."""
    with op.batch_alter_table("discoveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop confirmed, position and source."""
    with op.batch_alter_table("discoveries", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("position")
        batch_op.drop_column("confirmed")
