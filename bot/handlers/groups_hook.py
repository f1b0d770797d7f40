"""Where group and leader invitations, and a live rehearsal's "say it your way", plug into
/start: invitations are checked before the welcome and followed after consent."""

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


async def dead(context: ContextTypes.DEFAULT_TYPE, link: Link, user_id: int) -> str | None:
    """Why a group or leader link can't be used, said before a newcomer is asked to agree to
    anything (agreeing for a link that then fails is a bad first minute); None if it works or
    isn't an invitation."""
    from bot.features.groups.common import BAD_LEADER_LINK, BAD_LINK_NEW
    from bot.services import services
    from state import groups as core

    if link.kind not in ("group", "leader"):
        return None

    admins = services(context).settings.admin_user_ids  # the admins now (a link dies with them)

    async def work(uow) -> str:
        if link.kind == "group":
            return (await core.check_group_invite(uow, link.value, user_id, admins=admins)).status
        return await core.check_leader_invite(uow, link.value, admins=admins)

    status = await services(context).store.read(work)
    if status in ("ok", "own", "member"):
        return None
    return BAD_LINK_NEW if link.kind == "group" else BAD_LEADER_LINK
