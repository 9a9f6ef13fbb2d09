"""Every message text the bot sends, in one place, in the reader's language.

All interface strings go through the gettext catalogs (``tr.gettext`` / ``tr.ngettext``);
questionnaire wording comes from the questionnaire data. Messages are HTML: anything that
comes from people (titles, names, answers) is escaped here, once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from html import escape, unescape

from bot.i18n import Translator
from bot.i18n.catalogs import load_translators
from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.questionnaires.model import (
    Question,
    Questionnaire,
    QuestionnaireKind,
    QuestionType,
    Text,
)
from bot.results.delivery import DeliveryCounts
from bot.results.dispatch import ReminderJob, SendSummary
from bot.results.export import ExportStatus
from bot.results.questions import QuestionView
from bot.results.reversals import Reversal, ReversalKind
from bot.results.stats import (
    MIN_GROUP_SIZE,
    Breakdown,
    Group,
    QuestionStats,
    Stats,
    Tally,
    WorkshopFigures,
)
from bot.results.statuses import SendPurpose
from bot.results.workshops import CloseResult

TAG = re.compile(r"<[^>]+>")
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def local(text: Text, tr: Translator) -> str:
    """Questionnaire wording in the reader's language, escaped for HTML."""
    return escape(text.get(tr.language))


# --- help, errors, fallbacks ----------------------------------------------------------


def help_text(tr: Translator, *, is_organiser: bool, user_id: int | None = None) -> str:
    lines = [
        tr.gettext("I collect workshop evaluations: scan the workshop's QR code to join, "
                   "then answer a few questions here when the session ends."),
        "",
        tr.gettext("<b>What you can do</b>"),
        tr.gettext("/start — continue an unfinished questionnaire"),
        tr.gettext("/language — change the language"),
        tr.gettext("/forget — delete your answers and your data"),
        tr.gettext("/reminders on|off — turn reminders on or off"),
        tr.gettext("/whoami — your Telegram id"),
        tr.gettext("/help — this message"),
    ]
    if is_organiser:
        lines += [
            "",
            tr.gettext("<b>For organisers</b> (CODE is the workshop's join code; "
                       "without it, your latest workshop)"),
            tr.gettext("/new TITLE — create a workshop, get its link and QR code"),
            tr.gettext("/close CODE — end the session and send the questionnaire"),
            tr.gettext("/stats CODE — see the results"),
            tr.gettext("/stats CODE by gender, /stats CODE by org — results by group"),
            tr.gettext("/stats CODE1 CODE2 — compare workshops"),
            tr.gettext("/export CODE — the answers as CSV and Excel files"),
            tr.gettext("/report CODE — the evaluation report as a PDF"),
            tr.gettext("/link CODE — in a group: send this workshop's results to the group"),
            tr.gettext("/remind CODE — remind now everyone who has not finished"),
            tr.gettext("/followup CODE — when the follow-up survey goes out; "
                       "/followup CODE 14d or 2026-12-01 to move it, /followup CODE off to cancel it"),
            tr.gettext("/timezone CODE Africa/Tunis — the workshop's time zone (no messages at night)"),
        ]
    if user_id is not None:
        lines += ["", your_telegram_id(tr, user_id)]
    return "\n".join(lines)


def your_telegram_id(tr: Translator, user_id: int) -> str:
    return tr.gettext("Your Telegram id: %(id)s") % {"id": _telegram_id(user_id)}


def whoami_text(tr: Translator, user_id: int, *, is_organiser: bool) -> str:
    if is_organiser:
        return your_telegram_id(tr, user_id) + "\n" + tr.gettext("You are an organiser: /new TITLE creates a workshop.")
    return your_telegram_id(tr, user_id) + "\n" + tr.gettext(
        "Organisers create workshops with /new. To become one, ask the bot's administrator "
        "to add this id to ORGANISER_IDS.")


def not_organiser_new(tr: Translator, user_id: int) -> str:
    """/new from someone who is not (yet) an organiser: their id, so they can ask for it."""
    return tr.gettext("Only organisers can create workshops. Your Telegram id is %(id)s: "
                      "ask the bot's administrator to add it to ORGANISER_IDS.") % {"id": _telegram_id(user_id)}


def _telegram_id(user_id: int) -> str:
    return f"<code>{int(user_id)}</code>"  # one tap copies it


def not_organiser(tr: Translator) -> str:
    return tr.gettext("Sorry, only the programme's organisers can do this. "
                      "If you are one, ask the bot's administrator to add your Telegram id.")


def workshop_not_found(tr: Translator, code: str) -> str:
    if not code:
        return tr.gettext("You have no workshop yet. Create one with /new TITLE.")
    return tr.gettext("No workshop of yours has the code %(code)s. Check the code, "
                      "or leave it out to use your latest workshop.") % {"code": f"<code>{escape(code)}</code>"}


def unknown_command(tr: Translator) -> str:
    return tr.gettext("I don't know this command. Send /help to see what I can do.")


def unsupported_content(tr: Translator) -> str:
    return tr.gettext("I can only read text messages and button taps. "
                      "Please answer with the buttons or type your answer.")


