"""A throwaway PostgreSQL database: created on a server, dropped afterwards.

The test suite and the benchmarks each get a fresh database on the configured server
instead of sharing (and trampling) a long-lived one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError


@contextmanager
def scratch_postgres_database(server_url: str, prefix: str = "wbscratch") -> Iterator[str]:
    """Yield the URL of a new database on the server of ``server_url``; drop it at exit."""
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


@contextmanager
def scratch_postgres_if_reachable(server_url: str, prefix: str = "wbbench") -> Iterator[str | None]:
    """Like ``scratch_postgres_database``, but None (and a printed word) when no server answers.

    The benchmarks run on SQLite and PostgreSQL; a machine without PostgreSQL still gets
    the SQLite figures.
    """
    probe = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"))
    try:
        with probe.connect():
            pass
    except OperationalError as error:
        print(f"\nPostgreSQL at {make_url(server_url).render_as_string()} not reachable "
              f"({type(error).__name__}); skipped")
        yield None
        return
    finally:
        probe.dispose()
    with scratch_postgres_database(server_url, prefix=prefix) as scratch:
        yield scratch
