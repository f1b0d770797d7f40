"""/week: the check-in's diary card for the last seven days, as a picture (days across, items
down, as on paper), with the fortnight's urges of 3+ ridden out; a PDF to forward to a
counselor; and, after a confirm, the card sent to a group leader in the bot.

Leaders never see one participant's card unless that participant sends it here. The card's
content comes from the check-ins service (`Checkins.week_card`, `Checkins.send_card`); this
module draws and sends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from html import escape

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.charts import diary_card
from bot.consent import require_consent
from bot.context import applying, reading
from bot.outbox_sender import notify
from bot.render import Outgoing
from bot.replies import EXPIRED, answer, reply
from bot.routes import Routes, action_names, pressed, private_actions
from bot.services import services
from state.checkins import Card

COMMANDS = [BotCommand("week", "Your diary card for the week")]


def _button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def caption(card: dict) -> str:
    n = card["rode_out"]
    said = (
        f"Urges of 3 or more that you rode out in the last two weeks: <b>{n}</b>. Each one counts."
        if n
        else "Urges of 3 or more that you rode out in the last two weeks: none yet."
    )
    lines = [f"🗂 <b>Your diary card</b>, {escape(card['period'])}"]
    if card.get("recovery"):
        lines.append(said)
    lines.append("Only you see it, unless you send it.")
    return "\n".join(lines)


async def _card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Card:
    """This week's card and the groups it could go to: a read, so the update is not marked
    (`reading`, in /week and the buttons that read it): a redelivery draws it again;
    twice is harmless, a card lost to a mark made before it went out is not."""
    user = update.effective_user
    assert user is not None
    return await services(context).checkins.week_card(user.id, datetime.now(UTC))


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    await _show(update, context)


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = await _card(update, context)
    card = found.card
    png = await asyncio.to_thread(diary_card, card, "png")
    rows = [[_button("Send as a PDF", "wkpdf")]]
    if found.groups:
        rows.append([_button("Send to my group leader", "wksend")])
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(
        chat.id,
        InputFile(png, filename="diary-card.png"),
        caption=caption(card),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def on_show(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "My week's card" (under a saved check-in): the card, as /week draws it."""
    reading(update, context)
    await answer(pressed(update)[0])
    await _show(update, context)


async def on_pdf(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    reading(update, context)
    chat = update.effective_chat
    assert chat is not None
    await answer(pressed(update)[0])
    found = await _card(update, context)
    pdf = await asyncio.to_thread(diary_card, found.card, "pdf")
    await context.bot.send_document(
        chat.id,
        InputFile(pdf, filename=f"diary-card-{datetime.now(UTC):%Y-%m-%d}.pdf"),
        caption="Your diary card as a PDF: forward it to your counselor if you'd like.",
    )


async def on_send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "Send to my group leader": which one, and what they will see, before anything goes
    (a read: the press that sends writes)."""
    reading(update, context)
    await answer(pressed(update)[0])
    groups = (await _card(update, context)).groups
    if not groups:
        await reply(update, context, [Outgoing("You aren't in a group with a leader yet.")])
        return
    rows = [
        [_button(f"Send to {g.leader_name} ({g.name})"[:60], "wkto", str(g.id))] for g in groups
    ]
    rows.append([_button("Cancel", "wkno")])
    text = (
        "Send this week's card to your group leader? They will see every answer on it, "
        "with your name. Notes are not on it. Only this card is sent, nothing after it."
    )
    await reply(update, context, [Outgoing(text, InlineKeyboardMarkup(rows))])


async def on_cancel(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    await answer(pressed(update)[0], "Not sent.")
    await reply(update, context, [Outgoing("Okay, nothing was sent.")])


async def on_send_to(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """`wkto:<group id>`, confirmed: the card is queued to that group's leader."""
    query, user_id = pressed(update)
    if not (data.arg or "").isdigit():
        await answer(query, EXPIRED)
        return
    checkins = services(context).checkins
    leader = await checkins.send_card(
        user_id, int(data.arg or 0), datetime.now(UTC), update_id=applying(update, context)
    )
    if leader is None:
        await answer(query, EXPIRED)
        return
    await answer(query, "Sent.")
    notify(context.application)
    await reply(
        update,
        context,
        [Outgoing(f"Your card is on its way to {escape(leader)}, as a PDF.")],
    )


# Which handler takes which button: one CallbackQueryHandler(pattern=...) each (bot/routes.py).
ROUTES: Routes = (
    (on_show, ("wkshow",)),
    (on_pdf, ("wkpdf",)),
    (on_send, ("wksend",)),
    (on_send_to, ("wkto",)),
    (on_cancel, ("wkno",)),
)
ACTIONS = action_names(ROUTES)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("week", command, filters=filters.ChatType.PRIVATE),
        *private_actions(ROUTES, require_consent),
    ]
