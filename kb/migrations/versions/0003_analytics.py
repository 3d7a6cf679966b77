"""Analytics: result counts, click positions, sessions and daily visitor hashes on events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("results", sa.Integer))
        batch.add_column(sa.Column("position", sa.Integer))
        batch.add_column(sa.Column("session", sa.String(64)))
        batch.add_column(sa.Column("visitor", sa.String(32)))
        batch.create_index("ix_events_session", ["session"])
    op.create_table(
        "daily_salts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daily_salts")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_session")
        for column in ("visitor", "session", "position", "results"):
            batch.drop_column(column)
