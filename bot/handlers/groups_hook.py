"""Where group and leader invitations plug into /start (built by the leaders issue)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.deeplinks import Link
from bot.handlers.common import reply
from bot.render import Outgoing


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link) -> bool:
    """Handle a group or leader invitation; True when handled."""
    await reply(
        update,
        context,
        [
            Outgoing(
                "Group invitations aren't available on this bot yet. Please check with your group "
                "leader. Meanwhile, you can practise on your own: /practice"
            )
        ],
    )
    return True