def use_the_buttons(tr: Translator) -> str:
    return tr.gettext("Please answer the question above with its buttons.")


def nothing_to_answer(tr: Translator) -> str:
    return tr.gettext("There is no open question for you right now. "
                      "Send /help to see what I can do.")


def edits_not_read(tr: Translator) -> str:
    return tr.gettext("Edited messages don't change an answer. To change an answer, "
                      "use the ◀ Back button under the current question.")


def private_chat_only(tr: Translator) -> str:
    return tr.gettext("Please write to me in a private chat for this.")


def something_went_wrong(tr: Translator) -> str:
    return tr.gettext("Something went wrong on my side. Your answers so far are saved; "
                      "please try again in a moment.")


def stale_button(tr: Translator) -> str:
    return tr.gettext("This button is no longer active.")


def choose_at_least_one(tr: Translator) -> str:
    return tr.gettext("Tick at least one option, then confirm.")


def text_truncated(tr: Translator, limit: int) -> str:
    return tr.ngettext(
        "Your answer was long: I kept the first %(n)d character.",
        "Your answer was long: I kept the first %(n)d characters.",
        limit,
    ) % {"n": limit}


def empty_text(tr: Translator) -> str:
    return tr.gettext("Please type a few words, or use Skip if you prefer not to answer.")


# --- command menus --------------------------------------------------------------------


def command_menu(tr: Translator, *, organiser: bool = False) -> list[tuple[str, str]]:
    """Telegram's command menu as (command, description) pairs: everybody's, or an
    organiser's (their commands first, then everybody's). Plain text, 1–256 characters."""
    everybody = [
        ("start", tr.gettext("Continue an unfinished questionnaire")),
        ("language", tr.gettext("Change the language")),
        ("forget", tr.gettext("Delete my data")),
        ("reminders", tr.gettext("Turn reminders on or off")),
        ("whoami", tr.gettext("Show my Telegram id")),
        ("help", tr.gettext("What this bot can do")),
    ]
    if not organiser:
        return everybody
    return [
        ("new", tr.gettext("Create a workshop")),
        ("close", tr.gettext("End the session and send the questionnaire")),
        ("stats", tr.gettext("See the results")),
        ("report", tr.gettext("The evaluation report as a PDF")),
        ("export", tr.gettext("The answers as CSV and Excel files")),
        ("remind", tr.gettext("Remind those who have not finished")),
        ("followup", tr.gettext("When the follow-up survey goes out")),
        ("timezone", tr.gettext("The workshop's time zone")),
        *everybody,
    ]


# --- language -------------------------------------------------------------------------


def choose_language() -> str:
    """Asked before we know the language: the question in all three languages."""
    translators = load_translators()
    return "\n".join(translators[lang].gettext("Please choose your language:") for lang in SUPPORTED_LANGUAGES)


def language_set(tr: Translator) -> str:
    return tr.gettext("From now on I will write to you in English.")


# --- organiser ------------------------------------------------------------------------


def new_usage(tr: Translator) -> str:
    return tr.gettext("Give the workshop a title, for example:\n/new Open data workshop — Rabat")


def workshop_created(tr: Translator, title: str, link: str, code: str) -> str:
    return tr.gettext(
        "Workshop <b>%(title)s</b> is ready.\n\n"
        "Participants join with this link or the QR code below:\n%(link)s\n\n"
        "Join code: %(code)s\n"
        "When the session ends, send /close %(code)s to send them the questionnaire."
    ) % {"title": escape(title), "link": escape(link), "code": f"<code>{escape(code)}</code>"}


def qr_caption(tr: Translator, title: str, link: str) -> str:
    caption = tr.gettext("Scan to join «%(title)s»\n%(link)s") % {"title": escape(title), "link": escape(link)}
    return caption[:CAPTION_LIMIT]


def close_sending(tr: Translator, result: CloseResult) -> str:
    if result.participants == 0:
        return tr.gettext("The session is closed, but nobody has joined this workshop yet. "
                          "People who join now will get the questionnaire right away.")
    if result.queued == 0:
        return tr.gettext("Everyone who joined has already received the questionnaire; "
                          "nobody will be asked twice.")
    return tr.ngettext(
        "Sending the questionnaire to %(n)d participant…",
        "Sending the questionnaire to %(n)d participants…",
        result.queued,
    ) % {"n": result.queued}


def close_report(tr: Translator, sent: int, unreachable: int) -> str:
    text = tr.ngettext(
        "The questionnaire was sent to %(n)d participant.",
        "The questionnaire was sent to %(n)d participants.",
        sent,
    ) % {"n": sent}
    if unreachable:
        text += "\n" + tr.ngettext(
            "%(n)d participant could not be reached (they blocked the bot).",
            "%(n)d participants could not be reached (they blocked the bot).",
            unreachable,
        ) % {"n": unreachable}
    return text


def completion_rate(tr: Translator, figures: DeliveryCounts) -> str:
    """Share of those who received a questionnaire who finished it ("–" before anyone did)."""
    return tr.share(figures.completed, figures.sent)


