"""`/checkin`: the menu (the schedule, check in now, pause, resume, stop, the weekly summary,
which questions are asked) and what its buttons change; the set-up it opens is schedule.py."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.consent import require_consent
from bot.context import applying, reading
from bot.features.checkins.buttons import button, in_rows
from bot.features.checkins.schedule import moment_text, when_text
from bot.render import Outgoing
from bot.replies import answer, reply
from bot.routes import arg_in, pressed
from bot.services import services
from state import checkins as core
from state.checkin_items import ITEMS, Program
from state.schedule import Rule, zone

INTRO = (
    "<b>Daily check-in</b>\n"
    "A one-minute diary card once a day, at a time you choose: your mood and feelings, urges, "
    "sleep, medication, HALT (hungry, angry, lonely, tired), the skills you used, and a note "
    "if you like. A tap per question, and you can hide any that don't apply to you. It never "
    "arrives in your quiet hours, and you can pause or stop it any time. /week shows your "
    "card, /progress a chart of the last two weeks."
)
SHARING_HELP = (
    "Whether a group leader sees your check-ins is up to you, group by group: /mygroups. "
    "They see figures pooled with at least two others who share, never yours alone, and a "
    "note only if you share that note."
)


def _menu(settings: core.SettingsRecord | None, now: datetime) -> Outgoing:
    if settings is None or not settings.configured or settings.rule is None:
        keyboard = InlineKeyboardMarkup(
            [[button("Set up daily check-ins", "cisetup")], [button("Check in now", "cinow")]]
        )
        return Outgoing(INTRO, keyboard)
    rule: Rule = settings.rule
    lines = ["<b>Daily check-in</b>", f"Every day at {escape(when_text(rule))}."]
    rows = [[button("Check in now", "cinow")]]
    paused = settings.paused_until is not None and settings.paused_until > now
    if not settings.active:
        lines.append("Stopped: no check-ins are sent.")
        rows.append([button("Turn back on", "ciresume")])
    else:
        if paused:
            assert settings.paused_until is not None
            until = settings.paused_until.astimezone(zone(rule.zone))
            lines.append(f"Paused until {moment_text(until)}.")
            rows.append([button("Resume now", "ciresume")])
        else:
            rows.append(
                [button("Pause 1 day", "cipause", "1"), button("Pause 7 days", "cipause", "7")]
            )
        if settings.next_due_at is not None:
            nxt = settings.next_due_at.astimezone(zone(rule.zone))
            lines.append(f"Next: {moment_text(nxt)}.")
        rows.append([button("Stop check-ins", "cistop")])
    lines.append(
        "Urge questions: " + ("on" if settings.recovery_track else "off")
        + " · Weekly summary: " + ("on" if settings.weekly_summary else "off")
    )  # fmt: skip
    lines.append(SHARING_HELP)
    rows.append(
        [
            button("Weekly summary: " + ("turn off" if settings.weekly_summary else "turn on"),
                    "ciweek", "off" if settings.weekly_summary else "on"),
        ]
    )  # fmt: skip
    rows.append([button("Choose my questions", "ciitems")])
    rows.append([button("Change time, zone or questions", "cisetup")])
    return Outgoing("\n".join(lines), InlineKeyboardMarkup(rows))


def items_menu(settings: core.SettingsRecord | None, program: Program) -> Outgoing:
    """The program's items, each to hide or show again (the mood opens every check-in)."""
    hidden = set(settings.hidden_items if settings else ())
    rows = [
        [
            button(
                ("🚫 " if item in hidden else "✓ ") + ITEMS[item],
                "cihide",
                f"{item}-{'off' if item not in hidden else 'on'}",
            )
        ]
        for item in program.items
        if item != "mood"
    ]
    return Outgoing(
        "<b>Your check-in questions</b>\nTap one to hide it, if it doesn't apply to you, or "
        "to bring it back. ✓ asked · 🚫 hidden. Urge questions also depend on the recovery "
        "question in the setup.",
        InlineKeyboardMarkup(in_rows([b for r in rows for b in r], 2)),
    )


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)  # /checkin: the settings, read
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    settings = await services(context).checkins.settings(user.id)
    await reply(update, context, [_menu(settings, datetime.now(UTC))])


async def _menu_again(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    settings: core.SettingsRecord | None,
    now: datetime,
    toast: str | None,
) -> None:
    """A setting changed from the menu: the toast, and the menu as it is now."""
    await answer(pressed(update)[0], toast)
    await reply(update, context, [_menu(settings, now)])


async def on_pause(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    days = int(arg_in(data, "1", "7"))
    now = datetime.now(UTC)
    settings = await services(context).checkins.pause(
        pressed(update)[1], days, now, update_id=applying(update, context)
    )
    await _menu_again(update, context, settings, now, "Paused." if settings else None)


async def on_resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    now = datetime.now(UTC)
    settings = await services(context).checkins.resume(
        pressed(update)[1], now, update_id=applying(update, context)
    )
    await _menu_again(update, context, settings, now, "Check-ins are on." if settings else None)


async def on_stop(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user_id = pressed(update)
    result = await services(context).checkins.stop(user_id, update_id=applying(update, context))
    await answer(query, "Stopped." if result.stopped else None)
    await reply(
        update,
        context,
        [
            Outgoing(
                "Check-ins are stopped; nothing more will be sent. Your past answers are "
                "kept (/delete erases them). /checkin turns them back on."
            ),
        ],
    )


async def on_items(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Which questions I see: the menu of items to hide or show."""
    (query, user_id), svc = pressed(update), services(context)
    await answer(query)
    settings = await svc.checkins.settings(user_id)
    await reply(update, context, [items_menu(settings, svc.checkin_program)])


async def on_hide(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """`cihide:<item>-off` hides an item, `-on` asks it again; the menu is redrawn in place."""
    (query, user_id), svc = pressed(update), services(context)
    item, _, turn = (data.arg or "").rpartition("-")
    if turn not in ("on", "off"):
        raise ValueError(data.arg)
    settings = await svc.checkins.hide_item(
        user_id, item, turn == "off", update_id=applying(update, context)
    )
    if settings is None:
        raise ValueError(data.arg)
    await answer(query, "Hidden." if turn == "off" else "Asked again.")
    markup = items_menu(settings, svc.checkin_program).keyboard
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup)


async def on_old_sharing(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """The old one-for-all sharing switch, on a menu from before: where sharing is now."""
    await answer(pressed(update)[0])
    await reply(update, context, [Outgoing(SHARING_HELP)])


async def on_weekly(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """`ciweek:on|off`: the Sunday summary."""
    on = arg_in(data, "on", "off") == "on"
    now = datetime.now(UTC)
    settings = await services(context).checkins.set_option(
        pressed(update)[1], "weekly_summary", on, update_id=applying(update, context)
    )
    await _menu_again(update, context, settings, now, "Saved.")
