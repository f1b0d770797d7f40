"""`/live` in a group chat (link the chat to one of the leader's groups, offer the scenarios,
start one, stop, unlink) and in a private chat (where to send it)."""

from __future__ import annotations

import logging
import random
from html import escape

from telegram import (
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import b36
from bot.context import applying
from bot.features.groups.access import require_leader
from bot.features.groups.buttons import scenario_key
from bot.features.live.posting import carry_on, post, post_moment
from bot.features.live.render import button, key_of, thread_of
from bot.render import (
    INTENSITY_LEGEND,
    Outgoing,
    difficulty,
    with_intensity,
)
from bot.replies import reply
from bot.services import services
from scenarios.library import intensity_words
from scenarios.skills import CONTEXT_LABELS
from state.live import (
    TIMER_MAX,
    TIMER_MIN,
    Live,
    Outcome,
)

log = logging.getLogger(__name__)


NO_GROUPS = (
    "You don't have a group yet. In a private chat with me, create one with /newgroup, then "
    "send /live here again."
)
PRIVATE = (
    "Live rehearsals happen in your group's own Telegram chat: add me to that group, then "
    "send /live there. I'll ask which of your groups meets in it; after that, /live there "
    "offers the scenarios."
)


async def live_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    live = services(context).live
    thread = thread_of(message)
    args = context.args or []
    word = args[0].lower() if args else ""
    if not args:
        await entry(context, live, await live.entry(user.id, chat.id), chat.id, thread)
    elif word in ("stop", "end"):
        out = await live.stop(user.id, chat.id, update_id=applying(update, context))
        if out.status == "ignore":
            return
        if out.status == "idle":
            await post(context.bot, chat.id, thread, "No rehearsal is running here.")
            return
        if out.closing is not None and out.closing.message_id is not None:
            try:
                await context.bot.stop_poll(
                    chat.id, out.closing.message_id, reply_markup=InlineKeyboardMarkup([])
                )
            except TelegramError as exc:
                log.warning("live: poll not stopped at /live stop (%s)", type(exc).__name__)
        await post(
            context.bot, chat.id, thread, "The rehearsal has ended here. /live starts another."
        )
    elif word == "unlink":
        out = await live.unlink(user.id, chat.id, update_id=applying(update, context))
        if out.status == "ok" and out.link is not None:
            text = f"This chat is no longer linked to <b>{escape(out.link.group_name)}</b>."
            await post(context.bot, chat.id, thread, text)
        elif out.status == "running":
            await post(
                context.bot, chat.id, thread, "A rehearsal is running: /live stop ends it first."
            )
    else:
        await start_command(update, context, live, args, chat.id, thread)


async def entry(
    context: ContextTypes.DEFAULT_TYPE, live: Live, out: Outcome, chat_id: int, thread: int | None
) -> None:
    bot = context.bot
    if out.status == "ignore":
        return  # not this chat's leader: nothing in the group, nothing private
    if out.status == "no-groups":
        await post(bot, chat_id, thread, NO_GROUPS)
    elif out.status == "choose":
        rows = [[button(g.name, "lvlink", b36(g.id))] for g in out.groups[:50]]
        await post(
            bot,
            chat_id,
            thread,
            "Which of your groups meets in this chat? I'll run live rehearsals here for it, and "
            "answer only you here.",
            InlineKeyboardMarkup(rows),
        )
    elif out.status == "idle" and out.link is not None:
        await post(bot, chat_id, thread, *contexts_screen(live, out.link.group_name))
    elif out.status == "running":
        if out.phase == "voting" and out.moment is not None:
            text = (
                f"The vote on step {out.moment.step + 1} of “{escape(out.moment.title)}” is "
                "open above. Close it when you're ready; /live stop ends the rehearsal."
            )
            markup = InlineKeyboardMarkup(
                [
                    [
                        button(
                            "🗳 Close the vote",
                            "lvclose",
                            key_of(out.moment.where.run_id, out.moment.step),
                        )
                    ]
                ]
            )
            await post(bot, chat_id, thread, text, markup)
        elif out.phase == "gone":
            await post(
                bot, chat_id, thread, "This scenario has changed: /live stop, then start it again."
            )
        else:
            await carry_on(bot, live, out)


def contexts_screen(live: Live, group_name: str) -> tuple[str, InlineKeyboardMarkup]:
    library = live.library
    rows = [
        [button(label, "lvctx", key)]
        for key, label in CONTEXT_LABELS.items()
        if library.by_context(key)
    ]
    text = f"What shall <b>{escape(group_name)}</b> rehearse together? Pick a topic."
    return text, InlineKeyboardMarkup(rows)


def scenarios_screen(live: Live, context_key: str) -> tuple[str, InlineKeyboardMarkup]:
    items = live.library.by_context(context_key)
    rows = [
        [button(f"{difficulty(s.difficulty)} {with_intensity(s)}", "lvsc", scenario_key(s.id))]
        for s in items
    ]
    rows.append([button("‹ Back", "lvctx", "all")])
    label = CONTEXT_LABELS.get(context_key, context_key)
    text = f"<b>{escape(label)}</b>: which scenario?"
    if any(intensity_words(s) for s in items):
        text += "\n" + INTENSITY_LEGEND
    return text, InlineKeyboardMarkup(rows)


async def start_command(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    args: list[str],
    chat_id: int,
    thread: int | None,
) -> None:
    user = update.effective_user
    assert user is not None
    seconds = None
    if len(args) > 1:
        raw = args[1].lower().rstrip("s")
        if not raw.isdigit() or not TIMER_MIN <= int(raw) <= TIMER_MAX:
            if (await live.entry(user.id, chat_id)).status != "ignore":
                await post(
                    context.bot,
                    chat_id,
                    thread,
                    f"The timer is in seconds, from {TIMER_MIN} to {TIMER_MAX}: e.g. "
                    "<code>/live family/birthday-or-group 90</code>",
                )
            return
        seconds = int(raw)
    await begin(
        context,
        live,
        user.id,
        chat_id,
        thread,
        args[0],
        seconds,
        update_id=applying(update, context),
    )


async def begin(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    user_id: int,
    chat_id: int,
    thread: int | None,
    scenario_id: str,
    seconds: int | None = None,
    *,
    update_id: int | None = None,
) -> bool:
    bot = context.bot
    out = await live.start(
        user_id,
        chat_id,
        scenario_id,
        thread_id=thread,
        seed=random.randrange(1 << 30),
        vote_seconds=seconds,
        update_id=update_id,
    )
    if out.status == "ignore":
        return False
    if out.status == "not-linked":
        await entry(context, live, await live.entry(user_id, chat_id), chat_id, thread)
        return False
    if out.status == "unknown":
        await post(
            bot,
            chat_id,
            thread,
            f"I don't know the scenario “{escape(scenario_id[:80])}”. Send /live on its own to "
            "pick one.",
        )
        return False
    if out.status == "busy":
        await post(bot, chat_id, thread, "A rehearsal is already running here: /live stop ends it.")
        return False
    if out.moment is not None:
        await post_moment(bot, live, out.moment)
    return True


async def live_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await require_leader(update, context) is not None:
        await reply(update, context, [Outgoing(PRIVATE)])