def live_progress(tr: Translator, figures: DeliveryCounts, *, final: bool) -> str:
    """The close report, kept up to date: sent, unreachable, and k / N answered."""
    rate = completion_rate(tr, figures)
    lines = [
        close_report(tr, figures.sent, figures.unreachable),
        "📈 " + tr.ngettext(
            "%(done)d of %(n)d has answered the whole questionnaire (%(rate)s).",
            "%(done)d of %(n)d have answered the whole questionnaire (%(rate)s).",
            figures.sent,
        ) % {"done": figures.completed, "n": figures.sent, "rate": rate},
    ]
    if final:
        lines.append(tr.gettext("✅ Everyone has answered.") if figures.done
                     else tr.gettext("⏹ No longer updated: a day has passed since /close."))
    return "\n".join(lines)


def link_in_a_group(tr: Translator) -> str:
    return tr.gettext("Send /link CODE inside the organisers' group (add me to the group first).")


def group_linked(tr: Translator, title: str) -> str:
    return tr.gettext("This group now receives the results of «%(title)s»: statistics, "
                      "reports and the live progress after /close.") % {"title": escape(title)}


def sent_to_group(tr: Translator) -> str:
    return tr.gettext("Posted in the organisers' group.")


def group_unreachable(tr: Translator) -> str:
    return tr.gettext("I can no longer post in the organisers' group (was I removed?), "
                      "so here it is. Send /link CODE in the group again to restore it.")


def bad_stats_query(tr: Translator) -> str:
    return tr.gettext("I did not understand. Examples:\n/stats CODE\n/stats CODE by gender\n"
                      "/stats CODE by org\n/stats CODE1 CODE2 CODE3")


def not_comparable(tr: Translator) -> str:
    return tr.gettext("These workshops do not use the same questionnaire, so I cannot compare them.")


# --- export (the words of the CSV and XLSX files: plain text, no HTML) ------------------


def export_caption(tr: Translator, title: str, file_kind: str) -> str:
    return (tr.gettext("Answers of «%(title)s» (%(kind)s), one row per participant and questionnaire; "
                       "participants appear under pseudonyms.") % {"title": escape(title), "kind": file_kind})[:CAPTION_LIMIT]


def export_csv_caption(tr: Translator, title: str, separator: str) -> str:
    kind = tr.gettext("CSV, semicolon-separated") if separator == ";" else tr.gettext("CSV, comma-separated")
    return export_caption(tr, title, kind)


def export_xlsx_caption(tr: Translator, title: str) -> str:
    return (tr.gettext("Answers of «%(title)s» (Excel): one sheet per questionnaire, a summary, and the "
                       "questions in every language; participants appear under pseudonyms.")
            % {"title": escape(title)})[:CAPTION_LIMIT]


def export_columns(tr: Translator) -> dict[str, str]:
    """Headers of the columns every row has, by their stable id (the XLSX second header row)."""
    return {
        "participant": tr.gettext("Participant (pseudonym)"),
        "questionnaire": tr.gettext("Survey"),
        "status": tr.gettext("Status"),
        "started_at": tr.gettext("Started at"),
        "completed_at": tr.gettext("Completed at"),
    }


def export_profile_header(tr: Translator, question_id: str, question_text: Text) -> str:
    """The short header of a profile column; another profile question gets its own text."""
    headers = {"org_type": tr.gettext("Type of organisation"), "gender": tr.gettext("Gender")}
    return headers.get(question_id) or question_text.get(tr.language)


def export_kind(tr: Translator, kind: QuestionnaireKind) -> str:
    """A questionnaire's name in cells and sheet names."""
    return {
        QuestionnaireKind.PROFILE: tr.gettext("Profile"),
        QuestionnaireKind.EVALUATION: tr.gettext("Evaluation"),
        QuestionnaireKind.FOLLOWUP: tr.gettext("Follow-up"),
    }[kind]


def export_status(tr: Translator, status: ExportStatus) -> str:
    return {
        ExportStatus.NOT_SENT: tr.gettext("not sent"),
        ExportStatus.PENDING: tr.gettext("pending"),
        ExportStatus.NOT_STARTED: tr.gettext("not started"),
        ExportStatus.IN_PROGRESS: tr.gettext("in progress"),
        ExportStatus.COMPLETED: tr.gettext("completed"),
        ExportStatus.UNREACHABLE: tr.gettext("unreachable"),  # they blocked the bot
        ExportStatus.FAILED: tr.gettext("sending failed"),
    }[status]


def export_summary_labels(tr: Translator) -> dict[str, str]:
    return {
        "sheet": tr.gettext("Summary"),
        "joined": tr.gettext("Participants who joined"),
        "reached": tr.gettext("Questionnaire received by"),
        "timezone": tr.gettext("Time zone of the dates"),
    }


def export_questions_labels(tr: Translator) -> dict[str, str]:
    return {"sheet": tr.gettext("Question texts"), "id": tr.gettext("Identifier")}


# --- participant: joining -------------------------------------------------------------


def join_not_found(tr: Translator) -> str:
    return tr.gettext("This link does not lead to any workshop. Please scan the QR code "
                      "again or ask the organisers for the right link.")


def join_expired(tr: Translator, title: str) -> str:
    return tr.gettext("The workshop «%(title)s» is over and no longer accepts participants.") % {
        "title": escape(title)
    }


