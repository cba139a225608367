"""Alembic environment: run on the connection :func:`geo.store.upgrade` passes in.

Offline (SQL script) mode is not supported: the store is always upgraded live.
"""

from __future__ import annotations

from alembic import context

from geo.store import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
