"""Alembic environment: kb passes its own connection in (``kb.db.migrate``), so there is no alembic.ini."""

from __future__ import annotations

from alembic import context

from kb.db import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("kb's migrations run through kb.db.migrate() or `kb db upgrade`, with a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
