"""Small groups stay hidden for real: complementary suppression in breakdowns, comparisons
answered where they were asked, and coarsened profile columns in the export.

Hiding a group of fewer than 3 is useless when the overall figures are shown beside the
other groups: 4 men rate 5 and 1 woman rates 1, and the overall count of "1" is hers.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from bot.domain.export import export_data
from bot.domain.reversals import find_reversals
from bot.domain.stats import collect_stats
from bot.domain.users import TelegramIdentity, get_or_create_user
from bot.domain.workshops import close_workshop, create_workshop
from bot.i18n import translator
from bot.rendering import texts
from bot.rendering.chart_specs import chart_specs
from bot.rendering.export_content import export_csv_table, export_workbook
from bot.rendering.report_content import report_content
from bot.results.export import ExportAnswer
from bot.results.stats import NOT_STATED, Breakdown, Group, Tally, hidden_keys, suppress_small_groups
from bot.simulation.live_bot import LiveBot
from telegram_sim import FakeUser
from tests.conversation import new_workshop, option, say
from tests.test_results import PROFILE, run_workshop
from tests.test_stats import evaluate, person, workshop_with

NBSP = "\u00a0"

# --- the rule, on its own ------------------------------------------------------------------

# (respondents per group, in the breakdown's order) → the groups hidden
RULE = [
    ({}, set()),
    ({"w": 0, "m": 0}, set()),
    ({"w": 4, "m": 3}, set()),  # nobody small
    ({"w": 5, NOT_STATED: 0}, set()),  # a group of nobody shows nothing, gives nothing away
    ({"w": 5}, set()),  # one group is the overall: nothing to subtract
    ({"w": 2}, {"w"}),
    ({"w": 1, "m": 2}, {"w", "m"}),  # both small
    # one small group: the next smallest goes too…
    ({"a": 5, "b": 6, "c": 7, "x": 2}, {"x", "a"}),
    ({"w": 5, "m": 4, "u": 1}, {"u", "m", "w"}),  # …which leaves one group: only the overall
    ({"m": 4, "w": 1}, {"m", "w"}),  # 4 men and 1 woman: neither
    ({"w": 3, "m": 3, "u": 1, NOT_STATED: 3}, {"u", NOT_STATED}),  # ties: the one listed last
    ({"a": 4, "b": 4, "c": 5, "x": 1}, {"x", "b"}),
    ({"w": 3, "m": 3, "x": 1, NOT_STATED: 0}, {"w", "m", "x"}),  # a tie, then one left
    # several small groups: together they must count 3, or be hidden with the next smallest
    ({"w": 4, "m": 3, "u": 1, NOT_STATED: 1}, {"w", "m", "u", NOT_STATED}),
    ({"w": 4, "m": 5, "u": 1, NOT_STATED: 1, "o": 6}, {"u", NOT_STATED, "w"}),
    ({"w": 5, "m": 4, "u": 2, NOT_STATED: 1}, {"u", NOT_STATED}),  # 3 together: enough
    ({"w": 5, "m": 6, "u": 2, NOT_STATED: 2}, {"u", NOT_STATED}),
    ({"w": 3, "m": 1, NOT_STATED: 2}, {"m", NOT_STATED}),  # one group shown beside 3 hidden together
]


@pytest.mark.parametrize(("sizes", "hidden"), RULE)
def test_complementary_suppression_rule(sizes: dict[str, int], hidden: set[str]) -> None:
    assert hidden_keys(sizes) == hidden
    shown = [key for key, n in sizes.items() if n and key not in hidden]
    if shown:  # hidden groups, if any, can only be worked out together, 3 people or more
        assert sum(sizes[key] for key in hidden) == 0 or sum(sizes[key] for key in hidden) >= 3


def _group(code: str | None, key: str | None, n: int) -> Group:
    return Group(code, key, Tally(n, 0, {}, {5: n}))


def test_groups_are_suppressed_workshop_by_workshop() -> None:
    groups = suppress_small_groups([
        _group("A", "woman", 1), _group("A", "man", 4), _group("A", NOT_STATED, 0),
        _group("B", "woman", 4), _group("B", "man", 4), _group("B", NOT_STATED, 0),
    ])
    assert [(g.workshop_code, g.profile_key, g.hidden, g.withheld) for g in groups] == [
        ("A", "woman", True, False), ("A", "man", True, True), ("A", NOT_STATED, True, False),
        ("B", "woman", False, False), ("B", "man", False, False), ("B", NOT_STATED, True, False),
    ]
    # workshops compared without a breakdown are never hidden, however small
    plain = (_group("A", None, 1), _group("B", None, 9))
    assert suppress_small_groups(plain) == plain


# --- where breakdowns are built: the database, then everything that shows them ----------------


def test_four_men_and_one_woman_show_only_the_overall(db: Session) -> None:
    workshop = workshop_with(db, "Jam", [(10 + i, "man", 5) for i in range(4)] + [(20, "woman", 1)])
    stats = collect_stats(db, [workshop], Breakdown.GENDER)
    benefit = stats.questions[1]
    assert benefit.tally.rating_counts == {5: 4, 1: 1}  # the overall is shown…
    groups = {g.profile_key: g for g in benefit.groups}
    assert groups["woman"].hidden and not groups["woman"].withheld
    assert groups["man"].hidden and groups["man"].withheld  # …so the men's "5" cannot be

    # the /stats text, the charts and the report all say so, in French and in Arabic
    for language, woman, man in [
        ("fr", f"  ▸ Femme: masqué{NBSP}: moins de 3 répondants",
         "  ▸ Homme: masqué aussi, sinon un groupe plus petit se déduirait des totaux"),
        ("ar", "  ▸ امرأة: مخفية: أقل من 3 مجيبين",
         "  ▸ رجل: مخفية أيضًا، وإلا أمكن استنتاج فئة أصغر من المجاميع"),
    ]:
        tr = translator(language)
        summary = "\n".join(texts.stats_summary(tr, stats, find_reversals(stats)))
        assert woman in summary and man in summary
        assert "(4 " not in summary and "(n = 4)" not in summary  # the men's count is nowhere
        spec = chart_specs(stats, tr)[1]
        assert [(s.hidden, s.respondents, set(s.counts)) for s in spec.series] == [(True, 0, {0}), (True, 0, {0})]
        assert spec.series[1].hidden_note == texts.withheld_group(tr)
        report = report_content(tr, collect_stats(db, [workshop]), [], [], timezone="Africa/Casablanca",
                                generated_at=datetime(2025, 11, 20, tzinfo=UTC), breakdowns=[(stats, [])])
        (section,) = report.breakdowns
        assert section.charts == () and section.notes[-1] == texts.report_overall_only(tr)
    assert texts.report_overall_only(translator("fr")) == (
        f"Montrer un groupe permettrait d’en déduire un plus petit à partir des totaux{NBSP}: "
        "seuls les résultats d’ensemble sont donnés.")
    assert texts.report_overall_only(translator("ar")) == (
        "عرض أي فئة يتيح استنتاج فئة أصغر من المجاميع، لذا تُعرض النتائج الإجمالية فقط.")


def test_simpson_note_draws_nothing_from_a_group_hidden_with_a_small_one(db: Session) -> None:
    # tests/test_stats.py's paradox (A wins overall, B within women and within men), plus one
    # participant of A who did not say their gender: A's men (3) are hidden with them, which
    # leaves A's women alone, hidden too. No group of A is compared any more: no note.
    a = workshop_with(db, "Jam A", [(100 + i, "woman", 4) for i in range(8)] + [(110 + i, "man", 1) for i in range(3)]
                      + [(120, None, 5)])
    b = workshop_with(db, "Jam B", [(200 + i, "woman", 5) for i in range(3)] + [(210 + i, "man", 2) for i in range(8)])
    stats = collect_stats(db, [a, b], Breakdown.GENDER)
    shown = {(g.workshop_code, g.profile_key) for g in stats.questions[1].groups if not g.hidden}
    assert shown == {(b.join_code, "woman"), (b.join_code, "man")}
    assert find_reversals(stats) == []


def test_leader_note_draws_nothing_from_a_group_hidden_with_a_small_one(db: Session) -> None:
    # tests/test_stats.py's leader case (excellent first overall, first among neither women
    # nor men) plus one "prefer not to say": the men (tied with the women, listed after
    # them) are hidden with that person, then the women, left alone: no note.
    owner = get_or_create_user(db, TelegramIdentity(1, "fr"))
    workshop = create_workshop(db, owner, "Jam")
    plan = ([("woman", "very_good")] * 3 + [("woman", "excellent")] * 2 + [("man", "average")] * 3
            + [("man", "excellent")] * 2 + [("undisclosed", "excellent")])
    for n, (gender, _) in enumerate(plan):
        person(db, workshop, 50 + n, gender)
    close_workshop(db, workshop)
    for n, (_, trainers) in enumerate(plan):
        evaluate(db, workshop, 50 + n, 4, trainers)
    stats = collect_stats(db, [workshop], Breakdown.GENDER)
    trainers = next(q for q in stats.questions if q.question.id == "trainers")
    assert all(g.hidden for g in trainers.groups)
    assert find_reversals(stats) == []


# --- through the bot -----------------------------------------------------------------------


async def test_stats_by_gender_in_french_hides_the_men_beside_one_woman(live: LiveBot, organiser: FakeUser) -> None:
    people = [(100 + i, "fr", "man", 5) for i in range(4)] + [(200, "fr", "woman", 1)]
    code = await run_workshop(live, organiser, people)
    summary = "\n".join(await say(live, organiser, f"/stats {code} by gender"))
    man, woman = option("gender", "man", "fr", PROFILE), option("gender", "woman", "fr", PROFILE)
    assert f"  ▸ {man}: masqué aussi, sinon un groupe plus petit se déduirait des totaux" in summary
    assert f"  ▸ {woman}: masqué{NBSP}: moins de 3 répondants" in summary
    assert f"{man} (" not in summary and f"{woman} (" not in summary


async def test_a_comparison_answers_where_it_was_asked(live: LiveBot, organiser: FakeUser) -> None:
    first = await run_workshop(live, organiser, [(100, "fr", "woman", 5), (101, "fr", "man", 4)], "Jam A")
    second = await run_workshop(live, organiser, [(200, "ar", "woman", 2), (201, "ar", "man", 3)], "Jam B")
    group = live.server.group(-1004242, "Organisateurs de Jam A")
    await organiser.send_in(group, f"/link {first}")
    await live.settle()
    group.new_messages()

    organiser.new_messages()
    await organiser.send(f"/stats {first} {second}")
    await live.settle()
    private = organiser.new_messages()
    assert any(m.kind == "text" and m.text.startswith("📊 Jam A · Jam B") for m in private)
    assert len([m for m in private if m.kind == "photo"]) == 16
    await organiser.send(f"/report {first} {second}")
    await live.settle()
    (report,) = organiser.new_messages()
    assert report.kind == "document" and report.file_name == f"report-{first}-{second}.pdf"
    assert group.new_messages() == []  # Jam A's group never saw Jam B's figures

    # one workshop's results still go to its group
    assert await say(live, organiser, f"/stats {first}") == ["Publié dans le groupe des organisateurs."]
    assert any(m.text.startswith("📊 Jam A") for m in group.new_messages())


# --- the export: coarsened profile columns ---------------------------------------------------


async def test_export_withholds_the_only_woman_and_the_men_who_would_give_her_away(
    live: LiveBot, organiser: FakeUser
) -> None:
    people = [(100 + i, "fr", "man", 5) for i in range(4)] + [(200, "fr", "woman", 1)]
    code = await run_workshop(live, organiser, people)
    organiser.new_messages()
    await organiser.send(f"/export {code}")
    await live.settle()
    csv_message, _xlsx = organiser.new_messages()
    assert csv_message.file_bytes is not None
    header, *rows = list(csv.reader(io.StringIO(csv_message.file_bytes.decode("utf-8-sig")), delimiter=";"))
    gender, org = header.index("Genre"), header.index("Type d’organisation")
    assert [row[gender] for row in rows] == ["autre / non affiché"] * 5  # her row does not say woman
    assert [row[org] for row in rows] == [""] * 5  # all 5 skipped it: shared by 5, shown


def test_export_shows_values_shared_by_three_and_coarsens_the_rest(db: Session) -> None:
    owner = get_or_create_user(db, TelegramIdentity(1, "fr"))
    workshop = create_workshop(db, owner, "Jam")
    # gender: 3 women, 4 men, 1 "prefer not to say", 3 who skipped it: the 1 is withheld, and
    # with them the smallest other group (women and skipped tie at 3: skipped is listed last)
    profiles = ([("woman", "media")] * 3 + [("man", "research")] * 4 + [("undisclosed", None)]
                + [(None, "research")] + [(None, None)] * 2)
    for n, (gender, org) in enumerate(profiles):
        person(db, workshop, 300 + n, gender, org)
    db.commit()
    data = export_data(db, workshop)
    assert [p.profile["gender"] for p in data.participants][7:] == [ExportAnswer(withheld=True)] * 4
    for language, words in [
        ("fr", {"woman": "Femme", "man": "Homme", "other": "autre / non affiché", "media": "Médias",
                "research": "Recherche / université"}),
        ("ar", {"woman": "امرأة", "man": "رجل", "other": "أخرى / غير معروضة", "media": "إعلام",
                "research": "بحث علمي / جامعة"}),
    ]:
        tr = translator(language)
        table = export_csv_table(tr, data)
        assert [row[5:7] for row in table.rows] == [
            *[(words["media"], words["woman"])] * 3,
            *[(words["research"], words["man"])] * 4,
            ("", words["other"]),  # organisation skipped by 3 (shown as skipped), gender withheld
            (words["research"], words["other"]),
            *[("", words["other"])] * 2,
        ]
        evaluation_sheet = export_workbook(tr, data).sheets[0]
        assert [row[4:6] for row in evaluation_sheet.rows] == [row[5:7] for row in table.rows]
    assert texts.export_withheld(translator("en")) == "other / not shown"


def test_export_of_a_workshop_in_the_database_has_no_small_profile_value(db: Session) -> None:
    """Whatever the workshop, no exported profile value is shared by fewer than 3 rows."""
    workshop = workshop_with(db, "Jam", [(10 + i, "man", 5) for i in range(3)] + [(20, "woman", 1), (21, None, 2)])
    table = export_csv_table(translator("fr"), export_data(db, workshop))
    for column in (5, 6):
        values = [row[column] for row in table.rows]
        assert all(values.count(v) >= 3 for v in values if v != "autre / non affiché"), values
