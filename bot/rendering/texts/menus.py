"""The command menus Telegram shows beside the text field, per language and audience."""

from __future__ import annotations

from bot.i18n import Translator


def command_menu(tr: Translator, *, organiser: bool = False) -> list[tuple[str, str]]:
    """Telegram's command menu as (command, description) pairs: everybody's, or an
    organiser's (their commands first, then everybody's). Plain text, 1–256 characters."""
    everybody = [
        ("start", tr.gettext("Continue an unfinished questionnaire")),
        ("language", tr.gettext("Change the language")),
        ("privacy", tr.gettext("How my data is used")),
        ("mydata", tr.gettext("Get a copy of my data")),
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
        ("session", tr.gettext("A workshop's sessions: list them or add the next one")),
        ("stats", tr.gettext("See the results")),
        ("report", tr.gettext("The evaluation report as a PDF")),
        ("programme", tr.gettext("Programmes: several workshops together")),
        ("export", tr.gettext("The answers as CSV and Excel files")),
        ("remind", tr.gettext("Remind those who have not finished")),
        ("followup", tr.gettext("When the follow-up survey goes out")),
        ("timezone", tr.gettext("The workshop's time zone")),
        ("organisers", tr.gettext("Co-organisers: the list, an invite link")),
        ("pre", tr.gettext("A short questionnaire on joining, for before → after")),
        ("questionnaires", tr.gettext("Questionnaires: yours and the built-in ones")),
        *everybody,
    ]
