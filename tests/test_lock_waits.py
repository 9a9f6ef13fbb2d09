"""SQLite has one writer at a time. A handler holds the write lock from its first write (the
update's claim) to its commit, sometimes across a call to Telegram; work that runs on the event
loop meanwhile (the dispatcher's pass, live progress) must not wait 30 s for it — the loop
would be blocked, so the handler holding the lock could never resume. Seen once under load:
a /start timed out while the dispatcher waited. Those passes wait a quarter of a second, then
give up with a warning and retry on their next wake; everything else keeps the long wait."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError

from bot.storage import models
from bot.storage.engine import ON_LOOP_BUSY_MS, SQLITE_BUSY_MS, DbSession, is_unavailable, on_loop


def test_work_on_the_loop_gives_up_a_held_write_lock_quickly(session_factory: Callable[[], DbSession]) -> None:
    with session_factory() as probe:
        if probe.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL locks rows, not the database; its lock_timeout applies")
    holder = session_factory()
    holder.execute(insert(models.ProcessedUpdate).values(update_id=1))  # a handler's claim, not committed
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as raised, on_loop(session_factory)() as db:
            db.execute(insert(models.ProcessedUpdate).values(update_id=2))
        waited = time.monotonic() - started
        assert is_unavailable(raised.value)  # logged as one warning, retried on the next wake
        assert waited < SQLITE_BUSY_MS / 1000 / 2, waited  # gave up long before the handlers' wait
    finally:
        holder.rollback()
        holder.close()
    # The connection it used went back to the pool: the next ordinary session waits patiently again.
    with session_factory() as db:
        assert db.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_MS
    with on_loop(session_factory)() as db:
        assert db.execute(text("PRAGMA busy_timeout")).scalar() == ON_LOOP_BUSY_MS
        db.execute(insert(models.ProcessedUpdate).values(update_id=3))  # nobody holds it now
        db.commit()
