"""Sessions: /session, the session a /close closed, each session's response rate.

``session_name`` and ``session_line`` are plain text (the report and the export use them
as they are); callers that send HTML escape them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import ltr
from bot.results.sessions import SessionAdded, SessionFigures


def session_name(tr: Translator, number: int, title: str) -> str:
    """"Session 2 — Jour 2 : data-jam santé" (plain text)."""
    return tr.gettext("Session %(n)d — %(title)s") % {"n": number, "title": title}


def session_heading(tr: Translator, workshop_title: str, session_title: str) -> str:
    """A workshop and one of its sessions, as participants read it in a reminder or above a
    questionnaire (plain text); session 1 titled as the workshop is the workshop."""
    return workshop_title if session_title == workshop_title else f"{workshop_title} — {session_title}"


def session_rate(tr: Translator, figures: SessionFigures) -> str:
    """"12 of 20 participants answered (60 %)", or that the session is still open (plain text)."""
    if figures.closed_at is None:
        return tr.gettext("open: its questionnaire goes out with /close")
    return tr.ngettext(
        "%(answered)d of %(n)d participant answered (%(rate)s)",
        "%(answered)d of %(n)d participants answered (%(rate)s)",
        figures.received,
    ) % {"answered": figures.completed, "n": figures.received, "rate": tr.share(figures.completed, figures.received)}


def session_line(tr: Translator, figures: SessionFigures) -> str:
    """"Session 2 — Jour 2 : data-jam santé: 12 of 20 participants answered (60 %)" (plain text)."""
    name = session_name(tr, figures.number, figures.title)
    if figures.closed_at is None:
        return tr.gettext("%(session)s: open, its questionnaire goes out with /close") % {"session": name}
    return tr.ngettext(
        "%(session)s: %(answered)d of %(n)d participant answered (%(rate)s)",
        "%(session)s: %(answered)d of %(n)d participants answered (%(rate)s)",
        figures.received,
    ) % {"session": name, "answered": figures.completed, "n": figures.received,
         "rate": tr.share(figures.completed, figures.received)}


def session_lines(tr: Translator, sessions: Sequence[SessionFigures]) -> list[str]:
    """Each session's line, for HTML messages."""
    return [f"• {escape(session_line(tr, figures))}" for figures in sessions]


def sessions_list(tr: Translator, workshop_title: str, code: str, sessions: Sequence[SessionFigures]) -> str:
    """``/session CODE``: every session, its state and response rate, and what to type next."""
    code = ltr(tr, escape(code))
    lines = [tr.gettext("<b>Sessions of «%(title)s»</b>") % {"title": escape(workshop_title)},
             *session_lines(tr, sessions), "",
             tr.gettext("Add the next session with /session %(code)s followed by its title, once the current "
                        "one is closed. One session's results: /stats %(code)s s2.") % {"code": code}]
    return "\n".join(lines)


def session_added(tr: Translator, workshop_title: str, code: str, added: SessionAdded) -> str:
    """``/session CODE title``: a new session, or the open one renamed."""
    values = {"n": added.number, "title": escape(added.title), "workshop": escape(workshop_title),
              "code": ltr(tr, escape(code))}
    if added.renamed:
        return tr.gettext("Session %(n)d of «%(workshop)s» is still open (its questionnaire has not been sent): "
                          "it is now called «%(title)s». To start the next session, first close this one "
                          "with /close %(code)s.") % values
    return tr.gettext("Session %(n)d «%(title)s» of «%(workshop)s» is open. Everyone who has joined, and "
                      "whoever joins with the same link, will receive its questionnaire at /close %(code)s.") % values


def session_closed(tr: Translator, number: int, title: str) -> str:
    """The first line of /close when the workshop has several sessions."""
    return tr.gettext("%(session)s is closed.") % {"session": escape(session_name(tr, number, title))}


def session_not_found(tr: Translator, number: int, code: str) -> str:
    return tr.gettext("This workshop has no session %(number)d (see /session %(code)s).") % {
        "number": number, "code": ltr(tr, escape(code))}
