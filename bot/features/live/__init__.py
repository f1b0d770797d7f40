"""Live rehearsal in a group's own Telegram chat: the whole group plays one scenario together.

Handlers (`register`):

- `/live` in a group chat (leaders of the group linked there; anyone else gets silence):
  alone, it links the chat to one of the leader's groups, then offers scenarios, or picks a
  running rehearsal up where it is; `/live SCENARIO [SECONDS]` starts one (each vote closing by
  itself after SECONDS), `/live stop` ends it, `/live unlink` unlinks the chat.
- `/live` in a private chat: where to send it.
- Buttons (`ACTIONS`): link, pick, close the vote, a one-minute timer, go on with an option (the
  leader's, in the group; anyone else's press gets a private toast and changes nothing); and in
  private chats a member's "take it back" and "never mind", the leader's "show it to the group".
- `poll` updates (PollHandler): the latest counts of an open vote, kept in case stopPoll fails.
- Typed text (`on_text`, after the crisis check): a member's own line, when they asked to send
  one through the vote's "Say it your way" link (`/start lv_<run>`, which
  bot/features/onboarding.py follows here).
- A job every `TICK` seconds closes votes whose timer ran out and, once after start-up, finishes
  what a restart interrupted (state/live/service.py says what).

Every decision is in `state.live`; this module parses, calls it, renders and sends. In the
group chat it shows counts only: never a name, progress, check-in or alert. Each leader action
posts at most three messages there (Telegram allows a group about 20 a minute; PTB's rate
limiter paces the rest).
"""

from __future__ import annotations

import asyncio
import io
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from html import escape

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, PollHandler, filters
from telegram.helpers import create_deep_linked_url

from bot import callbacks
from bot.callbacks import b36
from bot.deeplinks import live_payload, scenario_payload
from bot.features import safety
from bot.features.groups.access import require_leader
from bot.features.groups.buttons import scenario_by_key, scenario_key
from bot.logs import error_summary
from bot.outbox_sender import install, notify
from bot.render import (
    INTENSITY_LEGEND,
    OUTCOME_MARK,
    STYLE_MARK,
    Outgoing,
    clip,
    difficulty,
    shorten,
    with_intensity,
)
from bot.replies import EXPIRED, answer, reply
from bot.send import send_one
from bot.services import services
from scenarios.library import intensity_words
from scenarios.skills import CONTEXT_LABELS, FRAMEWORKS
from state import group_images
from state.engine import Say
from state.live import (
    LINE_MAX,
    TIMER_MAX,
    TIMER_MIN,
    Closing,
    GroupDebrief,
    Line,
    Live,
    Moment,
    Outcome,
    Reading,
    Tally,
    sureness,
)

log = logging.getLogger(__name__)

COMMANDS: list = []  # /live belongs to group chats: nothing for the private menu
# Buttons in the group chat (the only buttons bot/features/practice.py lets act outside a
# private chat), and in private chats: a member's line, the leader's copy of it.
GROUP_ACTIONS = ("lvlink", "lvctx", "lvsc", "lvclose", "lvtime", "lvgo")
PRIVATE_ACTIONS = ("lvshow", "lvwd", "lvno")
ACTIONS = GROUP_ACTIONS + PRIVATE_ACTIONS
TICK = 2.0  # seconds between looks for votes whose timer ran out
TIMER_BUTTON = 60  # seconds, the leader's "⏱ 1 min"
OPENING_TRIES, OPENING_PAUSE = 6, 0.5  # a close pressed while its poll is being recorded
STARTED = "live-started"  # bot_data: when this process started (what a restart left over)

LEADER_ONLY = "Only the group's leader can use this button."
NO_GROUPS = (
    "You don't have a group yet. In a private chat with me, create one with /newgroup, then "
    "send /live here again."
)
PRIVATE = (
    "Live rehearsals happen in your group's own Telegram chat: add me to that group, then "
    "send /live there. I'll ask which of your groups meets in it; after that, /live there "
    "offers the scenarios."
)
NOT_MEMBER = (
    "That's for members of the group rehearsing in that chat. If you'd like to join, ask its "
    "leader for the invitation link. Meanwhile you can practice on your own: /practice"
)
ADJACENT = (
    "That sounds heavy, and it isn't something I'll pass on as a line in the scene. If you're "
    "struggling, /safety shows people you can reach right now."
)


