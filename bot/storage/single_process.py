"""SQLite serves one bot process: a second one on the same file is stopped with a clear word.

Two processes on one SQLite file would both send what is due (SQLite has no ``SKIP
LOCKED``). The lock is an advisory ``flock`` on ``<database>.lock``, released by the
kernel when the process ends, even after ``kill -9``.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url


class AlreadyRunning(RuntimeError):
    """Another bot process holds this SQLite database."""


def lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite database file; None for PostgreSQL or in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + ".lock")


def hold_single_process_lock(database_url: str) -> IO[str] | None:
    """Take the lock for this process's lifetime (keep the returned file open)."""
    path = lock_path(database_url)
    if path is None:
        return None
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(
            f"another workshop-bot ({holder}) is already running on {path.with_suffix('')}. "
            "SQLite serves one bot process only; to run several, use PostgreSQL "
            "(README: Running several replicas)."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle
