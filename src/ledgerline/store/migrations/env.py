"""Alembic environment: runs migrations on the connection handed in by store/migrate.py."""

from __future__ import annotations

from alembic import context

from ledgerline.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
assert connection is not None, "run migrations through ledgerline.store.migrate.upgrade()"

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
