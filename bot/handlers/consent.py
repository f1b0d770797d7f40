"""The consent screen: what someone reads before agreeing, and the check every feature makes
before it stores anything.

Its own module so that onboarding (which shows it), practice, the safety plan and the features
(which show it again to someone who hasn't agreed) all import it downward, instead of each
other.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.handlers.common import has_consented, reply
from bot.render import Outgoing

# What someone must know before agreeing, short enough to read on a phone in one glance; the
# rest is one tap away ("What's stored, in full") and in /privacy.
WELCOME = (
    "<b>Welcome.</b> Here you rehearse hard conversations (with family, friends, at work, in "
    "recovery) before you have them for real. You pick or type what you'd say and get "
    "feedback on it.\n\n"
    "It's practice: <b>not therapy, and not a crisis service</b>. If you're in danger, "
    "/safety shows who to contact right now.\n\n"
    "<b>Stored:</b> your Telegram id and your progress; what you type only if you allow it. "
    "/mydata shows it all, /delete erases it.\n\n"
    "Do you agree?"
)


def consent_keyboard(payload: str | None, details: bool = True) -> InlineKeyboardMarkup:
    """I agree (carrying the link that brought them, if any), the details, Not now."""
    rows = [[InlineKeyboardButton("I agree", callback_data=callbacks.action("consent", payload))]]
    if details:
        rows.append(
            [
                InlineKeyboardButton(
                    "What's stored, in full", callback_data=callbacks.action("terms", payload)
                )
            ]
        )
    rows.append([InlineKeyboardButton("Not now", callback_data=callbacks.action("decline"))])
    return InlineKeyboardMarkup(rows)


async def require_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the user has agreed; if not, the welcome and its choice are shown again."""
    user = update.effective_user
    if user is None:
        return False
    if await has_consented(context, user.id):
        return True
    await reply(update, context, [Outgoing(WELCOME, consent_keyboard(None))])
    return False
