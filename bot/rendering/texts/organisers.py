"""Co-organisers: /organisers (the list, the invite link), joining by invite, removal.

No names are stored (users have no name column, by design): an organiser is shown as
"you" or as their Telegram id, linked ``tg://user?id=…``: a tap opens their profile, where
Telegram shows the name it knows, and the id is what ``/organisers CODE remove ID`` takes.
"""

from __future__ import annotations

from html import escape

from bot.i18n import Translator
from bot.rendering.texts.markup import ltr
from bot.results.organisers import OrganiserList


def organiser_mention(tr: Translator, user_id: int) -> str:
    """A Telegram id as a profile link (the app shows who it is on a tap), Latin isolated in Arabic."""
    return ltr(tr, f'<a href="tg://user?id={int(user_id)}">{int(user_id)}</a>')


def _code(tr: Translator, code: str) -> str:
    return ltr(tr, f"<code>{escape(code)}</code>")


def organisers_list(tr: Translator, found: OrganiserList, me: int) -> str:
    lines = [tr.gettext("👥 Organisers of <b>%(title)s</b> (%(code)s):")
             % {"title": escape(found.title), "code": _code(tr, found.join_code)}]
    for user_id in found.organiser_ids:
        who = tr.gettext("you") if user_id == me else organiser_mention(tr, user_id)
        if user_id == found.creator_id:
            who = tr.gettext("%(who)s — created the workshop") % {"who": who}
        lines.append("• " + who)
    others = [user_id for user_id in found.organiser_ids if user_id != me]
    if len(found.organiser_ids) > 1 and others:
        example = f"/organisers {escape(found.join_code)} remove {int(others[-1])}"
        lines += ["", tr.gettext("To remove an organiser, tap their button below, or send "
                                 "%(command)s with their id.") % {"command": ltr(tr, example)}]
    return "\n".join(lines)


def remove_button(tr: Translator, user_id: int, me: int) -> str:
    if user_id == me:
        return tr.gettext("✖ Leave (me)")
    return tr.gettext("✖ Remove %(id)s") % {"id": int(user_id)}


def invite_link_text(tr: Translator, title: str, link: str) -> str:
    return tr.gettext(
        "🔗 To add a co-organiser to <b>%(title)s</b>, send them this link. It works once, "
        "for 48 hours; whoever opens it becomes an organiser of this workshop only:\n%(link)s"
    ) % {"title": escape(title), "link": ltr(tr, escape(link))}


def invite_accepted(tr: Translator, title: str, code: str) -> str:
    return tr.gettext(
        "✅ You are now an organiser of <b>%(title)s</b> (%(code)s). "
        "Send /stats %(code)s for its results, /help for every organiser command."
    ) % {"title": escape(title), "code": _code(tr, code)}


def invite_already_organiser(tr: Translator, title: str) -> str:
    return tr.gettext("You already organise <b>%(title)s</b>: this link stays unused "
                      "for the person it was meant for.") % {"title": escape(title)}


def invite_used(tr: Translator) -> str:
    return tr.gettext("This invite link has already been used. Ask the organiser for a new one "
                      "(they get it with /organisers).")


def invite_expired(tr: Translator) -> str:
    return tr.gettext("This invite link has expired: links are valid for 48 hours. "
                      "Ask the organiser for a new one (they get it with /organisers).")


def invite_not_found(tr: Translator) -> str:
    return tr.gettext("This invite link is not valid. Check that it was copied whole, "
                      "or ask the organiser for a new one.")


def organiser_joined(tr: Translator, user_id: int, title: str) -> str:
    """To the inviter: their link was used."""
    return tr.gettext("👥 %(who)s opened your invite link: they are now an organiser of <b>%(title)s</b>.") % {
        "who": organiser_mention(tr, user_id), "title": escape(title)}


def organiser_removed(tr: Translator, user_id: int, title: str, me: int) -> str:
    if user_id == me:
        return tr.gettext("You no longer organise <b>%(title)s</b>.") % {"title": escape(title)}
    return tr.gettext("%(who)s no longer organises <b>%(title)s</b>.") % {
        "who": organiser_mention(tr, user_id), "title": escape(title)}


def you_were_removed(tr: Translator, by: int, title: str) -> str:
    """To the removed organiser."""
    return tr.gettext("%(who)s removed you from the organisers of <b>%(title)s</b>.") % {
        "who": organiser_mention(tr, by), "title": escape(title)}


def last_organiser(tr: Translator, title: str, code: str) -> str:
    return tr.gettext(
        "<b>%(title)s</b> must keep at least one organiser. Invite someone first "
        "(/organisers %(code)s), then remove."
    ) % {"title": escape(title), "code": _code(tr, code)}


def not_an_organiser_of_it(tr: Translator, user_id: int, title: str) -> str:
    return tr.gettext("%(id)s does not organise <b>%(title)s</b>.") % {
        "id": ltr(tr, f"<code>{int(user_id)}</code>"), "title": escape(title)}


def organisers_usage(tr: Translator) -> str:
    return tr.gettext("/organisers CODE — the workshop's organisers and a link to invite one; "
                      "/organisers CODE remove ID — remove an organiser")


def co_organiser_no_files(tr: Translator) -> str:
    """A file from an invited co-organiser: storing files is for ORGANISER_IDS."""
    return tr.gettext("Questionnaire files are added by the organisers who create workshops. "
                      "You can choose one of the available questionnaires with /questionnaires "
                      "and /questionnaire CODE KEY.")


def still_organiser(tr: Translator, workshops: list[tuple[str, str]], user_id: int) -> str:
    """After /forget: the organiser roles stay (a workshop is never left without one)."""
    lines = [tr.gettext("You still organise these workshops; your Telegram id stays with them "
                        "as their organiser. To step down from one, send its command "
                        "(another organiser must remain):")]
    lines += [f"• <b>{escape(title)}</b> — " + ltr(tr, f"/organisers {escape(code)} remove {int(user_id)}")
              for title, code in workshops]
    return "\n".join(lines)
