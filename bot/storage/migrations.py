"""Apply the Alembic migrations shipped in ``bot/migrations`` (``workshop-bot migrate``, and at ``run``).

The revisions are package data, found through the package (``bot:migrations``), so an
installed wheel migrates exactly like a checkout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

MIGRATIONS = "bot:migrations"  # Alembic's package-resource form of script_location


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision, on the engine's own connection."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection, sqlite_foreign_keys_off(connection):
        with connection.begin():
            if connection.dialect.name == "postgresql":  # a schema change may wait for a running bot
                connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


@contextmanager
def sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by copying it and dropping the original (Alembic's batch mode);
    with foreign keys on, that DROP deletes or refuses every row that references the table
    (participants, responses, answers…). So they are off while migrating — which SQLite
    only honours outside a transaction, hence before it begins — and every reference is
    checked before they come back on. Other databases: nothing to do."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.commit()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} broken references, e.g. {tuple(broken[0])}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
