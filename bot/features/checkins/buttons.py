"""The check-in's buttons, and reading a press back: every button is `callbacks.action(name,
arg)`, a day's is `<yyyymmdd>[-value]`; an answered question loses its buttons and shows what
was chosen."""

from __future__ import annotations

import contextlib
from datetime import date
from html import escape

from telegram import InlineKeyboardButton, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import callbacks
from state import checkins as core


def button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def in_rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def split_arg(arg: str | None) -> tuple[date, str | None]:
    """`<yyyymmdd>[-value]` → (date, value); ValueError for anything else."""
    if not arg:
        raise ValueError("no argument")
    head, _, value = arg.partition("-")
    day = core.parse_ymd(head)
    if day is None:
        raise ValueError(head)
    return day, value or None


async def mark_chosen(update: Update) -> None:
    """Take the buttons off the answered question and show what was chosen."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or message is None or not getattr(message, "text", None):
        return
    chosen = [
        b.text
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        for b in row
        if b.callback_data == query.data or b.text.startswith("✓ ")
    ]
    text = message.text_html + (f"\n➜ <i>{escape(', '.join(chosen))}</i>" if chosen else "")
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text[:4096], parse_mode=ParseMode.HTML, reply_markup=None)
