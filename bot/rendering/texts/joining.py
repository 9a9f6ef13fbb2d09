"""What a participant reads when joining a workshop."""

from __future__ import annotations

from html import escape

from bot.i18n import Translator


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
