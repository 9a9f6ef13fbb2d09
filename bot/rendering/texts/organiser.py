"""What organisers read: a new workshop, /close, /link, /timezone, /remind, /followup."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import CAPTION_LIMIT, _fit, ltr
from bot.results.delivery import DeliveryCounts
from bot.results.workshops import CloseResult


def new_usage(tr: Translator) -> str:
    return tr.gettext("Give the workshop a title, for example:\n/new Open data workshop — Rabat")


def workshop_created(tr: Translator, title: str, link: str, code: str) -> str:
    return tr.gettext(
        "Workshop <b>%(title)s</b> is ready.\n\n"
        "Participants join with this link or the QR code below:\n%(link)s\n\n"
        "Join code: %(code)s\n"
        "When the session ends, send /close %(code)s to send them the questionnaire."
    ) % {"title": escape(title), "link": ltr(tr, escape(link)),
         "code": ltr(tr, f"<code>{escape(code)}</code>")}


def qr_caption(tr: Translator, title: str, link: str) -> str:
    caption = tr.gettext("Scan to join «%(title)s»\n%(link)s") % {"title": escape(title), "link": ltr(tr, escape(link))}
    return _fit(caption, CAPTION_LIMIT)


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
            "%(answered)d of %(n)d participant answered the whole questionnaire (%(rate)s).",
            "%(answered)d of %(n)d participants answered the whole questionnaire (%(rate)s).",
            figures.sent,  # chosen by the participants counted, not by how many answered
        ) % {"answered": figures.completed, "n": figures.sent, "rate": rate},
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
