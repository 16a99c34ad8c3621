"""Alembic environment: runs with the connection that portal.migrations hands it."""

from alembic import context

import portal.models  # noqa: F401  (registers every table on Base.metadata)
from portal.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic is called by hand
    raise SystemExit("Run migrations with: flask --app portal portal migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
)
with context.begin_transaction():
    context.run_migrations()
