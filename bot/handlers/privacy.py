"""/mydata sends everything stored as JSON; /delete erases it after a confirmation."""

from __future__ import annotations

import io
import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.handlers.common import answer, reply
from bot.render import Outgoing
from bot.services import services
from state.privacy import delete_user, export_user

ACTIONS = ("delete", "keep")


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


async def delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Yes, erase everything", callback_data=callbacks.action("delete")
                )
            ],
            [InlineKeyboardButton("No, keep it", callback_data=callbacks.action("keep"))],
        ]
    )
    await reply(
        update,
        context,
        [
            Outgoing(
                "This erases everything stored about you: progress, choices, check-ins, "
                "your safety plan and group memberships. It can't be undone. Erase everything?",
                keyboard,
            )
        ],
    )


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    if data.action == "keep":
        await answer(query, "Kept.")
        return
    await delete_user(services(context).store, user.id)
    await answer(query, "Erased.")
    await reply(
        update,
        context,
        [
            Outgoing(
                "Done: everything about you has been erased. If you send /start again, "
                "the bot will ask for your consent as if you were new."
            )
        ],
    )
