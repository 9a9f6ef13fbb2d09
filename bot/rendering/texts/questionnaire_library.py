"""What organisers read about their own questionnaires: a file's preview, /questionnaires,
/questionnaire and the refusals around them.

A preview shows each question as participants will see it, in one language of the file
(the questionnaire's words), described in the organiser's language (the bot's words): its
number, type in words, options, "optional" and the condition that hides it.
"""

from __future__ import annotations

from html import escape

from bot.i18n import LANGUAGE_NAMES, Translator, translator
from bot.questionnaires.model import Question, Questionnaire, QuestionnaireKind, QuestionType
from bot.rendering.texts.markup import ltr, scale_anchors, split_blocks, yesno_label
from bot.results.questionnaire_library import LibraryEntry, Slot, SlotSet


def preview_language(questionnaire: Questionnaire, language: str) -> str:
    """The organiser's language when the file provides it, else the file's first one."""
    return language if language in questionnaire.languages else questionnaire.languages[0]


def questionnaire_preview(tr: Translator, questionnaire: Questionnaire, version: int, language: str,
                          *, new: bool | None = None) -> list[str]:
    """The preview, cut into messages Telegram accepts. ``new``: True for a file just stored,
    False for one the organiser had sent already, None for a preview asked again."""
    title = escape(questionnaire.title.get(language))
    values = {"title": title, "version": version}
    if new is True:
        head = tr.gettext("✅ Questionnaire saved: <b>%(title)s</b>, version %(version)s.") % values
    elif new is False:
        head = tr.gettext("You already sent this file: <b>%(title)s</b> is stored as version %(version)s.") % values
    else:
        head = tr.gettext("<b>%(title)s</b>, version %(version)s") % values
    head += "\n" + tr.gettext("Preview in %(language)s, as participants will see it:") % {
        "language": LANGUAGE_NAMES.get(language, language)}
    blocks = [head]
    if questionnaire.intro is not None:
        blocks.append(f"<i>{escape(questionnaire.intro.get(language))}</i>")
    for number, question in enumerate(questionnaire.questions, start=1):
        blocks.append(_question_block(tr, questionnaire, question, number, language))
    blocks.append(_how_to_use(tr, questionnaire))
    return split_blocks(blocks)


def _question_block(tr: Translator, questionnaire: Questionnaire, question: Question, number: int,
                    language: str) -> str:
    lines = [f"<b>{number}.</b> {escape(question.text.get(language))}"]
    described = question_type_words(tr, question)
    if question.optional and question.answerable:
        described = tr.gettext("%(type)s, optional") % {"type": described}
    lines.append(f"<i>{described}</i>")
    if question.type is QuestionType.RATING:
        anchors = scale_anchors(_reader(tr, language), question)
        if anchors:
            lines.append(escape(anchors))
    for option in question.options:
        lines.append(f"• {escape(option.text.get(language))}")
    if question.show_if is not None:
        lines.append(_condition(tr, questionnaire, question, language))
    return "\n".join(lines)


def question_type_words(tr: Translator, question: Question) -> str:
    """A question's type as an organiser reads it: "one choice", "scale 0–10, …"."""
    kind = question.type
    if kind is QuestionType.NOTE:
        return tr.gettext("note: nothing to answer")
    if kind is QuestionType.RATING:
        scale = ltr(tr, f"{question.scale_min}–{question.scale_max}")
        if question.nps:
            return tr.gettext("scale %(scale)s, recommendation score") % {"scale": scale}
        return tr.gettext("scale %(scale)s") % {"scale": scale}
    if kind is QuestionType.CHOICE:
        return tr.gettext("one choice")
    if kind is QuestionType.MULTI:
        if question.max_choices is None:
            return tr.gettext("several choices")
        return tr.ngettext("several choices, up to %(n)d", "several choices, up to %(n)d",
                           question.max_choices) % {"n": question.max_choices}
    if kind is QuestionType.COMMITMENTS:
        limit = question.max_choices or 3
        return tr.ngettext("commitments to change: up to %(n)d, sent back at follow-up time",
                           "commitments to change: up to %(n)d, sent back at follow-up time", limit) % {"n": limit}
    if kind is QuestionType.TEXT:
        if question.max_length is None:
            return tr.gettext("free text")
        return tr.ngettext("free text, up to %(n)d character", "free text, up to %(n)d characters",
                           question.max_length) % {"n": question.max_length}
    return " / ".join(yesno_label(tr, option) for option in question.option_ids())  # YESNO


def _condition(tr: Translator, questionnaire: Questionnaire, question: Question, language: str) -> str:
    condition = question.show_if
    assert condition is not None
    earlier = questionnaire.question(condition.question)
    labels = [f"<i>{escape(_value_label(tr, earlier, value, language))}</i>" for value in condition.values]
    values = labels[0] if labels else ""
    for label in labels[1:]:
        values = tr.gettext("%(first)s or %(second)s") % {"first": values, "second": label}
    number = questionnaire.index_of(condition.question) + 1 if earlier is not None else "?"
    return tr.gettext("↳ asked only if question %(number)s is answered %(values)s") % {
        "number": number, "values": values}