# ---- rendering -----------------------------------------------------------------------------------


def _thread(message: object) -> int | None:
    """The forum topic a message is in, if any (a reply there must say so)."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def _key(*parts: int) -> str:
    return "_".join(b36(p) for p in parts)


def _parse(arg: str | None, count: int) -> tuple[int, ...] | None:
    parts = (arg or "").split("_")
    if len(parts) != count:
        return None
    try:
        return tuple(int(p, 36) for p in parts)
    except ValueError:
        return None


def _button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def _said(line: Say) -> str:
    return (
        f"<b>{escape(line.name)}:</b> {escape(line.text)}"
        if line.name
        else f"<i>{escape(line.text)}</i>"
    )


def followed(moment: Moment) -> str | None:
    """Which option the story just followed, and why, for the group."""
    if moment.after is None:
        return None
    why = "the leader's pick, to see where it leads" if moment.by_leader else "the group's choice"
    return f"➜ <b>On with “{escape(moment.after.text)}”</b> ({why})"


def scene_text(moment: Moment, intro: str | None = None) -> str:
    """The scene's lines at this step (with the scenario's opening on the first)."""
    parts = []
    if intro:
        parts.append(intro)
    note = followed(moment)
    if note:
        parts.append(note)
    if moment.again:
        parts.append("<i>Here is this vote again: please vote in this one.</i>")
    parts += [_said(line) for line in moment.lines]
    return clip("\n\n".join(parts))


def opening_text(moment: Moment, summary: str, intro: str, skills: str, warnings: str) -> str:
    lines = [f"🎭 <b>Live rehearsal: {escape(moment.title)}</b>", f"<i>{escape(skills)}</i>", ""]
    lines.append(escape(summary))
    if intro:
        lines += ["", escape(intro)]
    if warnings:
        lines += ["", f"Content note: {escape(warnings)}"]
    lines += [
        "",
        "Everyone votes in the poll below, anonymously: nobody sees who chose what, the "
        "leader included. “Say it your way” sends me your own line, privately.",
    ]
    return "\n".join(lines)


def question(moment: Moment) -> str:
    timer = f" (closes after {moment.vote_seconds} s)" if moment.vote_seconds else ""
    return f"Step {moment.step + 1}: what do you say?{timer}"


def vote_keyboard(moment: Moment, username: str | None) -> InlineKeyboardMarkup:
    """Under the poll: the leader's close and timer, and everyone's way to a private line."""
    key = _key(moment.where.run_id, moment.step)
    row = [_button("🗳 Close the vote", "lvclose", key)]
    if not moment.vote_seconds:
        row.append(_button("⏱ 1 min", "lvtime", key))
    rows = [row]
    if username:
        link = create_deep_linked_url(username, live_payload(moment.where.run_id))
        rows.append([InlineKeyboardButton("💬 Say it your way (private)", url=link)])
    return InlineKeyboardMarkup(rows)


def vote_chart(tally: Tally) -> bytes:
    """The chart of how the group split: a bar per option, colored by its style."""
    bars = [(o.text, o.style, n) for o, n in tally.options]
    title = f"Step {tally.step + 1}: how the group voted ({_votes(tally.total)})"
    return group_images.vote_chart_png(title, bars)


def split_caption(tally: Tally) -> str:
    """The chart's caption: the votes, and how many went to each style."""
    by_style: dict[str, int] = {}
    for option, n in tally.options:
        if option.move is None:  # a listening, exposure or coping move has no style to count
            by_style[option.style] = by_style.get(option.style, 0) + n
    mix = " · ".join(f"{STYLE_MARK.get(s, '•')} {n}" for s, n in by_style.items() if n)
    return f"🗳 <b>Step {tally.step + 1}: how the group voted</b>, {_votes(tally.total)}" + (
        f"\n{mix}" if mix else ""
    )


