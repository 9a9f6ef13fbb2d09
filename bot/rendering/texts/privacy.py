"""/privacy, /mydata, the retention notice and what /stats says once data is deleted.

The wording follows laws 09-08 (Morocco) and 2004-63 (Tunisia): what is stored, why, who
sees it, how long, and how to see and delete it; who is responsible and their declaration
come from the settings, and when they are missing the text says so instead of inventing.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import ltr
from bot.results.privacy import KeptFigures, RetentionNotice

FSI, PDI = "\u2068", "\u2069"
DAY = 86_400


def _either_direction(tr: Translator, text: str) -> str:
    """A name that may be Arabic or Latin, isolated by its own first letter (FSI) in Arabic."""
    return f"{FSI}{text}{PDI}" if tr.rtl and text else text


def retention_days(seconds: int) -> int:
    return max(1, round(seconds / DAY))


def privacy_text(tr: Translator, *, operator_name: str, declaration: str, retention_seconds: int) -> str:
    days = retention_days(retention_seconds)
    lines = [
        tr.gettext("<b>Your data</b>"),
        "",
        tr.gettext("What I store: your Telegram id, your language, your answers to the optional profile "
                   "questions (type of organisation, gender) and to the questionnaires, and the times you "
                   "joined, answered and were reminded. I do not store your name."),
        "",
        tr.gettext("Why: to evaluate the workshops you take part in, nothing else."),
        "",
        tr.gettext("Who sees it: only the workshop's organisers, as figures, charts and an export where "
                   "each participant is a number. Your name does not appear in the results or in the exports."),
        "",
        tr.ngettext("How long: until %(n)d day after the workshop's follow-up survey (or after its end "
                    "when there is none). Then your answers are deleted; only overall counts remain.",
                    "How long: until %(n)d days after the workshop's follow-up survey (or after its end "
                    "when there is none). Then your answers are deleted; only overall counts remain.",
                    days) % {"n": days},
        "",
        tr.gettext("Your rights: /mydata sends you a copy of everything I store about you, /forget deletes it. "
                   "You may also complain to the data protection authority: the CNDP in Morocco, "
                   "the INPDP in Tunisia."),
        "",
        (tr.gettext("Responsible for this data: %(operator)s.") % {
            "operator": _either_direction(tr, escape(operator_name))}
         if operator_name else tr.gettext("The operator of this bot has not given its name.")),
        (tr.gettext("Declaration to the data protection authority: %(declaration)s.") % {
            "declaration": ltr(tr, escape(declaration))}
         if declaration else tr.gettext("No declaration number to the CNDP (Morocco) or INPDP authorisation "
                                        "(Tunisia) has been given for this bot.")),
    ]
    return "\n".join(lines)


def mydata_caption(tr: Translator) -> str:
    return tr.gettext("Everything I store about you, in a file any text editor opens. /forget deletes it all.")


def mydata_about(tr: Translator) -> str:
    """The first line inside the /mydata file."""
    return tr.gettext("Everything the workshop evaluation bot stores about this Telegram account. Times are in UTC.")


def forget_unreachable(tr: Translator) -> str:
    return tr.gettext("What I cannot reach: messages already sent to the organisers (live progress counts, "
                      "results of /stats and /report) and exports they have already downloaded. "
                      "None of them shows your name.")


def export_in_private(tr: Translator) -> str:
    return tr.gettext("Exports contain the participants' answers: I send them only in our private chat. "
                      "Send /export there.")


def retention_notice(tr: Translator, notice: RetentionNotice) -> str:
    return tr.gettext(
        "🗑 The participants' data of «%(title)s» will be deleted on %(date)s, at the end of its retention "
        "period (/privacy). Export it now if you need it: /export %(code)s. Afterwards, only the counts of "
        "participants and of completed questionnaires remain."
    ) % {"title": escape(notice.title), "date": tr.date(notice.delete_on, notice.timezone),
         "code": ltr(tr, f"<code>{escape(notice.join_code)}</code>")}


def data_deleted(tr: Translator, kept: KeptFigures) -> str:
    """/stats, /report or /export of a workshop whose participant data is gone: when, and what is kept."""
    lines = [
        tr.gettext("🗑 The participants' data of «%(title)s» was deleted on %(date)s, at the end of its "
                   "retention period. Only these counts remain:") % {
            "title": escape(kept.title), "date": tr.date(kept.deleted_at, kept.timezone)},
        tr.ngettext("%(n)d participant had joined.", "%(n)d participants had joined.", kept.joined) % {
            "n": kept.joined},
        tr.ngettext("Evaluation questionnaire: completed by %(done)d of the %(n)d participant who received it.",
                    "Evaluation questionnaire: completed by %(done)d of the %(n)d participants who received it.",
                    kept.evaluation_sent) % {"done": kept.evaluation_completed, "n": kept.evaluation_sent},
    ]
    if kept.followup_sent:
        lines.append(tr.ngettext(
            "Follow-up survey: completed by %(done)d of the %(n)d participant who received it.",
            "Follow-up survey: completed by %(done)d of the %(n)d participants who received it.",
            kept.followup_sent) % {"done": kept.followup_completed, "n": kept.followup_sent})
    return "\n".join(lines)
