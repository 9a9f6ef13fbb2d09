"""Persistence: schema, engine, migrations."""
