"""The catch-alls at the end of the handler table: what no feature took is answered on purpose,
never with an exception. A command in a group chat gets a pointer to the private chat, an
unknown command a pointer to /help, an edit silence (bar crisis words), anything that isn't
text a pointer back to words and buttons; the bot blocked or unblocked in a private chat
stops or resumes what is sent there."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.features import safety
from bot.render import Outgoing
from bot.replies import reply
from bot.services import services
from state.outbox import set_reachable
from state.safety import screen_text


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files, locations…: a short pointer back to words and buttons."""
    message = update.effective_message
    if message is None:
        return
    if message.caption:
        result = screen_text(message.caption)
        if result.crisis:
            await safety.crisis_response(update, context, result)
            return
    await reply(
        update,
        context,
        [
            Outgoing(
                "I can only read text and buttons, so I can't take that in. "
                "Type your reply or tap a button — or /help."
            )
        ],
    )


async def edited_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edit isn't a new reply (deliberate silence), but crisis language is never ignored."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    result = screen_text(message.text)
    if result.crisis:
        await safety.crisis_response(update, context, result)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(
        update, context, [Outgoing("I don't know that command. /help lists what I can do.")]
    )


async def in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Practice is private: in a group, point to the private chat without revealing anything."""
    username = context.bot.username
    keyboard = (
        InlineKeyboardMarkup(
            [[InlineKeyboardButton("Open a private chat", url=f"https://t.me/{username}")]]
        )
        if username
        else None
    )
    await reply(
        update,
        context,
        [Outgoing("I work in private chats, so what you practice stays between us. ", keyboard)],
    )


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The participant blocked (or unblocked) the bot: stop sending them anything until back."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    active = change.new_chat_member.status not in ("kicked", "left")
    await set_reachable(services(context).store, change.from_user.id, active)
