"""Frozen questionnaire copies in the database, deduplicated by content hash."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.questionnaires.model import Questionnaire
from bot.storage import models

_parsed: dict[str, Questionnaire] = {}


def content_hash(questionnaire: Questionnaire) -> str:
    canonical = json.dumps(questionnaire.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_questionnaire(db: Session, questionnaire: Questionnaire) -> models.Questionnaire:
    """Return the row holding exactly this questionnaire, inserting it if new."""
    digest = content_hash(questionnaire)
    row = db.scalar(select(models.Questionnaire).where(models.Questionnaire.content_hash == digest))
    if row is None:
        row = models.Questionnaire(
            key=questionnaire.key,
            kind=questionnaire.kind.value,
            content=questionnaire.to_dict(),
            content_hash=digest,
        )
        db.add(row)
        db.flush()
    return row


def as_model(row: models.Questionnaire) -> Questionnaire:
    """The immutable questionnaire of a row (parsed once per content)."""
    parsed = _parsed.get(row.content_hash)
    if parsed is None:
        parsed = _parsed[row.content_hash] = Questionnaire.from_dict(row.content)
    return parsed


def questionnaire_by_id(db: Session, questionnaire_id: int) -> Questionnaire:
    row = db.get(models.Questionnaire, questionnaire_id)
    if row is None:
        raise LookupError(f"questionnaire {questionnaire_id} does not exist")
    return as_model(row)
