"""Alembic environment: the connection is handed in by models.migrate (never read from a file)."""

from __future__ import annotations

from alembic import context

import models.tables  # noqa: F401  (registers every table on the metadata)
from models.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `taperwatch db upgrade` (models.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    user_module_prefix="models.types.",
)
with context.begin_transaction():
    context.run_migrations()
