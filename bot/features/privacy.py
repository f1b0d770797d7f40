"""/mydata sends everything stored as JSON; /delete erases it after a confirmation."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.context import applying
from bot.render import Outgoing, clip
from bot.replies import answer, reply
from bot.routes import action, pressed
from bot.send import edit_pressed
from bot.services import services
from state.places import clock, zone_label
from state.privacy import (
    ERASE_CONFIRM_TTL,
    DataSummary,
    ask_to_erase,
    cancel_erase,
    confirm_erase,
    export_and_summary,
    keep_typed_text,
    keeps_typed_text,
)

ACTIONS = ("delete", "keep", "typed")
ERASED = (
    "Done: everything about you is erased, and nothing is stored now. To start over, send "
    "/start: you'll be asked to agree again, like someone new."
)
KEPT = "Kept: nothing was erased. /delete asks again if you change your mind."
STALE = (
    "This confirmation has expired, so nothing was erased. "
    "Send /delete again if you still want to erase everything."
)

PRIVACY = (
    "<b>What this bot keeps</b>\n"
    "• Your Telegram id, and when you agreed to this.\n"
    "• Which scenarios you played and which buttons you chose (style and skills).\n"
    "• If you type a reply during a role-play, it is read to give you feedback. It is kept "
    "only if you switch that on below, and then for {days} days at most.\n"
    "• Moments when you wrote about being in crisis are noted (that it happened and its kind), "
    "never your words.\n"
    "• Your safety plan, if you make one, in your own words.\n\n"
    "Telegram is not a HIPAA-covered service. /mydata downloads everything, /delete erases it."
)


NOTHING_STORED = (
    "Nothing is stored about you right now, not even your Telegram id: either you haven't "
    "started, or /delete erased everything. To start (again), send /start."
)


def _date(day: date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else "an unknown day"


def _times(n: int) -> str:
    return "once" if n == 1 else ("twice" if n == 2 else f"{n} times")


def mydata_text(d: DataSummary, title_of: Callable[[str], str]) -> str:
    """The summary a person reads on a phone: sentences and one small table, no table names."""
    lines = [
        "📄 <b>What this bot knows about you</b>",
        f"Your Telegram id ({d.user_id}), kept since {_date(d.since)}"
        + (f"; you agreed to the terms on {_date(d.consented)}." if d.consented else
           ". You haven't agreed to the terms, so nothing else is kept."),
    ]  # fmt: skip
    if d.consented:
        lines.append(
            "Your typed replies are kept (/privacy turns that off)."
            if d.keep_typed
            else "What you type in a role-play is read for feedback, then not kept."
        )
    lines += ["", "<b>Practice</b>"]
    if d.scenarios:
        started = sum(p.started for p in d.scenarios)
        finished = sum(p.finished for p in d.scenarios)
        lines.append(f"Scenarios started: {started}, finished: {finished}.")
        for p in d.scenarios[:12]:
            done = f"finished {_times(p.finished)}" if p.finished else "not finished yet"
            lines.append(
                f"• {escape(title_of(p.scenario_id))}: started {_times(p.started)}, {done}; "
                f"last played {_date(p.last)}"
            )
        if len(d.scenarios) > 12:
            lines.append(f"• and {len(d.scenarios) - 12} more (all in the file)")
    else:
        lines.append("No scenarios yet.")
    if d.styles:
        width = max(len(s) for s in d.styles) + 2
        table = "\n".join(
            f"{escape(s).ljust(width)}{n:>3}"
            for s, n in sorted(d.styles.items(), key=lambda kv: -kv[1])
        )
        lines += ["Your answers, by style:", f"<pre>{table}</pre>"]
    if d.typed_kept:
        lines.append(f"Typed replies kept: {d.typed_kept}.")
    if d.crises:
        days = ", ".join(_date(day) for day, _ in d.crises[-5:])
        lines += [
            "",
            "<b>Crisis moments</b>",
            f"The bot showed you crisis resources {_times(len(d.crises))} ({days}). Only that it "
            "happened, its kind and the time are kept, never your words.",
        ]
    if d.plan_steps:
        lines += ["", "<b>Safety plan</b>", f"{d.plan_steps} steps in your own words: /safetyplan"]
    if d.checkin_time or d.checkins:
        lines += ["", "<b>Daily check-ins</b>"]
        if d.checkin_time:
            state = "on" if d.checkins_on else "stopped"
            hour, minute = (int(x) for x in d.checkin_time.split(":"))
            lines.append(
                f"Every day at {clock(hour, minute)}, {escape(zone_label(d.checkin_zone or 'UTC'))}"
                f" ({state})."
            )
        lines.append(
            f"{d.checkins} check-in{'s' if d.checkins != 1 else ''} saved"
            + (f", {d.checkin_notes} with a note." if d.checkin_notes else ".")
            if d.checkins
            else "No check-ins saved yet."
        )
    if d.groups or d.leads:
        lines += ["", "<b>Groups</b>"]
        for g in d.groups:
            lines.append(
                f"• {escape(g.name)}, joined {_date(g.joined)}: transcripts "
                f"{'shared' if g.share_transcripts else 'not shared'}, crisis alerts "
                f"{'on' if g.alert_leader else 'off'}"
            )
        if d.leads:
            lines.append(f"You lead: {escape(', '.join(d.leads))}.")
    if d.waiting:
        many = d.waiting != 1
        lines += [
            "",
            f"{d.waiting} message{'s are' if many else ' is'} waiting to be sent to you "
            "(a check-in, or a scenario your group leader sent).",
        ]
    lines += [
        "",
        "<i>The file below has all of it, table by table, with a note on each. It also holds "
        "bookkeeping the bot needs to run: the ids (not the content) of your messages from the "
        "last week, so none is handled twice, and a copy of the messages it queued for you.</i>",
        "/delete erases everything.",
    ]
    return clip("\n".join(lines))


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    svc = services(context)
    data, summary = await export_and_summary(svc.store, user.id)
    if not summary.known:
        await reply(update, context, [Outgoing(NOTHING_STORED)])
        return

    def title_of(scenario_id: str) -> str:
        scenario = svc.library.get(scenario_id)
        return scenario.title if scenario is not None else scenario_id

    await reply(update, context, [Outgoing(mydata_text(summary, title_of))])
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    await context.bot.send_document(
        chat.id,
        io.BytesIO(payload),
        filename="my-rehearsal-data.json",
        caption="Everything, as a file (JSON), each table explained at the top.",
    )


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    svc = services(context)
    keep = await keeps_typed_text(svc.store, user.id)
    label = (
        "Keeping my typed replies: ON (turn off)"
        if keep
        else ("Keeping my typed replies: OFF (turn on)")
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    label, callback_data=callbacks.action("typed", "off" if keep else "on")
                )
            ]
        ]
    )
    days = svc.settings.typed_text_retention_days
    await reply(update, context, [Outgoing(PRIVACY.format(days=days), keyboard)])


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    nonce = await ask_to_erase(
        services(context).store, user.id, update_id=applying(update, context)
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Yes, erase everything", callback_data=callbacks.action("delete", nonce)
                )
            ],
            [InlineKeyboardButton("No, keep it", callback_data=callbacks.action("keep", nonce))],
        ]
    )
    minutes = int(ERASE_CONFIRM_TTL.total_seconds() // 60)
    await reply(
        update,
        context,
        [
            Outgoing(
                "This erases everything stored about you: progress, choices, check-ins, "
                "your safety plan, group memberships and messages about you. It can't be "
                f"undone. Erase everything? (These buttons work for {minutes} minutes.)",
                keyboard,
            )
        ],
    )


async def _settle(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Put the outcome in place of the confirmation, so its buttons are gone for good."""
    query = update.callback_query
    if query is None or query.message is None or not await edit_pressed(query, text):
        await reply(update, context, [Outgoing(text)])


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user_id = pressed(update)
    store = services(context).store
    if data.action == "keep":
        await cancel_erase(store, user_id, data.arg or "", update_id=applying(update, context))
        await answer(query, "Kept.")
        await _settle(update, context, KEPT)
        return
    if data.action == "typed":
        keep = data.arg == "on"
        await keep_typed_text(store, user_id, keep, update_id=applying(update, context))
        await answer(query, "Saved.")
        await reply(
            update,
            context,
            [
                Outgoing(
                    "Your typed replies will be kept for reviewing your progress."
                    if keep
                    else "Your typed replies will not be kept, and any kept so far are erased."
                )
            ],
        )
        return
    if await confirm_erase(store, user_id, data.arg or "") is None:
        await answer(query, "That confirmation has expired.")
        await _settle(update, context, STALE)
        return
    await answer(query, "Erased.")
    await _settle(update, context, ERASED)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("mydata", mydata, filters=private),
        CommandHandler("delete", delete, filters=private),
        CommandHandler("privacy", settings_command, filters=private),
        action(on_action, *ACTIONS),  # erasing needs no consent, nor does saying what's kept
    ]
