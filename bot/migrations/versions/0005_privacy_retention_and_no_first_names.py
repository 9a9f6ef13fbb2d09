"""privacy: retention and no first names

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 20:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KEPT_COUNTS = ("kept_joined", "kept_evaluation_sent", "kept_evaluation_completed",
               "kept_followup_sent", "kept_followup_completed")


def upgrade() -> None:
    # First names were stored and never shown: gone (batch mode: SQLite rebuilds the table).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('first_name')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_warned_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('data_deleted_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True))
        for name in KEPT_COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        for name in reversed(KEPT_COUNTS):
            batch_op.drop_column(name)
        batch_op.drop_column('data_deleted_at')
        batch_op.drop_column('retention_warned_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_name', sa.String(length=128), nullable=False, server_default=''))
