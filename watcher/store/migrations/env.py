"""Alembic environment: runs on the connection watcher hands it (see store/db.upgrade)."""

from alembic import context

from watcher.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