def joined(tr: Translator, title: str) -> str:
    return tr.gettext("Welcome! You have joined «%(title)s».") % {"title": escape(title)}


def already_joined(tr: Translator, title: str) -> str:
    return tr.gettext("You are already registered for «%(title)s».") % {"title": escape(title)}


def start_without_code(tr: Translator) -> str:
    return tr.gettext("Hello! To join a workshop, scan its QR code or open the link "
                      "the organisers gave you.")


def profile_done(tr: Translator, *, session_closed: bool) -> str:
    if session_closed:
        return tr.gettext("Thank you! Here is the evaluation questionnaire.")
    return tr.gettext("Thank you! I will send you the evaluation questionnaire "
                      "when the session ends.")


# --- questions ------------------------------------------------------------------------


def questionnaire_intro(tr: Translator, questionnaire: Questionnaire, workshop_title: str) -> str:
    parts = [f"<b>{escape(workshop_title)}</b>", f"<b>{local(questionnaire.title, tr)}</b>"]
    if questionnaire.intro:
        parts.append(local(questionnaire.intro, tr))
    return "\n\n".join(parts)


def yesno_label(tr: Translator, option_id: str) -> str:
    labels = {"yes": tr.gettext("Yes"), "no": tr.gettext("No"), "maybe": tr.gettext("Maybe")}
    return labels[option_id]


def option_label(tr: Translator, view: QuestionView, option_id: str) -> str:
    """The plain (unescaped) label of an option: for buttons and, escaped, for messages."""
    if view.question.type is QuestionType.YESNO:
        return yesno_label(tr, option_id)
    option = view.question.option(option_id)
    return option.text.get(tr.language) if option else option_id


def _header(tr: Translator, view: QuestionView) -> str:
    header = tr.gettext("Question %(current)d of %(total)d") % {"current": view.index + 1, "total": view.total}
    if view.question.optional:
        header += " · " + tr.gettext("optional")
    return f"<b>{header}</b>"


def question_text(tr: Translator, view: QuestionView) -> str:
    question = view.question
    parts = [_header(tr, view), local(question.text, tr)]
    if question.type is QuestionType.RATING:
        scale = escape(scale_anchors(tr, question)) or f"{question.scale_min} – {question.scale_max}"
        parts.append(f"<i>{scale}</i>")
    elif question.type is QuestionType.MULTI:
        parts.append("<i>" + tr.gettext("Tick every answer that applies, then tap Confirm.") + "</i>")
    elif question.type is QuestionType.TEXT:
        hint = tr.gettext("Type your answer as a message.")
        if view.text is not None:
            hint += "\n" + tr.gettext("Your current answer: %(answer)s") % {"answer": escape(view.text)}
        parts.append("<i>" + hint + "</i>")
    return _fit("\n\n".join(parts))


def answer_summary(tr: Translator, view: QuestionView) -> str:
    """The stored answer of a question, as one line ("4", "Yes", "A, B", the text)."""
    if view.skipped:
        return tr.gettext("skipped")
    if view.rating is not None:
        return f"{view.rating}/{view.question.scale_max}"
    if view.text is not None:
        return escape(view.text)
    return escape(", ".join(option_label(tr, view, o) for o in view.selected))


def answered_text(tr: Translator, view: QuestionView) -> str:
    """What a question message becomes once answered: question and answer, no buttons."""
    return _fit(f"{_header(tr, view)}\n{local(view.question.text, tr)}\n\n✓ {answer_summary(tr, view)}")


def thank_you(tr: Translator) -> str:
    return tr.gettext("Thank you, your answers are saved! They help the organisers "
                      "improve the next workshops.")


# --- forget ---------------------------------------------------------------------------


def forget_confirm(tr: Translator) -> str:
    return tr.gettext("Do you want me to delete your answers and everything I know about you? "
                      "This cannot be undone.")


def forget_done(tr: Translator, workshops: int) -> str:
    if workshops == 0:
        return tr.gettext("Done: I hold no answers of yours any more.")
    return tr.ngettext(
        "Done: your data for %(n)d workshop has been deleted.",
        "Done: your data for %(n)d workshops has been deleted.",
        workshops,
    ) % {"n": workshops}


def forget_cancelled(tr: Translator) -> str:
    return tr.gettext("Nothing was deleted.")


# --- reminders and the follow-up ------------------------------------------------------


