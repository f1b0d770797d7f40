"""Who may: the first checks of a group handler (consent, leadership, owning the group, which
group a command is for). Each tells the user why it stopped before it returns None, so a
handler only carries on or returns."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.callbacks import b36
from bot.consent import WELCOME, consent_keyboard, has_consented
from bot.features.groups.buttons import button
from bot.features.groups.sending import refuse, say
from bot.features.groups.texts import NO_GROUPS, NOT_LEADER, NOT_YOURS
from bot.services import services
from state.groups import GroupRecord


async def consented_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The user's id once they have agreed to the terms; otherwise show the consent screen."""
    user = update.effective_user
    if user is None:
        return None
    if await has_consented(context, user.id):
        return user.id
    await refuse(update, context, WELCOME, consent_keyboard(None))
    return None


async def require_leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The leader's id, or None after telling a non-leader (kindly) that they can't."""
    user_id = await consented_user(update, context)
    if user_id is None:
        return None
    if await services(context).groups.is_leader(user_id):
        return user_id
    await refuse(update, context, NOT_LEADER)
    return None


async def own_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int, group_id: int
) -> GroupRecord | None:
    group = await services(context).groups.own_group(leader_id, group_id)
    if group is None:
        await say(update, context, NOT_YOURS)
    return group


async def pick_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, prompt: str
) -> GroupRecord | None:
    """For a leader's command: their only group, or else buttons to pick one (then None)."""
    user_id = await consented_user(update, context)
    if user_id is None:
        return None
    groups = await services(context).groups.leading(user_id)
    if groups is None:
        await refuse(update, context, NOT_LEADER)
        return None
    if not groups:
        await say(update, context, NO_GROUPS)
        return None
    if len(groups) == 1:
        return groups[0]
    rows = [[button(g.name, action, b36(g.id))] for g in groups[:50]]
    await say(update, context, prompt, InlineKeyboardMarkup(rows))
    return None
