"""The crisis response and /safety: stop the role-play, show help, keep a way back."""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import callbacks
from bot.handlers import gate
from bot.handlers.common import reply
from bot.render import Outgoing
from bot.services import services
from state.crisis import CrisisResult
from state.groups import alert_leaders
from state.safety import crisis_card, screen_text
from state.store import Store

log = logging.getLogger(__name__)
RECORD_TIMEOUT = 5.0  # seconds the card may wait for the database (its plan, the event)
NOT_SCREENED = frozenset({"newgroup"})  # a group's name ("Self-harm recovery") is not a crisis


def card_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Chat with 988 (US)", url="https://988lifeline.org/chat/")],
            [InlineKeyboardButton("My safety plan", callback_data=callbacks.action("plan"))],
            [InlineKeyboardButton("Back to the bot", callback_data=callbacks.action("menu"))],
        ]
    )


async def crisis_response(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    result: CrisisResult,
    *,
    typed: str | None = None,
) -> None:
    """Stop the role-play and show the card; the card goes out whatever the database does.

    `typed` is the message, kept only as the answer to a safety-plan step being edited (a plan
    may name the very thoughts it plans for).
    """
    user = update.effective_user
    svc = services(context)
    plan = None
    if user is not None:
        log.warning(
            "crisis language detected for update %s (category %s, tier %s)",
            update.update_id,
            result.category,
            result.tier,
        )
        try:
            async with asyncio.timeout(RECORD_TIMEOUT):
                plan = await _record(svc.store, user.id, result, typed)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the card goes out
            log.error("update %s: crisis not recorded (%s)", update.update_id, type(exc).__name__)
    text = escape(crisis_card(svc.resources, plan))
    await reply(update, context, [Outgoing(text, card_keyboard())])
    if user is not None:  # after the card: nothing may delay or stop it
        try:
            async with asyncio.timeout(RECORD_TIMEOUT):
                await alert_leaders(svc.store, user.id, admins=svc.settings.admin_user_ids)
        except Exception as exc:  # noqa: BLE001 - logged; the card has gone out
            kind = type(exc).__name__
            log.error("update %s: leader alert not queued (%s)", update.update_id, kind)


async def command_words(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Crisis language typed after a command gets the card instead of the command's answer."""
    message = update.effective_message
    parts = (message.text or "").split(None, 1) if message is not None else []
    if len(parts) < 2 or parts[0].lstrip("/").split("@", 1)[0].lower() in NOT_SCREENED:
        return
    result = screen_text(parts[1])
    if result.crisis:
        await crisis_response(update, context, result)
        await gate.after(update, context)  # stopping here skips the gate's own marking
        raise ApplicationHandlerStop  # not the command as well: the card is the answer


async def _record(
    store: Store, user_id: int, result: CrisisResult, typed: str | None
) -> str | None:
    """Keep a safety-plan answer, record the event, end the role-play: the plan to show."""
    from state.safety_store import answer_step, editing_step, record_crisis

    if typed is not None and await editing_step(store, user_id) is not None:
        await answer_step(store, user_id, typed)
    return await record_crisis(store, user_id, result)


async def safety(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, svc = update.effective_user, services(context)
    plan = None
    if user is not None:
        from state.safety_store import get_plan_text

        plan = await get_plan_text(svc.store, user.id)
    card = crisis_card(svc.resources, plan).replace(
        "It sounds like you may be going through something really painful right now. "
        "I've paused the role-play.",
        "If you are struggling, you don't have to wait.",
    )
    await reply(update, context, [Outgoing(escape(card), card_keyboard())])
