"""How the group screens go out: one message (almost every screen is one), a refusal that
also answers the press, an edit in place, a photo or QR code, and the leader's own menu."""

from __future__ import annotations

import contextlib
import io
from html import escape

from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot import menu
from bot.context import BotContext
from bot.features.groups.buttons import pressed
from bot.render import Outgoing, clip
from bot.replies import answer, reply
from state import group_images
from state.groups import GroupRecord

LEADER_COMMANDS = [
    BotCommand("group", "Your group at a glance"),
    BotCommand("push", "Send a scenario to your group"),
    BotCommand("invite", "The invitation link and QR code"),
    BotCommand("newgroup", "Create a group"),
    BotCommand("export", "Your group's progress as CSV"),
]


async def say(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Reply with one message: almost every screen here is one."""
    await reply(update, context, [Outgoing(text, markup)])


async def refuse(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer the button press, if any (or the phone shows a spinner), and say why not."""
    if update.callback_query is not None:
        await answer(update.callback_query)
    await say(update, context, text, markup)


async def edit_or_say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup: InlineKeyboardMarkup
) -> None:
    """Update the message whose button was pressed; send it anew if Telegram refuses the edit."""
    query = pressed(update)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest:
        await say(update, context, text, markup)


async def remove_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def close(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Take the buttons off a settled choice (so it can't be pressed twice) and say the outcome."""
    await remove_buttons(update)
    await say(update, context, text)


async def send_photo(
    update: Update, context: ContextTypes.DEFAULT_TYPE, png: bytes, caption: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_photo(
        chat.id, io.BytesIO(png), caption=clip(caption, 1024), parse_mode=ParseMode.HTML
    )


async def send_qr(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, link: str
) -> None:
    """The invitation link as a QR code, to show on screen in a session."""
    caption = f"Scan to join <b>{escape(group.name)}</b>"
    await send_photo(update, context, group_images.qr_png(link), caption)


async def set_leader_menu(context: BotContext, chat_id: int) -> None:
    """Leader commands show in the leader's own menu only, not in every participant's."""
    with contextlib.suppress(TelegramError):
        await context.bot.set_my_commands(
            menu.commands(context.features) + LEADER_COMMANDS, scope=BotCommandScopeChat(chat_id)
        )
