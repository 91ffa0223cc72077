"""Alembic environment: migrates the database the Store hands over in the config."""

from alembic import context

import probe.db.evidence_schema  # noqa: F401  (its tables join Base.metadata)
from probe.db.schema import Base

connection = context.config.attributes.get("connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
