"""What the group buttons and links carry, and reading it back from a press: a group's id in
base 36 with up to two parts (`parse_group_arg`), a scenario as a short key (an id can be too
long for Telegram's 64 bytes of button data), an invitation as a /start link."""

from __future__ import annotations

import re
from hashlib import blake2s
from typing import TypeVar

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes
from telegram.helpers import create_deep_linked_url

from bot import callbacks
from bot.replies import EXPIRED, answer
from scenarios.library import Library
from scenarios.model import Scenario
from state.groups import InviteRecord

T = TypeVar("T")
_GROUP_ARG = re.compile(r"^([0-9a-z]{1,8})(?:_([A-Za-z0-9-]{1,30}))?(?:_([A-Za-z0-9-]{1,12}))?$")


def button(text: str, name: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(name, arg))


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([r for r in rows if r])


def parse_group_arg(arg: str | None) -> tuple[int, str | None, str | None] | None:
    """`<group id base36>[_<part>[_<part>]]` from a button; None when it isn't ours."""
    m = _GROUP_ARG.match(arg or "")
    if m is None:
        return None
    return int(m[1], 36), m[2], m[3]


def scenario_key(scenario_id: str) -> str:
    """A short stable key for a scenario in button data (ids can be up to 62 bytes)."""
    return blake2s(scenario_id.encode(), digest_size=5).hexdigest()


def scenario_by_key(library: Library, key: str | None) -> Scenario | None:
    if not key:
        return None
    return next((s for s in library.scenarios.values() if scenario_key(s.id) == key), None)


def invite_link(context: ContextTypes.DEFAULT_TYPE, invite: InviteRecord) -> str:
    return create_deep_linked_url(context.bot.username, invite.payload)


def pressed(update: Update) -> CallbackQuery:
    """The button press of an update that `on_action` routed here (it only routes presses)."""
    query = update.callback_query
    assert query is not None
    return query


async def unexpired(update: Update, parsed: T | None) -> T | None:
    """What a button's data said, or None after telling the user the button has expired."""
    if parsed is None:
        await answer(pressed(update), EXPIRED)
    return parsed
