"""Issue 11 end to end: from one evaluation to a programme's evidence, as a chat.

Firas (French, in ORGANISER_IDS) runs "Data-jams Tunis — santé" with Amina (Arabic, not in
ORGANISER_IDS), who joins as co-organiser through his one-time invite link. Participants
(French and Arabic) answer a pre-survey when they join; Amina closes Day 1, whose
evaluation ends with commitments to change; Firas opens and closes Day 2. /stats compares
each participant with themselves (before → after) and gives each session's response rate.
FOLLOWUP_DELAY later (a ``ManualClock``: no wall-clock timer runs) each participant gets their
own commitments back, then /report states the share put into practice. A second workshop
and ``/programme`` give the programme's figures. Runs on SQLite and, with TEST_DATABASE_URL,
on PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.before_after import before_after
from bot.domain.commitments import commitment_results
from bot.domain.nonresponse import nonresponse
from bot.domain.stats import collect_stats
from bot.i18n import translator
from bot.questionnaires.model import QuestionnaireKind
from bot.rendering.report_content import report_content
from bot.simulation.live_bot import LiveBot
from bot.storage.engine import DbSession
from bot.storage.models import Commitment, Workshop
from tests.conversation import ORGANISER_ID, answer_evaluation_until, new_workshop, option, say, tap
from tests.test_before_after import answer_pre, join
from tests.test_co_organisers import invite_link
from tests.test_commitments import DONE, answer_until_commitments
from tests.test_report_content import _pdf_text

FOLLOWUP = QuestionnaireKind.FOLLOWUP
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 15:00 in Tunis and Casablanca, far from quiet hours
FOLLOWUP_DELAY = 60  # seconds after the last /close; reminders come much later and never run here
SETTINGS = Settings(token="123456:TEST", organiser_ids=frozenset({ORGANISER_ID}), reminder_delays=(3600,),
                    followup_delay=FOLLOWUP_DELAY, retry_backoff=0.2)
AMINA = 2  # the invited co-organiser
N, NBSP, LRI, PDI, LRM = "\u202f", "\u00a0", "\u2066", "\u2069", "\u200e"
PCODE = re.compile(r"P-[A-Z2-9]{6}")
DAY_2 = "Jour 2 : data-jam santé"


def summary_of(replies: list[str]) -> str:
    return next(text for text in replies if text.startswith("📊"))


def section(replies: list[str], marker: str) -> str:
    found = [text for text in replies if marker in text]
    assert found, replies
    return found[0]


async def test_a_programme_s_evidence_from_invite_to_follow_up_in_french_and_arabic(
    session_factory: Callable[[], DbSession], tmp_path: Path,
) -> None:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as live:
        firas = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
        amina = live.server.user(AMINA, "Amina", language_code="ar")
        code = await new_workshop(live, firas, "Data-jams Tunis — santé")

        # Firas invites Amina with a one-time link; she opens it and organises this workshop.
        start = await invite_link(live, firas, code)
        assert await say(live, amina, f"/start {start}") == [
            f"✅ أصبحت الآن منظّمًا لورشة Data-jams Tunis — santé ({LRI}{code}{PDI}). أرسل "
            f"{LRI}/stats {LRI}{code}{PDI}{PDI} لنتائجها، و{LRI}/help{PDI} لكل أوامر المنظّمين."]
        assert firas.last.text == (f"👥 {AMINA} a ouvert votre lien d’invitation{N}: cette personne organise "
                                   "désormais Data-jams Tunis — santé.")

        # A pre-survey: whoever joins from now on gives their level first.
        assert (await say(live, firas, f"/pre {code} on"))[0].startswith(
            f"Pré-questionnaire de Data-jams Tunis — santé{N}: Avant l’atelier.")
        claire = live.server.user(100, "Claire", language_code="fr")
        youssef = live.server.user(200, "Youssef", language_code="ar")
        omar = live.server.user(300, "Omar", language_code="fr")
        people = (claire, youssef, omar)
        for person, (knowledge, skills) in zip(people, [(2, 1), (2, 2), (3, 2)], strict=True):
            await join(live, person, code)
            await answer_pre(live, person, knowledge, skills)
        assert (await say(live, firas, f"/pre {code}"))[0].endswith(f"à ce jour{N}: 3.")

        # Day 1: Amina, the invited co-organiser, closes it in Arabic.
        replies = await say(live, amina, f"/close {code}")
        assert replies[0].startswith("جارٍ إرسال الاستبيان إلى 3 مشاركين…")
        assert "📅 استبيان المتابعة: 24 نونبر 2026، على الساعة 15:01." in replies[0]  # FOLLOWUP_DELAY on
        # The live progress reaches both organisers, each in their language.
        assert amina.last.text == "أُرسل الاستبيان إلى 3 مشاركين.\n📈 أتمّ الإجابة عن الاستبيان 0 من أصل 3 مشاركين (0%)."
        assert firas.last.text == ("Le questionnaire a été envoyé à 3 participants.\n"
                                   f"📈 Questionnaire complété par 0 sur 3 participants (0{N}%).")

        # They rate themselves higher now (4) and write what they will do differently.
        await answer_until_commitments(live, claire)
        await say(live, claire, "Publier les données de l’hôpital régional en open data")
        await say(live, claire, "Former deux collègues à Datawrapper")
        await tap(live, claire, DONE["fr"])
        assert claire.last.text.startswith("Merci, vos réponses sont enregistrées")
        await answer_until_commitments(live, youssef)
        await say(live, youssef, "نشر بيانات المستشفى")
        await tap(live, youssef, DONE["ar"])
        assert youssef.last.text.startswith("شكرًا")
        await answer_until_commitments(live, omar)
        await tap(live, omar, "Passer ▶")  # no commitment: he will get the plain follow-up
        assert omar.last.text.startswith("Merci, vos réponses sont enregistrées")

        # Day 2: Firas opens the session, then closes it; its evaluation reaches all three.
        replies = await say(live, firas, f"/session {code} {DAY_2}")
        assert replies[0].startswith(f"La session 2 «{N}{DAY_2}{N}» de «{N}Data-jams Tunis — santé{N}» est ouverte.")
        replies = await say(live, firas, f"/close {code}")
        assert replies[0].startswith(f"Session{NBSP}2 — {DAY_2}{N}: clôturée.\nEnvoi du questionnaire à 3 participants")
        await answer_evaluation_until(live, claire)  # to the end, no new commitment
        await answer_evaluation_until(live, youssef)
        await tap(live, omar, omar.last.button_labels[0])  # Omar starts Day 2's and stops there
        await tap(live, omar, "✓ Confirmer (1)")

        # /stats: the before → after figure over 3 matched pairs, each session's response rate.
        replies = await say(live, firas, f"/stats {code}")
        assert (f"Et maintenant, quel est votre niveau de connaissance de l’open data{N}?\n"
                "2,3 → 4,0 sur 5 (+1,7) · 3 paires appariées\n"
                f"3 sur 3 en progrès (100{N}%) · 0 sans changement · 0 en recul\n"
                f"Avant{N}: le pré-questionnaire, rempli à l’inscription.") in section(replies, "Avant → après")
        fr = translator("fr")
        lines = summary_of(replies).splitlines()
        assert f"• Session{NBSP}1 — Data-jams Tunis — santé{N}: 3 sur 3 participants ont répondu ({fr.share(3, 3)})" \
            in lines
        assert f"• Session{NBSP}2 — {DAY_2}{N}: 2 sur 3 participants ont répondu ({fr.share(2, 3)})" in lines
        assert (f"Suite connue dans l’enquête de suivi{N}: 0 sur 3\n"  # the follow-up has not gone out yet
                "Personne n’a encore dit ce que sont devenus ses engagements.") in section(replies, "Engagements")
        replies = await say(live, amina, f"/stats {code}")
        assert "• الجلسة 2 — Jour 2 : data-jam santé: أجاب 2 من أصل 3 مشاركين (67%)" in summary_of(replies)
        assert (f"2,3 ← 4,0 من 5 ({LRM}+1,7) · 3 أزواج مطابقة\n"
                "تحسّن 3 من أصل 3 مشاركين (100%) · دون تغيير: 0 · تراجع: 0\n"
                "قبل: الاستبيان القبلي، عند الانضمام.") in section(replies, "قبل ← بعد")

        # FOLLOWUP_DELAY after the last /close: each gets their own commitments back.
        await live.advance(timedelta(seconds=FOLLOWUP_DELAY))
        prompt = claire.last
        assert "Engagement 1 sur 2" in prompt.text
        assert (f"Vous avez écrit{N}: «{N}Publier les données de l’hôpital régional en open data{N}»\n"
                f"L’avez-vous fait{N}?") in prompt.text
        await tap(live, claire, "En partie")
        assert f"Qu’est-ce qui vous en a empêché{N}?" in claire.last.text
        time_label = option("obstacles", "lack_of_time", "fr", kind=FOLLOWUP)
        await tap(live, claire, time_label)
        await tap(live, claire, "✓ Confirmer (1)")
        assert "Engagement 2 sur 2" in claire.last.text and "Former deux collègues à Datawrapper" in claire.last.text
        await tap(live, claire, "Oui")
        assert claire.last.button_labels[:2] == ["Oui", "Non"]  # then the plain follow-up

        assert "الالتزام 1 من 1" in youssef.last.text
        assert "كتبت: «نشر بيانات المستشفى»\nهل قمت بذلك؟" in youssef.last.text
        await tap(live, youssef, "ليس بعد")
        assert "ما الذي حال دون ذلك؟" in youssef.last.text
        await tap(live, youssef, option("obstacles", "lack_of_skills", "ar", kind=FOLLOWUP))
        await tap(live, youssef, "✓ تأكيد (1)")
        assert youssef.last.button_labels[:2] == ["نعم", "لا"]
        assert not any("Engagement" in m.text for m in omar.messages)  # no commitment: the plain follow-up
        with live.session() as db:
            outcomes = db.execute(select(Commitment.text, Commitment.outcome, Commitment.barriers)
                                  .order_by(Commitment.id)).all()
        assert [(text, outcome, barriers or None) for text, outcome, barriers in outcomes] == [
            ("Publier les données de l’hôpital régional en open data", "partly", ["lack_of_time"]),
            ("Former deux collègues à Datawrapper", "done", None),
            ("نشر بيانات المستشفى", "not_yet", ["lack_of_skills"]),
        ]

        # /report: its commitments section states the share put into practice.
        await say(live, firas, f"/report {code}")
        document = next(m for m in reversed(firas.messages) if m.kind == "document")
        assert document.file_bytes is not None and document.file_bytes.startswith(b"%PDF")
        with live.session() as db:
            workshop = db.scalars(select(Workshop).where(Workshop.join_code == code)).one()
            stats = collect_stats(db, [workshop])
            contents = {language: report_content(
                translator(language), stats, [], [], timezone="Africa/Casablanca", generated_at=START,
                nonresponse=nonresponse(db, [workshop]), before_after=before_after(db, [workshop]),
                commitments=commitment_results(db, [workshop]),  # as /report builds it
            ) for language in ("fr", "ar")}
        content = contents["fr"]
        assert content.commitments_heading == "Engagements de changement"
        shown = {group.question: group.answers for group in content.commitments}
        assert shown["Ce qu’ils sont devenus (enquête de suivi)"][2:6] == (
            f"Suite connue dans l’enquête de suivi{N}: 3 sur 3",
            f"Mis en pratique (fait ou en partie){N}: 67{N}% (2 sur 3)",
            f"Fait: 33{N}% (1 sur 3)", f"En partie: 33{N}% (1 sur 3)")
        barriers = shown["Ce qui a fait obstacle (engagements tenus en partie ou pas encore)"]
        assert f"{time_label}: 50{N}% (1 sur 2)" in barriers
        assert shown["Dans leurs mots (pseudonymes)"] == (  # two respondents: no quote yet
            "Leurs mots sont cités dès qu’au moins 3 participants ont dit ce que sont devenus leurs engagements.",)
        arabic = contents["ar"]
        assert arabic.commitments_heading == "الالتزامات بالتغيير"
        assert arabic.commitments[0].answers[3] == "ما طُبّق (كليًا أو جزئيًا): 67% (2 من 3)"
        if shutil.which("pdftotext"):
            words = " ".join(_pdf_text(document.file_bytes, tmp_path, "report").split())
            assert "Engagements de changement" in words and "Mis en pratique" in words

        # A second workshop, then the programme over both.
        other = await new_workshop(live, firas, "Data-jams Tunis — eau")
        salma = live.server.user(400, "Salma", language_code="ar")
        karim = live.server.user(500, "Karim", language_code="fr")
        nadia = live.server.user(600, "Nadia", language_code="fr")
        for person in (salma, karim, nadia):
            await join(live, person, other)
        await say(live, firas, f"/close {other}")
        await answer_evaluation_until(live, salma)
        await answer_evaluation_until(live, karim)  # Nadia does not answer
        replies = await say(live, firas, "/programme new Data-jams Tunis 2026")
        match = PCODE.search(replies[0])
        assert match, replies
        pcode = match.group(0)
        replies = await say(live, firas, f"/programme add {pcode} {code} {other}")
        assert replies[0].startswith(f"Ajout à Data-jams Tunis 2026{N}: {code}, {other}.\n"
                                     f"Data-jams Tunis 2026 compte maintenant 2 ateliers{N}:")
        replies = await say(live, firas, f"/stats {pcode}")
        assert summary_of(replies).splitlines()[:5] == [
            f"📊 Programme Data-jams Tunis 2026 ({pcode}){N}: 2 ateliers",
            "Data-jams Tunis — santé: 3 participants se sont inscrits.",
            f"• Session{NBSP}1 — Data-jams Tunis — santé{N}: 3 sur 3 participants ont répondu ({fr.share(3, 3)})",
            f"• Session{NBSP}2 — {DAY_2}{N}: 2 sur 3 participants ont répondu ({fr.share(2, 3)})",
            f"Data-jams Tunis — eau: Questionnaire complété par 2 sur 3 participants ({fr.share(2, 3)}).",
        ]
        # The programme pools both workshops: 3 pre-survey pairs and 2 retrospective ones.
        assert "3,0 → 4,0 sur 5 (+1,0) · 5 paires appariées" in section(replies, "Avant → après")
        assert f"Mis en pratique (fait ou en partie){N}: 67{N}% (2 sur 3)" in section(replies, "Engagements écrits")
    assert live.server.errors == []
