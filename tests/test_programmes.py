"""Programmes: /programme new, add, list and remove; /stats PCODE (by workshop, by gender,
with each workshop's response rate and who answered), /report PCODE (one PDF), and the
refusals — in French and Arabic, through the real bot.

The workshops and their answers are made through the domain functions
(``tests.programme_data``); everything the organiser does is a chat message.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Callable

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.domain.nonresponse import nonresponse
from bot.domain.programmes import is_programme_code, programme_workshops
from bot.domain.stats import collect_stats
from bot.domain.stats_query import BadStatsQuery, parse_stats_arguments
from bot.i18n import translator
from bot.rendering.report_content import report_content
from bot.reports import render_report
from bot.results.stats import Breakdown
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from tests.conversation import ORGANISER_ID, say
from tests.programme_data import SETTINGS, START, WORKSHOP_A, WORKSHOP_B, run_workshop
from tests.test_report_content import _pdf_text

PCODE = re.compile(r"P-[A-Z2-9]{6}")
NNBSP, LRI, PDI = "\u202f", "\u2066", "\u2069"
OTHER = 2  # organises a workshop of their own, not in ORGANISER_IDS
TITLE = "Data-jams Tunis 2026"

# What the organiser reads, in each language (codes are filled in by the test).
WORDS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "fr": {
        "created": "Le programme Data-jams Tunis 2026 est prêt. Son code\u202f: {p}",
        "add": "Ajoutez-y ses ateliers avec leurs codes d’accès\u202f: /programme add {p} CODE1 CODE2",
        "added": "Ajout à Data-jams Tunis 2026\u202f: {a}, {b}.",
        "now": "Data-jams Tunis 2026 compte maintenant 2 ateliers\u202f:",
        "already": "Déjà dans le programme\u202f: {a}.",
        "figures": "/stats {p} donne les chiffres du programme.",
        "list": "Vos programmes",
        "not_yours": "Aucun de vos ateliers n’a le code {c}.",
        "unknown": "Aucun de vos programmes n’a le code {p}. /programme liste les vôtres.",
        "heading": "📊 Programme Data-jams Tunis 2026 ({p})\u202f: 2 ateliers",
        "rate_a": ("Data-jam santé: ", "13 sur 23", "(57\u202f%)"),
        "rate_b": ("Data-jam eau: ", "7 sur 11", "(64\u202f%)"),
        "who": "Qui a répondu, par genre\u202f: Femme\u202f: 5 sur 13 · Homme\u202f: 11 sur 13 · "
               "autres groupes réunis\u202f: 4 sur 8 (les groupes de moins de 3 participants inscrits "
               "ne sont pas montrés à part)",
        "hidden": "masqué",
        "removed": "Retrait de Data-jams Tunis 2026\u202f: {b}.",
        "empty_list": "Vous n’avez encore aucun programme. /programme new TITRE en crée un.",
        "no_workshop": "Le programme {p} n’a encore aucun atelier\u202f: /programme add {p} CODE les ajoute.",
        "subtitle": "Rapport d’évaluation du programme",
        "fact_a": "ont répondu\u202f: 13 sur 23 participants (57\u202f%)",
        "usage": "/programme new TITRE crée un programme",
    },
    "ar": {
        "created": f"البرنامج Data-jams Tunis 2026 جاهز. رمزه: {LRI}{{p}}{PDI}",
        "add": f"أضف إليه ورشاته برموز الانضمام الخاصة بها: {LRI}/programme add {{p}} CODE1 CODE2{PDI}",
        "added": f"أضيف إلى Data-jams Tunis 2026: {LRI}{{a}}{PDI}, {LRI}{{b}}{PDI}.",
        "now": "يضم Data-jams Tunis 2026 الآن ورشتين:",
        "already": f"موجود في البرنامج من قبل: {LRI}{{a}}{PDI}.",
        "figures": f"الأمر {LRI}/stats {{p}}{PDI} يعرض أرقام البرنامج.",
        "list": "برامجك",
        "not_yours": "{c}",
        "unknown": f"لا يحمل أيٌّ من برامجك الرمز {LRI}{{p}}{PDI}.",
        "heading": f"📊 البرنامج Data-jams Tunis 2026 ({LRI}{{p}}{PDI}): ورشتان",
        "rate_a": ("Data-jam santé: ", "13 من أصل 23", "(57%)"),
        "rate_b": ("Data-jam eau: ", "7 من أصل 11", "(64%)"),
        "who": "من أجاب، حسب الجنس: امرأة: 5 من 13 · رجل: 11 من 13 · الفئات الأخرى مجتمعة: 4 من 8 "
               "(لا تُعرض على حدة الفئات التي انضم إليها أقل من 3 مشاركين)",
        "hidden": "مخفي",
        "removed": f"حُذف من Data-jams Tunis 2026: {LRI}{{b}}{PDI}.",
        "empty_list": f"ليس لديك أي برنامج بعد. أنشئ برنامجًا بالأمر {LRI}/programme new العنوان{PDI}.",
        "no_workshop": f"لا ورشة بعد في البرنامج {LRI}{{p}}{PDI}: الأمر {LRI}/programme add {{p}} CODE{PDI} يضيفها.",
        "subtitle": "تقرير تقييم البرنامج",
        "fact_a": "أجاب 13 من أصل 23 مشاركًا (57%)",
        "usage": f"{LRI}/programme new العنوان{PDI} ينشئ برنامجًا",
    },
}


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


def _in(replies: list[str], text: str) -> bool:
    return any(text in reply for reply in replies)


@pytest.mark.parametrize("language", ["fr", "ar"])
async def test_a_programme_of_two_workshops(live: LiveBot, language: str, tmp_path: Path) -> None:
    words = WORDS[language]
    with live.session() as db:
        a = run_workshop(db, ORGANISER_ID, "Data-jam santé", WORKSHOP_A, first_user=100, language=language).join_code
        b = run_workshop(db, ORGANISER_ID, "Data-jam eau", WORKSHOP_B, first_user=200, language=language).join_code
        theirs = run_workshop(db, OTHER, "Atelier d’un autre", WORKSHOP_B, first_user=300).join_code
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code=language)

    replies = await say(live, organiser, "/programme")
    assert _in(replies, words["empty_list"]), replies

    replies = await say(live, organiser, f"/programme new {TITLE}")
    match = PCODE.search(replies[0])
    assert match, replies
    p = match.group(0)
    fill = {"p": p, "a": a, "b": b, "c": theirs}
    assert _in(replies, words["created"].format(**fill)) and _in(replies, words["add"].format(**fill)), replies

    replies = await say(live, organiser, f"/stats {p}")
    assert _in(replies, words["no_workshop"].format(**fill)), replies

    replies = await say(live, organiser, f"/programme add {p} {a} {b}")
    for key in ("added", "now", "figures"):
        assert _in(replies, words[key].format(**fill)), (key, replies)
    replies = await say(live, organiser, f"/programme add {p.lower()} {a}")  # idempotent, any case
    assert _in(replies, words["already"].format(**fill)) and _in(replies, words["now"]), replies

    replies = await say(live, organiser, f"/programme add {p} {theirs}")  # someone else's workshop
    assert _in(replies, words["not_yours"].format(**fill)), replies
    with live.session() as db:
        assert len(programme_workshops(db, ORGANISER_ID, p)[1]) == 2  # nothing added

    replies = await say(live, organiser, "/programme")
    assert _in(replies, words["list"]) and _in(replies, TITLE) and _in(replies, a) and _in(replies, b), replies

    # /stats PCODE: the workshops side by side, each with its response rate, and who answered
    organiser.new_messages()
    await organiser.send(f"/stats {p}")
    await live.settle()
    sent = organiser.new_messages()
    assert [m.kind for m in sent].count("photo") == 2  # one chart per question, a bar per workshop
    summary = "\n".join(m.text for m in sent if m.kind == "text")
    for key in ("heading", "who"):
        assert words[key].format(**fill) in summary, (key, summary)
    for key in ("rate_a", "rate_b"):  # each workshop's response rate, on its own line
        title, counts, rate = words[key]
        assert any(line.startswith(title) and counts in line and rate in line for line in summary.splitlines()), key

    # /stats PCODE by gender: the workshops pooled in each group; the small ones hidden
    organiser.new_messages()
    await organiser.send(f"/stats {p} by gender")
    await live.settle()
    summary = "\n".join(m.text for m in organiser.new_messages() if m.kind == "text")
    assert words["hidden"] in summary and words["who"] in summary, summary
    with live.session() as db:
        workshops = programme_workshops(db, ORGANISER_ID, p)[1]
        pooled = collect_stats(db, workshops, Breakdown.GENDER, pooled=True)
        useful = pooled.questions[0]
        assert {g.profile_key: (g.tally.answered, g.hidden) for g in useful.groups} == {
            "woman": (7, False), "man": (13, False), "undisclosed": (1, True), "": (5, True)}
        assert all(g.workshop_code is None for g in useful.groups)  # one group across the workshops

    # /report PCODE: one PDF for the funder
    organiser.new_messages()
    await organiser.send(f"/report {p}")
    await live.settle()
    (document,) = [m for m in organiser.new_messages() if m.kind == "document"]
    assert document.file_name == f"report-{p}.pdf" and document.file_bytes is not None
    assert document.file_bytes.startswith(b"%PDF")
    with live.session() as db:
        programme, workshops = programme_workshops(db, ORGANISER_ID, p)
        tr = translator(language)
        stats = collect_stats(db, workshops)
        content = report_content(tr, stats, [], [], timezone="Africa/Casablanca", generated_at=START,
                                 nonresponse=nonresponse(db, workshops), programme_title=programme.title)
    assert (content.title, content.subtitle) == (TITLE, words["subtitle"])
    facts = dict(content.facts)
    assert words["fact_a"] in facts["Data-jam santé"] and "Data-jam eau" in facts
    assert content.notes[0] == words["who"]
    assert render_report(content).startswith(b"%PDF")
    if language == "fr" and shutil.which("pdftotext"):  # the PDF as a reader copies it
        text = " ".join(_pdf_text(document.file_bytes, tmp_path, "programme").split())
        assert TITLE in text and "Rapport d’évaluation du programme" in text and "Data-jam santé" in text

    replies = await say(live, organiser, "/stats P-AAAAAA")  # no such programme
    assert _in(replies, words["unknown"].format(p="P-AAAAAA")), replies

    replies = await say(live, organiser, f"/programme remove {p} {b}")
    assert _in(replies, words["removed"].format(**fill)), replies
    replies = await say(live, organiser, "/programme what")
    assert _in(replies, words["usage"]), replies


async def test_someone_elses_programme_answers_like_an_unknown_one(live: LiveBot) -> None:
    with live.session() as db:
        a = run_workshop(db, ORGANISER_ID, "Data-jam santé", WORKSHOP_A, first_user=100).join_code
        run_workshop(db, OTHER, "Atelier d’un autre", WORKSHOP_B, first_user=300, language="ar")  # an organiser
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code="fr")
    other = live.server.user(OTHER, "Nadia", language_code="ar")
    replies = await say(live, organiser, f"/programme new {TITLE}")
    match = PCODE.search(replies[0])
    assert match
    p = match.group(0)
    await say(live, organiser, f"/programme add {p} {a}")

    replies = await say(live, other, f"/stats {p}")
    assert _in(replies, WORDS["ar"]["unknown"].format(p=p)), replies
    replies = await say(live, other, f"/programme add {p} {a}")
    assert _in(replies, WORDS["ar"]["unknown"].format(p=p)), replies
    replies = await say(live, other, "/programme new Autre")  # not in ORGANISER_IDS: may not create
    assert not any(PCODE.search(reply) for reply in replies), replies
    with live.session() as db:
        assert db.scalars(select(models.Programme.title)).all() == [TITLE]


def test_programme_codes_are_told_apart_from_join_codes() -> None:
    assert is_programme_code("P-7KQ2MX") and is_programme_code("p-7kq2mx")
    assert not is_programme_code("P-7KQ2MX0") and not is_programme_code("Pa7KQ2MXabcd")
    assert parse_stats_arguments(["p-7kq2mx", "by", "gender"]).programme == "P-7KQ2MX"
    assert parse_stats_arguments(["P-7KQ2MX"]).codes == ()
    with pytest.raises(BadStatsQuery):
        parse_stats_arguments(["P-7KQ2MX", "abcdefghijkl"])  # a programme code stands alone
