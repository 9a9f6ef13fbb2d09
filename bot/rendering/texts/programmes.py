"""/programme: creating a programme, adding workshops, listing them; a programme's report cover."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import ltr
from bot.results.programmes import ProgrammeChange, ProgrammeView


def _code(tr: Translator, code: str) -> str:
    return ltr(tr, f"<code>{escape(code[:64])}</code>")


def _command(tr: Translator, command: str) -> str:
    return ltr(tr, escape(command))


def programme_usage(tr: Translator) -> str:
    return tr.gettext(
        "/programme new TITLE creates a programme (several workshops under one name); "
        "/programme add PCODE CODE… adds your workshops to it; /programme alone lists your programmes."
    )


def programme_created(tr: Translator, title: str, code: str) -> str:
    return tr.gettext(
        "Programme <b>%(title)s</b> is ready. Its code: %(code)s\n\n"
        "Add its workshops with their join codes: %(add)s\n"
        "Then %(stats)s and %(report)s give the programme's figures."
    ) % {"title": escape(title), "code": _code(tr, code),
         "add": _command(tr, f"/programme add {code} CODE1 CODE2"),
         "stats": _command(tr, f"/stats {code}"), "report": _command(tr, f"/report {code}")}


def programme_not_found(tr: Translator, code: str) -> str:
    return tr.gettext("No programme of yours has the code %(code)s. /programme lists yours.") % {
        "code": _code(tr, code)}


def programme_empty(tr: Translator, code: str) -> str:
    return tr.gettext("Programme %(code)s has no workshop yet: %(add)s adds them.") % {
        "code": _code(tr, code), "add": _command(tr, f"/programme add {code} CODE")}


def too_many_workshops(tr: Translator, most: int) -> str:
    return tr.ngettext("A programme holds at most %(n)d workshop.", "A programme holds at most %(n)d workshops.",
                       most) % {"n": most}


def _workshop_lines(tr: Translator, programme: ProgrammeView) -> list[str]:
    if not programme.workshops:
        return ["  " + tr.gettext("no workshop yet")]
    return [f"  ◦ {escape(w.title)} ({_code(tr, w.join_code)})" for w in programme.workshops]


def programme_list(tr: Translator, programmes: Sequence[ProgrammeView]) -> str:
    if not programmes:
        return tr.gettext("You have no programme yet. /programme new TITLE creates one.")
    lines = [tr.gettext("<b>Your programmes</b>")]
    for programme in programmes:
        lines.append(f"• <b>{escape(programme.title)}</b> — {_code(tr, programme.code)}")
        lines.extend(_workshop_lines(tr, programme))
    return "\n".join(lines)


def programme_changed(tr: Translator, change: ProgrammeChange, *, added: bool) -> str:
    """What /programme add (or remove) did, then the programme as it now stands."""
    programme = change.programme
    codes = {"title": escape(programme.title)}
    lines: list[str] = []
    if change.changed:
        listed = ", ".join(_code(tr, c) for c in change.changed)
        lines.append((tr.gettext("Added to <b>%(title)s</b>: %(codes)s.") if added
                      else tr.gettext("Removed from <b>%(title)s</b>: %(codes)s.")) % {**codes, "codes": listed})
    if change.unchanged:
        listed = ", ".join(_code(tr, c) for c in change.unchanged)
        lines.append((tr.gettext("Already in the programme: %(codes)s.") if added
                      else tr.gettext("Not in the programme: %(codes)s.")) % {"codes": listed})
    lines.append(tr.ngettext("<b>%(title)s</b> now has %(n)d workshop:", "<b>%(title)s</b> now has %(n)d workshops:",
                             len(programme.workshops)) % {**codes, "n": len(programme.workshops)})
    lines.extend(_workshop_lines(tr, programme))
    if programme.workshops:
        lines.append(tr.gettext("%(stats)s gives the programme's figures.") % {
            "stats": _command(tr, f"/stats {programme.code}")})
    return "\n".join(lines)


def programme_report_subtitle(tr: Translator) -> str:
    return tr.gettext("Programme evaluation report")


def programme_workshop_fact(tr: Translator, dates: str, answered: int, joined: int, rate: str) -> str:
    """A workshop's row on a programme report's cover: its date(s) and response rate."""
    return tr.ngettext("%(dates)s · %(answered)d of %(n)d participant answered (%(rate)s)",
                       "%(dates)s · %(answered)d of %(n)d participants answered (%(rate)s)",
                       joined) % {"dates": dates, "answered": answered, "n": joined, "rate": rate}


def programme_stats_heading(tr: Translator, title: str, code: str, workshops: int) -> str:
    return tr.ngettext("📊 Programme <b>%(title)s</b> (%(code)s): %(n)d workshop",
                       "📊 Programme <b>%(title)s</b> (%(code)s): %(n)d workshops",
                       workshops) % {"title": escape(title), "code": _code(tr, code), "n": workshops}