GO_ON, INSTEAD, PICK = "▶ Go on: ", "Instead: ", "▶ "


def _votes(n: int) -> str:
    return "1 vote" if n == 1 else f"{n} votes"


def results_message(tally: Tally) -> Outgoing:
    """The feedback for every option, what the story follows, and the leader's buttons."""
    lines = [f"<b>Step {tally.step + 1}: what each option does</b>"]
    for option, n in tally.options:
        lines += [
            "",
            f"{STYLE_MARK.get(option.style, '•')} <b>{escape(option.text)}</b> · {_votes(n)}",
        ]
        if option.said != option.text:
            lines.append(f"<i>“{escape(option.said)}”</i>")
        lines.append(f"<i>{escape(option.label)}</i> — {escape(option.feedback)}")
    names = {o.choice_id: o.text for o, _ in tally.options}
    follow = tally.follow
    if follow is None:
        lines += ["", "➜ Nobody voted, so the leader picks which way the story goes."]
    elif tally.tied:
        tied = " and ".join(f"“{escape(names[c])}”" for c in tally.tied)
        lines += [
            "",
            f"➜ A tie between {tied}: the story follows “{escape(names[follow])}”, listed "
            "first, unless the leader picks another.",
        ]
    else:
        lines += [
            "",
            f"➜ The story follows “{escape(names[follow])}”, with the most votes. The leader can "
            "show where another one leads instead.",
        ]
    key = _key(tally.where.run_id, tally.step)
    order = list(range(len(tally.options)))
    if follow is not None:
        top = next(i for i, (o, _) in enumerate(tally.options) if o.choice_id == follow)
        order.remove(top)
        order.insert(0, top)
    rows = []
    for i in order:
        text = shorten(tally.options[i][0].text, 48)
        label = GO_ON + text if follow is not None and i == order[0] else INSTEAD + text
        if follow is None:
            label = PICK + text
        rows.append([_button(label, "lvgo", f"{key}_{b36(i)}")])
    return Outgoing(clip("\n".join(lines)), InlineKeyboardMarkup(rows))


def ending_text(moment: Moment) -> str:
    d = moment.ending
    assert d is not None
    parts = [p for p in [followed(moment)] if p] + [_said(line) for line in moment.lines]
    parts.append(f"{OUTCOME_MARK.get(d.outcome, '')} <b>{escape(d.title)}</b>\n{escape(d.text)}")
    return clip("\n\n".join(parts))


def debrief_text(title: str, d: GroupDebrief) -> str:
    lines = [f"📋 <b>Group debrief: {escape(title)}</b>", "", "<b>The path you took</b>"]
    for p in d.path:
        mark = STYLE_MARK.get(p.option.style, "•")
        how = f"{p.votes} of {_votes(p.total)}" if p.total else "no votes"
        if p.by_leader:
            how += ", the leader's pick to see where it leads"
            if p.top is not None:
                how += f" (most votes: “{escape(p.top.text)}”)"
        lines.append(f"{p.step + 1}. {mark} “{escape(p.option.text)}”: {how}")
    total = sum(d.votes_by_style.values())
    if total:
        mix = " · ".join(
            f"{STYLE_MARK.get(s, '•')} {escape(s)} {round(100 * n / total)}%"
            for s, n in sorted(d.votes_by_style.items(), key=lambda kv: -kv[1])
        )
        lines += ["", f"<b>How the group voted</b> ({_votes(total)} in all): {mix}"]
    if d.skills:
        lines += ["", f"<b>Skills shown</b>: {escape(', '.join(d.skills))}"]
    if d.missing:
        lines += ["", "<b>To add next time</b>"] + [f"• {escape(m)}" for m in d.missing]
    lines += ["", escape(d.summary)]
    if d.try_this_week:
        lines += ["", f"<b>Try this week, everyone:</b> {escape(d.try_this_week)}"]
    lines += [
        "",
        "Want to play it on your own? The button opens it in a private chat with me, where "
        "your choices are yours.",
    ]
    return clip("\n".join(lines))