def _value_label(tr: Translator, question: Question | None, value: str, language: str) -> str:
    if question is None:
        return value
    if question.type is QuestionType.YESNO and value in question.option_ids():
        return yesno_label(tr, value)
    option = question.option(value)
    return option.text.get(language) if option is not None else value


def _reader(tr: Translator, language: str) -> Translator:
    """The participants' translator for the previewed language (scale anchors read as theirs)."""
    return tr if tr.language == language else translator(language)


def _how_to_use(tr: Translator, questionnaire: Questionnaire) -> str:
    count = len(questionnaire.answerable())
    key = escape(questionnaire.key)
    lines = [tr.ngettext("Key: %(key)s · %(n)d question", "Key: %(key)s · %(n)d questions", count) % {
        "key": ltr(tr, f"<code>{key}</code>"), "n": count}]
    evaluation = tr.gettext("To send it at the end of a workshop's session:\n"
                            "<code>/questionnaire CODE %(key)s</code>") % {"key": key}
    followup = tr.gettext("To send it as a workshop's follow-up survey:\n"
                          "<code>/questionnaire CODE %(key)s followup</code>") % {"key": key}
    lines += [followup, evaluation] if questionnaire.kind is QuestionnaireKind.FOLLOWUP else [evaluation, followup]
    return "\n\n".join(lines)


def library_text(tr: Translator, entries: list[LibraryEntry]) -> list[str]:
    """/questionnaires: built-in ones, then the organiser's own, cut into messages."""
    built_in = [e for e in entries if e.built_in]
    own = [e for e in entries if not e.built_in]
    blocks = [tr.gettext("<b>Built-in questionnaires</b>")]
    blocks += [_entry(tr, e) for e in built_in]
    blocks.append(tr.gettext("<b>Your questionnaires</b>"))
    if own:
        blocks += [_entry(tr, e) for e in own]
    else:
        blocks.append(tr.gettext("None yet: send me a questionnaire file here (YAML, or an XLSForm "
                                 "spreadsheet .xlsx) to add one."))
    blocks.append(questionnaire_usage(tr))
    return split_blocks(blocks)


def _entry(tr: Translator, entry: LibraryEntry) -> str:
    facts = tr.ngettext("%(key)s · version %(version)s · %(n)d question",
                        "%(key)s · version %(version)s · %(n)d questions", entry.questions) % {
        "key": ltr(tr, f"<code>{escape(entry.key)}</code>"), "version": entry.version, "n": entry.questions}
    if entry.workshops:
        codes = " ".join(ltr(tr, f"<code>{escape(code)}</code>") for code in entry.workshops)
        used = tr.ngettext("Used by %(n)d workshop of yours: %(codes)s", "Used by %(n)d of your workshops: %(codes)s",
                           len(entry.workshops)) % {"n": len(entry.workshops), "codes": codes}
    else:
        used = tr.gettext("Used by none of your workshops.")
    return f"<b>{escape(entry.title.get(tr.language))}</b>\n{facts}\n{used}"


def questionnaire_usage(tr: Translator) -> str:
    return tr.gettext("Choose a workshop's questionnaire:\n/questionnaire CODE KEY — sent at the end of the "
                      "session\n/questionnaire CODE KEY followup — the follow-up survey")


def unknown_questionnaire(tr: Translator, key: str) -> str:
    return tr.gettext("No questionnaire of yours, and no built-in one, has the key %(key)s. "
                      "/questionnaires lists them.") % {"key": ltr(tr, f"<code>{escape(key[:64])}</code>")}


def questionnaire_workshop_closed(tr: Translator, title: str) -> str:
    return tr.gettext("Workshop <b>%(title)s</b> is closed: its questionnaire has been sent "
                      "and can no longer change.") % {"title": escape(title)}


def questionnaire_followup_sent(tr: Translator, title: str) -> str:
    return tr.gettext("The follow-up survey of <b>%(title)s</b> has already gone out: "
                      "its questionnaire can no longer change.") % {"title": escape(title)}


def questionnaire_set(tr: Translator, result: SlotSet) -> str:
    values = {"workshop": escape(result.workshop_title), "title": escape(result.title.get(tr.language)),
              "key": ltr(tr, f"<code>{escape(result.key)}</code>"), "version": result.version}
    if result.slot is Slot.FOLLOWUP:
        return tr.gettext("Workshop <b>%(workshop)s</b> will send <b>%(title)s</b> (%(key)s, version "
                          "%(version)s) as its follow-up survey.") % values
    return tr.gettext("Workshop <b>%(workshop)s</b> will send <b>%(title)s</b> (%(key)s, version "
                      "%(version)s) at the end of the session.") % values


def reserved_key(tr: Translator, key: str) -> str:
    return tr.gettext("The key %(key)s belongs to a built-in questionnaire: give your file "
                      "another key, then send it again.") % {"key": ltr(tr, f"<code>{escape(key)}</code>")}


def only_organisers_send_files(tr: Translator) -> str:
    return tr.gettext("Only organisers can send questionnaire files. If you are answering a "
                      "questionnaire, please use the buttons or type your answer.")


def file_download_failed(tr: Translator) -> str:
    return tr.gettext("I could not download this file. Please send it again.")
