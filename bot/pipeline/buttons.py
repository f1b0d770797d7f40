"""What the handler table (bot/app.py) does with the presses no feature's pattern is for.

Only presses in the user's private chat are acted on: a press from a group (a forwarded card,
say) would otherwise post the presser's safety plan or settings there. `OutsidePrivateChat`,
early in the table, right after the choice press (which checks for itself), points the presser
alone to the private chat, and nothing changes; the one exception is a feature's own
group-chat buttons (its `GROUP_ACTIONS`: a live rehearsal's), which pass on to that feature's
handler, and the feature checks them itself. `unrouted`, the table's last button handler,
answers unknown or forged data as expired.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import BaseHandler

from bot import callbacks
from bot.consent import WELCOME, consent_keyboard, has_consented
from bot.context import BotContext
from bot.render import Outgoing
from bot.replies import EXPIRED, PRIVATE_ONLY, answer, in_private_chat, reply


class OutsidePrivateChat(BaseHandler[Update, BotContext, None]):
    """Takes a press from anywhere but the presser's private chat (a group, an inline
    message), unless its data is one of `group_buttons`."""

    __slots__ = ("group_buttons",)

    def __init__(self, group_buttons: re.Pattern[str] | None) -> None:
        super().__init__(private_only)
        self.group_buttons = group_buttons

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.callback_query is None:
            return False
        if in_private_chat(update):
            return False
        data = update.callback_query.data
        allowed = self.group_buttons
        return not (allowed is not None and isinstance(data, str) and allowed.match(data))


async def private_only(update: Update, context: BotContext) -> None:
    """The pointer to the private chat, to the presser alone; nothing changes."""
    if update.callback_query is not None:
        await answer(update.callback_query, PRIVATE_ONLY, alert=True)


async def unrouted(update: Update, context: BotContext) -> None:
    """A press no handler took: data we never made (or no longer make) has expired. Someone
    who hasn't agreed to the terms is shown the welcome instead, as by every practice button."""
    query = update.callback_query
    if query is None:
        return
    if not in_private_chat(update):  # the table's early check took these; kept for safety
        await answer(query, PRIVATE_ONLY, alert=True)
        return
    user = update.effective_user
    known = callbacks.parse(query.data) is not None  # of our grammar, but no one's any more
    if known and user is not None and not await has_consented(context, user.id):
        await answer(query)
        await reply(update, context, [Outgoing(WELCOME, consent_keyboard(None))])
        return
    await answer(query, EXPIRED)
