"""The core loop as people live it: join by link, answer in Arabic or French, get stats.

Every test drives the real application over HTTP through the fake Bot API server and a
real database; nothing of python-telegram-bot or SQLAlchemy is mocked.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from sqlalchemy import func, select

from bot.charts import ChartSpec, build_figure, render_charts
from bot.charts.text import strip_marks
from bot.questionnaires.model import QuestionnaireKind
from bot.results.statuses import ResponseStatus
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.telegram_bot import organiser as organiser_commands
from telegram_sim import BotMessage, FakeUser
from tests.conversation import new_workshop, option, question_text, say, tap

PROFILE = QuestionnaireKind.PROFILE
NBSP = "\u00a0"
NNBSP = "\u202f"


def answers_of(live: LiveBot, user_id: int) -> dict[str, tuple[bool, int | None, str | None, tuple[str, ...]]]:
    """What the database holds for a participant's evaluation: question → stored answer."""
    with live.session() as db:
        rows = db.scalars(
            select(models.Answer)
            .join(models.Response)
            .join(models.Participant)
            .where(models.Participant.user_id == user_id, models.Response.kind == "evaluation")
        ).all()
        return {a.question_id: (a.skipped, a.rating, a.text, tuple(o.option_id for o in a.options)) for a in rows}


async def test_organiser_creates_a_workshop_with_link_and_qr(live: LiveBot, organiser: FakeUser) -> None:
    replies = await say(live, organiser, "/new Atelier Open Data — Rabat")
    assert replies[0].startswith("L’atelier Atelier Open Data — Rabat est prêt.")
    assert "https://t.me/WorkshopTestBot?start=" in replies[0]
    photo = organiser.last
    assert photo.kind == "photo" and photo.file_bytes is not None and photo.file_bytes.startswith(b"\x89PNG")
    assert photo.text.startswith(f"Scannez pour rejoindre «{NBSP}Atelier Open Data — Rabat{NBSP}»")


async def test_new_needs_a_title_and_an_organiser(live: LiveBot, organiser: FakeUser) -> None:
    assert await say(live, organiser, "/new") == [
        f"Donnez un titre à l’atelier, par exemple{NBSP}:\n/new Atelier données ouvertes — Rabat"
    ]
    stranger = live.server.user(500, "Karim", language_code="ar")
    assert await say(live, stranger, "/new Mon atelier") == [(  # the id to give the administrator
        "إنشاء الورشات متاح للمنظّمين فقط. معرّفك على تيليغرام هو \u2068500\u2069: "
        "اطلب من مسؤول البوت إضافته إلى \u2068ORGANISER_IDS\u2069."
    )]
    assert await say(live, stranger, "/stats") == [
        "عذرًا، هذا متاح لمنظمي البرنامج فقط. إن كنت منهم، فاطلب من مسؤول البوت إضافة معرّفك على تيليغرام."
    ]
    with live.session() as db:
        assert db.scalar(select(func.count()).select_from(models.Workshop)) == 0