def reading_text(r: Reading) -> str:
    markers = f" · {escape(', '.join(r.markers))}" if r.markers else ""
    return (
        f"{STYLE_MARK.get(r.style, '•')} <i>{escape(r.style)}</i> ({sureness(r.confidence)})"
        f"{markers}\n{escape(r.feedback)}"
    )


def shown_text(line: Line) -> str:
    return clip(
        f"💬 <b>Someone in the group would say:</b>\n“{escape(line.text)}”\n\n"
        f"<i>Coach's reading:</i> {reading_text(line.reading)}"
    )


# ---- sending to the group chat -------------------------------------------------------------------


async def _post(
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
        await _post(bot, where.chat_id, where.thread_id, ending_text(moment))
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
        await _post(bot, where.chat_id, where.thread_id, text)
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
            await _post(
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
    await _post(
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
    await _post(bot, where.chat_id, where.thread_id, message.text, message.keyboard)
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


# ---- /live in a group chat -----------------------------------------------------------------------


async def live_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    live = services(context).live
    thread = _thread(message)
    args = context.args or []
    word = args[0].lower() if args else ""
    if not args:
        await entry(context, live, await live.entry(user.id, chat.id), chat.id, thread)
    elif word in ("stop", "end"):
        out = await live.stop(user.id, chat.id)
        if out.status == "ignore":
            return
        if out.status == "idle":
            await _post(context.bot, chat.id, thread, "No rehearsal is running here.")
            return
        if out.closing is not None and out.closing.message_id is not None:
            try:
                await context.bot.stop_poll(
                    chat.id, out.closing.message_id, reply_markup=InlineKeyboardMarkup([])
                )
            except TelegramError as exc:
                log.warning("live: poll not stopped at /live stop (%s)", type(exc).__name__)
        await _post(
            context.bot, chat.id, thread, "The rehearsal has ended here. /live starts another."
        )
    elif word == "unlink":
        out = await live.unlink(user.id, chat.id)
        if out.status == "ok" and out.link is not None:
            text = f"This chat is no longer linked to <b>{escape(out.link.group_name)}</b>."
            await _post(context.bot, chat.id, thread, text)
        elif out.status == "running":
            await _post(
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
        await _post(bot, chat_id, thread, NO_GROUPS)
    elif out.status == "choose":
        rows = [[_button(g.name, "lvlink", b36(g.id))] for g in out.groups[:50]]
        await _post(
            bot,
            chat_id,
            thread,
            "Which of your groups meets in this chat? I'll run live rehearsals here for it, and "
            "answer only you here.",
            InlineKeyboardMarkup(rows),
        )
    elif out.status == "idle" and out.link is not None:
        await _post(bot, chat_id, thread, *contexts_screen(live, out.link.group_name))
    elif out.status == "running":
        if out.phase == "voting" and out.moment is not None:
            text = (
                f"The vote on step {out.moment.step + 1} of “{escape(out.moment.title)}” is "
                "open above. Close it when you're ready; /live stop ends the rehearsal."
            )
            markup = InlineKeyboardMarkup(
                [
                    [
                        _button(
                            "🗳 Close the vote",
                            "lvclose",
                            _key(out.moment.where.run_id, out.moment.step),
                        )
                    ]
                ]
            )
            await _post(bot, chat_id, thread, text, markup)
        elif out.phase == "gone":
            await _post(
                bot, chat_id, thread, "This scenario has changed: /live stop, then start it again."
            )
        else:
            await carry_on(bot, live, out)


def contexts_screen(live: Live, group_name: str) -> tuple[str, InlineKeyboardMarkup]:
    library = live.library
    rows = [
        [_button(label, "lvctx", key)]
        for key, label in CONTEXT_LABELS.items()
        if library.by_context(key)
    ]
    text = f"What shall <b>{escape(group_name)}</b> rehearse together? Pick a topic."
    return text, InlineKeyboardMarkup(rows)


def scenarios_screen(live: Live, context_key: str) -> tuple[str, InlineKeyboardMarkup]:
    items = live.library.by_context(context_key)
    rows = [
        [_button(f"{difficulty(s.difficulty)} {with_intensity(s)}", "lvsc", scenario_key(s.id))]
        for s in items
    ]
    rows.append([_button("‹ Back", "lvctx", "all")])
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
                await _post(
                    context.bot,
                    chat_id,
                    thread,
                    f"The timer is in seconds, from {TIMER_MIN} to {TIMER_MAX}: e.g. "
                    "<code>/live family/birthday-or-group 90</code>",
                )
            return
        seconds = int(raw)
    await begin(context, live, user.id, chat_id, thread, args[0], seconds)


async def begin(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    user_id: int,
    chat_id: int,
    thread: int | None,
    scenario_id: str,
    seconds: int | None = None,
) -> bool:
    bot = context.bot
    out = await live.start(
        user_id,
        chat_id,
        scenario_id,
        thread_id=thread,
        seed=random.randrange(1 << 30),
        vote_seconds=seconds,
    )
    if out.status == "ignore":
        return False
    if out.status == "not-linked":
        await entry(context, live, await live.entry(user_id, chat_id), chat_id, thread)
        return False
    if out.status == "unknown":
        await _post(
            bot,
            chat_id,
            thread,
            f"I don't know the scenario “{escape(scenario_id[:80])}”. Send /live on its own to "
            "pick one.",
        )
        return False
    if out.status == "busy":
        await _post(
            bot, chat_id, thread, "A rehearsal is already running here: /live stop ends it."
        )
        return False
    if out.moment is not None:
        await post_moment(bot, live, out.moment)
    return True


async def live_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await require_leader(update, context) is not None:
        await reply(update, context, [Outgoing(PRIVATE)])


# ---- buttons -------------------------------------------------------------------------------------


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
    live = services(context).live
    handler: Press = {
        "lvlink": _link,
        "lvctx": _pick_context,
        "lvsc": _pick_scenario,
        "lvclose": _close,
        "lvtime": _timer,
        "lvgo": _go,
        "lvshow": _show,
        "lvwd": _withdraw,
        "lvno": _never_mind,
    }[data.action]
    await handler(context, live, query, user.id, data.arg)


Press = Callable[[ContextTypes.DEFAULT_TYPE, Live, CallbackQuery, int, str | None], Awaitable[None]]


def _chat(query: CallbackQuery) -> tuple[int, int | None] | None:
    message = query.message
    if message is None:
        return None
    return message.chat.id, _thread(message)


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        log.info("live: message not edited (%s)", type(exc).__name__)


async def _link(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    where = _chat(query)
    try:
        group_id = int(arg or "", 36)
    except ValueError:
        group_id = -1
    if where is None or group_id < 0:
        await answer(query, LEADER_ONLY)
        return
    out = await live.link(user_id, where[0], group_id)
    if out.status != "ok" or out.link is None:
        await answer(
            query, LEADER_ONLY if out.status == "ignore" else "A rehearsal is running here."
        )
        return
    await answer(query, "Linked.")
    text, markup = contexts_screen(live, out.link.group_name)
    await _edit(
        query,
        f"This chat is now where <b>{escape(out.link.group_name)}</b> rehearses together.\n\n"
        + text,
        markup,
    )


async def _leads_here(
    live: Live, query: CallbackQuery, user_id: int
) -> tuple[int, int | None] | None:
    where = _chat(query)
    if where is None:
        return None
    out = await live.entry(user_id, where[0])
    if out.status not in ("idle", "running"):
        await answer(query, LEADER_ONLY)
        return None
    return where


async def _pick_context(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    where = await _leads_here(live, query, user_id)
    if where is None:
        return
    out = await live.entry(user_id, where[0])
    await answer(query)
    if arg in CONTEXT_LABELS and live.library.by_context(arg):
        await _edit(query, *scenarios_screen(live, arg))
    elif out.link is not None:
        await _edit(query, *contexts_screen(live, out.link.group_name))


async def _pick_scenario(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    where = await _leads_here(live, query, user_id)
    if where is None:
        return
    scenario = scenario_by_key(live.library, arg)
    if scenario is None:
        await answer(query, "That scenario isn't available any more.")
        return
    await answer(query)
    await _edit(query, f"▶ <b>{escape(scenario.title)}</b>")
    await begin(context, live, user_id, where[0], where[1], scenario.id)


async def _close(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    parsed = _parse(arg, 2)
    if parsed is None:
        await answer(query, LEADER_ONLY)
        return
    out = await live.close(user_id, *parsed)
    for _ in range(OPENING_TRIES):  # pressed as the poll went out, before it was recorded
        if out.status != "opening":
            break
        await asyncio.sleep(OPENING_PAUSE)
        out = await live.close(user_id, *parsed)
    if out.status != "ok" or out.closing is None:
        text = {
            "ignore": LEADER_ONLY,
            "opening": "This vote hasn't opened: /live posts it again.",
        }.get(out.status, "This vote has closed.")
        await answer(query, text)
        return
    await answer(query, "Closing the vote.")
    await finish_close(context.bot, live, out.closing)


async def _timer(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    parsed = _parse(arg, 2)
    if parsed is None:
        await answer(query, LEADER_ONLY)
        return
    out = await live.set_timer(user_id, *parsed, TIMER_BUTTON)
    if out.status != "ok":
        await answer(query, LEADER_ONLY if out.status == "ignore" else "This vote has closed.")
        return
    await answer(query, "The vote closes by itself in a minute.")
    markup = query.message.reply_markup if query.message is not None else None
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    timer_row = [
        _button("🗳 Close the vote", "lvclose", arg),
        _button("⏱ closing in a minute", "lvtime", arg),
    ]
    with_timer = InlineKeyboardMarkup([timer_row, *rows[1:]])
    try:
        await query.edit_message_reply_markup(reply_markup=with_timer)
    except BadRequest as exc:
        log.info("live: timer not shown (%s)", type(exc).__name__)


async def _go(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    parsed = _parse(arg, 3)
    if parsed is None:
        await answer(query, LEADER_ONLY)
        return
    run_id, step, index = parsed
    out = await live.follow(user_id, run_id, step, index)
    if out.status == "ignore":
        await answer(query, LEADER_ONLY)
        return
    if out.status == "gone":
        await answer(query)
        where = _chat(query)
        if where is not None:
            await _post(
                context.bot,
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
    await post_moment(context.bot, live, out.moment)


# ---- members' lines ------------------------------------------------------------------------------


async def open_line(update: Update, context: ContextTypes.DEFAULT_TYPE, run_id: int) -> None:
    """`/start lv_<run>`: a member asks to send their own line for the open vote."""
    user = update.effective_user
    if user is None:
        return
    out = await services(context).live.open_line(user.id, run_id)
    if out.status == "ok" and out.moment is not None:
        m = out.moment
        scene = "\n".join(_said(line) for line in m.lines[-2:])
        text = (
            f"💬 <b>Say it your way</b>: “{escape(m.title)}”, step {m.step + 1}\n\n{scene}\n\n"
            "Type what you would say. Your leader sees it without your name, with the coach's "
            "reading, and may show it to the group to talk about. Nothing is shown unless they "
            "choose it, and you can take it back until then."
        )
        markup = InlineKeyboardMarkup([[_button("Never mind", "lvno")]])
        await reply(update, context, [Outgoing(clip(text), markup)])
        return
    texts = {
        "not-member": NOT_MEMBER,
        "closed": "That vote has closed. The next one has its own “Say it your way” button.",
        "limit": "You've sent three lines for this vote, the most there is: your leader has them.",
    }
    text = texts.get(out.status, "That rehearsal has ended. /practice to practice on your own.")
    await reply(update, context, [Outgoing(text)])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """The member's line, when they asked to send one (the crisis check has run already, and
    `write_line` screens it again): True when it was theirs to take."""
    user = update.effective_user
    if user is None:
        return False
    live = services(context).live
    if not await live.drafting(user.id):
        return False
    out = await live.write_line(user.id, text)
    if out.status == "no-draft":
        return False
    if out.status == "crisis" and out.crisis is not None:
        await safety.crisis_response(update, context, out.crisis)
        return True
    if out.status == "ok" and out.line is not None:
        notify(context.application)
        markup = InlineKeyboardMarkup([[_button("Take it back", "lvwd", b36(out.line.id))]])
        said = (
            "✉️ Sent to your leader, without your name. They may show it to the group.\n\n"
            f"<i>Coach's reading:</i> {reading_text(out.line.reading)}"
        )
        await reply(update, context, [Outgoing(clip(said), markup)])
        return True
    texts = {
        "adjacent": ADJACENT,
        "closed": "That vote closed before your line arrived, so it wasn't passed on.",
        "empty": "I couldn't read a line there. Type what you would say, or tap “Never mind”.",
        "too-long": f"Please keep it to one line for this moment (under {LINE_MAX} characters).",
        "not-member": NOT_MEMBER,
    }
    await reply(update, context, [Outgoing(texts.get(out.status, texts["closed"]))])
    return True


async def _withdraw(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    try:
        line_id = int(arg or "", 36)
    except ValueError:
        await answer(query)
        return
    out = await live.withdraw(user_id, line_id)
    await answer(query)
    text = {
        "ok": "Taken back: it won't be shown, and its words are gone.",
        "shown": "Your leader had already shown it to the group, without your name.",
        "withdrawn": "You've already taken it back.",
    }.get(out.status, "That vote has closed: your line was never shown, and it's gone.")
    await _edit(query, text)


async def _never_mind(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    await live.cancel_draft(user_id)
    await answer(query)
    await _edit(query, "Okay, nothing was sent.")


async def _show(
    context: ContextTypes.DEFAULT_TYPE,
    live: Live,
    query: CallbackQuery,
    user_id: int,
    arg: str | None,
) -> None:
    try:
        line_id = int(arg or "")
    except ValueError:
        await answer(query)
        return
    out = await live.show_line(user_id, line_id)
    if out.status != "ok" or out.line is None:
        text = {
            "ignore": "That line isn't from one of your groups.",
            "withdrawn": "Its author took it back, so it can't be shown.",
            "shown": "It's already been shown.",
            "limit": "You've already shown a line at this vote.",
        }.get(out.status, "That vote has closed, and its lines with it.")
        await answer(query, text, alert=True)
        if out.status in ("withdrawn", "closed"):
            await _edit(query, f"💬 <i>{escape(text)}</i>")
        return
    await answer(query, "Shown to the group.")
    where = out.line.where
    await _post(context.bot, where.chat_id, where.thread_id, shown_text(out.line))
    done = InlineKeyboardMarkup([[_button("✓ Shown to the group", "lvshow", arg)]])
    try:
        await query.edit_message_reply_markup(reply_markup=done)
    except BadRequest as exc:
        log.info("live: shown line not marked (%s)", type(exc).__name__)


# ---- updates without a person, and the job -------------------------------------------------------


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote's new counts (anonymous: counts only, never who)."""
    poll = update.poll
    if poll is not None:
        await services(context).live.poll_state(poll.id, [o.voter_count for o in poll.options])


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close votes whose timer ran out; first, once, finish what a restart interrupted."""
    live, bot = services(context).live, context.bot
    try:
        if not context.bot_data.get(STARTED + ":done"):
            context.bot_data[STARTED + ":done"] = True
            started = context.bot_data.get(STARTED) or datetime.now(UTC)
            for run_id, step in await live.interrupted(started):
                out = await live.pick_up(run_id, step)
                log.info("live run %s: carrying on with step %s (%s)", run_id, step, out.phase)
                await carry_on(bot, live, out)
        for run_id, step in await live.due():
            out = await live.close(None, run_id, step)
            if out.status == "ok" and out.closing is not None:
                await finish_close(bot, live, out.closing)
    except Exception as exc:  # the next tick tries again; never let the job die
        log.error("live timers: %s", error_summary(exc))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("live", live_command, filters=filters.ChatType.GROUPS))
    app.add_handler(CommandHandler("live", live_private, filters=filters.ChatType.PRIVATE))
    app.add_handler(PollHandler(on_poll))
    install(app)  # the outbox sender delivers members' lines to their leader
    app.bot_data[STARTED] = datetime.now(UTC)
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick, interval=TICK, first=TICK, name="live")
