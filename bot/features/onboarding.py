"""/start: what the bot is and is not, what it keeps, and consent before any data; then the
link that brought them, if any: a scenario's, a group's or a leader's invitation, or a live
rehearsal's "say it your way". A link that can't be followed is said before the welcome."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.consent import WELCOME, consent_keyboard, has_consented
from bot.context import applying
from bot.deeplinks import Link, parse_payload, scenario_payload
from bot.features import groups, live
from bot.features.groups.texts import BAD_LEADER_LINK, BAD_LINK_NEW
from bot.features.practice import menu_message, open_scenario
from bot.render import Outgoing, contexts_message
from bot.replies import answer, reply
from bot.routes import action
from bot.services import CONSENT_VERSION, services

DETAILS = (
    "<b>What's stored, in full</b>\n"
    "• Your Telegram id, and when you agreed.\n"
    "• Your progress: which scenarios you played and which buttons you chose (the style and "
    "skills of each choice).\n"
    "• What you type in a role-play is read to give you feedback. It is kept only if you "
    "switch that on in /privacy, and then for a limited time.\n"
    "• That a crisis message happened, its kind and time; never your words.\n"
    "• If you use them: your safety plan, your daily check-ins, your groups.\n\n"
    "<b>Who sees it:</b> you, and the people who run this bot. If you join a group, its leader "
    "sees only what the invitation tells you, and you choose. Nothing goes to anyone else.\n\n"
    "<b>Telegram</b> is not a HIPAA-covered service, and chats with bots are not end-to-end "
    "encrypted.\n\n"
    "The feedback is based on DBT and CBT skills (DEAR MAN, GIVE, FAST, I-statements, refusal "
    "skills)."
)
DECLINED = (
    "That's fine. Nothing is stored except your Telegram id, which the bot needs to answer "
    "you. If you change your mind, send /start. /safety works at any time."
)


async def details(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str | None) -> None:
    """The welcome's details, with the same choice under them."""
    if update.callback_query is not None:
        await answer(update.callback_query)
    await reply(update, context, [Outgoing(DETAILS, consent_keyboard(payload, details=False))])


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
                    "You can still practice: /practice"
                )
            ],
        )
        payload = None
    if not await has_consented(context, user.id):
        # A link that no longer works is said first, before anyone agrees to anything for it.
        refusal = await dead_link(context, link, user.id) if link is not None else None
        # The Telegram id alone, so the update gate can recognise this user's redeliveries;
        # this update is marked with it.
        await services(context).onboarding.meet(user.id, update_id=applying(update, context))
        messages = [Outgoing(refusal)] if refusal else []
        keep = payload if link is not None and refusal is None else None
        messages.append(Outgoing(WELCOME, consent_keyboard(keep)))
        await reply(update, context, messages)
        return
    await follow_link(update, context, link)


async def follow_link(
    update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link | None
) -> None:
    svc = services(context)
    if link is not None and link.kind == "scenario":
        if svc.library.get(link.value) is not None:
            await open_scenario(update, context, link.value)
            return
        await reply(
            update,
            context,
            [Outgoing("That scenario isn't available any more. Here's what you can practice:")],
        )
    elif link is not None and await follow_feature_link(update, context, link):
        return
    user = update.effective_user
    menu = await menu_message(context, user.id) if user else contexts_message(svc.library)
    await reply(update, context, [menu])


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: str | None) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    await services(context).onboarding.agree(
        user.id, CONSENT_VERSION, update_id=applying(update, context)
    )
    context.consented = True
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


async def dead_link(context: ContextTypes.DEFAULT_TYPE, link: Link, user_id: int) -> str | None:
    """Why the link that brought a newcomer can't be followed; None when it can."""
    if link.kind == "scenario":
        if services(context).library.get(link.value) is None:
            return (
                "The scenario that link opens isn't available any more. You can still pick "
                "another one once you've read this:"
            )
        return None
    return await dead_invitation(context, link, user_id)


async def follow_feature_link(
    update: Update, context: ContextTypes.DEFAULT_TYPE, link: Link
) -> bool:
    """Show the join screen of a group link, the offer behind a leader link, or a live
    rehearsal's line to write; True if handled."""
    if link.kind == "group":
        await groups.show_join(update, context, link.value)
        return True
    if link.kind == "leader":
        await groups.show_leader_invite(update, context, link.value)
        return True
    if link.kind == "live":
        await live.open_line(update, context, int(link.value))
        return True
    return False


async def dead_invitation(
    context: ContextTypes.DEFAULT_TYPE, link: Link, user_id: int
) -> str | None:
    """Why a group or leader link can't be used, said before a newcomer is asked to agree to
    anything (agreeing for a link that then fails is a bad first minute); None if it works or
    isn't an invitation."""
    if link.kind not in ("group", "leader"):
        return None
    # A read: the newcomer has no row yet, and the admins are the admins now (a link dies
    # with the admin who made it).
    status = await services(context).groups.link_status(user_id, link.kind, link.value)
    if status in ("ok", "own", "member"):
        return None
    return BAD_LINK_NEW if link.kind == "group" else BAD_LEADER_LINK


def scenario_link(bot_username: str, scenario_id: str) -> str:
    return f"https://t.me/{bot_username}?start={scenario_payload(scenario_id)}"


async def on_consent(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    await consent(update, context, data.arg)


async def on_decline(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    await decline(update, context)


async def on_details(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    await details(update, context, data.arg)


ACTIONS = ("consent", "decline", "terms")  # the welcome's buttons (bot/consent.py draws them)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
        action(on_consent, "consent"),
        action(on_decline, "decline"),
        action(on_details, "terms"),
    ]
