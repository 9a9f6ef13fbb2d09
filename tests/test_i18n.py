"""The interface catalogs: the template matches the code, and ar/fr/en are complete and safe.

"Safe" means a translation can never break a message at run time: it keeps the msgid's
``%(name)s`` placeholders (so ``%`` formatting neither raises nor loses a value) and its
HTML tags (Telegram rejects a message whose tags do not balance).

After changing interface strings in the code, refresh the catalogs with::

    pybabel extract -F babel.cfg --no-location --sort-output --project workshop-bot \\
        -o bot/locales/messages.pot bot
    pybabel update -i bot/locales/messages.pot -d bot/locales --no-fuzzy-matching --ignore-obsolete

then translate the new entries in every ``bot/locales/*/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n.catalogs import translator
from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.rendering import texts

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "bot" / "locales"
TEMPLATE = LOCALES / "messages.pot"
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "N_": None}  # N_: problems of a questionnaire file

ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
# A named %-placeholder with its conversion: %(n)d, %(title)s, %(mean).1f …
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Placeholders a plural form may leave out: the count itself ("مشارك واحد", "إجابتان").
COUNT_NAMES = {"n"}

MessageId = str | tuple[str, ...]


def _load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def _entries(catalog: Catalog) -> dict[MessageId, Message]:
    return {message.id: message for message in catalog if message.id}


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def _names(placeholders: set[str]) -> set[str]:
    return {PLACEHOLDER.fullmatch(p).group(1) for p in placeholders}  # type: ignore[union-attr]


def _tags(text: str) -> Counter[str]:
    return Counter(HTML_TAG.findall(text))


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _load(TEMPLATE)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {
        language: _load(LOCALES / language / "LC_MESSAGES" / "messages.po", locale=language)
        for language in SUPPORTED_LANGUAGES
    }


def _catalog_cases() -> list[tuple[str, MessageId]]:
    template = _load(TEMPLATE)
    return [(language, mid) for language in SUPPORTED_LANGUAGES for mid in _entries(template)]


# --- the template is up to date with the code ------------------------------------------


def test_template_matches_the_code(template: Catalog) -> None:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted: set[MessageId] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT / "bot", method_map, options_map, keywords=KEYWORDS
    ):
        mid = message if isinstance(message, str) else tuple(message)
        if mid:
            extracted.add(mid)
    committed = set(_entries(template))
    assert extracted, "no message extracted: is babel.cfg right?"
    assert not extracted - committed, (
        f"in the code but not in locales/messages.pot (re-run pybabel extract): {extracted - committed}"
    )
    assert not committed - extracted, (
        f"in locales/messages.pot but no longer in the code (re-run pybabel extract): {committed - extracted}"
    )


# --- every catalog is complete ----------------------------------------------------------


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_has_exactly_the_template_messages(
    language: str, template: Catalog, catalogs: dict[str, Catalog]
) -> None:
    catalog = catalogs[language]
    assert set(_entries(catalog)) == set(_entries(template)), "run pybabel update"
    assert not catalog.obsolete, f"obsolete entries: {list(catalog.obsolete)}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_entries_are_translated_and_not_fuzzy(language: str, catalogs: dict[str, Catalog]) -> None:
    catalog = catalogs[language]
    problems = []
    for mid, message in _entries(catalog).items():
        forms = _forms(message)
        if message.fuzzy:
            problems.append(f"fuzzy: {mid!r}")
        if message.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} forms instead of {catalog.num_plurals}: {mid!r}")
        if not all(form.strip() for form in forms):
            problems.append(f"empty msgstr: {mid!r}")
    assert not problems, "\n".join(problems)


def test_arabic_catalog_uses_six_plural_forms(catalogs: dict[str, Catalog]) -> None:
    assert catalogs["ar"].num_plurals == 6
    assert catalogs["fr"].num_plurals == 2
    assert catalogs["en"].num_plurals == 2


def test_english_catalog_is_the_msgids(catalogs: dict[str, Catalog]) -> None:
    for mid, message in _entries(catalogs["en"]).items():
        if message.pluralizable:
            assert tuple(message.string) == tuple(mid), mid
        else:
            assert message.string == mid, mid


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_translations_are_not_english_copies(language: str, catalogs: dict[str, Catalog]) -> None:
    copies = [
        mid
        for mid, message in _entries(catalogs[language]).items()
        if set(_forms(message)) & set(mid if isinstance(mid, tuple) else [mid])
    ]
    assert not copies, f"left in English: {copies}"


def test_every_arabic_translation_is_in_arabic(catalogs: dict[str, Catalog]) -> None:
    not_arabic = [
        (mid, form)
        for mid, message in _entries(catalogs["ar"]).items()
        for form in _forms(message)
        if not ARABIC_LETTER.search(form)
    ]
    assert not not_arabic


# --- translations keep placeholders and markup --------------------------------------------


@pytest.mark.parametrize(("language", "mid"), _catalog_cases())
def test_translation_keeps_placeholders_and_tags(
    language: str, mid: MessageId, catalogs: dict[str, Catalog]
) -> None:
    message = _entries(catalogs[language])[mid]
    if isinstance(mid, tuple):
        expected = _placeholders(mid[1])
        assert _placeholders(mid[0]) <= expected, "msgid and msgid_plural disagree"
        tags = _tags(mid[1])
    else:
        expected = _placeholders(mid)
        tags = _tags(mid)
    for form in _forms(message):
        found = _placeholders(form)
        assert found <= expected, f"unknown placeholder in {form!r}"
        missing = expected - found
        if isinstance(mid, tuple):
            assert _names(missing) <= COUNT_NAMES, f"{form!r} drops {missing}"
        else:
            assert not missing, f"{form!r} drops {missing}"
        assert _tags(form) == tags, f"HTML tags differ in {form!r}"
        if expected:
            # Formatted at run time with a dict: a stray "%" would raise here.
            values = {name: 1 for name in _names(expected)}
            form % values  # noqa: B018


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_babel_catalog_checks_pass(language: str, catalogs: dict[str, Catalog]) -> None:
    errors = [
        (message.id, [str(error) for error in message_errors])
        for message, message_errors in catalogs[language].check()
    ]
    assert not errors


# --- the runtime: compiled catalogs, plural rules ------------------------------------------

SENT = (
    "The questionnaire was sent to %(n)d participant.",
    "The questionnaire was sent to %(n)d participants.",
)


def _sent(language: str, n: int) -> str:
    return translator(language).ngettext(*SENT, n) % {"n": n}


def test_arabic_has_six_participant_forms() -> None:
    expected = {
        0: "لم يُرسَل الاستبيان إلى أي مشارك.",
        1: "أُرسل الاستبيان إلى مشارك واحد.",
        2: "أُرسل الاستبيان إلى مشاركَيْن.",
        3: "أُرسل الاستبيان إلى 3 مشاركين.",
        11: "أُرسل الاستبيان إلى 11 مشاركًا.",
        100: "أُرسل الاستبيان إلى 100 مشارك.",
    }
    got = {n: _sent("ar", n) for n in expected}
    assert got == expected
    assert len(set(got.values())) == 6


@pytest.mark.parametrize(
    ("n", "noun"),
    [(10, "مشاركين"), (99, "مشاركًا"), (101, "مشارك."), (102, "مشارك."), (103, "مشاركين"),
     (111, "مشاركًا"), (1000, "مشارك."), (1011, "مشاركًا")],
)
def test_arabic_plural_rule_beyond_one_hundred(n: int, noun: str) -> None:
    assert _sent("ar", n) == f"أُرسل الاستبيان إلى {n} {noun}" + ("" if noun.endswith(".") else ".")


def test_arabic_counted_answers() -> None:
    tr = translator("ar")
    forms = [tr.ngettext("%(n)d answer", "%(n)d answers", n) % {"n": n} for n in (0, 1, 2, 5, 20, 200)]
    assert forms == ["لا توجد إجابات", "إجابة واحدة", "إجابتان", "5 إجابات", "20 إجابةً", "200 إجابة"]


def test_french_singular_for_zero_and_one() -> None:
    assert _sent("fr", 0) == "Le questionnaire a été envoyé à 0 participant."
    assert _sent("fr", 1) == "Le questionnaire a été envoyé à 1 participant."
    assert _sent("fr", 2) == "Le questionnaire a été envoyé à 2 participants."


def test_english_plural() -> None:
    assert _sent("en", 1) == "The questionnaire was sent to 1 participant."
    assert _sent("en", 0) == "The questionnaire was sent to 0 participants."


KEY_MESSAGES = [
    "Please choose your language:",
    "From now on I will write to you in English.",
    "Thank you, your answers are saved! They help the organisers improve the next workshops.",
    "Welcome! You have joined «%(title)s».",
    "Question %(current)d of %(total)d",
    "Yes",
    "No",
    "Confirm",
    "◀ Back",
    "Skip ▶",
    "<b>What you can do</b>",
]


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize("msgid", KEY_MESSAGES)
def test_key_messages_are_translated_at_runtime(language: str, msgid: str) -> None:
    text = translator(language).gettext(msgid)
    assert text != msgid
    assert text.strip()
    if language == "ar":
        assert ARABIC_LETTER.search(text)


def test_language_switch_names_the_new_language() -> None:
    msgid = "From now on I will write to you in English."
    assert "بالعربية" in translator("ar").gettext(msgid)
    assert "français" in translator("fr").gettext(msgid)
    assert "English" in translator("en").gettext(msgid)


def test_language_question_is_asked_in_all_three_languages() -> None:
    lines = texts.choose_language().splitlines()
    assert len(lines) == 3 and len(set(lines)) == 3
    assert ARABIC_LETTER.search(lines[0])
    assert "langue" in lines[1]
    assert lines[2] == "Please choose your language:"


def test_arabic_navigation_arrows_follow_the_reading_direction() -> None:
    tr = translator("ar")
    assert tr.gettext("◀ Back").startswith("▶")
    assert tr.gettext("Skip ▶").endswith("◀")


def test_arabic_help_keeps_latin_command_names() -> None:
    tr = translator("ar")
    help_text = texts.help_text(tr, is_organiser=True)
    for command in ("/start", "/language", "/forget", "/reminders on|off", "/help", "/new", "/close", "/stats",
                    "/remind", "/followup", "/timezone"):
        assert command in help_text
    assert ARABIC_LETTER.search(help_text)