def reminder_text(tr: Translator, job: ReminderJob) -> str:
    """"Start" wording for those who have not answered yet, "finish" for those who began."""
    values = {"title": escape(job.workshop_title), "n": job.total, "answered": job.answered}
    followup = job.questionnaire_kind == QuestionnaireKind.FOLLOWUP.value
    if job.answered == 0:
        text = (tr.ngettext("⏰ A few weeks after «%(title)s», how is it going? %(n)d short question "
                            "is waiting for you.",
                            "⏰ A few weeks after «%(title)s», how is it going? %(n)d short questions "
                            "are waiting for you.", job.total)
                if followup else
                tr.ngettext("⏰ Your opinion on «%(title)s» is still missing: %(n)d short question.",
                            "⏰ Your opinion on «%(title)s» is still missing: %(n)d short questions.",
                            job.total))
        return text % values + "\n" + tr.gettext("Tap «Start» when you have a moment.")
    text = (tr.ngettext("⏰ You have answered %(answered)d of the %(n)d follow-up question about «%(title)s».",
                        "⏰ You have answered %(answered)d of the %(n)d follow-up questions about «%(title)s».",
                        job.total)
            if followup else
            tr.ngettext("⏰ You have answered %(answered)d of the %(n)d question about «%(title)s».",
                        "⏰ You have answered %(answered)d of the %(n)d questions about «%(title)s».",
                        job.total))
    return text % values + "\n" + tr.gettext("Tap «Continue» to finish where you stopped.")


def reminders_off(tr: Translator) -> str:
    return tr.gettext("🔕 No more reminders. Send /reminders on to get them again.")


def reminders_on(tr: Translator) -> str:
    return tr.gettext("🔔 Reminders are on: I will remind you of unfinished questionnaires.")


def reminders_usage(tr: Translator, enabled: bool) -> str:
    state = tr.gettext("Reminders are on.") if enabled else tr.gettext("Reminders are off.")
    return state + " " + tr.gettext("Send /reminders on or /reminders off to change this.")


def already_finished(tr: Translator) -> str:
    return tr.gettext("You have already answered this questionnaire. Thank you!")


def not_closed(tr: Translator) -> str:
    return tr.gettext("This workshop's session is not closed yet: reminders and the follow-up "
                      "survey start with /close CODE.")


def remind_started(tr: Translator, n: int) -> str:
    if n == 0:
        return tr.gettext("Nobody to remind: everyone who received the questionnaire has finished it "
                          "(or turned reminders off).")
    return tr.ngettext("⏰ Reminding %(n)d participant who has not finished…",
                       "⏰ Reminding %(n)d participants who have not finished…", n) % {"n": n}


def send_summary(tr: Translator, summary: SendSummary) -> str:
    """After each send: how many got it, how many blocked the bot, how many failed."""
    title = escape(summary.workshop_title)
    if summary.purpose is SendPurpose.FOLLOWUP:
        head = tr.gettext("📬 The follow-up survey of «%(title)s» went out.") % {"title": title}
    elif summary.questionnaire_kind == QuestionnaireKind.FOLLOWUP.value:
        head = tr.gettext("📬 Reminder about the follow-up survey of «%(title)s».") % {"title": title}
    else:
        head = tr.gettext("📬 Reminder about the evaluation of «%(title)s».") % {"title": title}
    lines = [head, tr.ngettext("✅ Sent to %(n)d participant.", "✅ Sent to %(n)d participants.",
                               summary.sent) % {"n": summary.sent}]
    if summary.blocked:
        lines.append(tr.ngettext("🚫 %(n)d has blocked the bot.", "🚫 %(n)d have blocked the bot.",
                                 summary.blocked) % {"n": summary.blocked})
    if summary.failed:
        lines.append(tr.ngettext("⚠️ %(n)d could not be sent after several tries.",
                                 "⚠️ %(n)d could not be sent after several tries.",
                                 summary.failed) % {"n": summary.failed})
    return "\n".join(lines)


def schedule_planned(tr: Translator, reminders: Sequence[datetime], followup: datetime | None, timezone: str) -> str:
    """After the first /close: when reminders and the follow-up survey will go out."""
    lines = []
    if reminders:
        when = ", ".join(tr.moment(moment, timezone) for moment in reminders)
        lines.append(tr.gettext("⏰ Reminders to those who have not finished: %(when)s.") % {"when": when})
    if followup is not None:
        lines.append(tr.gettext("📅 Follow-up survey: %(when)s.") % {"when": tr.moment(followup, timezone)})
    lines.append(tr.gettext("Times are in %(zone)s; nothing is sent at night.") % {"zone": timezone}
                 + " " + tr.gettext("Change it with /followup CODE or /timezone CODE."))
    return "\n".join(lines)


def followup_planned(tr: Translator, title: str, when: datetime, timezone: str) -> str:
    return tr.gettext("📅 The follow-up survey of «%(title)s» will go out on %(when)s (%(zone)s).") % {
        "title": escape(title), "when": tr.moment(when, timezone), "zone": timezone}


def followup_cancelled(tr: Translator, title: str) -> str:
    return tr.gettext("The follow-up survey of «%(title)s» is cancelled. "
                      "/followup CODE 14d plans it again.") % {"title": escape(title)}


def followup_sent(tr: Translator, title: str, when: datetime, timezone: str, figures: DeliveryCounts) -> str:
    """The follow-up went out: when, and its own response rate."""
    rate = completion_rate(tr, figures)
    return (tr.gettext("📬 The follow-up survey of «%(title)s» went out on %(when)s.") % {
                "title": escape(title), "when": tr.moment(when, timezone)}
            + "\n" + tr.ngettext("%(done)d of %(n)d has answered it (%(rate)s).",
                                 "%(done)d of %(n)d have answered it (%(rate)s).", figures.sent)
            % {"done": figures.completed, "n": figures.sent, "rate": rate})


