"""Routing a feature's buttons with python-telegram-bot's own means: a
`CallbackQueryHandler(pattern=...)` over bot/callbacks.py's grammar, in the one handler table
(bot/app.py), which checks first what every button needs: a press outside the private chat
gets the pointer to it (bot/pipeline/buttons.py), data nothing routes gets "expired".

`button` and `action` hand the handler behind them the parsed data, so it only parses its
argument, calls its service, renders and sends. `private_action` also asks for consent first
(a user who hasn't agreed gets the consent question) and answers an argument the handler can't
read (it raises ValueError) as an expired button.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import callbacks
from bot.consent import has_consented
from bot.replies import EXPIRED, answer


def pressed(update: Update) -> tuple[CallbackQuery, int]:
    """The press a routed handler was called for, and who pressed (Telegram names the
    presser of every press)."""
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
P = TypeVar("P", bound=callbacks.Parsed)


def button(
    callback: Callable[[Update, ContextTypes.DEFAULT_TYPE, P], Awaitable[None]],
    kind: type[P],
    pattern: re.Pattern[str],
) -> CallbackQueryHandler:
    """The handler for one kind of button data (`pattern`, bot/callbacks.py's): `callback`
    gets it parsed. No check of its own: whoever may press is the feature's to decide."""

    async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        data = callbacks.parse(query.data)
        if not isinstance(data, kind):  # the pattern matched, the whole grammar did not
            await answer(query, EXPIRED)
            return
        await callback(update, context, data)

    return CallbackQueryHandler(route, pattern=pattern)


def action(callback: ActionCallback, *names: str) -> CallbackQueryHandler:
    """The handler for the buttons `names` (bot/callbacks.py's `action(name, arg)`), for a
    feature that checks itself who may press them (safety's answers come before consent; the
    groups and live rehearsals check rights on every press)."""
    return button(callback, callbacks.ActionData, callbacks.actions(*names))


def private_action(
    callback: ActionCallback, names: tuple[str, ...], ask_consent: Gate
) -> CallbackQueryHandler:
    """The handler for the buttons `names`, for someone who has agreed to the terms.

    `ask_consent` shows the consent question to someone who hasn't agreed yet (the
    onboarding's, passed in by the feature so that this module stays below the handlers)."""

    async def consented(
        update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
    ) -> None:
        query, user_id = pressed(update)
        if not await has_consented(context, user_id):
            await answer(query)
            await ask_consent(update, context)
            return
        try:
            await callback(update, context, data)
        except ValueError:
            await answer(query, EXPIRED)

    return action(consented, *names)


# A feature's buttons: which handler takes which names (its ROUTES).
Routes = tuple[tuple[ActionCallback, tuple[str, ...]], ...]


def action_names(routes: Routes) -> tuple[str, ...]:
    """Every button name the routes take: the feature's `ACTIONS`."""
    return tuple(name for _, names in routes for name in names)


def private_actions(routes: Routes, ask_consent: Gate) -> list[CallbackQueryHandler]:
    """One `private_action` handler per route, in order."""
    return [private_action(callback, names, ask_consent) for callback, names in routes]
