"""The consent screen: what someone reads before agreeing, and the check every feature makes
before it stores anything (`has_consented`, `require_consent`).

Beside the features, not among them: onboarding (which shows it), every feature (which shows
it again to someone who hasn't agreed) and bot/routes.py (which asks before a feature's button
acts) all import it downward, instead of each other.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.render import Outgoing
from bot.replies import reply
from bot.services import services

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


async def has_consented(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    """Whether the user agreed to the terms: as the gate read it, or asked now."""
    known = getattr(context, "consented", None)
    if known is not None:  # read by the gate at the start of this update
        return bool(known)
    return await services(context).onboarding.consented(user_id)


async def require_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the user has agreed; if not, the welcome and its choice are shown again."""
    user = update.effective_user
    if user is None:
        return False
    if await has_consented(context, user.id):
        return True
    await reply(update, context, [Outgoing(WELCOME, consent_keyboard(None))])
    return False
