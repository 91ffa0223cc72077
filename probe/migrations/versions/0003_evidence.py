"""evidence: run manifests (sealed hashes, chained per sweep) and pruned-artifact records

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the manifests and pruned_artifacts tables."""
    op.create_table(
        "manifests",
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("run_id"),
        sa.UniqueConstraint("chain", "seq", name="uq_manifests_chain_seq"),
    )
    with op.batch_alter_table("manifests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manifests_chain"), ["chain"], unique=False)

    op.create_table(
        "pruned_artifacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=40), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("pruned_at", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pruned_artifacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pruned_artifacts_run_id"), ["run_id"],
                              unique=False)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("pruned_artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pruned_artifacts_run_id"))
    op.drop_table("pruned_artifacts")
    with op.batch_alter_table("manifests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manifests_chain"))
    op.drop_table("manifests")