def followup_already_sent(tr: Translator) -> str:
    return tr.gettext("The follow-up survey has already gone out: it can no longer be moved or cancelled.")


def bad_when(tr: Translator) -> str:
    return tr.gettext("I did not understand when. Write a delay after the session such as 14d or 4w, "
                      "a date such as 2026-12-01 (at 09:00) or 2026-12-01 14:30, or off.")


def when_in_past(tr: Translator, when: datetime, timezone: str) -> str:
    return tr.gettext("%(when)s has already passed: choose a later moment.") % {
        "when": tr.moment(when, timezone)}


def timezone_set(tr: Translator, title: str, zone: str) -> str:
    return tr.gettext("🕘 «%(title)s» now uses the time zone %(zone)s: nothing is sent at night there.") % {
        "title": escape(title), "zone": escape(zone)}


def timezone_shown(tr: Translator, title: str, zone: str) -> str:
    return tr.gettext("🕘 «%(title)s» uses the time zone %(zone)s. "
                      "Change it with /timezone CODE Africa/Tunis.") % {"title": escape(title), "zone": escape(zone)}


def bad_timezone(tr: Translator, zone: str) -> str:
    return tr.gettext("%(zone)s is not a time zone. Write it like Africa/Casablanca or Africa/Tunis.") % {
        "zone": escape(zone[:64])}


# --- statistics -----------------------------------------------------------------------


def group_label(tr: Translator, stats: Stats, group: Group) -> str:
    """A bar group's name: a workshop, a gender / type of organisation, or both (plain text)."""
    parts: list[str] = []
    if group.workshop_code is not None:
        parts.append(next(w.title for w in stats.workshops if w.join_code == group.workshop_code))
    if group.profile_key is not None:
        question = stats.profile.question(stats.breakdown.value) if stats.profile and stats.breakdown else None
        option = question.option(group.profile_key) if question else None
        parts.append(option.text.get(tr.language) if option else tr.gettext("not stated"))
    return " · ".join(parts)


def hidden_group(tr: Translator) -> str:
    return tr.ngettext("hidden: fewer than %(n)d respondent", "hidden: fewer than %(n)d respondents",
                       MIN_GROUP_SIZE) % {"n": MIN_GROUP_SIZE}


def scale_anchors(tr: Translator, question: Question) -> str:
    """A rating's anchors, plain text: "1 = Very poor · 5 = Excellent" ("" without labels)."""
    if question.type is not QuestionType.RATING or not (question.low_label and question.high_label):
        return ""
    return (f"{question.scale_min} = {question.low_label.get(tr.language)} · "
            f"{question.scale_max} = {question.high_label.get(tr.language)}")


def mean_text(tr: Translator, tally: Tally) -> str:
    """"average 4.3 · median 4" (rounded half up, as everywhere); "" before any rating."""
    if tally.mean is None or tally.median is None:
        return ""
    median = tally.median
    return tr.gettext("average %(mean)s · median %(median)s") % {
        "mean": tr.decimal(tally.mean),
        "median": tr.decimal(median, 0 if median == int(median) else 1),  # 4, or 4.5 between two
    }


def answers_count(tr: Translator, n: int) -> str:
    return tr.ngettext("%(n)d answer", "%(n)d answers", n) % {"n": n}


def multi_note(tr: Translator) -> str:
    return tr.gettext("several answers possible: percentages of respondents")


def chart_n_line(tr: Translator, answered: int) -> str:
    """Under a chart: "n = 1 respondent", in the grammar of the number printed."""
    return tr.ngettext("n = %(n)d respondent", "n = %(n)d respondents", answered) % {"n": answered}


def no_answer_text(tr: Translator, missing: int, received: int) -> str:
    """Of those the questionnaire reached, how many have no answer to a question."""
    return tr.ngettext("no answer: %(missing)d of %(n)d recipient", "no answer: %(missing)d of %(n)d recipients",
                       received) % {"missing": missing, "n": received}


def legend_label(name: str, respondents: int) -> str:
    """A bar group in a chart's legend, with its n: "Women (n = 4)"."""
    return f"{name} (n = {respondents})"


def no_answers_yet(tr: Translator, stats: Stats) -> str:
    """/stats before anybody answered: one message instead of empty charts."""
    lines = [
        tr.gettext("No answers yet for «%(title)s».") % {"title": escape(stats.title)},
        tr.ngettext("%(n)d participant has joined.", "%(n)d participants have joined.", stats.joined)
        % {"n": stats.joined},
        tr.ngettext("The questionnaire reached %(n)d participant.", "The questionnaire reached %(n)d participants.",
                    stats.sent) % {"n": stats.sent},
    ]
    if not stats.comparing and stats.workshops[0].closed_at is None:
        lines.append(tr.gettext("/close %(code)s sends the questionnaire.") % {"code": escape(stats.join_code)})
    return "\n".join(lines)


