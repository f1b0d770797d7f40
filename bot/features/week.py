"""/week: the check-in's diary card for the last seven days, as a picture (days across, items
down, as on paper), with the fortnight's urges of 3+ ridden out; a PDF to forward to a
counselor; and, after a confirm, the card sent to a group leader in the bot.

Leaders never see one participant's card unless that participant sends it here. The card's
content comes from state/checkins.py (`week`, `card_data`, `send_card`); this module draws
and sends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from html import escape

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.charts import diary_card
from bot.handlers.common import EXPIRED, answer, has_consented, reply
from bot.handlers.practice import require_consent
from bot.outbox_sender import notify
from bot.render import Outgoing
from bot.services import services
from state import checkins as core
from state import groups as core_groups

COMMANDS = [BotCommand("week", "Your diary card for the week")]
ACTIONS = ("wkshow", "wkpdf", "wksend", "wkto", "wkno")


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


async def _card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict, list]:
    """This week's card and the groups it could go to, in one transaction."""
    user = update.effective_user
    assert user is not None
    svc, now = services(context), datetime.now(UTC)

    async def work(uow):
        week = await core.week(uow, user.id, now, svc.checkin_program)
        groups = [g for g, _ in await core_groups.member_groups(uow, user.id)]
        return core.card_data(week, svc.checkin_program), groups

    return await svc.store.run(user.id, work)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    await _show(update, context)


async def _show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    card, groups = await _card(update, context)
    png = await asyncio.to_thread(diary_card, card, "png")
    rows = [[_button("Send as a PDF", "wkpdf")]]
    if groups:
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


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    if not await has_consented(context, user.id):
        await answer(query)
        await require_consent(update, context)
        return
    if data.action == "wkshow":
        await answer(query)
        await _show(update, context)
    elif data.action == "wkpdf":
        await answer(query)
        card, _ = await _card(update, context)
        pdf = await asyncio.to_thread(diary_card, card, "pdf")
        await context.bot.send_document(
            chat.id,
            InputFile(pdf, filename=f"diary-card-{datetime.now(UTC):%Y-%m-%d}.pdf"),
            caption="Your diary card as a PDF: forward it to your counselor if you'd like.",
        )
    elif data.action == "wksend":
        await answer(query)
        _, groups = await _card(update, context)
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
    elif data.action == "wkno":
        await answer(query, "Not sent.")
        await reply(update, context, [Outgoing("Okay, nothing was sent.")])
    elif data.action == "wkto":
        if not (data.arg or "").isdigit():
            await answer(query, EXPIRED)
            return
        group_id, svc, now = int(data.arg or 0), services(context), datetime.now(UTC)

        async def work(uow):
            return await core.send_card(uow, user.id, group_id, now, svc.checkin_program)

        leader = await svc.store.run(user.id, work)
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


def register(app: Application) -> None:
    app.add_handler(CommandHandler("week", command, filters=filters.ChatType.PRIVATE))
