"""Commitment to change (issue 11, point 5), as participants and organisers live it.

At the end of the evaluation each participant may write up to three things they will do
differently, one per message; at follow-up time (a short ``FOLLOWUP_DELAY`` on a
``ManualClock``) each gets their own words back, one by one, "did you do it? what got in
the way?", then the plain follow-up; those who wrote none get the plain follow-up only.
/stats and the report give the share put into practice, the barriers and a few quotes
(pseudonymous, from three respondents on). Runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.commitments import commitment_results
from bot.i18n import translator
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering import texts
from bot.rendering.report_content import report_content
from bot.results.commitments import CommitmentOutcome
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Answer, Commitment, Response, Workshop
from telegram_sim import FakeUser
from telegram_sim.views import BotMessage
from tests.conversation import ORGANISER_ID, live, new_workshop, option, organiser, question_text, say, tap  # noqa: F401

FOLLOWUP = QuestionnaireKind.FOLLOWUP
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Casablanca, far from quiet hours
SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(2,),
                    followup_delay=3, retry_backoff=0.2)
N = "\u202f"  # French narrow no-break space
STALE_FR = "Ce bouton n’est plus actif."
STALE_AR = "لم يعد هذا الزر فعّالًا."
SKIP = {"fr": "Passer ▶", "ar": "تخطٍّ ◀"}
CONFIRM = {"fr": "✓ Confirmer", "ar": "✓ تأكيد"}
DONE = {"fr": "C’est tout ✓", "ar": "هذا كل شيء ✓"}


async def join(live: LiveBot, person: FakeUser, code: str) -> None:
    """Join and skip the profile questions."""
    await say(live, person, f"/start {code}")
    while any(label == SKIP[person.language_code] for label in person.last.button_labels):
        await tap(live, person, SKIP[person.language_code])


async def answer_until_commitments(live: LiveBot, person: FakeUser) -> None:
    """Answer the evaluation with buttons (whatever questions it has) up to its last question,
    the commitments: ratings 4, the first option of every choice, optional texts skipped."""
    language = person.language_code
    wording = question_text("commitments", language)
    for _ in range(40):
        message = person.last
        if wording in message.text:
            return
        labels = message.button_labels
        confirm = next((label for label in labels if label.startswith(CONFIRM[language])), None)
        if confirm is not None:
            await tap(live, person, labels[0])
            await tap(live, person, next(label for label in person.last.button_labels
                                         if label.startswith(CONFIRM[language])))
        elif "4" in labels:
            await tap(live, person, "4")
        elif SKIP[language] in labels and len(labels) <= 2:  # a text question: ◀ Back and Skip
            await tap(live, person, SKIP[language])
        else:
            await tap(live, person, labels[0])
    raise AssertionError(f"never reached the commitments question: {person.last.text}")


async def tap_on(live: LiveBot, person: FakeUser, label: str, message: BotMessage) -> None:
    """Tap a button of an older message (a stale one)."""
    await person.tap(label, message)
    await live.settle()


def commitments_of(live: LiveBot, user_id: int) -> list[tuple[int, str, str | None, list[str] | None]]:
    with live.session() as db:
        rows = db.scalars(select(Commitment).join(Response, Response.id == Commitment.response_id)
                          .order_by(Commitment.response_id, Commitment.position)).all()
        return [(row.position, row.text, row.outcome, row.barriers) for row in rows
                if _user_of(db, row.participant_id) == user_id]


def _user_of(db: DbSession, participant_id: int) -> int:
    from bot.storage.models import Participant
    participant = db.get(Participant, participant_id)
    assert participant is not None
    return participant.user_id


async def test_commitments_written_at_the_end_come_back_at_follow_up_time(
    session_factory: Callable[[], DbSession], tmp_path: Path,
) -> None:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as live:
        organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        code = await new_workshop(live, organiser)
        claire = live.server.user(100, "Claire", language_code="fr")
        amina = live.server.user(200, "Amina", language_code="ar")
        omar = live.server.user(300, "Omar", language_code="fr")
        leila = live.server.user(400, "Leila", language_code="fr")
        for person in (claire, amina, omar, leila):
            await join(live, person, code)
        await say(live, organiser, f"/close {code}")

        # Claire writes two things, one message each, then taps "That's all".
        await answer_until_commitments(live, claire)
        question = claire.last.text
        assert f"Écrivez une chose par message (280 caractères au plus){N}: 3 choses au plus." in question
        assert claire.last.button_labels[-1] == "Passer ▶"  # optional, nothing written yet
        replies = await say(live, claire, "Publier les budgets de la commune en open data")
        assert len(replies) == 1  # the question again, below her message, with what she wrote
        assert "1. Publier les budgets de la commune en open data" in replies[0]
        assert f"Vous pouvez en écrire encore 2, ou appuyer sur «{N}C’est tout{N}»." in replies[0]
        assert claire.last.button_labels[-1] == DONE["fr"] and "Passer ▶" not in claire.last.button_labels
        first_question_message = claire.messages[-1]
        replies = await say(live, claire, "Former deux collègues\u00a0à   Datawrapper")
        assert "1. Publier les budgets" in replies[0] and "2. Former deux collègues à Datawrapper" in replies[0]
        # An old Skip under the question before anything was written: harmless.
        skip_message = next(m for m in reversed(claire.messages) if "Passer ▶" in m.button_labels
                            and question_text("commitments", "fr") in m.text)
        await tap_on(live, claire, "Passer ▶", skip_message)
        assert claire.callback_answers[-1].text == STALE_FR
        await tap(live, claire, DONE["fr"])
        assert claire.last.text.startswith("Merci, vos réponses sont enregistrées")
        assert "1. Publier les budgets de la commune en open data · 2. Former deux collègues à Datawrapper" \
            in claire.last.text  # the summary recalls them on one line
        await tap_on(live, claire, DONE["fr"], first_question_message)  # an old "That's all": harmless
        assert claire.callback_answers[-1].text == STALE_FR
        assert commitments_of(live, 100) == [
            (1, "Publier les budgets de la commune en open data", None, None),
            (2, "Former deux collègues à Datawrapper", None, None),
        ]
        with live.session() as db:
            answer = db.scalars(select(Answer).where(Answer.question_id == "commitments")).one()
            assert answer.text == "Publier les budgets de la commune en open data\nFormer deux collègues à Datawrapper"

        # Amina writes three in Arabic: the third moves the questionnaire on by itself.
        await answer_until_commitments(live, amina)
        assert "اكتب 3 أشياء على الأكثر، كل واحد في رسالة (280 حرفًا على الأكثر لكل منها)." in amina.last.text
        too_long = await say(live, amina, "ب" * 281)
        assert "281" in too_long[0] and "280" in too_long[0]  # nothing kept
        replies = await say(live, amina, "نشر ميزانية الجمعية")
        assert "1. نشر ميزانية الجمعية" in replies[0] and "يمكنك كتابة شيئين آخرين، أو الضغط على «هذا كل شيء»." in replies[0]
        await say(live, amina, "تدريب الزملاء")
        replies = await say(live, amina, "طلب بيانات من البلدية")
        assert replies[0].startswith("شكرًا")
        assert [text for _, text, _, _ in commitments_of(live, 200)] == [
            "نشر ميزانية الجمعية", "تدريب الزملاء", "طلب بيانات من البلدية"]

        # Omar skips it; Leila writes one.
        await answer_until_commitments(live, omar)
        await tap(live, omar, "Passer ▶")
        assert omar.last.text.startswith("Merci")
        await answer_until_commitments(live, leila)
        await say(live, leila, "Ouvrir les données du festival")
        await tap(live, leila, DONE["fr"])
        assert commitments_of(live, 300) == []

        # Follow-up time: each gets their own commitments back, one by one.
        await live.advance(timedelta(seconds=3))
        prompt = claire.last
        assert prompt.text.startswith("À la fin de l’atelier, vous avez écrit ce que vous feriez différemment")
        assert "Engagement 1 sur 2" in prompt.text
        assert f"Vous avez écrit{N}: «{N}Publier les budgets de la commune en open data{N}»\nL’avez-vous fait{N}?" \
            in prompt.text
        assert prompt.button_labels == ["Oui", "En partie", "Pas encore", "Plus d’actualité"]
        await tap(live, claire, "En partie")
        assert claire.last.message_id == prompt.message_id  # the same message, edited
        assert f"Qu’est-ce qui vous en a empêché{N}?" in claire.last.text
        assert f"— En partie" in claire.last.text
        time_label = option("obstacles", "lack_of_time", "fr", kind=FOLLOWUP)
        await tap(live, claire, time_label)
        assert f"✓ {time_label}" in claire.last.button_labels
        await tap(live, claire, "✓ Confirmer (1)")
        assert "Engagement 2 sur 2" in claire.last.text
        assert f"✓ Publier les budgets de la commune en open data — En partie · {time_label}" in claire.last.text
        stale_data = f"cm:{_commitment_id(live, 100, 1)}_y"
        await claire.tap_data(prompt.message_id, stale_data)  # the first one again: answered already
        await live.settle()
        assert claire.callback_answers[-1].text == STALE_FR
        await tap(live, claire, "Oui")
        # After the last one, the plain follow-up goes on in the same message.
        assert claire.last.message_id == prompt.message_id
        assert "✓ Former deux collègues à Datawrapper — Fait" in claire.last.text
        assert question_text("used_since", "fr", FOLLOWUP) in claire.last.text
        assert claire.last.button_labels[:2] == ["Oui", "Non"]
        await claire.tap_data(prompt.message_id, stale_data)
        await live.settle()
        assert claire.callback_answers[-1].text == STALE_FR
        assert commitments_of(live, 100) == [
            (1, "Publier les budgets de la commune en open data", "partly", ["lack_of_time"]),
            (2, "Former deux collègues à Datawrapper", "done", []),
        ] or commitments_of(live, 100) == [
            (1, "Publier les budgets de la commune en open data", "partly", ["lack_of_time"]),
            (2, "Former deux collègues à Datawrapper", "done", None),
        ]
        for label in ("Non", "Passer ▶", "Passer ▶", "Non"):  # used since, what for, what stopped you, support
            await tap(live, claire, label)
        assert claire.last.text.startswith("Merci")

        # Amina, in Arabic: not yet (with what got in the way), no longer relevant, yes.
        assert "الالتزام 1 من 3" in amina.last.text and "كتبت: «نشر ميزانية الجمعية»\nهل قمت بذلك؟" in amina.last.text
        assert amina.last.button_labels == ["نعم", "جزئيًا", "ليس بعد", "لم يعد ذا صلة"]
        await tap(live, amina, "ليس بعد")
        assert "ما الذي حال دون ذلك؟" in amina.last.text
        await tap(live, amina, option("obstacles", "not_available", "ar", kind=FOLLOWUP))
        await tap(live, amina, option("obstacles", "lack_of_skills", "ar", kind=FOLLOWUP))
        await tap(live, amina, "✓ تأكيد (2)")
        await tap(live, amina, "لم يعد ذا صلة")
        await tap(live, amina, "نعم")
        assert question_text("used_since", "ar", FOLLOWUP) in amina.last.text
        assert [(outcome, barriers) for _, _, outcome, barriers in commitments_of(live, 200)][:2] == [
            ("not_yet", ["not_available", "lack_of_skills"]), ("not_relevant", None)]

        # Omar wrote nothing: the plain follow-up only.
        assert omar.last.text.startswith(f"Avez-vous utilisé l’open data") or \
            question_text("used_since", "fr", FOLLOWUP) in omar.last.text
        assert not any("Engagement" in m.text for m in omar.messages)

        # Leila stops before answering: the follow-up's reminder counts her as not finished,
        # and ▶ brings her commitment back.
        assert "Engagement 1 sur 1" in leila.last.text
        await live.advance(timedelta(seconds=2))
        reminder = leila.last
        assert reminder.text.startswith("⏰")
        await tap(live, leila, reminder.button_labels[0])
        assert "Engagement 1 sur 1" in leila.last.text and leila.last.message_id != reminder.message_id
        await tap(live, leila, "Oui")
        assert question_text("used_since", "fr", FOLLOWUP) in leila.last.text
        with live.session() as db:
            statuses = {r.participant_id: r.status for r in db.scalars(
                select(Response).where(Response.kind == FOLLOWUP.value))}
            assert ResponseStatus.IN_PROGRESS in statuses.values()

        # /stats: the share put into practice, the barriers, the quotes (3 respondents).
        stats = "\n".join(await say(live, organiser, f"/stats {code}"))
        assert "Engagements de changement" in stats
        assert f"Engagements écrits{N}: 6" in stats
        assert f"Suite connue dans l’enquête de suivi{N}: 6 sur 6" in stats
        assert f"Mis en pratique (fait ou en partie){N}: 67{N}% (4 sur 6)" in stats
        assert "Ce qui a fait obstacle" in stats and f"  • {time_label}: 50{N}% (1 sur 2)" in stats
        assert f"«{N}Former deux collègues à Datawrapper{N}» — P01, suite{N}: Fait" in stats
        assert "P02" in stats and "Dans leurs mots (pseudonymes)" in stats

        # The report's content has its commitments section, in French and in Arabic.
        with live.session() as db:
            workshop = db.scalars(select(Workshop).where(Workshop.join_code == code)).one()
            results = commitment_results(db, [workshop])
        assert results is not None
        assert (results.made, results.writers, results.answered, results.respondents) == (6, 3, 6, 3)
        assert results.outcomes[CommitmentOutcome.DONE] == 3 and results.put_into_practice == 4
        for language in ("fr", "ar"):
            tr = translator(language)
            lines = texts.commitments_figures_lines(tr, results)
            quotes = texts.commitments_quote_lines(tr, results)
            assert len(quotes) == 5
            if language == "ar":
                assert "ما طُبّق (كليًا أو جزئيًا)" in lines[-1]
                assert any("المآل: تمّ" in quote and "\u2066P01\u2069" in quote for quote in quotes)
                assert texts.commitments_heading(tr) == "الالتزامات بالتغيير"

        # The export: a sheet of commitments, each with what became of it.
        await say(live, organiser, f"/export {code}")
        xlsx = next(m for m in reversed(organiser.messages) if m.kind == "document" and m.file_name
                    and m.file_name.endswith(".xlsx"))
        assert xlsx.file_bytes is not None
        sheet = load_workbook(io.BytesIO(xlsx.file_bytes))["Engagements de changement"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0] == ["Participant (pseudonyme)", "#", "Engagement", "L’ont-ils fait\u202f?",
                           "Ce qui a fait obstacle", "Renvoyé le", "Répondu le"]
        assert rows[2][:5] == ["P01", 1, "Publier les budgets de la commune en open data", "En partie", time_label]
        assert rows[4][:4] == ["P02", 1, "نشر ميزانية الجمعية", "Pas encore"] and len(rows) == 2 + 6

        document = await _report(live, organiser, code)
        pdftotext = shutil.which("pdftotext")
        if pdftotext is not None:
            source = tmp_path / "report.pdf"
            source.write_bytes(document)
            words = " ".join(subprocess.run([pdftotext, str(source), "-"], capture_output=True, text=True,
                                            check=True).stdout.split())
            assert "Engagements de changement" in words and "Mis en pratique" in words
            assert "Former deux collègues à Datawrapper" in words
    assert live.server.errors == []


def _commitment_id(live: LiveBot, user_id: int, position: int) -> int:
    with live.session() as db:
        from bot.storage.models import Participant
        return db.scalars(select(Commitment.id).join(Participant, Participant.id == Commitment.participant_id)
                          .where(Participant.user_id == user_id, Commitment.position == position)).one()


async def _report(live: LiveBot, organiser: FakeUser, code: str) -> bytes:
    await say(live, organiser, f"/report {code}")
    document = next(m for m in reversed(organiser.messages) if m.kind == "document")
    assert document.file_bytes is not None and document.file_bytes.startswith(b"%PDF")
    return document.file_bytes


async def test_quotes_wait_for_three_respondents_and_report_content_has_the_section() -> None:
    """Fewer than three respondents: figures, no quote (their words would point at them)."""
    from bot.questionnaires.loader import default_questionnaire
    from bot.results.commitments import CommitmentQuote, CommitmentResults
    from bot.results.stats import MIN_GROUP_SIZE

    barriers = default_questionnaire(FOLLOWUP).question("obstacles")
    results = CommitmentResults(made=3, writers=2, answered=2, respondents=2,
                                outcomes={CommitmentOutcome.DONE: 1, CommitmentOutcome.NOT_YET: 1},
                                barrier_question=barriers, barriers={"lack_of_time": 1})
    for language, withheld in (("fr", "Leurs mots sont cités dès qu’au moins 3 participants ont dit"),
                               ("ar", "تُقتبس كلماتهم حين يذكر 3 مشاركين على الأقل")):
        tr = translator(language)
        block = "\n".join(texts.commitments_stats_block(tr, results, MIN_GROUP_SIZE))
        assert withheld in block
        assert texts.commitments_stats_block(tr, None, MIN_GROUP_SIZE) == []
    arabic = "\n".join(texts.commitments_stats_block(translator("ar"), results, MIN_GROUP_SIZE))
    for line in ("الالتزامات بالتغيير", "الالتزامات المكتوبة: 3", "المشاركون الذين كتبوا التزامًا واحدًا على الأقل: 2",
                 "المآل المعروف في استبيان المتابعة: 2 من 3", "ما طُبّق (كليًا أو جزئيًا): ",
                 "تمّ: ", "جزئيًا: ", "ليس بعد: ", "لم يعد ذا صلة: ",
                 "ما حال دون التطبيق (الالتزامات المنفّذة جزئيًا أو غير المنفّذة بعد)"):
        assert line in arabic, line
    nobody = replace(results, answered=0, respondents=0, outcomes={})
    assert "لم يذكر أحد بعد ما آلت إليه التزاماته." in texts.commitments_stats_block(translator("ar"), nobody, 3)[0]
    for language, words in (("fr", ("Ce qu’ils sont devenus (enquête de suivi)", "Dans leurs mots (pseudonymes)",
                                    "Engagement", "L’ont-ils fait\u202f?", "Renvoyé le", "Répondu le")),
                            ("ar", ("ما آلت إليه (استبيان المتابعة)", "بكلماتهم (بأسماء مستعارة)", "الالتزام",
                                    "هل قاموا بذلك؟", "تاريخ إعادة الإرسال", "تاريخ الإجابة"))):
        tr = translator(language)
        shown = (texts.commitments_outcomes_heading(tr), texts.commitments_quotes_heading(tr),
                 *(texts.commitments_export_columns(tr)[key] for key in ("commitment", "outcome", "asked_at",
                                                                        "answered_at")))
        assert shown == words
    quoted = replace(results, respondents=3, quotes=(CommitmentQuote("P03", "Ouvrir <les> données", None),))
    block = "\n".join(texts.commitments_stats_block(translator("fr"), quoted, MIN_GROUP_SIZE))
    assert "Ouvrir &lt;les&gt; données" in block  # their words, escaped


FILE = """
key: mine
kind: evaluation
title: {fr: Mon atelier, ar: ورشتي}
questions:
  - id: done
    type: commitments
    %s
    text: {fr: Que ferez-vous ?, ar: ماذا ستفعل؟}
