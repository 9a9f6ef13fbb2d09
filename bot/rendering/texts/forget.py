"""/forget: what is deleted, and the confirmation."""

from __future__ import annotations

from bot.i18n import Translator
from bot.rendering.texts.privacy import forget_unreachable


def forget_confirm(tr: Translator) -> str:
    return tr.gettext("Do you want me to delete your answers and everything I know about you? "
                      "This cannot be undone.")


def forget_done(tr: Translator, workshops: int) -> str:
    if workshops == 0:
        return tr.gettext("Done: I hold no answers of yours any more.")
    done = tr.ngettext(
        "Done: your data for %(n)d workshop has been deleted.",
        "Done: your data for %(n)d workshops has been deleted.",
        workshops,
    ) % {"n": workshops}
    return done + "\n\n" + forget_unreachable(tr)


def forget_cancelled(tr: Translator) -> str:
    return tr.gettext("Nothing was deleted.")