def _group_line(tr: Translator, stats: Stats, question: QuestionStats, group: Group, view: QuestionView) -> str:
    label = escape(group_label(tr, stats, group))
    if group.hidden:
        return f"  ▸ {label}: {hidden_group(tr)}"
    tally = group.tally
    head = f"  ▸ {label} ({answers_count(tr, tally.answered)})"
    if question.question.type is QuestionType.RATING:
        return f"{head}: {mean_text(tr, tally)}" if tally.mean is not None else head
    shares = [
        f"{escape(option_label(tr, view, o))} {tr.share(tally.option_counts[o], tally.answered)}"
        for o in question.question.option_ids() if tally.option_counts.get(o)
    ]
    return f"{head}: " + " · ".join(shares)


def reversal_note(tr: Translator, stats: Stats, reversal: Reversal, view: QuestionView) -> str:
    if reversal.kind is ReversalKind.SIMPSON:
        titles = {w.join_code: w.title for w in stats.workshops}
        return "⚠️ " + tr.gettext(
            "Reversal (Simpson's paradox): «%(a)s» scores higher than «%(b)s» overall, "
            "but lower within every group shown. The groups are not the same size in both "
            "workshops: compare group by group."
        ) % {"a": escape(titles[reversal.better_overall]), "b": escape(titles[reversal.worse_overall])}
    return "⚠️ " + tr.gettext(
        "Reversal: «%(option)s» comes first overall but first in none of the groups: "
        "the overall result describes no group well."
    ) % {"option": escape(option_label(tr, view, reversal.better_overall))}


def _question_block(
    tr: Translator, stats: Stats, number: int, question_stats: QuestionStats, reversals: Sequence[Reversal]
) -> str:
    question = question_stats.question
    view = QuestionView(response_id=0, questionnaire=stats.questionnaire, index=number - 1, question=question)
    lines = [f"<b>{number}. {local(question.text, tr)}</b>"]
    n_line = answers_count(tr, question_stats.answered)
    skipped = (tr.ngettext("%(n)d skipped", "%(n)d skipped", question_stats.skipped) % {"n": question_stats.skipped}
               if question_stats.skipped else "")
    if question_stats.received:
        n_line += " · " + no_answer_text(tr, question_stats.no_answer, question_stats.received)
        n_line += f" ({skipped})" if skipped else ""
    elif skipped:
        n_line += " · " + skipped
    if question.type is QuestionType.RATING:
        lines.append(n_line)
        if question_stats.mean is not None:
            lines.append(mean_text(tr, question_stats.tally))
        if anchors := scale_anchors(tr, question):
            lines.append(f"<i>{escape(anchors)}</i>")
        for value in question.scale():
            count = question_stats.rating_counts.get(value, 0)
            lines.append(f"  {value}: {count} ({tr.share(count, question_stats.answered)})")
    elif question.type is QuestionType.TEXT:
        lines.append(n_line)
        lines.extend(f"  « {escape(text)} »" for text in question_stats.texts)
        return "\n".join(lines)
    else:
        if question.type is QuestionType.MULTI:
            n_line += " · " + multi_note(tr)
        lines.append(n_line)
        for option_id in question.option_ids():
            count = question_stats.option_counts.get(option_id, 0)
            label = escape(option_label(tr, view, option_id))
            lines.append(f"  • {label}: {count} ({tr.share(count, question_stats.answered)})")
    lines.extend(
        _group_line(tr, stats, question_stats, group, view) for group in question_stats.groups if group.tally.answered
    )
    lines.extend(reversal_note(tr, stats, r, view) for r in reversals if r.question.id == question.id)
    return "\n".join(lines)


def _figures_line(tr: Translator, figures: WorkshopFigures) -> str:
    rate = tr.share(figures.completed, figures.joined)
    return tr.ngettext(
        "%(answered)d of %(n)d participant answered the whole questionnaire (%(rate)s).",
        "%(answered)d of %(n)d participants answered the whole questionnaire (%(rate)s).",
        figures.joined,
    ) % {"answered": figures.completed, "n": figures.joined, "rate": rate}


def breakdown_line(tr: Translator, stats: Stats) -> str:
    if stats.breakdown is Breakdown.GENDER:
        by = tr.gettext("Results by gender.")
    elif stats.breakdown is Breakdown.ORG_TYPE:
        by = tr.gettext("Results by type of organisation.")
    else:
        return ""
    return by + " " + small_groups_rule(tr)


def small_groups_rule(tr: Translator) -> str:
    return tr.ngettext(
        "Groups of fewer than %(n)d respondent are hidden so that nobody can be recognised.",
        "Groups of fewer than %(n)d respondents are hidden so that nobody can be recognised.",
        MIN_GROUP_SIZE,
    ) % {"n": MIN_GROUP_SIZE}


def stats_summary(tr: Translator, stats: Stats, reversals: Sequence[Reversal] = ()) -> list[str]:
    """The /stats text, split into messages that each fit Telegram's 4096 characters."""
    head = [f"📊 <b>{escape(stats.title)}</b>"]
    for figures in stats.workshops:
        prefix = f"{escape(figures.title)}: " if stats.comparing else ""
        head.append(prefix + _figures_line(tr, figures))
    if not stats.comparing:
        head.append(
            tr.ngettext(
                "The questionnaire reached %(n)d participant.",
                "The questionnaire reached %(n)d participants.",
                stats.sent,
            ) % {"n": stats.sent}
        )
    if stats.breakdown is not None:
        head.append(breakdown_line(tr, stats))
    if reversals:
        head.append("⚠️ " + tr.ngettext(
            "%(n)d question looks different once broken down: see the notes below.",
            "%(n)d questions look different once broken down: see the notes below.",
            len(reversals),
        ) % {"n": len(reversals)})
    blocks = ["\n".join(head)]
    for number, question_stats in enumerate(stats.questions, start=1):
        blocks.append(_question_block(tr, stats, number, question_stats, reversals))
    return split_blocks(blocks)