"""


def test_a_file_may_ask_for_commitments_with_max_one_to_five() -> None:
    """``type: commitments``, ``max`` 1–5 (3 without it); the preview names the type."""
    import pytest

    from bot.questionnaires.loader import load_questionnaire
    from bot.questionnaires.problems import QuestionnaireProblems

    question = load_questionnaire(FILE % "optional: true").questions[0]
    assert (question.max_choices, question.optional) == (3, True)
    assert load_questionnaire(FILE % "max: 5").questions[0].max_choices == 5
    with pytest.raises(QuestionnaireProblems) as refused:
        load_questionnaire(FILE % "max: 7")
    (problem,) = refused.value.problems
    assert problem.english() == "“max” is how many things one may write here: between 1 and 5, not 7."
    assert translator("fr").gettext(problem.message) % dict(problem.values) == (
        f"«{N}max{N}» est le nombre de choses qu’on peut écrire ici{N}: entre 1 et 5, pas 7.")
    assert translator("ar").gettext(problem.message) % dict(problem.values) == (
        "«\u2066max\u2069» هو عدد الأشياء التي يمكن كتابتها هنا: بين 1 و5، لا 7.")
    assert texts.question_type_words(translator("fr"), question) == (
        f"engagements de changement{N}: jusqu’à 3, renvoyés dans l’enquête de suivi")
    assert texts.question_type_words(translator("ar"), question) == (
        "3 التزامات بالتغيير على الأكثر، تُعاد إلى أصحابها في استبيان المتابعة")


def test_a_full_commitments_question_says_so() -> None:
    """A text typed to a question already holding its most (◀ Back to it from a later
    question of an organiser's file) is not kept: said in French and Arabic."""
    assert texts.commitments_full(translator("fr")) == (
        f"Vous avez écrit autant de choses que cette question en accepte{N}: votre dernier message n’a "
        f"pas été gardé. Appuyez sur «{N}C’est tout{N}» pour continuer.")
    assert texts.commitments_full(translator("ar")) == (
        "لقد كتبت كل ما يتّسع له هذا السؤال: لم نحتفظ برسالتك الأخيرة. اضغط «هذا كل شيء» للمواصلة.")


async def test_commitments_are_free_text_in_the_evaluation_stats(live: LiveBot, organiser: FakeUser) -> None:
    """Before the follow-up: /stats lists the commitments on one line each, and says nobody
    has told what became of them yet."""
    code = await new_workshop(live, organiser)
    claire = live.server.user(100, "Claire", language_code="fr")
    amina = live.server.user(200, "Amina", language_code="ar")
    for person in (claire, amina):
        await join(live, person, code)
    await say(live, organiser, f"/close {code}")
    for person, things in ((claire, ["Un", "Deux", "Trois"]), (amina, ["واحد", "اثنان"])):
        await answer_until_commitments(live, person)
        for thing in things:
            await say(live, person, thing)
        if len(things) < 3:
            await tap(live, person, DONE[person.language_code])
        assert person.last.text.startswith("Merci" if person is claire else "شكرًا")
        assert len(commitments_of(live, person.user_id)) == len(things)
    summary = "\n".join(await say(live, organiser, f"/stats {code}"))
    assert "« Un · Deux · Trois »" in summary and "« واحد · اثنان »" in summary
    assert f"Engagements écrits{N}: 5" in summary
    assert "Personne n’a encore dit ce que sont devenus ses engagements." in summary
