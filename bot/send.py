"""Send rendered messages in order, with a short typing pause before a character speaks."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Bot
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden

from bot.render import Outgoing


async def send_all(bot: Bot, chat_id: int, messages: list[Outgoing], pause: float = 0.0) -> None:
    for msg in messages:
        if msg.typing and pause > 0:
            with contextlib.suppress(BadRequest, Forbidden):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(pause)
        await bot.send_message(
            chat_id,
            msg.text,
            parse_mode=ParseMode.HTML,
            reply_markup=msg.keyboard,
            disable_web_page_preview=True,
        )
