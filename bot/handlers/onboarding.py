"""/start: what the bot is and is not, what it keeps, and consent before any data."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.deeplinks import Link, parse_payload, scenario_payload
from bot.handlers.common import answer, has_consented, menu_message, reply
from bot.render import Outgoing, contexts_message
from bot.services import CONSENT_VERSION, services

WELCOME = (
    "<b>Welcome.</b> This is a place to rehearse hard conversations — a parent's guilt trip, "
    "a coworker pushing drinks, a friend who owes you money — before you have them for real.\n\n"
    "<b>What it is:</b> practice. You play short role-plays, choose or type what you'd say, "
    "and get feedback based on DBT and CBT skills (DEAR MAN, GIVE, FAST, I-statements, "
    "refusal skills).\n"
    "<b>What it is not:</b> therapy, a counsellor, or a crisis service. If you are in danger "
    "or thinking about harming yourself, /safety shows who to contact right now.\n\n"
    "<b>What is stored:</b> your Telegram id, your progress (which scenarios you played and "
    "which buttons you chose), and, only if you later allow it, what you type. "
    "If you join a group, your group leader sees only what the invitation tells you, and "
    "you choose. Telegram itself is not a HIPAA-covered service. You can download everything "
    "with /mydata and erase it with /delete at any time.\n\n"
    "Do you agree to this?"
)
DECLINED = (
    "That's fine. Nothing is stored except your Telegram id, which the bot needs to answer "
    "you. If you change your mind, send /start. /safety works at any time."
)


def consent_keyboard(payload: str | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("I agree", callback_data=callbacks.action("consent", payload))],
            [InlineKeyboardButton("Not now", callback_data=callbacks.action("decline"))],
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    payload = context.args[0] if context.args else None
    link = parse_payload(payload)
    if payload and link is None:
        await reply(
            update,
            context,
            [
                Outgoing(
                    "That link doesn't look right (it may be cut off or expired). "
                    "You can still practise: /practice"
                )
            ],
        )
        payload = None
    if not await has_consented(context, user.id):
        # The Telegram id alone, so the update gate can recognise this user's redeliveries.
        await services(context).store.run(user.id, lambda uow: uow.users.ensure(user.id))
        await reply(
            update, context, [Outgoing(WELCOME, consent_keyboard(payload if link else None))]
        )
        return
    await follow_link(update, context, link)


async def follow_link(
    update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link | None
) -> None:
    svc = services(context)
    if link is not None and link.kind == "scenario":
        from bot.handlers.practice import open_scenario

        if svc.library.get(link.value) is not None:
            await open_scenario(update, context, link.value)
            return
        await reply(
            update,
            context,
            [Outgoing("That scenario isn't available any more. Here's what you can practise:")],
        )
    elif link is not None:
        from bot.handlers import groups_hook

        if await groups_hook.follow(update, context, link):
            return
    user = update.effective_user
    menu = await menu_message(context, user.id) if user else contexts_message(svc.library)
    await reply(update, context, [menu])


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str | None) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    svc = services(context)

    async def work(uow):
        await uow.users.set_consent(user.id, CONSENT_VERSION)

    await svc.store.run(user.id, work)
    context.consented = True  # type: ignore[attr-defined]
    await answer(query, "Thank you.")
    await reply(
        update,
        context,
        [Outgoing("Thank you. You can change your mind any time: /delete erases everything.")],
    )
    await follow_link(update, context, parse_payload(payload) if payload else None)


async def decline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await answer(update.callback_query)
    await reply(update, context, [Outgoing(DECLINED)])


def scenario_link(bot_username: str, scenario_id: str) -> str:
    return f"https://t.me/{bot_username}?start={scenario_payload(scenario_id)}"
