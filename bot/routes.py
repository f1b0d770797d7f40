"""Routing a feature's buttons with python-telegram-bot's own means: one
`CallbackQueryHandler(pattern=...)` per action, over bot/callbacks.py's grammar.

`private_action` wraps what every feature button of a private chat needs first, so the
handler behind it only parses its argument, calls its service, renders and sends: a press
from a group chat gets the pointer to the private chat; a user who hasn't consented gets the
consent question; an argument the handler can't read (it raises ValueError) gets "expired".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.consent import has_consented
from bot.replies import EXPIRED, PRIVATE_ONLY, answer, in_private_chat


def pressed(update: Update) -> tuple[CallbackQuery, int]:
    """The press a routed handler was called for, and who pressed (checked by the route, this
    module's or bot/pipeline/buttons.py's; Telegram names the presser of every press)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    return query, user.id


def arg_in(data: callbacks.ActionData, *allowed: str) -> str:
    """The button's argument, one of `allowed`: anything else raises ValueError, which
    `private_action` answers as an expired button."""
    if data.arg is None or data.arg not in allowed:
        raise ValueError(data.arg)
    return data.arg


Gate = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[bool]]
ActionCallback = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, callbacks.ActionData], Awaitable[None]
]


def private_action(
    callback: ActionCallback, names: tuple[str, ...], ask_consent: Gate
) -> CallbackQueryHandler:
    """The handler for the buttons `names` (bot/callbacks.py's `action(name, arg)`).

    `ask_consent` shows the consent question to someone who hasn't agreed yet (the
    onboarding's, passed in by the feature so that this module stays below the handlers)."""

    async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        if not in_private_chat(update):
            await answer(query, PRIVATE_ONLY, alert=True)
            return
        data = callbacks.parse(query.data)
        if not isinstance(data, callbacks.ActionData):  # over 64 bytes: not ours
            await answer(query, EXPIRED)
            return
        if not await has_consented(context, user.id):
            await answer(query)
            await ask_consent(update, context)
            return
        try:
            await callback(update, context, data)
        except ValueError:
            await answer(query, EXPIRED)

    return CallbackQueryHandler(route, pattern=callbacks.actions(*names))


# A feature's buttons: which handler takes which names (its ROUTES).
Routes = tuple[tuple[ActionCallback, tuple[str, ...]], ...]


def action_names(routes: Routes) -> tuple[str, ...]:
    """Every button name the routes take: the feature's `ACTIONS`."""
    return tuple(name for _, names in routes for name in names)


def add_private_actions(app: Application, routes: Routes, ask_consent: Gate) -> None:
    """One `private_action` handler per route, in order."""
    for callback, names in routes:
        app.add_handler(private_action(callback, names, ask_consent))
