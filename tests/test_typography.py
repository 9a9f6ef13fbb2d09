"""Typography of every French and Arabic text: interface catalogs and questionnaire files.

French: a narrow no-break space (U+202F) before ``? ! ;`` and ``%``; a no-break space
(U+00A0, or U+202F) before ``:`` and inside « »; the typographic apostrophe ’, never a
straight ' in prose.

Arabic: Arabic punctuation (، ؛ ؟), never a Latin , ; ? after Arabic text; one diacritic
convention for the tanwin of the accusative: the fathatan sits on the letter before the
alif (``شكرًا``, ``مثلًا``), never on the alif (``شكراً``).

Placeholders (``%(n)d``), HTML tags, times (``09:00``) and links are not prose and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "bot" / "locales"
QUESTIONNAIRES = ROOT / "bot" / "questionnaires" / "data"

NOT_PROSE = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|<[^>]+>|https?://\S+|\d+:\d+")
NNBSP, NBSP = "\u202f", "\u00a0"
ARABIC = re.compile(r"[\u0600-\u06ff]")


def _catalog_texts(language: str) -> list[str]:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    out: list[str] = []
    for message in catalog:
        if message.id:
            out += list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
    return out


def _yaml_texts(node: object, language: str) -> list[str]:
    if isinstance(node, dict):
        found = [node[language]] if isinstance(node.get(language), str) else []
        return found + [t for key, value in node.items() if key != language for t in _yaml_texts(value, language)]
    if isinstance(node, list):
        return [t for item in node for t in _yaml_texts(item, language)]
    return []


def _texts(language: str) -> list[str]:
    texts = _catalog_texts(language)
    for path in sorted(QUESTIONNAIRES.glob("*.yaml")):
        texts += _yaml_texts(yaml.safe_load(path.read_text(encoding="utf-8")), language)
    return [t for t in texts if t]


def _french_problems(text: str) -> list[str]:
    prose = NOT_PROSE.sub("X", text)
    problems = []
    if "'" in prose:
        problems.append("straight apostrophe")
    for match in re.finditer(r"[?!;%]", prose):
        before = prose[match.start() - 1] if match.start() else NNBSP
        if before != NNBSP and before not in "?!":
            problems.append(f"no narrow no-break space before {match.group()!r}")
    for match in re.finditer(":", prose):
        before = prose[match.start() - 1] if match.start() else NBSP
        if before not in (NBSP, NNBSP):
            problems.append("no no-break space before ':'")
    if re.search(f"«[^{NBSP}{NNBSP}]|[^{NBSP}{NNBSP}]»", prose):
        problems.append("no no-break space inside « »")
    return problems


def _arabic_problems(text: str) -> list[str]:
    prose = NOT_PROSE.sub("X", text)
    problems = []
    for match in re.finditer(r"[,;?]", prose):
        if ARABIC.search(prose[max(0, match.start() - 2):match.start()]):
            problems.append(f"Latin {match.group()!r} after Arabic text")
    if "اً" in prose:
        problems.append("fathatan on the alif (اً): write it on the letter before (ًا)")
    return problems


@pytest.mark.parametrize("text", _texts("fr"))
def test_french_typography(text: str) -> None:
    assert not _french_problems(text), (text, _french_problems(text))


@pytest.mark.parametrize("text", _texts("ar"))
def test_arabic_punctuation_and_diacritics(text: str) -> None:
    assert not _arabic_problems(text), (text, _arabic_problems(text))


def test_one_word_per_concept() -> None:
    """«متابعة» / « suivi » name the follow-up survey only (resume: «استئناف» / « reprendre »;
    live progress: «تقدّم الإجابات» / « progression »). «استبيان متابعة «…»» is the same term
    in the construct state."""
    arabic = [t for t in _texts("ar") if re.sub(r"استبيان (?:ال)?متابعة", "", t).count("متابعة")]
    french = [t for t in _texts("fr") if re.sub(r"[Ee]nquête de suivi", "", t).count("suivi")]
    assert not arabic and not french, (arabic, french)
