"""Answering the update at hand: a reply in its chat, the answer to its button press, whether
it came from the private chat, and the two things any button may be told (expired, private
chats only). bot/send.py does the sending underneath."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, Update
from telegram.error import NetworkError
from telegram.ext import ContextTypes

from bot.render import Outgoing
from bot.send import send_all
from bot.services import services

EXPIRED = "That button has expired."
PRIVATE_ONLY = (
    "I only answer in a private chat, so what you practise stays between us. "
    "Message me privately: tap my name, then Send Message."
)


def in_private_chat(update: Update) -> bool:
    """Whether the update comes from the user's private chat with the bot (not a group,
    a channel, or an inline message with no chat)."""
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, messages: list[Outgoing]
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await send_all(context.bot, chat.id, messages, services(context).settings.typing_pause)


async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Always answer a button press, or the phone shows a spinner; never fail on a stale one.

    A network failure here must not cost the reply that follows (the step is already
    committed): the worst a lost answer does is a spinner that times out on its own.
    """
    with contextlib.suppress(NetworkError):  # BadRequest (a stale query) is one
        await query.answer(text, show_alert=alert)
