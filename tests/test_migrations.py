"""The Alembic migrations build exactly the schema the models describe, and go back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.storage.engine import make_engine
from bot.storage.migrations import alembic_config, upgrade_to_head
from bot.storage.models import Base


def test_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'round-trip.sqlite3'}"
    scratch = make_engine(url)
    upgrade_to_head(scratch)
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(scratch).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(scratch)
    assert {"workshops", "answers", "progress_messages"} <= set(inspect(scratch).get_table_names())
    scratch.dispose()
