"""Frozen questionnaire copies in the database, deduplicated by content hash per owner,
versioned per (owner, key)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.questionnaires.model import Questionnaire
from bot.storage import models

_parsed: dict[str, Questionnaire] = {}

CACHE_SIZE = 256
"""Questionnaires kept parsed by id: a deployment has a few per workshop, and a row is never
changed or deleted once stored, so an entry never goes stale."""
_by_id: OrderedDict[tuple[str, int], Questionnaire] = OrderedDict()
_by_id_lock = threading.Lock()  # tests and the bench run sessions in threads too


def content_hash(questionnaire: Questionnaire) -> str:
    canonical = json.dumps(questionnaire.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def row_hash(questionnaire: Questionnaire, owner_id: int | None = None) -> str:
    """What makes a row unique: the content, per owner. Built-in rows (owner None) keep the
    plain content hash they always had; an organiser's is salted with their id, so two
    organisers sending the same file each get their own row (and versions)."""
    if owner_id is None:
        return content_hash(questionnaire)
    canonical = json.dumps(questionnaire.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"owner:{int(owner_id)}\n{canonical}".encode()).hexdigest()


def stored_row(db: Session, questionnaire: Questionnaire, owner_id: int | None = None) -> models.Questionnaire | None:
    """The row already holding exactly this questionnaire for this owner, if any."""
    digest = row_hash(questionnaire, owner_id)
    return db.scalar(select(models.Questionnaire).where(models.Questionnaire.content_hash == digest))


def store_questionnaire(
    db: Session, questionnaire: Questionnaire, owner_id: int | None = None, version: int | None = None
) -> models.Questionnaire:
    """Return the row holding exactly this questionnaire for this owner, inserting it if new.

    A new row of a key the owner already has is the next version (``version`` overrides it:
    a copy of version N adapted to another slot is still version N). Rows never change."""
    row = stored_row(db, questionnaire, owner_id)
    if row is None:
        if version is None:
            latest = db.scalar(
                select(func.max(models.Questionnaire.version)).where(
                    _owned_by(owner_id), models.Questionnaire.key == questionnaire.key
                )
            )
            version = (latest or 0) + 1
        row = models.Questionnaire(
            key=questionnaire.key,
            kind=questionnaire.kind.value,
            content=questionnaire.to_dict(),
            content_hash=row_hash(questionnaire, owner_id),
            owner_id=owner_id,
            version=version,
        )
        db.add(row)
        db.flush()
    return row


def _owned_by(owner_id: int | None) -> ColumnElement[bool]:
    column = models.Questionnaire.owner_id
    return column.is_(None) if owner_id is None else column == owner_id


def as_model(row: models.Questionnaire) -> Questionnaire:
    """The immutable questionnaire of a row (parsed once per content)."""
    parsed = _parsed.get(row.content_hash)
    if parsed is None:
        parsed = _parsed[row.content_hash] = Questionnaire.from_dict(row.content)
    return parsed


def questionnaire_by_id(db: Session, questionnaire_id: int) -> Questionnaire:
    """The parsed questionnaire of a row, read and decoded once per process (bounded LRU):
    a tap needs it, and re-reading its JSON on every update was a third of the CPU."""
    key = (_database_of(db), questionnaire_id)
    with _by_id_lock:
        cached = _by_id.get(key)
        if cached is not None:
            _by_id.move_to_end(key)
            return cached
    row = db.get(models.Questionnaire, questionnaire_id)
    if row is None:
        raise LookupError(f"questionnaire {questionnaire_id} does not exist")
    parsed = as_model(row)
    with _by_id_lock:
        _by_id[key] = parsed
        while len(_by_id) > CACHE_SIZE:
            _by_id.popitem(last=False)
    return parsed


def forget_cached_questionnaires() -> None:
    """Empty the cache: only for tests, which empty whole databases (ids start again at 1)."""
    with _by_id_lock:
        _by_id.clear()


def _database_of(db: Session) -> str:
    """Which database the session reads: ids are only unique within one."""
    bind = db.get_bind()
    return str(getattr(bind, "engine", bind).url)
