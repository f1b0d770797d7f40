"""/safetyplan: a Stanley-Brown style plan, one step at a time, in the participant's words."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.consent import require_consent
from bot.context import applying
from bot.render import Outgoing, split_text
from bot.replies import answer, reply
from bot.routes import action, pressed
from bot.services import services
from state.safety.service import STEP_KEYS, step_prompt

INTRO = (
    "<b>Your safety plan</b>\n"
    "A short plan, in your own words, for when things get hard: six steps, each optional. "
    "Only you can see it; it's shown with the crisis lines when you need them. "
    "You can change or delete it any time."
)


def step_message(key: str) -> Outgoing:
    number, title, question = step_prompt(key)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Skip this step", callback_data=callbacks.action("planskip"))],
            [InlineKeyboardButton("Finish later", callback_data=callbacks.action("planpause"))],
        ]
    )
    return Outgoing(
        f"<b>Step {number} of {len(STEP_KEYS)}: {escape(title)}</b>\n"
        f"{escape(question)}\n\nType your answer.",
        keyboard,
    )


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    step = await services(context).safety.editing_step(user.id)
    if step is not None:  # pick up where they left off
        await reply(update, context, [step_message(step)])
        return
    await show(update, context)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    assert user is not None
    text = await services(context).safety.plan_text(user.id)
    if text:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        "Update my plan", callback_data=callbacks.action("planstart")
                    )
                ],
                [InlineKeyboardButton("Delete my plan", callback_data=callbacks.action("plandel"))],
            ]
        )
        await reply(update, context, plan_messages(text, keyboard))
        return
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Start my plan", callback_data=callbacks.action("planstart"))]]
    )
    await reply(update, context, [Outgoing(INTRO, keyboard)])


def plan_messages(text: str, keyboard: InlineKeyboardMarkup | None = None) -> list[Outgoing]:
    """The plan under its heading, in as many messages as it takes, the keyboard on the last:
    six long answers pass Telegram's limit for one message, and its buttons must be reached."""
    parts = split_text(text, head="<b>Your safety plan</b>\n")
    return [Outgoing(part) for part in parts[:-1]] + [Outgoing(parts[-1], keyboard)]


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """A typed answer to the step being edited (the crisis check has already run)."""
    user = update.effective_user
    assert user is not None
    nxt = await services(context).safety.answer_step(user.id, text)
    await after_step(update, context, nxt)


async def after_step(update: Update, context: ContextTypes.DEFAULT_TYPE, nxt: str | None) -> None:
    if nxt is not None:
        await reply(update, context, [Outgoing("Saved."), step_message(nxt)])
    else:
        await reply(
            update,
            context,
            [
                Outgoing(
                    "Your plan is saved. /safetyplan shows it; "
                    "/safety shows it with the crisis lines."
                )
            ],
        )
        await show(update, context)


ACTIONS = ("plan", "planstart", "planskip", "planpause", "plandel")


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user_id = pressed(update)
    safety = services(context).safety
    # Every button but "plan" (a read) writes, and marks the update with it.
    update_id = applying(update, context) if data.action != "plan" else None
    await answer(query)
    if data.action == "plan":
        await show(update, context)
    elif data.action == "planstart":
        await reply(
            update,
            context,
            [Outgoing(INTRO), step_message(await safety.start_plan(user_id, update_id=update_id))],
        )
    elif data.action == "planskip":
        skipped = await safety.skip_step(user_id, update_id=update_id)
        if skipped.open:
            await after_step(update, context, skipped.next)
    elif data.action == "planpause":
        await safety.pause_plan(user_id, update_id=update_id)
        await reply(update, context, [Outgoing("Paused. /safetyplan picks it up again.")])
    elif data.action == "plandel":
        await safety.delete_plan(user_id, update_id=update_id)
        await reply(update, context, [Outgoing("Your safety plan is deleted.")])


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("safetyplan", command, filters=filters.ChatType.PRIVATE),
        action(on_action, *ACTIONS),  # no consent asked: the crisis card's "My safety plan"
    ]
