"""sweeps.rubric as text (a rubric file path can be long); sweep_portals.deliveries

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Widen sweeps.rubric to text; count each agency's unfinished task deliveries.

    SQLite ignores a VARCHAR's length (and rebuilding `sweeps` there would break the foreign
    keys of its runs), so only other databases (PostgreSQL) alter the column.
    """
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("sweeps", "rubric", existing_type=sa.String(length=64),
                        type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table("sweep_portals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliveries", sa.Integer(), server_default="0",
                                      nullable=False))


def downgrade() -> None:
    """Drop what upgrade added (a rubric path longer than 64 characters is cut)."""
    with op.batch_alter_table("sweep_portals", schema=None) as batch_op:
        batch_op.drop_column("deliveries")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("UPDATE sweeps SET rubric = substr(rubric, 1, 64)")
        op.alter_column("sweeps", "rubric", existing_type=sa.Text(),
                        type_=sa.String(length=64), existing_nullable=False)
