"""/mydata sends everything stored as JSON; /delete erases it after a confirmation."""

from __future__ import annotations

import io
import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.handlers.common import answer, reply
from bot.render import Outgoing
from bot.send import edit_pressed
from bot.services import services
from state.privacy import ERASE_CONFIRM_TTL, ask_to_erase, cancel_erase, confirm_erase, export_user

ACTIONS = ("delete", "keep", "typed")
ERASED = (
    "Done: everything about you has been erased. If you send /start again, "
    "the bot will ask for your consent as if you were new."
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


async def mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    data = await export_user(services(context).store, user.id)
    payload = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    await context.bot.send_document(
        chat.id,
        io.BytesIO(payload),
        filename="my-rehearsal-data.json",
        caption="Everything this bot stores about you. /delete erases it.",
    )


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    svc = services(context)

    async def work(uow):
        return await uow.users.get(user.id)

    record = await svc.store.run(user.id, work)
    keep = bool(record and record.keep_typed_text)
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
    nonce = await ask_to_erase(services(context).store, user.id)
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
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    store = services(context).store
    if data.action == "keep":
        await cancel_erase(store, user.id, data.arg or "")
        await answer(query, "Kept.")
        await _settle(update, context, KEPT)
        return
    if data.action == "typed":
        keep = data.arg == "on"
        svc = services(context)

        async def work(uow):
            await uow.users.set_keep_typed_text(user.id, keep)
            if not keep:
                from sqlalchemy import update as sql_update

                from state.db.models import Turn

                await uow.session.execute(
                    sql_update(Turn).where(Turn.user_id == user.id).values(typed_text=None)
                )

        await svc.store.run(user.id, work)
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
    if await confirm_erase(store, user.id, data.arg or "") is None:
        await answer(query, "That confirmation has expired.")
        await _settle(update, context, STALE)
        return
    await answer(query, "Erased.")
    await _settle(update, context, ERASED)
