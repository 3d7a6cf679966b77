"""Locales: the language each ticket and each event is in (e.g. "pt-BR"), for multilingual help centers.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("locale", sa.String(35)))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("locale", sa.String(35)))
        batch.create_index("ix_events_locale", ["locale"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_locale")
        batch.drop_column("locale")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("locale")
