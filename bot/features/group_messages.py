"""The queued group messages the core stores as meanings, drawn for Telegram when sent.

A push holds its group, leader, scenario and wording (state/groups/pushes.py `push_means`);
the outbox sender asks `DRAWERS` for its text and Start button at send time, so a change to
the button grammar (bot/callbacks.py) can't break a push already queued.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from state.groups import PUSH_KIND

LABEL_MAX = 60  # characters of the Start button's label

Drawn = tuple[str, InlineKeyboardMarkup | None]


def push(means: dict[str, Any]) -> Drawn:
    """This week's scenario from the group's leader, with a button that opens it."""
    title = str(means["title"])
    text = (
        f"📣 <b>{escape(str(means['group']))}</b>: {escape(str(means['leader']))} would like you "
        f"to practice this one this week.\n\n<b>{escape(title)}</b>\n"
        f"{escape(str(means['summary']))}\n\n"
        "Open it when you have a few quiet minutes. /mygroups shows what your leader sees."
    )
    label = f"▶ Start: {title}"
    if len(label) > LABEL_MAX:
        label = label[: LABEL_MAX - 1] + "…"
    start = InlineKeyboardButton(label, callback_data=callbacks.scenario(str(means["scenario_id"])))
    return text, InlineKeyboardMarkup([[start]])


DRAWERS: dict[str, Callable[[dict[str, Any]], Drawn]] = {PUSH_KIND: push}
