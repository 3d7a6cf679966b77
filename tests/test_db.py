"""The database schema: created whole on a new database, migrated with Alembic on an existing one."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kb import db


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def test_a_new_database_gets_the_whole_schema_at_the_newest_revision(database_url):
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.drop_all(conn)
    db.migrate(engine)
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    engine.dispose()


def test_migrations_from_the_first_revision_give_the_same_schema_and_keep_the_data(database_url):
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.metadata.drop_all(conn)
        command.upgrade(db.alembic_config(conn), db.FIRST_REVISION)
        conn.execute(sa.text("DROP TABLE alembic_version"))  # as kb 0.1 left it: tables, no version
        conn.execute(
            sa.text(
                "INSERT INTO tickets (created_at, name, email, subject, message, source, shown, status)"
                " VALUES (:now, 'Ann', 'ann@example.com', 'Hi', 'Help', 'api', '[]', 'open')"
            ),
            {"now": dt.datetime.now(dt.UTC)},
        )
    db.migrate(engine)
    db.migrate(engine)  # a second start changes nothing
    assert schema_differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT email, status FROM tickets")).all() == [("ann@example.com", "open")]
    engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config()).get_current_head()
