"""The queued group messages the core stores as meanings, drawn for Telegram when sent.

A push holds its group, leader, scenario and wording (state/groups/pushes.py `push_means`), a
crisis alert its group, member, response and time (state/groups/alerts.py), a delivery report
its counts, a closed group's notice its group and leader. The outbox sender asks `DRAWERS` for
the text and buttons at send time, so the wording, the HTML and the button grammar
(bot/callbacks.py) live here, and a change to them can't break a message already queued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.render import shorten
from state.groups import ALERT_KIND, CLOSED_KIND, PUSH_KIND, REPORT_KIND, Delivery

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
    label = shorten(f"▶ Start: {title}", LABEL_MAX)
    start = InlineKeyboardButton(label, callback_data=callbacks.scenario(str(means["scenario_id"])))
    return text, InlineKeyboardMarkup([[start]])


ALERT_HOW = {  # what happened, by the response that fired (state.crisis.CARD / ASK)
    "card": "the bot read crisis language and showed them crisis resources",
    "ask": "they answered yes when the bot asked whether they were thinking of ending their life "
    "or hurting themselves, and it showed them crisis resources",
}


def local_time(moment: datetime, timezone: str | None) -> str:
    """ "21:04 EST on 02 Dec" in the leader's own zone (UTC when they never set one)."""
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = moment.astimezone(zone)
    label = "UTC" if zone is UTC else (local.tzname() or str(zone))
    return f"{local:%H:%M} {label} on {local:%d %b}"


def alert(means: dict[str, Any]) -> Drawn:
    """To a leader: a member may need support. Never what they wrote, nor the kind of crisis."""
    how = ALERT_HOW.get(str(means.get("how")), ALERT_HOW["card"])
    at = local_time(datetime.fromisoformat(str(means["at"])), means.get("timezone"))
    text = (
        f"🔔 A member of <b>{escape(str(means['group']))}</b>, {escape(str(means['member']))}, "
        f"may need support: {how} at {at}. It did not store what they wrote."
    )
    return text, None


def delivery_text(group_name: str, title: str, d: Delivery) -> str:
    """How a push went: the delivery report, and /group's view of the same counts."""
    lines = [
        f"📬 <b>Delivery</b> of “{escape(title)}” to <b>{escape(group_name)}</b>:",
        f"✅ sent {d.sent}",
        f"🚫 blocked the bot {d.blocked}",
    ]
    if d.failed:
        lines.append(f"⚠️ not delivered {d.failed}")
    if d.unconfirmed:
        lines.append(f"❔ unconfirmed {d.unconfirmed} (Telegram never answered: may have arrived)")
    lines.append(f"⏳ pending {d.pending}")
    if d.blocked:
        lines.append(
            "\nSomeone who blocked the bot won't get pushes until they open it again; "
            "you may want to check in with them another way."
        )
    if not d.pending:
        lines.append("\n/group shows who started and finished it.")
    return "\n".join(lines)


COUNTS = ("sent", "blocked", "failed", "pending", "unconfirmed")  # Delivery's fields


def report(means: dict[str, Any]) -> Drawn:
    counts = {k: int(means.get(k, 0)) for k in COUNTS}
    return delivery_text(str(means["group"]), str(means["title"]), Delivery(**counts)), None


def closed(means: dict[str, Any]) -> Drawn:
    """To each member of a removed leader's group: what changed for them, and what didn't."""
    text = (
        f"🔔 <b>{escape(str(means['group']))}</b> has closed: {escape(str(means['leader']))} no "
        "longer leads groups on this bot. They no longer see your practice or get crisis alerts "
        "about you, and the group's invitation link no longer works.\n\n"
        "Nothing else has changed: your practice, check-ins and safety plan are yours as "
        "before. If your program starts a new group, they'll send you a new link."
    )
    return text, None


DRAWERS: dict[str, Callable[[dict[str, Any]], Drawn]] = {
    PUSH_KIND: push,
    ALERT_KIND: alert,
    REPORT_KIND: report,
    CLOSED_KIND: closed,
}
