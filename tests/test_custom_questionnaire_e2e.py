"""Issue 10 from end to end, as an organiser lives it: files sent in the chat, previewed or
refused with their places (YAML lines, XLSForm sheet and row) in French and Arabic, then a
workshop run on the uploaded questionnaire — a 0–10 recommendation score and a question
asked only after "No" or "Maybe" — to /stats and /export.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from sqlalchemy import func, select

from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Answer, Questionnaire
from telegram_sim import FakeUser
from tests.conversation import new_workshop, say, tap
from tests.test_questionnaire_upload import DATAJAM, amina, live, organiser, upload  # noqa: F401 - fixtures
from tests.test_reminders import join
from tests.test_xlsform import CHOICES, CHOICES_HEADER, SURVEY_HEADER, workbook

NNBSP = "\u202f"

# Row 3 asks for a place on a map, row 4 depends on a question that comes later (row 5):
# neither can be asked in a chat.
BROKEN_XLSFORM = workbook(
    [SURVEY_HEADER,
     ["select_one yes_no", "again", "هل ستعود؟", "Reviendrez-vous ?", None, "yes", None, None, None],
     ["geopoint", "where", "أين أنت؟", "Où êtes-vous ?", None, None, None, None, None],
     ["text", "why", "لماذا؟", "Pourquoi ?", None, None, "${later} = 'no'", None, None],
     ["select_one yes_no", "later", "لاحقًا؟", "Plus tard ?", None, None, None, None, None]],
    [CHOICES_HEADER, *CHOICES],
)


def stored_rows(session_factory: Callable[[], DbSession], model: type) -> int:
    with session_factory() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


async def test_a_broken_workbook_is_refused_with_sheet_and_row_in_french_and_arabic(
    live: LiveBot, organiser: FakeUser, amina: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    french = "\n".join(await upload(live, organiser, "formulaire.xlsx", BROKEN_XLSFORM))
    assert french.startswith(f"formulaire.xlsx ne peut pas être utilisé{NNBSP}:")
    assert "Feuille survey, ligne 3" in french and "geopoint" in french
    assert "Feuille survey, ligne 4" in french
    arabic = "\n".join(await upload(live, amina, "formulaire.xlsx", BROKEN_XLSFORM))
    assert "formulaire.xlsx" in arabic and "geopoint" in arabic
    assert "survey" in arabic and "3" in arabic and "4" in arabic
    assert "Sheet" not in arabic and "row" not in arabic  # the place is said in Arabic
    assert stored_rows(session_factory, Questionnaire) == 0


async def test_a_workshop_runs_on_an_uploaded_questionnaire_to_stats_and_export(
    live: LiveBot, organiser: FakeUser, session_factory: Callable[[], DbSession]
) -> None:
    (preview,) = await upload(live, organiser, "datajam.yaml", DATAJAM)
    assert preview.startswith(f"✅ Questionnaire enregistré{NNBSP}: Évaluation du data-jam, version 1.")
    code = await new_workshop(live, organiser, "Data-jam Tunis — santé")
    (chosen,) = await say(live, organiser, f"/questionnaire {code} tunis-datajam")
    assert "(tunis-datajam, version 1)" in chosen

    people = [live.server.user(400 + n, f"P{n}", language_code=language)
              for n, language in enumerate(["fr", "fr", "ar", "fr"])]
    for person in people:
        await join(live, person, code)
    await say(live, organiser, f"/close {code}")

    # The note opens the questionnaire, above the first question: the 0–10 scale.
    first = people[0].last
    assert first.text.startswith("Merci d’être venu au data-jam.")
    assert "Recommanderiez-vous ce data-jam à un collègue ?" in first.text
    assert [label for label in first.button_labels if label.isdigit()] == [str(n) for n in range(11)]

    # P0: 10, "Oui" → the "why not" question is not asked; straight to the themes.
    await tap(live, people[0], "10")
    await tap(live, people[0], "Oui")
    assert "Quels thèmes vous ont intéressé ?" in people[0].last.text
    assert "Qu’est-ce qui vous en empêcherait ?" not in people[0].last.text
    await tap(live, people[0], "L’eau")
    await tap(live, people[0], "✓ Confirmer (1)")
    assert people[0].last.text.startswith("Merci, vos réponses sont enregistrées")

    # P1: 6, "Non" → asked why, types it.
    await tap(live, people[1], "6")
    await tap(live, people[1], "Non")
    assert "Qu’est-ce qui vous en empêcherait ?" in people[1].last.text
    await say(live, people[1], "Les horaires, trop tôt le matin")
    await tap(live, people[1], "Le budget")
    await tap(live, people[1], "Les transports")
    await tap(live, people[1], "✓ Confirmer (2)")
    assert people[1].last.text.startswith("Merci, vos réponses sont enregistrées")

    # P2, in Arabic: 9, "ربما" (maybe) → asked why, skips it; answers the themes.
    await tap(live, people[2], "9")
    await tap(live, people[2], "ربما")
    assert "ما الذي قد يمنعك؟" in people[2].last.text
    skip = next(label for label in people[2].last.button_labels if "تخطٍّ" in label)
    await tap(live, people[2], skip)
    await tap(live, people[2], "الماء")
    confirm = next(label for label in people[2].last.button_labels if label.startswith("✓"))
    await tap(live, people[2], confirm)
    # P3 received it and answered nothing.

    with session_factory() as db:
        stored = db.execute(select(Answer.question_id, Answer.skipped, Answer.rating, Answer.text)).all()
    by_question = sorted((q, s, r, t) for q, s, r, t in stored)
    assert [row for row in by_question if row[0] == "recommend"] == [
        ("recommend", False, 6, None), ("recommend", False, 9, None), ("recommend", False, 10, None)]
    assert [row for row in by_question if row[0] == "why_not"] == [
        ("why_not", False, None, "Les horaires, trop tôt le matin"), ("why_not", True, None, None)]
    assert not [row for row in by_question if row[0] == "welcome"]  # a note stores nothing

    organiser.new_messages()
    await organiser.send(f"/stats {code}")
    await live.settle()
    sent = organiser.new_messages()
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    assert [m.kind for m in sent].count("photo") == 3  # scale, yes/no, themes (typed answers are listed)
    # Promoters 10 and 9, one detractor (6): (2 − 1) / 3 → +33.
    assert "score NPS +33" in summary and "n = 3" in summary
    assert "posée à 2 des 4 destinataires" in summary
    assert "Les horaires, trop tôt le matin" in summary
    assert "Merci d’être venu" not in summary

    await organiser.send(f"/export {code}")
    await live.settle()
    csv_message, xlsx_message = organiser.new_messages()
    assert csv_message.file_bytes is not None and xlsx_message.file_bytes is not None
    rows = list(csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert "Merci d’être venu au data-jam." not in header
    recommend = header.index("Recommanderiez-vous ce data-jam à un collègue ?")
    why = header.index("Qu’est-ce qui vous en empêcherait ?")
    evaluation = [row for row in rows[1:] if row[1] == "Évaluation"]
    assert sorted(row[recommend] for row in evaluation) == ["", "10", "6", "9"]
    assert "Les horaires, trop tôt le matin" in [row[why] for row in evaluation]
