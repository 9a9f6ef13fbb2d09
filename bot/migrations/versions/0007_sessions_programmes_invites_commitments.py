"""sessions, programmes, co-organisers' invites, pre-survey, commitments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:51:19

Every workshop has sessions from now on: existing ones get their session 1 (its title the
workshop's, closed when the workshop was), and their end-of-session answers and reminder
rounds belong to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite copies `responses` and `workshops`: bot.storage.migrations turns its foreign keys
    # off around every migration, so nothing that references them is lost.
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programmes')),
    sa.UniqueConstraint('code', name=op.f('uq_programmes_code'))
    )
    op.create_table('organiser_invites',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.Column('used_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_organiser_invites_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_organiser_invites'))
    )
    with op.batch_alter_table('organiser_invites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_invites_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('programme_workshops',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_programme_workshops_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_programme_workshops_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'workshop_id', name=op.f('pk_programme_workshops'))
    )
    op.create_table('workshop_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=256), nullable=False),
    sa.Column('evaluation_questionnaire_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_questionnaire_id'], ['questionnaires.id'], name=op.f('fk_workshop_sessions_evaluation_questionnaire_id_questionnaires')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_workshop_sessions_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_sessions')),
    sa.UniqueConstraint('workshop_id', 'number', name=op.f('uq_workshop_sessions_workshop_id'))
    )
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_sessions_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', bot.storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('barriers', sa.JSON(), nullable=True),
    sa.Column('asked_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', bot.storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('question_message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_commitments_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_commitments_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments')),
    sa.UniqueConstraint('response_id', 'position', name=op.f('uq_commitments_response_id'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_response_id'), ['response_id'], unique=False)

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_number', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_responses_participant_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_responses_participant_id'), ['participant_id', 'questionnaire_id', 'session_number'])

    with op.batch_alter_table('scheduled_sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_number', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_questionnaire_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_workshops_pre_questionnaire_id_questionnaires'), 'questionnaires', ['pre_questionnaire_id'], ['id'])

    op.execute(
        "INSERT INTO workshop_sessions (workshop_id, number, title, created_at, closed_at) "
        "SELECT id, 1, title, created_at, closed_at FROM workshops"
    )
    op.execute("UPDATE responses SET session_number = 1 WHERE kind = 'evaluation'")
    op.execute("UPDATE scheduled_sends SET session_number = 1 WHERE questionnaire_kind = 'evaluation'")


def downgrade() -> None:
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workshops_pre_questionnaire_id_questionnaires'), type_='foreignkey')
        batch_op.drop_column('pre_questionnaire_id')

    with op.batch_alter_table('scheduled_sends', schema=None) as batch_op:
        batch_op.drop_column('session_number')

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_responses_participant_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_responses_participant_id'), ['participant_id', 'questionnaire_id'])
        batch_op.drop_column('session_number')

    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_response_id'))
        batch_op.drop_index(batch_op.f('ix_commitments_participant_id'))

    op.drop_table('commitments')
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_sessions_workshop_id'))

    op.drop_table('workshop_sessions')
    op.drop_table('programme_workshops')
    with op.batch_alter_table('organiser_invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_invites_workshop_id'))

    op.drop_table('organiser_invites')
    op.drop_table('programmes')
