"""Shared fixtures: a real, migrated database (SQLite by default, PostgreSQL on demand).

``TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test`` runs the whole
suite on PostgreSQL: a fresh database is created on that server for the run, migrated
with Alembic exactly as in production, and dropped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.questionnaire_store import forget_cached_questionnaires
from bot.storage.engine import make_engine, make_session_factory
from bot.storage.migrations import upgrade_to_head
from bot.storage.models import Base
from telegram_sim.scratch_database import scratch_postgres_database

pytest_plugins = ["tests.conversation"]




@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL", "").strip()
    if configured.startswith("postgresql"):
        with scratch_postgres_database(configured, prefix="wbtest") as url:
            yield url
    else:
        path: Path = tmp_path_factory.mktemp("db") / "test.sqlite3"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_session_factory(engine)
    with engine.begin() as connection:  # every test starts from empty tables
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    forget_cached_questionnaires()  # ids start again at 1: a cached id could name another questionnaire


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
