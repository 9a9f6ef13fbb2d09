"""Engine and session factory for SQLite (default) or PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

DbSession = Session
"""The session type handlers receive; import it from here rather than from sqlalchemy."""


LOCK_TIMEOUT_MS = 2000
"""PostgreSQL: how long a statement may wait for a row lock before it fails.

Handlers, the outbox and the dispatcher share one event loop, and the domain is
synchronous: a statement waiting for a lock held by a coroutine of the same process stops
the loop, so the holder never finishes — a deadlock. Code that races for a row uses
``SKIP LOCKED``; this bound turns anything else into an error the handler wrapper reports
("try again"), never a frozen bot. Migrations lift it for their own transaction."""


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout, PostgreSQL a lock timeout."""
    is_sqlite = database_url.startswith("sqlite")
    if is_sqlite:
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    elif database_url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"})
    engine = create_engine(database_url, **kwargs)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: objects stay readable after the commit that precedes a send.
    return sessionmaker(engine, expire_on_commit=False)


def database_answers(session_factory: Callable[[], Session]) -> bool:
    """``SELECT 1`` through the bot's own sessions: what the webhook's ``/healthz`` reports."""
    try:
        with session_factory() as db:
            db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
