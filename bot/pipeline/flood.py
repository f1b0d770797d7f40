"""Updates past a user's cap (bot/processor.py): screened for crisis words, then skipped.

A crisis message among them gets the card at once, without waiting for the user's turn; the
first of a burst is answered with one line saying the rest is skipped; everything else is
dropped, in silence, before the gate (no database, no reply). Only private chats are answered.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.features import safety
from bot.processor import PerUserUpdateProcessor
from bot.render import Outgoing
from bot.replies import answer, reply
from state.safety import screen_text

SLOW_DOWN = (
    "Please slow down a little: I'm still reading your last messages. I'll answer those; "
    "what you send until then is skipped, so send it again once I have."
)


async def excess(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    processor = context.application.update_processor
    first = processor.excess(update) if isinstance(processor, PerUserUpdateProcessor) else None
    if first is None:
        return  # in its user's turn: the other handlers take it
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        words = typed_words(update)
        result = screen_text(words) if words else None
        if result is not None and result.crisis:
            await safety.crisis_response(update, context, result)
        else:
            if update.callback_query is not None:
                await answer(update.callback_query)
            if first:
                await reply(update, context, [Outgoing(SLOW_DOWN)])
    raise ApplicationHandlerStop


def typed_words(update: Update) -> str | None:
    """What the crisis check reads in an update: its text or caption, new or edited; for a
    command, the words after it (as safety.command_words screens them)."""
    message = update.message or update.edited_message
    text = (message.text or message.caption) if message is not None else None
    if not text or not text.startswith("/"):
        return text
    return safety.command_argument(text)
