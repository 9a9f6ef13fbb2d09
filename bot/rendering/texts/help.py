"""/help, /whoami, error messages and the answers to what the bot does not understand."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import ltr
from bot.rendering.texts.organisers import organisers_usage


def help_text(tr: Translator, *, is_organiser: bool, user_id: int | None = None) -> str:
    lines = [
        tr.gettext("I collect workshop evaluations: scan the workshop's QR code to join, "
                   "then answer a few questions here when the session ends."),
        "",
        tr.gettext("<b>What you can do</b>"),
        tr.gettext("/start — continue an unfinished questionnaire"),
        tr.gettext("/language — change the language"),
        tr.gettext("/forget — delete your answers and your data"),
        tr.gettext("/privacy — what I store about you and why"),
        tr.gettext("/mydata — a copy of everything I store about you"),
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
            tr.gettext("/session CODE TITLE — the workshop's next session (day 2…), with its own questionnaire; "
                       "/session CODE lists the sessions; /stats CODE s2 — one session's results"),
            tr.gettext("/stats CODE — see the results"),
            tr.gettext("/stats CODE by gender, /stats CODE by org — results by group"),
            tr.gettext("/stats CODE1 CODE2 — compare workshops"),
            tr.gettext("/programme new TITLE, /programme add PCODE CODE… — several workshops under one programme"),
            tr.gettext("/stats PCODE, /report PCODE — a programme's figures and report (PCODE: the programme's code)"),
            tr.gettext("/export CODE — the answers as CSV and Excel files"),
            tr.gettext("/report CODE — the evaluation report as a PDF"),
            tr.gettext("/link CODE — in a group: send this workshop's results to the group"),
            organisers_usage(tr),
            tr.gettext("/remind CODE — remind now everyone who has not finished"),
            tr.gettext("/followup CODE — when the follow-up survey goes out; "
                       "/followup CODE 14d or 2026-12-01 to move it, /followup CODE off to cancel it"),
            tr.gettext("/timezone CODE Africa/Tunis — the workshop's time zone (no messages at night)"),
            tr.gettext("/questionnaires — the questionnaires you can use; send me a YAML or XLSForm (.xlsx) "
                       "file to add your own"),
            tr.gettext("/questionnaire CODE KEY — the questionnaire sent at the end of the session; "
                       "/questionnaire CODE KEY followup for the follow-up survey"),
            tr.gettext("/pre CODE on — a short questionnaire when participants join (their level before the "
                       "workshop), compared with the end in /stats; /pre CODE off to stop"),
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
                      "or leave it out to use your latest workshop.") % {"code": ltr(tr, f"<code>{escape(code[:64])}</code>")}


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


def anonymous_sender(tr: Translator) -> str:
    """A command sent as the group (an anonymous admin) or as a channel: Telegram hides who."""
    return tr.gettext("I can't tell who you are when you write on behalf of the group or of a channel. "
                      "Please write to me in a private chat for this.")


def something_went_wrong(tr: Translator) -> str:
    return tr.gettext("Something went wrong on my side. Your answers so far are saved; "
                      "please try again in a moment.")


def temporarily_unavailable(tr: Translator) -> str:
    """The database did not answer: what was just sent is not stored, so it must be sent again."""
    return tr.gettext("⏳ I'm briefly unavailable. Your earlier answers are saved; "
                      "please try that again in a moment.")


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
