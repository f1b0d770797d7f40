"""Sending to the group chat: a moment of the story and its vote, the results, the debrief;
closing a vote and carrying on after it; and editing a pressed message in place."""

from __future__ import annotations

import asyncio
import io
import logging

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.helpers import create_deep_linked_url

from bot.deeplinks import scenario_payload
from bot.features.live.render import (
    debrief_text,
    ending_text,
    opening_text,
    question,
    results_message,
    scene_text,
    split_caption,
    vote_chart,
    vote_keyboard,
)
from bot.render import (
    Outgoing,
    clip,
)
from bot.send import send_one
from scenarios.skills import FRAMEWORKS
from state.live import (
    Closing,
    Live,
    Moment,
    Outcome,
    Tally,
)

log = logging.getLogger(__name__)


async def post(
    bot: Bot,
    where_chat: int,
    thread: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    return await send_one(bot, where_chat, Outgoing(text, markup), thread)


async def post_moment(bot: Bot, live: Live, moment: Moment) -> bool:
    """The scene, then the vote as a native anonymous poll (or the ending and the debrief):
    at most three messages. False when the poll didn't go out (the step waits for /live)."""
    where = moment.where
    if moment.ending is not None:
        await post(bot, where.chat_id, where.thread_id, ending_text(moment))
        await post_debrief(bot, moment)
        return True
    intro = None
    if moment.opening:
        library = live.library
        scenario = library.get(moment.scenario_id)
        if scenario is not None:
            intro = opening_text(
                moment,
                scenario.summary,
                scenario.intro or "",
                ", ".join(FRAMEWORKS.get(k, k) for k in scenario.skills),
                ", ".join(scenario.content_warnings),
            )
    text = scene_text(moment, intro)
    if text:
        await post(bot, where.chat_id, where.thread_id, text)
    try:
        # Not retried on a timeout, unlike a text: a second poll would split the vote.
        sent = await bot.send_poll(
            where.chat_id,
            question(moment),
            [o.text for o in moment.options],
            is_anonymous=True,
            allows_multiple_answers=False,
            reply_markup=vote_keyboard(moment, bot.username),
            message_thread_id=where.thread_id,
        )
    except TelegramError as exc:
        log.error("live run %s: poll not posted (%s)", where.run_id, type(exc).__name__)
        if isinstance(exc, BadRequest):
            await post(
                bot,
                where.chat_id,
                where.thread_id,
                "I couldn't post the vote here. Please check that I'm allowed to send polls "
                "in this chat, then send /live to try again.",
            )
        return False
    if sent.poll is not None:
        await live.posted(where.run_id, moment.step, sent.poll.id, sent.message_id)
    return True


async def post_debrief(bot: Bot, moment: Moment) -> None:
    assert moment.ending is not None
    where = moment.where
    markup = None
    if bot.username:
        link = create_deep_linked_url(bot.username, scenario_payload(moment.scenario_id))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("▶ Replay it on my own", url=link)]])
    await post(
        bot, where.chat_id, where.thread_id, debrief_text(moment.title, moment.ending), markup
    )


async def post_results(bot: Bot, live: Live, tally: Tally) -> None:
    """The chart of how the group split, then the feedback for every option: two messages."""
    where = tally.where
    png = await asyncio.to_thread(vote_chart, tally)  # tenths of a second: off the loop
    await bot.send_photo(
        where.chat_id,
        io.BytesIO(png),
        caption=clip(split_caption(tally), 1024),
        parse_mode=ParseMode.HTML,
        message_thread_id=where.thread_id,
    )
    message = results_message(tally)
    await post(bot, where.chat_id, where.thread_id, message.text, message.keyboard)
    await live.results_shown(where.run_id, tally.step)


async def finish_close(bot: Bot, live: Live, closing: Closing) -> None:
    """Stop the poll (its final counts), count, and show the results."""
    where = closing.where
    final = None
    if closing.message_id is not None:
        try:
            poll = await bot.stop_poll(
                where.chat_id, closing.message_id, reply_markup=InlineKeyboardMarkup([])
            )
            final = [o.voter_count for o in poll.options]
        except TelegramError as exc:  # already closed, deleted: the last counts stand
            log.warning("live run %s: poll not stopped (%s)", where.run_id, type(exc).__name__)
    out = await live.count(where.run_id, closing.step, final)
    if out.tally is not None:
        await post_results(bot, live, out.tally)


async def carry_on(bot: Bot, live: Live, out: Outcome) -> None:
    """Finish a step from where it is (after a restart, or on the leader's /live)."""
    if out.phase == "posting" and out.moment is not None:
        await post_moment(bot, live, out.moment)
    elif out.phase == "closing" and out.closing is not None:
        await finish_close(bot, live, out.closing)
    elif out.phase == "closed" and out.tally is not None:
        await post_results(bot, live, out.tally)


async def edit_message(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        log.info("live: message not edited (%s)", type(exc).__name__)
