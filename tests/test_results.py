"""Results back in the organisers' chat: charts, breakdowns, comparisons, exports, groups."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from bot.clock import utcnow
from bot.questionnaires.model import QuestionnaireKind
from bot.simulation.live_bot import LiveBot
from bot.telegram_bot.progress import refresh_progress
from telegram_sim import FakeUser
from tests.conversation import answer_evaluation_until, new_workshop, option, question_text, say, tap

PROFILE = QuestionnaireKind.PROFILE
NBSP = "\u00a0"


async def run_workshop(
    live: LiveBot, organiser: FakeUser, people: list[tuple[int, str, str | None, int]], title: str = "Data-jam Tunis"
) -> str:
    """People (id, language, gender, benefit rating) join, answer the first 5 questions."""
    code = await new_workshop(live, organiser, title)
    users = []
    for user_id, language, gender, _ in people:
        person = live.server.user(user_id, f"P{user_id}", language_code=language)
        users.append(person)
        await say(live, person, f"/start {code}")
        skip = "تخطٍّ ◀" if language == "ar" else "Passer ▶"
        await tap(live, person, skip)
        await tap(live, person, option("gender", gender, language, PROFILE) if gender else skip)
    await say(live, organiser, f"/close {code}")
    for person, (_, language, _, benefit) in zip(users, people, strict=True):
        await tap(live, person, option("useful_aspects", "interaction", language))
        await tap(live, person, "✓ " + {"ar": "تأكيد", "fr": "Confirmer"}[language] + " (1)")
        for label in [str(benefit), "4", "5", option("trainers", "very_good", language)]:
            await tap(live, person, label)
    return code


async def test_stats_sends_chart_albums_then_the_summary(live: LiveBot, organiser: FakeUser) -> None:
    code = await run_workshop(live, organiser, [(100, "ar", "woman", 5), (101, "fr", "man", 4), (102, "fr", None, 3)])
    organiser.new_messages()
    await organiser.send(f"/stats {code}")
    await live.settle()
    sent = organiser.new_messages()
    photos = [m for m in sent if m.kind == "photo"]
    assert len(photos) == 16  # 16 ratings and choices; free text and commitments are listed in the summary instead
    albums = {m.media_group_id for m in photos}
    assert len(albums) == 2 and None not in albums  # 10 + 2, Telegram's album limit
    assert all(m.file_bytes and m.file_bytes.startswith(b"\x89PNG") for m in photos)
    texts = [m.text for m in sent if m.kind == "text"]
    assert texts[0].startswith("📊 Data-jam Tunis\nQuestionnaire complété par 0 sur 3 participants")
    assert "2. Sur une échelle de 1 à 5, comment évaluez-vous le bénéfice de cette formation" in texts[0]
    assert [c.method for c in live.server.calls if c.method == "sendMediaGroup"] == ["sendMediaGroup"] * 2


async def test_stats_by_gender_hides_small_groups_in_arabic(live: LiveBot) -> None:
    organiser = live.server.user(1, "Firas", language_code="ar")
    people = [(100 + i, "ar", "woman", 5) for i in range(3)] + [(200, "fr", "man", 2), (201, "fr", None, 1)]
    code = await run_workshop(live, organiser, people)
    replies = await say(live, organiser, f"/stats {code} by gender")
    summary = "\n".join(replies)
    assert "النتائج حسب الجنس. تُخفى الفئات التي تضم أقل من 3 مجيبين حتى لا يمكن التعرّف على أحد." in summary
    woman = option("gender", "woman", "ar", PROFILE)
    man = option("gender", "man", "ar", PROFILE)
    assert f"  ▸ {man}: مخفية: أقل من 3 مجيبين" in summary
    assert "  ▸ غير مُصرَّح به: مخفية: أقل من 3 مجيبين" in summary
    # The man and the participant who did not say, 2 together: with the 3 women shown, the
    # overall ratings minus theirs would give away that those two rated 2 and 1. The women's
    # group is hidden too, which leaves only the overall figures.
    assert f"  ▸ {woman}: مخفية أيضًا، وإلا أمكن استنتاج فئة أصغر من المجاميع" in summary
    assert f"{woman} (" not in summary  # no group's count or figures anywhere
    # French keyword works too, and a wrong breakdown gets examples.
    assert "Results by gender." not in "\n".join(await say(live, organiser, f"/stats {code} par genre"))
    assert (await say(live, organiser, f"/stats {code} by age"))[0].startswith("لم أفهم الطلب. أمثلة:")


async def test_compare_workshops_side_by_side(live: LiveBot, organiser: FakeUser) -> None:
    first = await run_workshop(live, organiser, [(100, "fr", "woman", 5), (101, "fr", "man", 5)], "Jam 1")
    second = await run_workshop(live, organiser, [(200, "ar", "woman", 2), (201, "ar", "man", 3)], "Jam 2")
    organiser.new_messages()
    await organiser.send(f"/stats {first} {second}")
    await live.settle()
    sent = organiser.new_messages()
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    assert summary.startswith("📊 Jam 1 · Jam 2\nJam 1: Questionnaire complété par 0 sur 2 participants")
    assert "  ▸ Jam 1 (2 réponses): moyenne 5,0 sur 5 · médiane 5" in summary
    assert "  ▸ Jam 2 (2 réponses): moyenne 2,5 sur 5 · médiane 2,5" in summary
    assert len([m for m in sent if m.kind == "photo"]) == 16

    stranger = live.server.user(2, "Other organiser", language_code="fr")
    live_settings_ids = live.settings.organiser_ids
    assert 2 not in live_settings_ids
    assert (await say(live, stranger, f"/stats {first}"))[0].startswith("Désolé, seuls les organisateurs")


async def test_export_sends_csv_and_xlsx(live: LiveBot, organiser: FakeUser) -> None:
    code = await run_workshop(live, organiser, [(100, "ar", "woman", 5), (101, "fr", None, 4)])
    organiser.new_messages()
    await organiser.send(f"/export {code}")
    await live.settle()
    csv_message, xlsx_message = organiser.new_messages()
    assert csv_message.kind == xlsx_message.kind == "document"
    assert csv_message.file_name == f"workshop-{code}-fr-semicolon.csv"  # more in tests/test_export_files.py
    assert xlsx_message.file_name == f"workshop-{code}-fr.xlsx"
    assert csv_message.text.startswith(f"Réponses de «{NBSP}Data-jam Tunis{NBSP}» (CSV, séparateur point-virgule)")
    assert csv_message.file_bytes is not None and csv_message.file_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Participant (pseudonyme)", "Questionnaire", "Statut"]
    assert [row[0] for row in rows[1:]] == ["P01", "P02"]
    benefit = rows[0].index(question_text("benefit", "fr"))
    assert [row[benefit] for row in rows[1:]] == ["5", "4"]
    assert xlsx_message.file_bytes is not None
    sheet = load_workbook(io.BytesIO(xlsx_message.file_bytes)).active
    assert sheet is not None and sheet.cell(2, benefit).value == "benefit" and sheet.cell(3, benefit).value == 5


async def test_linked_group_receives_results_and_progress(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    group = live.server.group(-1001234, "Organisateurs PAGOF")
    await organiser.send_in(group, f"/link {code}")
    await live.settle()
    assert group.last.text == (
        f"Ce groupe reçoit désormais les résultats de «{NBSP}Atelier Open Data — Rabat{NBSP}»{NBSP}: "
        "statistiques, rapports et progression en direct après /close."
    )
    # A participant in the group cannot link or read anything.
    intruder = live.server.user(300, "Sami", language_code="fr")
    await intruder.send_in(group, f"/stats {code}")
    await live.settle()
    assert group.last.text.startswith("Désolé, seuls les organisateurs")

    amina = live.server.user(100, "Amina", language_code="ar")
    await say(live, amina, f"/start {code}")
    replies = await say(live, organiser, f"/close {code}")
    assert [reply.split("\n\n")[0] for reply in replies] == ["Envoi du questionnaire à 1 participant…"]
    progress = group.last
    assert progress.text == (
        "Le questionnaire a été envoyé à 1 participant.\n📈 Questionnaire complété par 0 sur 1 participant (0\u202f%)."
    )

    # Amina answers everything; the same message is edited, no new one posted.
    await tap(live, amina, option("useful_aspects", "rights", "ar"))
    await tap(live, amina, "✓ تأكيد (1)")
    for label in ["5", "5", "5", option("trainers", "excellent", "ar"), option("expectations", "fully", "ar"),
                  option("gain", "will_use", "ar"), "5", "5", "نعم", "نعم", "نعم"]:
        await tap(live, amina, label)
    await answer_evaluation_until(live, amina)  # before → after, then what is left, to the thanks
    messages_before = len(group.messages)
    assert live.application is not None
    await refresh_progress(live.application.bot, live.session)
    assert len(group.messages) == messages_before
    assert progress.text == (
        "Le questionnaire a été envoyé à 1 participant.\n📈 Questionnaire complété par 1 sur 1 participant (100\u202f%).\n"
        "✅ Tout le monde a répondu."
    )
    edits = len(progress.history)
    await refresh_progress(live.application.bot, live.session)
    assert len(progress.history) == edits  # finished: no more edits

    # /stats asked in private goes to the group, with a word in private.
    group.new_messages()
    assert await say(live, organiser, f"/stats {code}") == ["Publié dans le groupe des organisateurs."]
    assert any(m.text.startswith("📊 Atelier Open Data — Rabat") for m in group.new_messages())


async def test_progress_stops_after_a_day(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    claire = live.server.user(200, "Claire", language_code="fr")
    await say(live, claire, f"/start {code}")
    await say(live, organiser, f"/close {code}")
    progress = organiser.last
    assert live.application is not None
    await refresh_progress(live.application.bot, live.session, now=utcnow() + timedelta(days=1, minutes=1))
    assert progress.text.endswith(f"⏹ Plus mis à jour{NBSP}: une journée s’est écoulée depuis /close.")


async def test_group_link_is_dropped_when_the_bot_is_removed(live: LiveBot, organiser: FakeUser) -> None:
    code = await run_workshop(live, organiser, [(100, "fr", None, 4)], "Atelier Open Data — Rabat")
    group = live.server.group(-1005678, "Ancien groupe")
    await organiser.send_in(group, f"/link {code}")
    await live.settle()
    live.server.fail_next("sendMediaGroup", 403, "Forbidden: bot was kicked from the supergroup chat")
    replies = [text for text in await say(live, organiser, f"/stats {code}") if text]  # charts have no caption
    assert replies[0].startswith("Je ne peux plus écrire dans le groupe des organisateurs")
    assert replies[1].startswith("📊 Atelier Open Data — Rabat")
    assert group.messages[-1].text.startswith("Ce groupe reçoit désormais")  # nothing reached the group
    # From now on results come here directly.
    assert [t for t in await say(live, organiser, f"/stats {code}") if t][0].startswith("📊 Atelier Open Data — Rabat")
    assert await say(live, organiser, "/link") == ["Envoyez /link CODE dans le groupe des organisateurs (ajoutez-moi d’abord au groupe)."]


async def test_report_is_a_pdf_with_followup_beside_intentions(live: LiveBot, organiser: FakeUser) -> None:
    from sqlalchemy import select

    from bot.domain import answering
    from bot.domain.participation import queue_response
    from bot.storage import models

    code = await run_workshop(live, organiser, [(100, "ar", "woman", 5), (101, "fr", "man", 4)])
    amina = live.server.user(100, "P100", language_code="ar")
    for label in [option("expectations", "fully", "ar"), option("gain", "will_use", "ar"), "5", "5", "نعم"]:
        await tap(live, amina, label)

    # Weeks later (sending the follow-up is another issue): Amina says she has used open data.
    with live.session() as db:
        workshop = db.scalar(select(models.Workshop).where(models.Workshop.join_code == code))
        assert workshop is not None
        participant = db.scalar(select(models.Participant).where(models.Participant.user_id == 100))
        assert participant is not None
        followup = queue_response(db, participant, workshop.followup_questionnaire_id, QuestionnaireKind.FOLLOWUP)
        db.flush()
        answering.mark_started(followup, 1)
        answering.answer_choice(db, followup, 0, "yes")
        db.commit()

    organiser.new_messages()
    await organiser.send(f"/report {code}")
    await live.settle()
    (document,) = organiser.new_messages()
    assert document.kind == "document" and document.file_name == f"report-{code}.pdf"
    assert document.text == f"Rapport d’évaluation de «{NBSP}Data-jam Tunis{NBSP}»"
    assert document.file_bytes is not None and document.file_bytes.startswith(b"%PDF")
    assert b"/Type /Page" in document.file_bytes


async def test_report_content_in_arabic_names_intentions_and_outcomes(live: LiveBot) -> None:
    from datetime import UTC, datetime

    from bot.domain.reversals import find_reversals
    from bot.domain.stats import collect_stats
    from bot.i18n import translator
    from bot.rendering.report_content import report_content
    from bot.results.outcomes import Outcome, Share
    from bot.storage import models

    organiser = live.server.user(1, "Firas", language_code="ar")
    code = await run_workshop(live, organiser, [(100, "ar", "woman", 5), (101, "ar", None, 3)])
    with live.session() as db:
        from sqlalchemy import select

        workshop = db.scalar(select(models.Workshop).where(models.Workshop.join_code == code))
        assert workshop is not None
        stats = collect_stats(db, [workshop])
        content = report_content(
            translator("ar"), stats, find_reversals(stats), [Outcome("apply", "used_since", Share(4, 5), Share(2, 5))],
            timezone="Africa/Casablanca", generated_at=datetime(2026, 11, 23, 12, tzinfo=UTC),
        )
    assert content.language == "ar" and content.subtitle == "تقرير التقييم"
    assert content.facts[1] == ("المشاركون المسجلون", "2")
    assert content.facts[4] == ("نسبة الإجابة (من المسجلين)", "0%")
    assert len(content.charts) == 16 and content.charts[0].language == "ar"
    assert content.followup[0].label == "كانوا ينوون تطبيق ما تعلموه ← استعملوا البيانات المفتوحة منذ ذلك الحين"
    assert (content.followup[0].intended, content.followup[0].actual) == ("80% (4 من 5)", "40% (2 من 5)")
    assert content.footer == "workshop-bot · أُنشئ في 23 نونبر 2026"  # Moroccan month names (ar_MA)