async def test_wrong_code_language_question_and_joining_twice(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    sami = live.server.user(300, "Sami", language_code="fr")
    assert await say(live, sami, "/start not-a-code") == [
        "Ce lien ne mène à aucun atelier. Veuillez scanner à nouveau le QR code ou demander le bon lien aux organisateurs."
    ]

    # A phone set to German: the bot asks, in the three languages.
    claire = live.server.user(200, "Claire", language_code="de")
    replies = await say(live, claire, f"/start {code}")
    assert len(replies) == 1 and "Veuillez choisir votre langue" in replies[0] and "اختر" in replies[0]
    assert claire.last.button_labels == ["العربية", "Français", "English"]
    await tap(live, claire, "Français")
    replies = [m.text for m in claire.new_messages()]
    assert f"Bienvenue{NNBSP}! Vous avez rejoint «{NBSP}Atelier Open Data — Rabat{NBSP}»." in replies
    assert question_text("org_type", "fr", PROFILE) in claire.last.text
    assert claire.last.button_labels[:6] == [
        option("org_type", o, "fr", PROFILE)
        for o in ("administration", "civil_society", "private_sector", "media", "research", "other")
    ]
    assert claire.last.button_labels[6:] == ["Passer ▶"]

    # Joining again changes nothing and says so.
    replies = await say(live, claire, f"/start {code}")
    assert replies[0] == f"Vous participez déjà à «{NBSP}Atelier Open Data — Rabat{NBSP}»."
    with live.session() as db:
        assert db.scalar(select(func.count()).select_from(models.Participant)) == 1
        assert db.scalar(select(func.count()).select_from(models.Response)) == 1


async def join_and_fill_profile(live: LiveBot, person: FakeUser, code: str, org: str | None, gender: str | None) -> None:
    await say(live, person, f"/start {code}")
    language = person.language_code or "fr"
    skip = {"ar": "تخطٍّ ◀", "fr": "Passer ▶"}[language]
    await tap(live, person, option("org_type", org, language, PROFILE) if org else skip)
    await tap(live, person, option("gender", gender, language, PROFILE) if gender else skip)


async def test_arabic_and_french_participants_answer_everything(live: LiveBot, organiser: FakeUser) -> None:
    code = await new_workshop(live, organiser)
    amina = live.server.user(100, "Amina", language_code="ar")
    claire = live.server.user(200, "Claire", language_code="fr")

    # Amina joins and answers the two profile questions, in Arabic.
    replies = await say(live, amina, f"/start {code}")
    assert replies[0] == "أهلًا بك! لقد انضممت إلى «Atelier Open Data — Rabat»."
    assert "لعرض النتائج حسب الجنس ونوع المؤسسة" in replies[1]  # why we ask
    assert replies[2].startswith("السؤال 1 من 2 · اختياري")
    profile_message = amina.last
    await tap(live, amina, option("org_type", "civil_society", "ar", PROFILE))
    # One message, edited into the next question; the answer recalled in one line above it.
    assert amina.last.message_id == profile_message.message_id and amina.new_messages() == []
    recap, question = amina.last.text.split("\n\n", 1)
    assert recap == "✓ " + question_text("org_type", "ar", PROFILE) + " — " + option("org_type", "civil_society", "ar", PROFILE)
    assert question.startswith("السؤال 2 من 2 · اختياري") and question_text("gender", "ar", PROFILE) in question
    await tap(live, amina, option("gender", "woman", "ar", PROFILE))
    # The same message becomes the thanks, with one summary of the answers.
    assert amina.last.message_id == profile_message.message_id and amina.new_messages() == []
    assert amina.last.buttons == []
    assert amina.last.text == (
        "شكرًا لك! سأرسل إليك استبيان التقييم عند انتهاء الجلسة.\n\nإجاباتك\n"
        f"✓ {question_text('org_type', 'ar', PROFILE)} — {option('org_type', 'civil_society', 'ar', PROFILE)}\n"
        f"✓ {question_text('gender', 'ar', PROFILE)} — {option('gender', 'woman', 'ar', PROFILE)}"
    )

    # Claire skips the first, goes back, answers it, and skips gender.
    await say(live, claire, f"/start {code}")
    await tap(live, claire, "Passer ▶")
    await tap(live, claire, "◀ Retour")
    assert question_text("org_type", "fr", PROFILE) in claire.last.text
    await tap(live, claire, option("org_type", "media", "fr", PROFILE))
    await tap(live, claire, "Passer ▶")
    assert claire.last.text == (
        f"Merci{NNBSP}! Je vous enverrai le questionnaire d’évaluation à la fin de la session.\n\nVos réponses\n"
        f"✓ {question_text('org_type', 'fr', PROFILE)} — {option('org_type', 'media', 'fr', PROFILE)}\n"
        f"✓ {question_text('gender', 'fr', PROFILE)} — question passée"
    )

    # The organiser closes the session: both get the questionnaire.
    replies = await say(live, organiser, f"/close {code}")
    assert [reply.split("\n\n")[0] for reply in replies] == [
        "Envoi du questionnaire à 2 participants…",
        "Le questionnaire a été envoyé à 2 participants.\n📈 Questionnaire complété par 0 sur 2 participants (0\u202f%).",
    ]
    assert amina.last.text.startswith("السؤال 1 من 18")
    assert question_text("useful_aspects", "ar") in amina.last.text
    assert claire.last.text.startswith("Question 1 sur 18")

    # Amina ticks two aspects (✓ shows on the buttons), then confirms.
    concepts, materials = option("useful_aspects", "concepts", "ar"), option("useful_aspects", "materials", "ar")
    await tap(live, amina, concepts)
    await tap(live, amina, materials)
    assert f"✓ {concepts}" in amina.last.button_labels and f"✓ {materials}" in amina.last.button_labels
    first_question = amina.last
    await tap(live, amina, "✓ تأكيد (2)")
    assert amina.last.message_id == first_question.message_id  # the same message, now question 2
    assert amina.last.text.startswith(f"✓ {question_text('useful_aspects', 'ar')} — {concepts}, {materials}\n\n")
    assert "السؤال 2 من 18" in amina.last.text and amina.last.button_labels[:5] == ["1", "2", "3", "4", "5"]

    # Ratings, choices; then back from «apply» to change «exercises» from 3 to 4.
    for label in ["5", "4", "5", option("trainers", "excellent", "ar"), option("expectations", "fully", "ar"),
                  option("gain", "will_use", "ar"), "4", "3"]:
        await tap(live, amina, label)
    assert question_text("apply", "ar") in amina.last.text
    assert amina.last.button_labels == ["نعم", "لا", "ربما", "▶ رجوع"]
    apply_message = amina.last
    await tap(live, amina, "▶ رجوع")
    assert apply_message.message_id == amina.last.message_id  # edited in place, no new message
    assert question_text("exercises", "ar") in amina.last.text and "✓ 3" in amina.last.button_labels
    await tap(live, amina, "4")
    for label in ["نعم", "ربما", "نعم", "2", "4", "1", "3"]:  # … then before → after: 2 → 4, 1 → 3
        await tap(live, amina, label)
    assert amina.last.button_labels == ["▶ رجوع", "تخطٍّ ◀"]
    typed_below = amina.last
    replies = await say(live, amina, "مواصلة التكوين في استثمار المعطيات المفتوحة")
    # Typed below the question: the next one comes as a new message, the question is left as it was.
    assert len(replies) == 1 and amina.last.message_id != typed_below.message_id
    assert amina.bot_message(typed_below.message_id).text == typed_below.text  # type: ignore[union-attr]
    assert question_text("commitments", "ar") in amina.last.text  # the last: what she will do differently
    await say(live, amina, "نشر بيانات الجمعية")
    await tap(live, amina, "هذا كل شيء ✓")
    thanks, summary = amina.last.text.split("\n\n", 1)
    assert thanks == "شكرًا لك، تمّ حفظ إجاباتك! فهي تساعد المنظمين على تحسين الورشات القادمة."
    assert summary.startswith("إجاباتك\n✓ ") and summary.count("✓ ") == 18
    assert f"✓ {question_text('exercises', 'ar')} — \u20664/5\u2069" in summary  # changed after ◀: the new answer
    assert " — مواصلة التكوين في استثمار المعطيات المفتوحة\n" in summary
    assert summary.endswith(" — 1. نشر بيانات الجمعية")

    # Claire: confirming nothing is refused, then three answers, then the bot restarts.
    await tap(live, claire, "✓ Confirmer")
    assert claire.callback_answers[-1].text == "Cochez au moins une option, puis confirmez."
    await tap(live, claire, option("useful_aspects", "real_cases", "fr"))
    await tap(live, claire, "✓ Confirmer (1)")
    await tap(live, claire, "4")
    await tap(live, claire, "3")
    await live.restart()

    # After the restart, /start shows where she left off; she finishes, skipping the text.
    await say(live, claire, "/start")
    clarity = "Sur une échelle de 1 à 5, comment évaluez-vous la clarté de…"  # a recap keeps the start
    assert claire.last.text.startswith(f"✓ {clarity} — 3/5\n\nQuestion 4 sur 18")
    assert question_text("importance", "fr") in claire.last.text
    for label in ["5", option("trainers", "very_good", "fr"), option("expectations", "partly", "fr"),
                  option("gain", "new_ideas", "fr"), "3", "4", "Oui", "Non", "Non", "3", "4", "3", "4"]:
        await tap(live, claire, label)
    await tap(live, claire, "Passer ▶")  # suggestions
    await tap(live, claire, "Passer ▶")  # commitments
    assert claire.last.text.startswith(
        f"Merci, vos réponses sont enregistrées{NNBSP}! Elles aident les organisateurs à améliorer les prochains ateliers."
        "\n\nVos réponses\n✓ ")
    assert claire.last.text.endswith(" — question passée")

    # Everything is stored, exactly.
    amina_answers = answers_of(live, 100)
    assert len(amina_answers) == 18
    assert amina_answers["useful_aspects"] == (False, None, None, ("concepts", "materials"))
    assert amina_answers["exercises"] == (False, 4, None, ())
    assert amina_answers["apply"] == (False, None, None, ("yes",))
    assert amina_answers["suggestions"] == (False, None, "مواصلة التكوين في استثمار المعطيات المفتوحة", ())
    claire_answers = answers_of(live, 200)
    assert len(claire_answers) == 18
    assert claire_answers["benefit"] == (False, 4, None, ())
    assert claire_answers["suggestions"] == (True, None, None, ())
    assert claire_answers["commitments"] == (True, None, None, ())
    assert amina_answers["commitments"] == (False, None, "نشر بيانات الجمعية", ())

    # A second /close asks nobody twice.
    amina.new_messages(), claire.new_messages()
    replies = await say(live, organiser, f"/close {code}")
    assert replies == [f"Toutes les personnes inscrites ont déjà reçu le questionnaire{NNBSP}; personne ne sera sollicité deux fois."]
    assert amina.new_messages() == [] and claire.new_messages() == []

    # The organiser's summary, in French.
    summary = "\n".join(await say(live, organiser, f"/stats {code}"))
    assert "Questionnaire complété par 2 sur 2 participants (100\u202f%)." in summary
    assert (f"2 réponses · sans réponse{NBSP}: 0 sur 2 destinataires\nmoyenne 4,5 sur 5 · médiane 4,5\n"
            "1 = Très faible · 5 = Excellent\n"
            "  1: 0 (0\u202f%)\n  2: 0 (0\u202f%)\n  3: 0 (0\u202f%)\n  4: 1 (50\u202f%)\n  5: 1 (50\u202f%)") in summary
    assert f"plusieurs réponses possibles{NBSP}: pourcentages des répondants" in summary
    # Claire skipped the free-text question: counted as "no answer", and said why.
    assert f"1 réponse · sans réponse{NBSP}: 1 sur 2 destinataires (1 a passé la question)" in summary
    assert f"  • {option('useful_aspects', 'concepts', 'fr')}: 1 (50\u202f%)" in summary
    assert "  • Oui: 2 (100\u202f%)\n  • Non: 0 (0\u202f%)\n  • Peut-être: 0 (0\u202f%)" in summary
    assert "« مواصلة التكوين في استثمار المعطيات المفتوحة »" in summary


async def stats_messages(live: LiveBot, organiser: FakeUser, code: str, monkeypatch: pytest.MonkeyPatch,
                         ) -> tuple[list[BotMessage], list[ChartSpec]]:
    """What /stats sends the organiser, and the specifications of the charts it drew."""
    drawn: list[ChartSpec] = []

    def spy(specs: Iterable[ChartSpec]) -> list[bytes]:
        drawn.extend(specs)
        return render_charts(drawn)

    monkeypatch.setattr(organiser_commands, "render_charts", spy)
    organiser.new_messages()
    await organiser.send(f"/stats {code}")
    await live.settle()
    return organiser.new_messages(), drawn


async def one_respondent(live: LiveBot, organiser: FakeUser, code: str, language: str) -> None:
    """Someone joins (no profile), and once the questionnaire comes, answers the first two questions."""
    person = live.server.user(300, "Sami", language_code=language)
    skip = "تخطٍّ ◀" if language == "ar" else "Passer ▶"
    await say(live, person, f"/start {code}")
    await tap(live, person, skip)
    await tap(live, person, skip)
    await say(live, organiser, f"/close {code}")
    await tap(live, person, option("useful_aspects", "rights", language))
    await tap(live, person, "✓ " + {"ar": "تأكيد", "fr": "Confirmer"}[language] + " (1)")
    await tap(live, person, "4")


async def test_stats_in_arabic_for_an_arabic_organiser(live: LiveBot, monkeypatch: pytest.MonkeyPatch) -> None:
    organiser = live.server.user(1, "Firas", language_code="ar")
    code = await new_workshop(live, organiser)
    await say(live, live.server.user(300, "Sami", language_code="ar"), f"/start {code}")

    # Nobody has answered yet: one message, in Arabic, no empty charts.
    sent, drawn = await stats_messages(live, organiser, code, monkeypatch)
    assert [m.text for m in sent] == [(
        "لا توجد إجابات بعد في «Atelier Open Data — Rabat».\nانضم مشارك واحد.\n"
        f"لم يصل الاستبيان إلى أي مشارك.\nيُرسَل الاستبيان بالأمر \u2066/close \u2066{code}\u2069\u2069."
    )]
    assert drawn == []

    # One respondent: the charts and the summary count them in the right grammar.
    await one_respondent(live, organiser, code, "ar")
    sent, drawn = await stats_messages(live, organiser, code, monkeypatch)
    assert [m.kind for m in sent].count("photo") == len(drawn) == 16
    benefit = drawn[1]
    assert benefit.labels.n_line == "ن = 1 مجيب"
    assert benefit.labels.no_answer_note == "بلا إجابة: 0 من أصل مستلم واحد"
    assert benefit.labels.scale_line == "1 = ضعيف جدًا · 5 = ممتاز"
    assert benefit.labels.mean_line == "المتوسط 4,0 من 5 · الوسيط 4"
    assert "ن = 1 مجيب · بلا إجابة: 0 من أصل مستلم واحد" in chart_texts(benefit)
    assert drawn[2].labels.no_answer_note == "بلا إجابة: 1 من أصل مستلم واحد"  # not reached yet
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    assert "📊 Atelier Open Data — Rabat" in summary
    assert (f"{question_text('benefit', 'ar')}\nإجابة واحدة · بلا إجابة: 0 من أصل مستلم واحد\n"
            "المتوسط 4,0 من 5 · الوسيط 4\n1 = ضعيف جدًا · 5 = ممتاز\n  1: 0 (0%)") in summary
    with live.session() as db:
        assert db.scalar(select(func.count()).select_from(models.Response).where(
            models.Response.kind == "evaluation", models.Response.status == ResponseStatus.COMPLETED)) == 0


async def test_stats_in_french_before_and_after_the_first_answer(
    live: LiveBot, organiser: FakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await new_workshop(live, organiser)
    sent, drawn = await stats_messages(live, organiser, code, monkeypatch)
    assert [m.text for m in sent] == [(
        f"Pas encore de réponse pour «{NBSP}Atelier Open Data — Rabat{NBSP}».\n0 participant s’est inscrit.\n"
        f"Le questionnaire est parvenu à 0 participant.\n/close {code} envoie le questionnaire."
    )]
    assert drawn == []

    await one_respondent(live, organiser, code, "fr")
    sent, drawn = await stats_messages(live, organiser, code, monkeypatch)
    assert [m.kind for m in sent].count("photo") == 16
    assert drawn[1].labels.n_line == "n = 1 répondant"
    assert f"n = 1 répondant · sans réponse{NBSP}: 0 sur 1 destinataire" in chart_texts(drawn[1])
    assert drawn[1].labels.scale_line == "1 = Très faible · 5 = Excellent"
    assert drawn[1].labels.mean_line == "moyenne 4,0 sur 5 · médiane 4"
    assert f"n = 0 répondant · sans réponse{NBSP}: 1 sur 1 destinataire" in chart_texts(drawn[2])
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    assert "Questionnaire complété par 0 sur 1 participant (0\u202f%)." in summary
    assert f"1 réponse · sans réponse{NBSP}: 0 sur 1 destinataire\nmoyenne 4,0 sur 5 · médiane 4\n" in summary
    assert f"0 réponse · sans réponse{NBSP}: 1 sur 1 destinataire\n" in summary


def chart_texts(spec: ChartSpec) -> list[str]:
    """Every text drawn in the chart of *spec*, as read back from the figure."""
    return [strip_marks(t.get_text()) for t in build_figure(spec).texts]
