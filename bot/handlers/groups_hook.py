"""Where group and leader invitations, and a live rehearsal's "say it your way", plug into
/start (after consent)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.deeplinks import Link


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link) -> bool:
    """Show the join screen of a group link, or the offer behind a leader link; True if handled."""
    from bot.features import groups

    if link.kind == "group":
        await groups.show_join(update, context, link.value)
        return True
    if link.kind == "leader":
        await groups.show_leader_invite(update, context, link.value)
        return True
    if link.kind == "live":
        from bot.features import live

        await live.open_line(update, context, int(link.value))
        return True
    return False