# --- the PDF report (plain text: the report draws it, no HTML) ----------------------------


def report_subtitle(tr: Translator) -> str:
    return tr.gettext("Evaluation report")


def report_fact_labels(tr: Translator) -> dict[str, str]:
    return {
        "date": tr.gettext("Date of the workshop"),
        "joined": tr.gettext("Participants who joined"),
        "reached": tr.gettext("Questionnaire received by"),
        "completed": tr.gettext("Answered the whole questionnaire"),
        "rate": tr.gettext("Response rate (of those who joined)"),
    }


def report_headings(tr: Translator) -> dict[str, str]:
    return {
        "charts": tr.gettext("Results, question by question"),
        "free_text": tr.gettext("In the participants' words"),
        "followup": tr.gettext("Weeks later: intentions and practice"),
        "at_close": tr.gettext("End of the session"),
        "followup_column": tr.gettext("Follow-up survey"),
    }


def outcome_label(tr: Translator, intention_question: str, outcome_question: str) -> str:
    if (intention_question, outcome_question) == ("apply", "used_since"):
        return tr.gettext("Will apply what they learnt → have used open data since")
    return f"{intention_question} → {outcome_question}"


def share_text(tr: Translator, yes: int, respondents: int) -> str:
    return f"{tr.share(yes, respondents)} ({yes} / {respondents})"


def report_footer(tr: Translator, generated: str) -> str:
    return tr.gettext("workshop-bot · generated on %(date)s") % {"date": generated}


def report_caption(tr: Translator, title: str) -> str:
    return tr.gettext("Evaluation report of «%(title)s»") % {"title": escape(title)}


def report_summary_labels(tr: Translator) -> dict[str, str]:
    """The summary table of the report: its heading, column headers, and a free-text row."""
    return {
        "heading": tr.gettext("Summary of the answers"),
        "question": tr.gettext("Question"),
        "respondents": tr.gettext("Respondents"),
        "result": tr.gettext("Average or top answer"),
        "positive": tr.gettext("% positive"),
        "free_text": tr.gettext("free text"),
    }


def report_summary_notes(tr: Translator, ratings: str) -> tuple[str, ...]:
    """What the summary's columns mean, under the table; *ratings*: the positive ones ("4–5")."""
    return (
        tr.gettext("Respondents: participants who answered the question; those who skipped it are not counted."),
        tr.gettext("Average: the mean of the ratings, rounded to one decimal. Top answer: the option chosen "
                   "most often, with its share of the respondents."),
        tr.gettext("%(column)s: the share of respondents who gave one of the two highest ratings (%(ratings)s) "
                   "or answered “%(yes)s”. Questions without a positive answer (choices, free text) show –.")
        % {"column": tr.gettext("% positive"), "ratings": ratings, "yes": yesno_label(tr, "yes")},
    )


def summary_average(tr: Translator, mean: float, scale_max: int) -> str:
    """A rating's average in the summary table: "4,2 / 5" (rounded half up, as everywhere)."""
    return f"{tr.decimal(mean)} / {scale_max}"


def summary_top_answer(tr: Translator, labels: Sequence[str], count: int, respondents: int) -> str:
    """The answer chosen most often and its share: "Oui (80 %)"; two tied answers are both
    named, more end with "…"."""
    named = " / ".join(labels[:2]) + (" / …" if len(labels) > 2 else "")
    return f"{named} ({tr.share(count, respondents)})"


def report_breakdown_heading(tr: Translator, breakdown: Breakdown) -> str:
    if breakdown is Breakdown.GENDER:
        return tr.gettext("Breakdown by gender")
    return tr.gettext("Breakdown by type of organisation")


def report_no_group_shown(tr: Translator) -> str:
    """A breakdown in which every group is too small to be shown."""
    return tr.ngettext(
        "No group has %(n)d respondent or more yet: none can be shown without singling somebody out.",
        "No group has %(n)d respondents or more yet: none can be shown without singling somebody out.",
        MIN_GROUP_SIZE,
    ) % {"n": MIN_GROUP_SIZE}


def plain(html_text: str) -> str:
    """A message text without its HTML, for the PDF (which draws plain text)."""
    return unescape(TAG.sub("", html_text))


def split_blocks(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack paragraphs into as few messages as fit; a lone oversized block is cut."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        block = _fit(block, limit)
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def _fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut text that would exceed Telegram's limit (never inside an HTML entity or tag)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    for opener, closer in (("&", ";"), ("<", ">")):
        start = cut.rfind(opener)
        if start > cut.rfind(closer):
            cut = cut[:start]
    return cut + "…"
