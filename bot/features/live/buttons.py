"""Every live button (`on_action`): the leader's in the group chat (link, pick a topic and a
scenario, close the vote, the one-minute timer, go on with an option), handled here, and a
member's line's in the private chat, handled by lines.py. Each press is checked again in
`state.live`: anyone but the group's leader, or an earlier step, changes nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.features.groups.buttons import scenario_by_key
from bot.features.live.commands import begin, contexts_screen, scenarios_screen
from bot.features.live.lines import never_mind, show_line, withdraw
from bot.features.live.posting import edit_message, finish_close, post, post_moment
from bot.features.live.render import Press, button, parse_key, thread_of
from bot.replies import EXPIRED, answer
from bot.services import services
from scenarios.skills import CONTEXT_LABELS

log = logging.getLogger(__name__)


# Buttons in the group chat (the only buttons the handler table lets act outside a private
# chat: bot/pipeline/buttons.py), and in private chats: a member's line, the leader's copy of it.
GROUP_ACTIONS = ("lvlink", "lvctx", "lvsc", "lvclose", "lvtime", "lvgo")
PRIVATE_ACTIONS = ("lvshow", "lvwd", "lvno")
ACTIONS = GROUP_ACTIONS + PRIVATE_ACTIONS
TIMER_BUTTON = 60  # seconds, the leader's "⏱ 1 min"
OPENING_TRIES, OPENING_PAUSE = 6, 0.5  # a close pressed while its poll is being recorded
LEADER_ONLY = "Only the group's leader can use this button."


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Every live button. Each one is checked again in `state.live`: a press by anyone but the
    group's leader, or on an earlier step, changes nothing."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None:
        return
    in_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if in_group != (data.action in GROUP_ACTIONS):  # a button out of its place: forged
        await answer(query, EXPIRED)
        return
    handler: Callable[[Press], Awaitable[None]] = {
        "lvlink": _link,
        "lvctx": _pick_context,
        "lvsc": _pick_scenario,
        "lvclose": _close,
        "lvtime": _timer,
        "lvgo": _go,
        "lvshow": show_line,
        "lvwd": withdraw,
        "lvno": never_mind,
    }[data.action]
    await handler(Press(context, services(context).live, query, user.id, data.arg, update))


def _chat(query: CallbackQuery) -> tuple[int, int | None] | None:
    message = query.message
    if message is None:
        return None
    return message.chat.id, thread_of(message)


async def _link(press: Press) -> None:
    live, query = press.live, press.query
    where = _chat(query)
    try:
        group_id = int(press.arg or "", 36)
    except ValueError:
        group_id = -1
    if where is None or group_id < 0:
        await answer(query, LEADER_ONLY)
        return
    out = await live.link(press.user_id, where[0], group_id, update_id=press.applying())
    if out.status != "ok" or out.link is None:
        await answer(
            query, LEADER_ONLY if out.status == "ignore" else "A rehearsal is running here."
        )
        return
    await answer(query, "Linked.")
    text, markup = contexts_screen(live, out.link.group_name)
    await edit_message(
        query,
        f"This chat is now where <b>{escape(out.link.group_name)}</b> rehearses together.\n\n"
        + text,
        markup,
    )


async def _leads_here(press: Press) -> tuple[int, int | None] | None:
    where = _chat(press.query)
    if where is None:
        return None
    out = await press.live.entry(press.user_id, where[0])
    if out.status not in ("idle", "running"):
        await answer(press.query, LEADER_ONLY)
        return None
    return where


async def _key(press: Press, count: int) -> tuple[int, ...] | None:
    """The press's run, step (and option): None, answered, when its data is malformed."""
    parsed = parse_key(press.arg, count)
    if parsed is None:
        await answer(press.query, LEADER_ONLY)
    return parsed


async def _pick_context(press: Press) -> None:
    live, query, arg = press.live, press.query, press.arg
    where = await _leads_here(press)
    if where is None:
        return
    out = await live.entry(press.user_id, where[0])
    await answer(query)
    if arg in CONTEXT_LABELS and live.library.by_context(arg):
        await edit_message(query, *scenarios_screen(live, arg))
    elif out.link is not None:
        await edit_message(query, *contexts_screen(live, out.link.group_name))


async def _pick_scenario(press: Press) -> None:
    where = await _leads_here(press)
    if where is None:
        return
    scenario = scenario_by_key(press.live.library, press.arg)
    if scenario is None:
        await answer(press.query, "That scenario isn't available any more.")
        return
    await answer(press.query)
    await edit_message(press.query, f"▶ <b>{escape(scenario.title)}</b>")
    await begin(
        press.context,
        press.live,
        press.user_id,
        where[0],
        where[1],
        scenario.id,
        update_id=press.applying(),
    )


async def _close(press: Press) -> None:
    live, query, user_id = press.live, press.query, press.user_id
    parsed = await _key(press, 2)
    if parsed is None:
        return
    out = await live.close(user_id, *parsed, update_id=press.applying())
    for _ in range(OPENING_TRIES):  # pressed as the poll went out, before it was recorded
        if out.status != "opening":
            break
        await asyncio.sleep(OPENING_PAUSE)
        out = await live.close(user_id, *parsed)  # the update is marked by the first
    if out.status != "ok" or out.closing is None:
        text = {
            "ignore": LEADER_ONLY,
            "opening": "This vote hasn't opened: /live posts it again.",
        }.get(out.status, "This vote has closed.")
        await answer(query, text)
        return
    await answer(query, "Closing the vote.")
    await finish_close(press.context.bot, live, out.closing)


async def _timer(press: Press) -> None:
    query, arg = press.query, press.arg
    parsed = await _key(press, 2)
    if parsed is None:
        return
    out = await press.live.set_timer(
        press.user_id, *parsed, TIMER_BUTTON, update_id=press.applying()
    )
    if out.status != "ok":
        await answer(query, LEADER_ONLY if out.status == "ignore" else "This vote has closed.")
        return
    await answer(query, "The vote closes by itself in a minute.")
    markup = query.message.reply_markup if query.message is not None else None
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    timer_row = [
        button("🗳 Close the vote", "lvclose", arg),
        button("⏱ closing in a minute", "lvtime", arg),
    ]
    with_timer = InlineKeyboardMarkup([timer_row, *rows[1:]])
    try:
        await query.edit_message_reply_markup(reply_markup=with_timer)
    except BadRequest as exc:
        log.info("live: timer not shown (%s)", type(exc).__name__)


async def _go(press: Press) -> None:
    query, bot = press.query, press.context.bot
    parsed = await _key(press, 3)
    if parsed is None:
        return
    run_id, step, index = parsed
    out = await press.live.follow(press.user_id, run_id, step, index, update_id=press.applying())
    if out.status == "ignore":
        await answer(query, LEADER_ONLY)
        return
    if out.status == "gone":
        await answer(query)
        where = _chat(query)
        if where is not None:
            await post(
                bot,
                where[0],
                where[1],
                "This scenario changed or left the library, so the rehearsal has ended. /live "
                "starts another.",
            )
        return
    if out.status != "ok" or out.moment is None:
        await answer(query, "The story has already gone on.")
        return
    await answer(query)
    try:  # the results' buttons have done their work
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        log.info("live: results' buttons not taken off (%s)", type(exc).__name__)
    await post_moment(bot, press.live, out.moment)
