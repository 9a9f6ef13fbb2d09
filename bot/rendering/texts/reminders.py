"""Reminders, their summaries, live progress and the follow-up survey."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.i18n import Translator
from bot.questionnaires.model import (
    QuestionnaireKind,
)
from bot.rendering.texts.markup import ltr
from bot.rendering.texts.organiser import completion_rate
from bot.rendering.texts.sessions import session_heading
from bot.results.delivery import DeliveryCounts
from bot.results.dispatch import ReminderJob, SendSummary
from bot.results.statuses import SendPurpose


def reminder_text(tr: Translator, job: ReminderJob) -> str:
    """"Start" wording for those who have not answered yet, "finish" for those who began."""
    title = session_heading(tr, job.workshop_title, job.session_title) if job.session_title else job.workshop_title
    values = {"title": escape(title), "n": job.total, "answered": job.answered}
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


def remind_too_soon(tr: Translator, title: str, next_at: datetime, timezone: str) -> str:
    """A second /remind within minutes of the last one: when the next one is possible."""
    return tr.gettext("⏰ The participants of «%(title)s» were reminded only a few minutes ago. "
                      "You can remind them again from %(when)s (%(zone)s).") % {
        "title": escape(title), "when": tr.moment(next_at, timezone), "zone": ltr(tr, escape(timezone))}


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
        when = tr.moments(reminders, timezone)
        lines.append(tr.gettext("⏰ Reminders to those who have not finished: %(when)s.") % {"when": when})
    if followup is not None:
        lines.append(tr.gettext("📅 Follow-up survey: %(when)s.") % {"when": tr.moment(followup, timezone)})
    lines.append(tr.gettext("Times are in %(zone)s; nothing is sent at night.") % {"zone": ltr(tr, escape(timezone))}
                 + " " + tr.gettext("Change it with /followup CODE or /timezone CODE."))
    return "\n".join(lines)


def followup_planned(tr: Translator, title: str, when: datetime, timezone: str) -> str:
    return tr.gettext("📅 The follow-up survey of «%(title)s» will go out on %(when)s (%(zone)s).") % {
        "title": escape(title), "when": tr.moment(when, timezone), "zone": ltr(tr, escape(timezone))}


def followup_cancelled(tr: Translator, title: str) -> str:
    return tr.gettext("The follow-up survey of «%(title)s» is cancelled. "
                      "/followup CODE 14d plans it again.") % {"title": escape(title)}


def followup_sent(tr: Translator, title: str, when: datetime, timezone: str, figures: DeliveryCounts) -> str:
    """The follow-up went out: when, and its own response rate."""
    rate = completion_rate(tr, figures)
    return (tr.gettext("📬 The follow-up survey of «%(title)s» went out on %(when)s.") % {
                "title": escape(title), "when": tr.moment(when, timezone)}
            + "\n" + tr.ngettext("%(done)d of %(n)d participant answered it (%(rate)s).",
                                 "%(done)d of %(n)d participants answered it (%(rate)s).", figures.sent)
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
        "title": escape(title), "zone": ltr(tr, escape(zone))}


def timezone_shown(tr: Translator, title: str, zone: str) -> str:
    return tr.gettext("🕘 «%(title)s» uses the time zone %(zone)s. "
                      "Change it with /timezone CODE Africa/Tunis.") % {"title": escape(title), "zone": ltr(tr, escape(zone))}


def bad_timezone(tr: Translator, zone: str) -> str:
    return tr.gettext("%(zone)s is not a time zone. Write it like Africa/Casablanca or Africa/Tunis.") % {
        "zone": ltr(tr, escape(zone[:64]))}
