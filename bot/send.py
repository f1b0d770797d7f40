"""Send rendered messages in order, with a short typing pause before a character speaks.

A send that fails on the way (a timeout, a dropped connection, a 5xx from the Bot API) is tried
again a few times with a growing pause: the participant's step is already committed, and a
lost reply would leave them without the next line or its buttons. Python-telegram-bot retries
only 429 `RetryAfter` (the rate limiter); a 400 or 403 is final and never retried. The price is
honest: a timeout after Telegram did deliver the message means the retry delivers it twice
(the chaos drill in bench/drills/ measures how often).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, CallbackQuery, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.metrics import SEND_RETRIES, timed_send
from bot.render import Outgoing

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
RETRY_PAUSE = 0.5  # seconds before the first retry; doubles each time


def transient(exc: BaseException) -> bool:
    """A failure a second try can get past: network trouble, not a refusal."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def _retrying(method: str, call: Callable[[], Awaitable[object]]) -> None:
    with timed_send(method):
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                await call()
                return
            except NetworkError as exc:
                if not transient(exc) or attempt == SEND_ATTEMPTS:
                    raise
                SEND_RETRIES.labels(method).inc()
                log.info("%s failed (%s), retry %d", method, type(exc).__name__, attempt)
                await asyncio.sleep(RETRY_PAUSE * 2 ** (attempt - 1))


async def send_one(
    bot: Bot, chat_id: int, msg: Outgoing, thread_id: int | None = None
) -> Message | None:
    """Send one message (into a forum topic with `thread_id`); the message Telegram made."""
    sent: list[Message] = []

    async def call() -> None:
        sent.append(
            await bot.send_message(
                chat_id,
                msg.text,
                parse_mode=ParseMode.HTML,
                reply_markup=msg.keyboard,
                disable_web_page_preview=True,
                message_thread_id=thread_id,
            )
        )

    await _retrying("sendMessage", call)
    return sent[-1] if sent else None


async def edit_pressed(query: CallbackQuery, text: str) -> bool:
    """Replace the pressed message's text and take its buttons off; False if that failed.

    Retried like a send, and safely: an edit shown twice looks the same. "Not modified" means an
    earlier try did land. Any other refusal (the message is gone or too old), or the network
    still failing, returns False so the caller can send the words as a message instead.
    """
    try:
        await _retrying(
            "editMessageText",
            lambda: query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=None),
        )
    except BadRequest as exc:
        return "not modified" in str(exc).lower()
    except TelegramError:  # the network, flood control past the limiter's retries, a block
        return False
    return True


async def send_all(
    bot: Bot,
    chat_id: int,
    messages: list[Outgoing],
    pause: float = 0.0,
    thread_id: int | None = None,
) -> None:
    for msg in messages:
        if msg.typing and pause > 0:
            with contextlib.suppress(NetworkError, Forbidden):  # "typing…" is a nicety
                await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
            await asyncio.sleep(pause)
        await send_one(bot, chat_id, msg, thread_id)
