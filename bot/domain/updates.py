"""Every Telegram update is handled once.

Telegram posts a webhook update again when the answer was late, and behind a load
balancer two replicas may both receive it. The handler claims the update id first, in
its own transaction: the row commits with the handler's work (the bot commits before
every send), or not at all. On PostgreSQL a second transaction inserting the same id
waits on the unique key until the first ends, then fails (IntegrityError): the repeat is
skipped. If the first is still busy after ``lock_timeout`` (2 s), the second skips too:
another process holds that update. On SQLite one process handles updates one at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.storage.models import ProcessedUpdate

KEEP_SECONDS = 86_400
"""How long an update id is remembered: Telegram keeps an undelivered update at most 24
hours (Bot API, getUpdates: "they will not be kept longer than 24 hours")."""

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout


def claim_update(db: Session, update_id: int) -> bool:
    """Record ``update_id`` in the current transaction; False if it was already handled
    (or another transaction is handling it right now)."""
    if db.get(ProcessedUpdate, update_id) is not None:
        return False
    if db.get_bind().dialect.name == "sqlite":
        # One process serves an SQLite file (storage.single_process) and handles updates one
        # at a time, so nothing races here; and pysqlite would COMMIT at the RELEASE of a
        # savepoint that opened the transaction, taking the claim out of the handler's.
        db.add(ProcessedUpdate(update_id=update_id, processed_at=utcnow()))
        db.flush()
        return True
    savepoint = db.begin_nested()
    try:
        db.add(ProcessedUpdate(update_id=update_id, processed_at=utcnow()))
        db.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def prune_processed_updates(db: Session, older_than: datetime) -> int:
    """Forget update ids recorded before ``older_than``; returns how many."""
    result = db.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)
