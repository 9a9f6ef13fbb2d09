"""Non-response, stated: who answered by gender, with a warning when a group answered at
less than half the overall rate, and small groups never shown on their own — in /stats,
the report's cover and the export's summary sheet, in French and Arabic."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.clock import ManualClock
from bot.domain.export import export_data
from bot.domain.nonresponse import nonresponse
from bot.domain.stats import collect_stats
from bot.i18n import translator
from bot.rendering import texts
from bot.rendering.export_content import export_workbook
from bot.rendering.report_content import report_content
from bot.reports import render_report
from bot.results.nonresponse import GroupResponse
from bot.results.stats import NOT_STATED, Breakdown
from bot.simulation.live_bot import LiveBot
from bot.storage import models
from bot.storage.engine import DbSession
from tests.conversation import ORGANISER_ID
from tests.programme_data import SETTINGS, START, WORKSHOP_A, WORKSHOP_B, people, run_workshop

NNBSP = "\u202f"
FR, AR = translator("fr"), translator("ar")
LINE = {
    "fr": f"Qui a répondu, par genre{NNBSP}: Femme{NNBSP}: 2 sur 9 · Homme{NNBSP}: 9 sur 10 · "
          f"non précisé{NNBSP}: 2 sur 4",
    "ar": "من أجاب، حسب الجنس: امرأة: 2 من 9 · رجل: 9 من 10 · غير مُصرَّح به: 2 من 4",
}
WARNING = {
    "fr": f"⚠️ Le groupe «{NNBSP}Femme{NNBSP}» a beaucoup moins répondu que les autres "
          f"(22{NNBSP}% contre 57{NNBSP}% au total){NNBSP}: lisez les résultats avec prudence.",
    "ar": "⚠️ أجابت فئة «امرأة» أقل بكثير من غيرها (22% مقابل 57% إجمالًا): اقرأ النتائج بحذر.",
}


@pytest.fixture
async def live(session_factory: Callable[[], DbSession]) -> AsyncIterator[LiveBot]:
    async with LiveBot(session_factory, settings=SETTINGS, clock=ManualClock(START)) as bot:
        yield bot
    assert bot.server.errors == []


@pytest.fixture
def workshop_a(db: Session) -> models.Workshop:
    return run_workshop(db, ORGANISER_ID, "Data-jam santé", WORKSHOP_A, first_user=100)


def test_joined_and_answered_per_group(db: Session, workshop_a: models.Workshop) -> None:
    gender, org = nonresponse(db, [workshop_a])
    assert (gender.breakdown, gender.joined, gender.answered) == (Breakdown.GENDER, 23, 13)
    assert gender.groups == (GroupResponse("woman", 9, 2), GroupResponse("man", 10, 9), GroupResponse(NOT_STATED, 4, 2))
    assert [g.key for g in gender.under_represented] == ["woman"]  # 22 % < 57 % / 2
    assert org.groups == (GroupResponse(NOT_STATED, 23, 13),)  # nobody said: no line at all
    assert texts.nonresponse_text(FR, org) is None
    stats = collect_stats(db, [workshop_a])
    assert (stats.joined, stats.completed) == (gender.joined, gender.answered)  # the same figures as /stats


@pytest.mark.parametrize("tr", [FR, AR], ids=["fr", "ar"])
def test_the_line_and_the_warning(db: Session, workshop_a: models.Workshop, tr: object) -> None:
    language = tr.language  # type: ignore[attr-defined]
    lines = texts.nonresponse_lines(tr, nonresponse(db, [workshop_a]))  # type: ignore[arg-type]
    assert lines[0] == LINE[language]
    assert lines[1:] == [WARNING[language]]


def test_small_groups_are_never_shown_on_their_own(db: Session) -> None:
    # 4 women, 3 men, 1 "prefer not to say", 3 who did not say: the 1 is hidden, and the 3
    # who did not say with them (the smallest, listed last), or the total would give that
    # one person away; the two hidden groups are shown together (4 people).
    workshop = run_workshop(db, ORGANISER_ID, "Data-jam eau", WORKSHOP_B, first_user=300)
    (gender,) = nonresponse(db, [workshop], [Breakdown.GENDER])
    assert {g.key: g.hidden for g in gender.groups} == {"woman": False, "man": False, "undisclosed": True,
                                                         NOT_STATED: True}
    fr = texts.nonresponse_text(FR, gender)
    assert fr is not None and fr.line == (
        f"Qui a répondu, par genre{NNBSP}: Femme{NNBSP}: 3 sur 4 · Homme{NNBSP}: 2 sur 3 · "
        f"autres groupes réunis{NNBSP}: 2 sur 4 "
        "(les groupes de moins de 3 participants inscrits ne sont pas montrés à part)")
    ar = texts.nonresponse_text(AR, gender)
    assert ar is not None and ar.line == (
        "من أجاب، حسب الجنس: امرأة: 3 من 4 · رجل: 2 من 3 · الفئات الأخرى مجتمعة: 2 من 4 "
        "(لا تُعرض على حدة الفئات التي انضم إليها أقل من 3 مشاركين)")
    assert not fr.warnings and not ar.warnings  # a hidden group is never singled out by a warning


def test_every_group_too_small_shows_only_the_rule(db: Session) -> None:
    workshop = run_workshop(db, ORGANISER_ID, "Petit atelier", [*people("woman", 2, 1), *people("man", 2, 2)],
                            first_user=400)
    (gender,) = nonresponse(db, [workshop], [Breakdown.GENDER])
    assert all(g.hidden for g in gender.groups)
    stated = texts.nonresponse_text(FR, gender)
    assert stated is not None
    assert stated.line == ("Qui a répondu, par genre\u202f: les groupes de moins de 3 participants inscrits "
                           "ne sont pas montrés à part")
    assert "2 sur 2" not in stated.line and not stated.warnings


@pytest.mark.parametrize("tr", [FR, AR], ids=["fr", "ar"])
def test_report_cover_and_export_summary(db: Session, workshop_a: models.Workshop, tr: object) -> None:
    language = tr.language  # type: ignore[attr-defined]
    found = nonresponse(db, [workshop_a])
    stats = collect_stats(db, [workshop_a])
    content = report_content(tr, stats, [], [], timezone="Africa/Tunis",  # type: ignore[arg-type]
                             generated_at=datetime(2026, 12, 1, tzinfo=UTC), nonresponse=found)
    assert content.notes[0] == LINE[language]
    assert content.notes[1] == WARNING[language]
    assert render_report(content).startswith(b"%PDF")

    data = replace(export_data(db, workshop_a, timezone="Africa/Tunis"), nonresponse=found)
    summary = export_workbook(tr, data).sheets[-2]  # type: ignore[arg-type]
    heading, groups = LINE[language].split(": " if language == "ar" else f"{NNBSP}: ", 1)
    assert any(row[:1] == (heading + (":" if language == "ar" else f"{NNBSP}:"),) and row[1] == groups
               for row in summary.rows if len(row) > 1), summary.rows
    assert (WARNING[language],) in summary.rows


@pytest.mark.parametrize("language", ["fr", "ar"])
async def test_stats_states_who_did_not_answer(live: LiveBot, language: str) -> None:
    with live.session() as db:
        code = run_workshop(db, ORGANISER_ID, "Data-jam santé", WORKSHOP_A, first_user=100, language=language).join_code
    organiser = live.server.user(ORGANISER_ID, "Firas", language_code=language)
    organiser.new_messages()
    await organiser.send(f"/stats {code}")
    await live.settle()
    summary = "\n".join(m.text for m in organiser.new_messages() if m.kind == "text")
    assert LINE[language] in summary
    assert WARNING[language] in summary
