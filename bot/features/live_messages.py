"""Live rehearsal's queued messages, drawn for Telegram when they are sent.

A member's line goes to the group's leader through the outbox; the core queues what the copy
means (state/live/service.py `line_means`: the group, the step, the scenario's title, the
words, the coach's reading, the line's id) and, once its vote closed or its author took it
back, only that its words are gone. The outbox sender asks `DRAWERS` for the text and buttons
at send time, so the wording, the HTML and the button grammar (bot/callbacks.py) live here. A
copy queued by an older version, with its text and buttons, is sent as stored.

Its own module beside the live package (like checkin_messages.py and group_messages.py): the
sender imports it, and the package imports the sender.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from state.live import LINE_GONE_KIND, LINE_KIND, reading_from

SHOW_LABEL = "Show it to the group"
GONE = "💬 <i>A line from your group, removed: its vote has closed or it was withdrawn.</i>"

Drawn = tuple[str, InlineKeyboardMarkup | None]


def sureness(confidence: float) -> str:
    """How sure the coach's reading is, in words."""
    if confidence >= 0.75:
        return "fairly sure"
    if confidence >= 0.5:
        return "a guess"
    return "unsure"


def line(means: dict[str, Any]) -> Drawn:
    """The leader's copy of a member's line: the words, the coach's reading, never a name;
    one button shows it to the group."""
    r = reading_from(means.get("reading"))
    markers = f" · {escape(', '.join(r.markers))}" if r.markers else ""
    text = (
        f"💬 <b>A line from {escape(str(means['group']))}</b>, for step "
        f"{int(means['step']) + 1} of “{escape(str(means['title']))}” (anonymous):\n\n"
        f"“{escape(str(means['text']))}”\n\n"
        f"<i>Coach's reading:</i> {escape(r.style)} ({sureness(r.confidence)}){markers}\n"
        f"{escape(r.feedback)}\n\nNothing is shown to the group unless you choose it."
    )
    show = InlineKeyboardButton(
        SHOW_LABEL, callback_data=callbacks.action("lvshow", str(means["line"]))
    )
    return text, InlineKeyboardMarkup([[show]])


def gone(means: dict[str, Any]) -> Drawn:
    """A copy whose words are gone (its vote closed, or its author took it back)."""
    return GONE, None


DRAWERS: dict[str, Callable[[dict[str, Any]], Drawn]] = {
    LINE_KIND: line,
    LINE_GONE_KIND: gone,
}
