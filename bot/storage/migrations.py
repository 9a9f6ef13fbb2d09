"""Apply the Alembic migrations shipped in ``bot/migrations`` (``workshop-bot migrate``, and at ``run``).

The revisions are package data, found through the package (``bot:migrations``), so an
installed wheel migrates exactly like a checkout."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = "bot:migrations"  # Alembic's package-resource form of script_location


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision, on the engine's own connection."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # a schema change may wait for a running bot
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
