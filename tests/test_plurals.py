"""Plurals by the number they count, in Arabic and French (issue 13, point 2).

Arabic counts in six forms, in the standard CLDR/gettext order of the catalog header:
0 zero, 1 one, 2 two, 3–10 few (plural genitive: «3 مشاركين»), 11–99 many (singular
accusative with tanween: «11 مشاركًا»), 100, 101, 102… other (singular genitive: «100 مشارك»).
French: singular for 0 and 1. The expected texts below are written by hand from the grammar,
not read back from the catalogs; Arabic is compared without its short vowels (the other
diacritics are a matter of spelling convention), keeping the tanween that marks 11–99.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from babel.messages.pofile import read_po

from bot.i18n import translator
from bot.i18n.catalogs import LOCALES_DIR

NUMBERS = (0, 1, 2, 3, 10, 11, 99, 100, 101, 102)
TANWEEN = "\u064b"  # fathatan: ً
SHORT_VOWELS = re.compile("[\u064c-\u0652\u0670]")  # everything but the tanween of 11–99


def plain(text: str) -> str:
    """Arabic without short vowels, shadda or sukun; «اً» spelt «ًا» (one convention)."""
    return SHORT_VOWELS.sub("", text.replace("\u0627\u064b", "\u064b\u0627"))


def arabic(zero: str, one: str, two: str, few: str, many: str, other: str) -> Callable[[int], str]:
    """A hand-written table: {n} in *few*, *many* and *other* is the number."""
    def form(n: int) -> str:
        if n in (0, 1, 2):
            return (zero, one, two)[n]
        if 3 <= n % 100 <= 10:
            return few.format(n=n)
        return (many if n % 100 >= 11 else other).format(n=n)
    return form


def french(singular: str, plural: str) -> Callable[[int], str]:
    return lambda n: (singular if n <= 1 else plural).format(n=n)


NBSP = "\u00a0"

CASES: list[tuple[str, str, str, dict[str, object], Callable[[int], str], Callable[[int], str]]] = [
    (  # participants
        "%(n)d participant has joined.", "%(n)d participants have joined.", "n", {},
        arabic("لم ينضم أي مشارك بعد.", "انضم مشارك واحد.", "انضم مشاركان.", "انضم {n} مشاركين.",
               "انضم {n} مشاركًا.", "انضم {n} مشارك."),
        french("{n} participant s’est inscrit.", "{n} participants se sont inscrits."),
    ),
    (
        "The questionnaire was sent to %(n)d participant.", "The questionnaire was sent to %(n)d participants.",
        "n", {},
        arabic("لم يرسل الاستبيان إلى أي مشارك.", "أرسل الاستبيان إلى مشارك واحد.", "أرسل الاستبيان إلى مشاركين.",
               "أرسل الاستبيان إلى {n} مشاركين.", "أرسل الاستبيان إلى {n} مشاركًا.",
               "أرسل الاستبيان إلى {n} مشارك."),
        french("Le questionnaire a été envoyé à {n} participant.", "Le questionnaire a été envoyé à {n} participants."),
    ),
    (  # answers
        "%(n)d answer", "%(n)d answers", "n", {},
        arabic("لا توجد إجابات", "إجابة واحدة", "إجابتان", "{n} إجابات", "{n} إجابةً", "{n} إجابة"),
        french("{n} réponse", "{n} réponses"),
    ),
    (  # respondents under a chart
        "n = %(n)d respondent", "n = %(n)d respondents", "n", {},
        arabic("ن = 0 مجيب", "ن = 1 مجيب", "ن = 2 مجيبان", "ن = {n} مجيبين", "ن = {n} مجيبًا", "ن = {n} مجيب"),
        french("n = {n} répondant", "n = {n} répondants"),
    ),
    (  # questions
        "⏰ Your opinion on «%(title)s» is still missing: %(n)d short question.",
        "⏰ Your opinion on «%(title)s» is still missing: %(n)d short questions.", "n", {"title": "T"},
        arabic("⏰ ما زلنا ننتظر رأيك في «T».", "⏰ ما زلنا ننتظر رأيك في «T»: سؤال قصير واحد.",
               "⏰ ما زلنا ننتظر رأيك في «T»: سؤالان قصيران.", "⏰ ما زلنا ننتظر رأيك في «T»: {n} أسئلة قصيرة.",
               "⏰ ما زلنا ننتظر رأيك في «T»: {n} سؤالًا قصيرًا.", "⏰ ما زلنا ننتظر رأيك في «T»: {n} سؤال قصير."),
        french(f"⏰ Il nous manque encore votre avis sur «{NBSP}T{NBSP}»{NBSP}: {{n}} petite question.",
               f"⏰ Il nous manque encore votre avis sur «{NBSP}T{NBSP}»{NBSP}: {{n}} petites questions."),
    ),
    (  # "1 of 20": chosen by the 20 it counts, with no verb agreeing with the 1
        "%(answered)d of %(n)d participant answered the whole questionnaire (%(rate)s).",
        "%(answered)d of %(n)d participants answered the whole questionnaire (%(rate)s).",
        "n", {"answered": 1, "rate": "R"},
        arabic("أتم الإجابة عن الاستبيان 1 من أصل 0 مشارك (R).", "أتم الإجابة عن الاستبيان 1 من أصل مشارك واحد (R).",
               "أتم الإجابة عن الاستبيان 1 من أصل مشاركين (R).", "أتم الإجابة عن الاستبيان 1 من أصل {n} مشاركين (R).",
               "أتم الإجابة عن الاستبيان 1 من أصل {n} مشاركًا (R).", "أتم الإجابة عن الاستبيان 1 من أصل {n} مشارك (R)."),
        french("Questionnaire complété par 1 sur {n} participant (R).",
               "Questionnaire complété par 1 sur {n} participants (R)."),
    ),
    (
        "%(done)d of %(n)d participant answered it (%(rate)s).",
        "%(done)d of %(n)d participants answered it (%(rate)s).", "n", {"done": 1, "rate": "R"},
        arabic("أكمله 1 من أصل 0 مشارك (R).", "أكمله 1 من أصل مشارك واحد (R).", "أكمله 1 من أصل مشاركين (R).",
               "أكمله 1 من أصل {n} مشاركين (R).", "أكمله 1 من أصل {n} مشاركًا (R).", "أكمله 1 من أصل {n} مشارك (R)."),
        french(f"Réponses{NBSP}: 1 sur {{n}} participant (R).", f"Réponses{NBSP}: 1 sur {{n}} participants (R)."),
    ),
    (
        "no answer: %(missing)d of %(n)d recipient", "no answer: %(missing)d of %(n)d recipients",
        "n", {"missing": 1},
        arabic("بلا إجابة: 1 من أصل 0 مستلم", "بلا إجابة: 1 من أصل مستلم واحد", "بلا إجابة: 1 من أصل مستلمين",
               "بلا إجابة: 1 من أصل {n} مستلمين", "بلا إجابة: 1 من أصل {n} مستلمًا", "بلا إجابة: 1 من أصل {n} مستلم"),
        french(f"sans réponse{NBSP}: 1 sur {{n}} destinataire", f"sans réponse{NBSP}: 1 sur {{n}} destinataires"),
    ),
]


@pytest.mark.parametrize("n", NUMBERS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case[0][:40])
def test_plural_messages_match_the_hand_written_grammar(case: tuple, n: int) -> None:  # type: ignore[type-arg]
    singular, plural, counted, values, ar_form, fr_form = case
    ar, fr = translator("ar"), translator("fr")
    values = {**values, counted: n}
    assert plain(ar.ngettext(singular, plural, n) % values) == plain(ar_form(n)), n
    assert fr.ngettext(singular, plural, n) % values == fr_form(n), n


def _plural_entries() -> list[tuple[str, tuple[str, ...]]]:
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    return [(m.id[0], tuple(m.string)) for m in catalog if m.id and isinstance(m.id, tuple)]


def test_arabic_header_is_the_standard_order() -> None:
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    assert catalog.plural_expr.replace(" ", "") == (
        "(n==0?0:n==1?1:n==2?2:n%100>=3&&n%100<=10?3:n%100>=11?4:5)")
    tr = translator("ar")
    forms = {n: tr.ngettext("%(n)d answer", "%(n)d answers", n) % {"n": n} for n in (11, 99, 100, 101, 102, 111)}
    assert all(TANWEEN in forms[n] for n in (11, 99, 111)) and not any(TANWEEN in forms[n] for n in (100, 101, 102))


@pytest.mark.parametrize(("msgid", "forms"), _plural_entries(), ids=lambda value: str(value)[:40])
def test_every_arabic_plural_entry_counts_11_to_99_in_the_accusative(msgid: str, forms: tuple[str, ...]) -> None:
    """msgstr[4] (11–99) puts the counted noun in the accusative (tanween), msgstr[5] (100…) not."""
    assert len(forms) == 6
    if "%(n)d" in forms[4]:
        assert TANWEEN in forms[4], forms[4]
        assert TANWEEN not in forms[5].split("%(n)d", 1)[1].split()[0], forms[5]


@pytest.mark.parametrize(("msgid", "forms"), _plural_entries(), ids=lambda value: str(value)[:40])
def test_every_plural_message_prints_for_every_number(msgid: str, forms: tuple[str, ...]) -> None:
    placeholders = dict.fromkeys(re.findall(r"%\((\w+)\)d", msgid), 7) | dict.fromkeys(
        re.findall(r"%\((\w+)\)s", msgid), "X")
    for language in ("ar", "fr", "en"):
        tr = translator(language)
        for n in NUMBERS:
            text = tr.ngettext(msgid, msgid, n) % {**placeholders, "n": n}
            assert "%(" not in text, (language, n, text)
