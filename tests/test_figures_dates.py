"""Figures, dates and durations as a reader in Rabat, Tunis or Paris expects them (issue 13, point 3).

A mean is «المتوسط 4,2 من 5» / « moyenne 4,2 sur 5 », never with a slash the bidi algorithm
reverses in Arabic; Arabic dates carry no Latin comma and the month names of the workshop's
country (Babel's ar_MA for Morocco, ar_TN for Tunisia, chosen from the time zone); several
dates are separated by «؛» / « ; »; durations are read in French and Arabic too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.durations import parse_duration_text
from bot.i18n import translator
from bot.rendering import texts
from bot.results.stats import Tally

NNBSP = "\u202f"
AUGUST = datetime(2026, 8, 3, 8, 0, tzinfo=UTC)  # 09:00 in Casablanca and Tunis
DECEMBER = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
JANUARY = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "august", "december", "january"),
    [
        ("Africa/Casablanca", "3 غشت 2026", "1 دجنبر 2026", "5 يناير 2027"),  # ar_MA
        ("Africa/Tunis", "3 أوت 2026", "1 ديسمبر 2026", "5 جانفي 2027"),  # ar_TN
        ("Europe/Paris", "3 أغسطس 2026", "1 ديسمبر 2026", "5 يناير 2027"),  # plain ar elsewhere
    ],
)
def test_arabic_months_are_the_workshop_countrys(zone: str, august: str, december: str, january: str) -> None:
    tr = translator("ar")
    assert [tr.date(d, zone) for d in (AUGUST, DECEMBER, JANUARY)] == [august, december, january]


def test_french_and_english_months_are_the_same_everywhere() -> None:
    for zone in ("Africa/Casablanca", "Africa/Tunis"):
        assert translator("fr").date(AUGUST, zone) == "3 août 2026"
        assert translator("en").date(AUGUST, zone) == "August 3, 2026"


def test_a_moment_has_no_latin_comma_in_arabic() -> None:
    assert translator("ar").moment(DECEMBER, "Africa/Casablanca") == "1 دجنبر 2026، على الساعة 09:00"
    assert translator("ar").moment(AUGUST, "Africa/Tunis") == "3 أوت 2026، على الساعة 09:00"
    assert translator("fr").moment(DECEMBER, "Africa/Casablanca") == "1 décembre 2026 à 09:00"
    assert translator("en").moment(DECEMBER, "Africa/Casablanca") == "December 1, 2026 at 09:00"
    assert ", " not in translator("ar").moment(DECEMBER, "Africa/Tunis")


def test_several_dates_are_separated_unambiguously_in_order() -> None:
    moments = (AUGUST, DECEMBER)
    assert translator("ar").moments(moments, "Africa/Tunis") == (
        "3 أوت 2026، على الساعة 09:00؛ 1 ديسمبر 2026، على الساعة 09:00")
    assert translator("fr").moments(moments, "Africa/Tunis") == (
        f"3 août 2026 à 09:00{NNBSP}; 1 décembre 2026 à 09:00")
    assert translator("en").moments(moments, "UTC") == "August 3, 2026 at 08:00; December 1, 2026 at 08:00"
    # days: in order of time (not of their names), each once
    days = (JANUARY, AUGUST, JANUARY, DECEMBER)
    assert translator("ar").dates(days, "Africa/Casablanca") == "3 غشت 2026؛ 1 دجنبر 2026؛ 5 يناير 2027"
    assert translator("fr").dates(days, "Africa/Casablanca") == (
        f"3 août 2026{NNBSP}; 1 décembre 2026{NNBSP}; 5 janvier 2027")


def test_the_schedule_after_close_lists_reminders_with_semicolons() -> None:
    text = texts.schedule_planned(translator("ar"), [AUGUST, DECEMBER], JANUARY, "Africa/Casablanca")
    assert "3 غشت 2026، على الساعة 09:00؛ 1 دجنبر 2026، على الساعة 09:00" in text
    assert "5 يناير 2027، على الساعة 09:00" in text
    text = texts.schedule_planned(translator("fr"), [AUGUST, DECEMBER], None, "Africa/Casablanca")
    assert f"3 août 2026 à 09:00{NNBSP}; 1 décembre 2026 à 09:00" in text


def test_a_mean_is_written_out_of_its_scale_without_a_slash() -> None:
    tally = Tally(5, 0, {}, {5: 2, 4: 2, 3: 1})  # mean 4.2, median 4
    assert texts.mean_text(translator("ar"), tally, 5) == "المتوسط 4,2 من 5 · الوسيط 4"
    assert texts.mean_text(translator("fr"), tally, 5) == "moyenne 4,2 sur 5 · médiane 4"
    assert texts.mean_text(translator("en"), tally, 5) == "average 4.2 out of 5 · median 4"
    assert texts.summary_average(translator("ar"), 4.2, 5) == "4,2 من 5"
    assert texts.summary_average(translator("fr"), 4.25, 5) == "4,3 sur 5"
    assert texts.share_text(translator("ar"), 4, 5) == "80% (4 من 5)"
    assert texts.share_text(translator("fr"), 4, 5) == f"80{NNBSP}% (4 sur 5)"
    for language in ("ar", "fr", "en"):
        assert "/" not in texts.mean_text(translator(language), tally, 5)


@pytest.mark.parametrize(
    ("typed", "days"),
    [("14d", 14), ("14j", 14), ("14 jours", 14), ("2sem", 14), ("2 semaines", 14), ("4w", 28),
     ("14 يوم", 14), ("14 يومًا", 14), ("3 أيام", 3), ("4 أسابيع", 28), ("أسبوعان", 14), ("١٤ يوما", 14)],
)
def test_durations_in_english_french_and_arabic(typed: str, days: int) -> None:
    assert parse_duration_text(typed) == days * 86_400


@pytest.mark.parametrize(("typed", "seconds"), [("2h", 7200), ("2 heures", 7200), ("ساعتان", 7200),
                                                ("3 ساعات", 3 * 3600), ("30min", 1800), ("30 دقيقة", 1800), ("ثانيتين", 2), ("دقيقتين", 120)])
def test_hours_and_minutes_in_every_language(typed: str, seconds: int) -> None:
    assert parse_duration_text(typed) == seconds


@pytest.mark.parametrize("typed", ["", "off", "soon", "bientôt", "14 bananes", "2 ساعتان", "2026-12-01", "x" * 60])
def test_what_is_no_duration(typed: str) -> None:
    assert parse_duration_text(typed) is None


def test_organisers_are_told_durations_in_their_language() -> None:
    assert "14j" in texts.bad_when(translator("fr")) and "4sem" in texts.bad_when(translator("fr"))
    assert "14 يومًا" in texts.bad_when(translator("ar")) and "14d" not in texts.bad_when(translator("ar"))
    assert "14d" in texts.bad_when(translator("en"))
    assert "/followup CODE 14j" in texts.followup_cancelled(translator("fr"), "T")
    assert "14 يومًا" in texts.followup_cancelled(translator("ar"), "T")
    for language, example in (("fr", "14j"), ("ar", "14 يومًا")):
        assert parse_duration_text(example) == 14 * 86_400, language  # what we show is accepted
