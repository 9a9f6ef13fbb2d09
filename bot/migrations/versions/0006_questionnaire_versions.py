"""questionnaires: owner and version (organisers' own files)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table; PostgreSQL alters it in place.
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_index('ix_questionnaires_owner_id_key', ['owner_id', 'key'], unique=False)
    # Rows so far are all built in (owner NULL); a built-in file changed by a release made a
    # second row of the same key: number them in the order they were stored.
    op.execute(
        "UPDATE questionnaires SET version = (SELECT COUNT(*) FROM questionnaires AS earlier "
        "WHERE earlier.key = questionnaires.key AND earlier.id <= questionnaires.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.drop_index('ix_questionnaires_owner_id_key')
        batch_op.drop_column('version')
        batch_op.drop_column('owner_id')
