"""Where group and leader invitations, and a live rehearsal's "say it your way", plug into
/start: invitations are checked before the welcome and followed after consent."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.deeplinks import Link
from bot.features import groups, live
from bot.features.groups.common import BAD_LEADER_LINK, BAD_LINK_NEW
from bot.services import services


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link) -> bool:
    """Show the join screen of a group link, or the offer behind a leader link; True if handled."""
    if link.kind == "group":
        await groups.show_join(update, context, link.value)
        return True
    if link.kind == "leader":
        await groups.show_leader_invite(update, context, link.value)
        return True
    if link.kind == "live":
        await live.open_line(update, context, int(link.value))
        return True
    return False


async def dead(context: ContextTypes.DEFAULT_TYPE, link: Link, user_id: int) -> str | None:
    """Why a group or leader link can't be used, said before a newcomer is asked to agree to
    anything (agreeing for a link that then fails is a bad first minute); None if it works or
    isn't an invitation."""
    if link.kind not in ("group", "leader"):
        return None
    # A read: the newcomer has no row yet, and the admins are the admins now (a link dies
    # with the admin who made it).
    status = await services(context).groups.link_status(user_id, link.kind, link.value)
    if status in ("ok", "own", "member"):
        return None
    return BAD_LINK_NEW if link.kind == "group" else BAD_LEADER_LINK
