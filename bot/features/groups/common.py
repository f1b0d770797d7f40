"""What the leader, member and report sides share: texts, buttons, sending, and first checks.

Each check (consent, leadership, owning the group, an unexpired button) tells the user why it
stopped before it returns None, so a handler only carries on or returns.
"""

from __future__ import annotations

import contextlib
import io
import re
from datetime import datetime
from hashlib import blake2s
from html import escape
from typing import TypeVar

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes
from telegram.helpers import create_deep_linked_url

from bot import callbacks, menu
from bot.callbacks import b36
from bot.consent import WELCOME, consent_keyboard, has_consented
from bot.context import BotContext
from bot.render import Outgoing, clip
from bot.replies import EXPIRED, answer, reply
from bot.services import services
from scenarios.library import Library
from scenarios.model import Scenario
from state import group_images
from state.groups import GroupRecord, InviteRecord

LEADER_COMMANDS = [
    BotCommand("group", "Your group at a glance"),
    BotCommand("push", "Send a scenario to your group"),
    BotCommand("invite", "The invitation link and QR code"),
    BotCommand("newgroup", "Create a group"),
    BotCommand("export", "Your group's progress as CSV"),
]
LINK_DAYS = 7

NOT_LEADER = (
    "That command is for group leaders. If you run a group and would like to use the bot "
    "with it, ask the people who run this bot to add you as a leader."
)
NOT_ADMIN = "Only the people who run this bot can add or remove group leaders."
NOT_YOURS = "That group isn't one of yours, so I can't show or change it."
BAD_LINK = (
    "This invitation link doesn't work any more (it may have been replaced, revoked or have "
    "expired). Please ask your group leader for a new one. Meanwhile you can practice on "
    "your own: /practice"
)
BAD_LINK_NEW = (
    "This invitation link doesn't work any more (it may have been replaced, revoked or have "
    "expired), so it can't add you to a group. Please ask your group leader for a new one. "
    "You can still use the bot on your own:"
)
BAD_LEADER_LINK = (
    "This leader invitation doesn't work any more (each one works once, for "
    f"{LINK_DAYS} days). Please ask for a new one."
)
NO_GROUPS = (
    "You don't have a group yet. Create one with /newgroup and its name, "
    "e.g. /newgroup Tuesday evening IOP"
)
T = TypeVar("T")
_GROUP_ARG = re.compile(r"^([0-9a-z]{1,8})(?:_([A-Za-z0-9-]{1,30}))?(?:_([A-Za-z0-9-]{1,12}))?$")


# ---- data in buttons and texts -----------------------------------------------------------------


def button(text: str, name: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(name, arg))


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([r for r in rows if r])


def parse_group_arg(arg: str | None) -> tuple[int, str | None, str | None] | None:
    """`<group id base36>[_<part>[_<part>]]` from a button; None when it isn't ours."""
    m = _GROUP_ARG.match(arg or "")
    if m is None:
        return None
    return int(m[1], 36), m[2], m[3]


def scenario_key(scenario_id: str) -> str:
    """A short stable key for a scenario in button data (ids can be up to 62 bytes)."""
    return blake2s(scenario_id.encode(), digest_size=5).hexdigest()


def scenario_by_key(library: Library, key: str | None) -> Scenario | None:
    if not key:
        return None
    return next((s for s in library.scenarios.values() if scenario_key(s.id) == key), None)


def scenario_title(library: Library, scenario_id: str) -> str:
    """The scenario's title, or its id once it has left the library (old pushes keep theirs)."""
    scenario = library.get(scenario_id)
    return scenario.title if scenario is not None else scenario_id


def invite_link(context: ContextTypes.DEFAULT_TYPE, invite: InviteRecord) -> str:
    return create_deep_linked_url(context.bot.username, invite.payload)


def members_text(n: int, *, all_of: bool = False) -> str:
    """ "1 member", "3 members"; with `all_of`, "both members", "all 3 members"."""
    if n == 1:
        return "1 member"
    if all_of and n == 2:
        return "both members"
    return f"all {n} members" if all_of and n > 2 else f"{n} members"


def day_text(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year}"  # "Dec 2, 2026", as a US reader writes it


def pressed(update: Update) -> CallbackQuery:
    """The button press of an update that `on_action` routed here (it only routes presses)."""
    query = update.callback_query
    assert query is not None
    return query


async def unexpired(update: Update, parsed: T | None) -> T | None:
    """What a button's data said, or None after telling the user the button has expired."""
    if parsed is None:
        await answer(pressed(update), EXPIRED)
    return parsed


# ---- sending -----------------------------------------------------------------------------------


async def say(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Reply with one message: almost every screen here is one."""
    await reply(update, context, [Outgoing(text, markup)])


async def refuse(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Answer the button press, if any (or the phone shows a spinner), and say why not."""
    if update.callback_query is not None:
        await answer(update.callback_query)
    await say(update, context, text, markup)


async def edit_or_say(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, markup: InlineKeyboardMarkup
) -> None:
    """Update the message whose button was pressed; send it anew if Telegram refuses the edit."""
    query = pressed(update)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest:
        await say(update, context, text, markup)


async def remove_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def close(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Take the buttons off a settled choice (so it can't be pressed twice) and say the outcome."""
    await remove_buttons(update)
    await say(update, context, text)


async def send_photo(
    update: Update, context: ContextTypes.DEFAULT_TYPE, png: bytes, caption: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_photo(
        chat.id, io.BytesIO(png), caption=clip(caption, 1024), parse_mode=ParseMode.HTML
    )


async def send_qr(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, link: str
) -> None:
    """The invitation link as a QR code, to show on screen in a session."""
    caption = f"Scan to join <b>{escape(group.name)}</b>"
    await send_photo(update, context, group_images.qr_png(link), caption)


async def set_leader_menu(context: BotContext, chat_id: int) -> None:
    """Leader commands show in the leader's own menu only, not in every participant's."""
    with contextlib.suppress(TelegramError):
        await context.bot.set_my_commands(
            menu.commands(context.features) + LEADER_COMMANDS, scope=BotCommandScopeChat(chat_id)
        )


# ---- who may ---------------------------------------------------------------------------------


async def consented_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The user's id once they have agreed to the terms; otherwise show the consent screen."""
    user = update.effective_user
    if user is None:
        return None
    if await has_consented(context, user.id):
        return user.id
    await refuse(update, context, WELCOME, consent_keyboard(None))
    return None


async def require_leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The leader's id, or None after telling a non-leader (kindly) that they can't."""
    user_id = await consented_user(update, context)
    if user_id is None:
        return None
    if await services(context).groups.is_leader(user_id):
        return user_id
    await refuse(update, context, NOT_LEADER)
    return None


async def own_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int, group_id: int
) -> GroupRecord | None:
    group = await services(context).groups.own_group(leader_id, group_id)
    if group is None:
        await say(update, context, NOT_YOURS)
    return group


async def pick_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: str, prompt: str
) -> GroupRecord | None:
    """For a leader's command: their only group, or else buttons to pick one (then None)."""
    user_id = await consented_user(update, context)
    if user_id is None:
        return None
    groups = await services(context).groups.leading(user_id)
    if groups is None:
        await refuse(update, context, NOT_LEADER)
        return None
    if not groups:
        await say(update, context, NO_GROUPS)
        return None
    if len(groups) == 1:
        return groups[0]
    rows = [[button(g.name, action, b36(g.id))] for g in groups[:50]]
    await say(update, context, prompt, InlineKeyboardMarkup(rows))
    return None
