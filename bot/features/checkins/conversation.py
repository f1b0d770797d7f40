"""The daily check-in itself: its questions one after another (the mood first, on the queued
message), each answer saved as it is tapped or typed, a question of safety before going on
when an answer is high, the closing words; and the queued message's other buttons: "in an
hour", sharing the day's note, the day-after follow-up, and "Check in now"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, date, datetime
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks
from bot.context import applying
from bot.features import checkin_messages
from bot.features.checkin_messages import STEP_ACTION, STEP_ACTIONS
from bot.features.checkins.buttons import button, in_rows, mark_chosen, split_arg
from bot.features.checkins.replies import closing_text
from bot.features.safety import (
    CHECKIN_DAY,
    RECORD_TIMEOUT,
    ask_keyboard_for,
    send_card,
    send_own_plan,
    send_question,
)
from bot.render import Outgoing
from bot.replies import EXPIRED, answer, reply
from bot.routes import pressed
from bot.services import services
from state import checkins as core
from state.checkin_items import DEFAULT_PROGRAM, MEDS, PRACTICE, SLEEP_MAX, Program
from state.groups import GroupRecord
from state.safety import crisis_card, resources_for

log = logging.getLogger(__name__)

LEVEL_QUESTIONS = {
    "urge": "How strong was any urge to use today, at its peak? 0 is none, 5 is very strong.",
    "self_harm": "Any urge to hurt yourself today, at its strongest? 0 is none, 5 is very strong.",
    "suicidal": "Any thoughts of suicide today, at their strongest? 0 is none, 5 is very strong.",
    "quit": ("Any urge today to skip group or quit treatment? 0 is none, 5 is very strong."),
}
SKILL_SCALE = (
    "How did using skills go today overall? (DBT's 0-7)\n"
    "0 didn't think of them · 1 thought of them, didn't want to · 2 wanted to, didn't · "
    "3 tried, couldn't · 4 tried, they didn't help · 5 tried, they helped · "
    "6 used them without trying, didn't help · 7 used them without trying, they helped"
)
SAFETY_ASK = (
    "Thank you for telling me. I want to ask directly, because it matters: are you thinking "
    "about ending your life or hurting yourself right now?"
)
NOBODY_TO_SHARE_WITH = (
    "You don't share your check-ins with any group's leader, so nobody would see this note. "
    "If you'd like one to, turn on check-in sharing for that group in /mygroups first."
)


def emotion_keyboard(
    record: core.CheckinRecord, program: Program, rating: str | None = None
) -> InlineKeyboardMarkup:
    """The feelings, each with the peak it was given; or, for `rating`, its 0-5 row."""
    d = core.ymd(record.local_date)
    if rating is not None:
        row = [button(str(n), "ciemo", f"{d}-{rating}-{n}") for n in range(6)]
        return InlineKeyboardMarkup([row, [button("Back", "ciemo", f"{d}-pick-")]])
    buttons = []
    for key in program.emotions:
        level = record.emotions.get(key)
        label = core.EMOTIONS[key] + (f" {level}" if level is not None else "")
        buttons.append(
            button(("✓ " if level is not None else "") + label, "ciemo", f"{d}-pick-{key}")
        )
    rows = in_rows(buttons, 3)
    rows.append([button("Done" if record.emotions else "Skip", "ciemo", f"{d}-done")])
    return InlineKeyboardMarkup(rows)


def question(
    step: str,
    record: core.CheckinRecord,
    options: tuple[str, ...],
    program: Program = DEFAULT_PROGRAM,
    practice: str | None = None,
) -> Outgoing:
    """The message asking `step` of this check-in (multi-selects show their picks)."""
    d = core.ymd(record.local_date)
    if step == "mood":
        text, markup = checkin_messages.checkin(
            record.local_date, snoozed=True, mood="mood" in program.items
        )
        return Outgoing(text, markup)
    if step == "emotion":
        return Outgoing(
            "Which feelings were strong today? Tap one to rate it at its peak (0-5), as many "
            "as you like, then Done.",
            emotion_keyboard(record, program),
        )
    if step in LEVEL_QUESTIONS:
        action = STEP_ACTION[step]
        buttons = [button(str(n), action, f"{d}-{n}") for n in range(6)]
        return Outgoing(LEVEL_QUESTIONS[step], InlineKeyboardMarkup(in_rows(buttons, 6)))
    if step == "meds":
        buttons = [button(label, "cimeds", f"{d}-{key}") for key, label in MEDS.items()]
        return Outgoing(
            "Did you take your medication as prescribed today?", InlineKeyboardMarkup([buttons])
        )
    if step == "sleep":
        buttons = [
            button(f"{n}+" if n == SLEEP_MAX else str(n), "cisleep", f"{d}-{n}")
            for n in range(SLEEP_MAX + 1)
        ]
        return Outgoing(
            "How many hours did you sleep last night?", InlineKeyboardMarkup(in_rows(buttons, 5))
        )
    if step == "skill_rating":
        buttons = [button(str(n), "cirate", f"{d}-{n}") for n in range(8)]
        return Outgoing(SKILL_SCALE, InlineKeyboardMarkup(in_rows(buttons, 8)))
    if step == "practice":
        buttons = [button(label, "cipract", f"{d}-{key}") for key, label in PRACTICE.items()]
        said = f"\n<i>{escape(practice)}</i>" if practice else ""
        return Outgoing(
            f"Did you try the practice from your last scenario?{said}",
            InlineKeyboardMarkup([buttons]),
        )
    if step == "acted":
        return Outgoing(
            "Did you act on it? Whatever the answer, checking in is what counts.",
            InlineKeyboardMarkup(
                [[button("No", "ciact", f"{d}-n"), button("Yes", "ciact", f"{d}-y")]]
            ),
        )
    if step in ("halt", "skills"):
        labels = core.HALT if step == "halt" else dict(program.skills)
        action = "cihalt" if step == "halt" else "ciskill"
        picked = set(record.pending)
        buttons = [
            button(("✓ " if key in picked else "") + label, action, f"{d}-{key}")
            for key, label in labels.items()
        ]
        rows = in_rows(buttons, 2)
        done = "Done" if picked else ("None of these" if step == "halt" else "None today")
        rows.append([button(done, action, f"{d}-done")])
        text = (
            "HALT: are you any of these right now? Tap all that apply, then Done."
            if step == "halt"
            else "Which skills did you use in real life today? Tap all that apply, then Done."
        )
        return Outgoing(text, InlineKeyboardMarkup(rows))
    if step == "note":
        return Outgoing(
            "Anything you'd like to note about today? Type a sentence, or tap Skip.\n"
            "<i>Only you see it, unless you choose to share it with your group leader.</i>",
            InlineKeyboardMarkup([[button("Skip", "cinote", f"{d}-skip")]]),
        )
    return Outgoing("✅ Check-in saved.")


async def finished(update: Update, context: ContextTypes.DEFAULT_TYPE, result: core.Answer) -> None:
    """The saved message: an answer that fits the answers (state/checkin_replies.py decides,
    replies.py words it)."""
    record, closing = result.checkin, result.closing
    assert record is not None
    rows = []
    if closing is not None and closing.offer_practice:
        scenario = services(context).library.get(closing.offer_practice)
        if scenario is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        f"Practice: {scenario.title}"[:60],
                        callback_data=callbacks.scenario(scenario.id),
                    )
                ]
            )
    if closing is not None and closing.offer_week:
        rows.append([button("My week's card", "wkshow")])
    if record.note:
        # Offered only where a leader would see it: groups the member shares check-ins with.
        groups = result.note_groups
        if groups:
            who = groups[0].leader_name if len(groups) == 1 else "my group leaders"
            label = f"Share this note with {who}"
            rows.append([button(label[:60], "cishare", core.ymd(record.local_date))])
    text = closing_text(closing) if closing else "✅ <b>Check-in saved.</b>"
    await reply(update, context, [Outgoing(text, InlineKeyboardMarkup(rows) if rows else None)])


def _audience(groups: tuple[GroupRecord, ...]) -> str:
    return ", ".join(f"{escape(g.leader_name)} ({escape(g.name)})" for g in groups)


async def on_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """A button of the check-in's questions (`ci:<yyyymmdd>-<value>`, `ciurge:…`, …)."""
    query, user_id = pressed(update)
    step = STEP_ACTIONS[data.action]
    day, value = split_arg(data.arg)
    if value is None:
        raise ValueError(data.arg)
    svc = services(context)
    program = svc.checkin_program
    if step == "emotion" and value.startswith("pick-"):
        await _rate_emotion(update, context, day, value.removeprefix("pick-"))
        return
    if core.safety_answer(step, value) and await _in_turn(update, context, day, step):
        await _answer_asking(update, context, day, step, value)
        return
    result = await svc.checkins.answer(
        user_id, day, step, value, datetime.now(UTC), update_id=applying(update, context)
    )
    if result.status == "invalid":
        await answer(query, EXPIRED)
        return
    if result.status == "expired":
        await answer(query, "That check-in has passed. /checkin lets you check in now.")
        return
    record = result.checkin
    assert record is not None
    if result.status == "already":
        if record.done:
            await answer(query, "Already saved. Thank you!")
            return
        await answer(query, "Already saved; here's where you were.")
        await reply(update, context, [next_question(record, result, program)])
        return
    await answer(query)
    if record.step == step:  # a multi-select toggle or a feeling rated: redraw in place
        markup = next_question(record, result, program).keyboard
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=markup)
        return
    await mark_chosen(update)
    if result.safety:  # taken though the read found it out of turn (a race): ask now
        await _ask_safety(update, context, record, step)
    elif record.done:
        await finished(update, context, result)
    else:
        await reply(update, context, [next_question(record, result, program)])


def next_question(record: core.CheckinRecord, result: core.Answer, program: Program) -> Outgoing:
    return question(record.step, record, result.skill_options, program, result.practice_text)


async def _rate_emotion(
    update: Update, context: ContextTypes.DEFAULT_TYPE, day: date, key: str
) -> None:
    """A feeling tapped: its 0-5 row in place of the list (nothing is stored until rated);
    an empty key goes back to the list."""
    (query, user_id), svc = pressed(update), services(context)
    program = svc.checkin_program
    if key and key not in program.emotions:
        raise ValueError(key)
    result = await svc.checkins.current(user_id, day, datetime.now(UTC))
    record = result.checkin
    if record is None or record.step != "emotion":
        await answer(query, EXPIRED)
        return
    await answer(query)
    markup = emotion_keyboard(record, program, key or None)
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup)


async def _in_turn(
    update: Update, context: ContextTypes.DEFAULT_TYPE, day: date, step: str
) -> bool:
    """Whether the check-in waits for this answer: the read that must precede the question,
    which takes no write lock, so that a tap pressed twice or on a check-in long gone still
    gets what it always got. The gate's read found it (`checkin_in_turn`, bot/pipeline/gate.py),
    so the press is that read and one write; read here (`Checkins.in_turn`) only where the
    gate did not look. True when the store can't say (found down at the gate, or the read
    failing or slower than RECORD_TIMEOUT): the tap itself says thoughts of suicide or
    self-harm urges at 3+, and the question waits on no database."""
    if getattr(context, "store_down", False):
        return True
    found = getattr(context, "checkin_in_turn", None)  # None: the gate did not look
    if found is not None:
        return found
    (_, user_id), svc = pressed(update), services(context)
    try:
        async with asyncio.timeout(RECORD_TIMEOUT):
            return await svc.checkins.in_turn(user_id, day, step, datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - asked all the same; the answer's write may fail
        log.error("update %s: check-in not read (%s)", update.update_id, type(exc).__name__)
        return True


async def _answer_asking(
    update: Update, context: ContextTypes.DEFAULT_TYPE, day: date, step: str, value: str
) -> None:
    """A high answer the check-in waits for: the safety question first, then ONE write that
    takes the answer (and the crisis mark for tomorrow's follow-up), keeps the question open
    and marks the update (`applying`); the pressed question shows its answer last.

    The question's order is `send_question`'s, for the same reason: the answer's write claims
    the update, so with the write first (as it was) a crash between its commit and the send
    lost the question for good (the redelivery skipped as applied), and a slow database held
    it back. Nothing needs the answer stored before the question: whether it is taken is read
    first (`_in_turn`: by the gate, in its one read, so the update is that read and this one
    write), and what the question says and offers ("Not right now, go on" to that day's
    check-in) depends on the button alone. So a crash before the write commits leaves
    nothing taken and the update unmarked, and the redelivery asks again and records once; a
    redelivery once written is skipped by the gate, and one the gate could not see asks again
    and finds the id taken (`AlreadyApplied`: nothing written twice, nothing more said). A
    send that failed is still written (`finally`): the answer, tomorrow's follow-up, and the
    question kept open, so the next text typed under it brings it again with its buttons. A
    write that fails after the question is out reaches `on_error` as before ("not saved"),
    and the check-in waits on the same question. For the length of one write the question is
    out and the answer not yet taken: this user's next update waits for the handler
    (bot/processor.py), as under the direct question."""
    (query, user_id), svc = pressed(update), services(context)
    asked, keyboard = _safety_question(day, step)
    taken: list[core.Answer] = []

    async def keep() -> bool:
        taken.append(
            await svc.checkins.answer(
                user_id,
                day,
                step,
                value,
                datetime.now(UTC),
                update_id=applying(update, context),
                also=svc.safety.ask_work(user_id, asked),
            )
        )
        return True

    await answer(query)
    await send_question(update, context, asked, SAFETY_ASK, keyboard, keep=keep)
    if taken[0].status == "ok":
        await mark_chosen(update)
    else:  # taken elsewhere between the read and the write: the question stays asked
        log.info("update %s: check-in answer %s", update.update_id, taken[0].status)


def _safety_question(day: date, step: str) -> tuple[str, InlineKeyboardMarkup]:
    """The check-in's question as kept (`<category>@<day>`: a typed "no" goes on with that
    day's check-in), and its buttons."""
    category = "self-harm" if step == "self_harm" else "suicide"
    go_on = ("Not right now, go on", callbacks.action("cicont", core.ymd(day)))
    return f"{category}{CHECKIN_DAY}{core.ymd(day)}", ask_keyboard_for(category, go_on)


async def _ask_safety(
    update: Update, context: ContextTypes.DEFAULT_TYPE, record: core.CheckinRecord, step: str
) -> None:
    """The safety flow for a high-risk answer already taken (only where `_in_turn` found it out
    of turn, and the write took it all the same): the direct question, whose Yes brings the
    card and the plan (and the leader alert, where the participant opted in); the check-in
    waits. Kept open in a second write; `_answer_asking` is the usual path."""
    asked, keyboard = _safety_question(record.local_date, step)
    await send_question(update, context, asked, SAFETY_ASK, keyboard)


async def on_snooze(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "In an hour" on a queued check-in."""
    query, user_id = pressed(update)
    day, _ = split_arg(data.arg)
    snoozed = await services(context).checkins.snooze(
        user_id, day, datetime.now(UTC), update_id=applying(update, context)
    )
    if snoozed.status != "ok":
        await answer(
            query,
            "Already snoozed or answered."
            if snoozed.status == "already"
            else "That check-in has passed.",
        )
        return
    await answer(query, "I'll ask again in an hour.")
    await mark_chosen(update)


async def on_share(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Share the day's note with the leaders who see this member's check-ins."""
    query, user_id = pressed(update)
    day, _ = split_arg(data.arg)
    shared = await services(context).checkins.share_note(
        user_id, day, update_id=applying(update, context)
    )
    if shared.status == "expired":
        await answer(query, EXPIRED)
    elif shared.status == "nobody":
        await answer(query)
        await reply(update, context, [Outgoing(NOBODY_TO_SHARE_WITH)])
    else:
        await answer(query, "Shared.")
        await reply(
            update,
            context,
            [
                Outgoing(
                    f"Your note from {day:%A %d %B} is shared with {_audience(shared.groups)}: "
                    "they see it, with your name, under /group."
                )
            ],
        )


async def on_continue(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Back to the check-in where it waits (after the safety question): the press answered
    and its button marked first (they wait on no database), then ONE write that closes the
    question (a "yes" typed later is no answer to it), marks the update (`applying`) and
    finds where the check-in waits (`Checkins.go_on`), then that question, which the write
    returns, as the scene's resume does under the role-play's question. So the press is the
    gate's read and this write: no read of its own, no mark after. A redelivery once written
    is skipped by the gate; one the gate could not see finds the id taken (`AlreadyApplied`,
    answered with nothing by `on_error`): nothing closed again, no question said twice."""
    day, _ = split_arg(data.arg)
    (query, user_id), svc = pressed(update), services(context)
    await answer(query)
    await mark_chosen(update)
    result = await svc.checkins.go_on(
        user_id,
        day,
        datetime.now(UTC),
        also=svc.safety.answered_work(user_id),
        update_id=applying(update, context),
    )
    record = result.checkin
    if record is None or record.done:
        await reply(update, context, [Outgoing("Thank you. /safety is here any time.")])
        return
    await reply(update, context, [next_question(record, result, svc.checkin_program)])


FOLLOWUP_OK = (
    "I'm glad to hear it. Your safety plan and the lines stay one tap away: /safety. "
    "Today's check-in comes as usual."
)
FOLLOWUP_HARD = (
    "Thank you for telling me. You don't have to carry this alone today. Here are people you "
    "can reach right now, and your plan."
)


async def on_followup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """The day after a crisis: okay, or still struggling (the lines and the plan, and the same
    question again tomorrow).

    Still struggling: the lines first, then ONE write that keeps the answer (asked again
    tomorrow) and marks the update, then the plan. The lines wait on no write; the write
    claims the update, so a crash between it and the lines would lose them for good, while in
    this order a crash before the write shows them again on the redelivery, which writes
    once. A send that failed is still written (`finally`): tomorrow's check-in asks again."""
    _, value = split_arg(data.arg)
    if value not in ("ok", "hard"):
        raise ValueError(data.arg)
    struggling = value == "hard"
    (query, user_id), svc = pressed(update), services(context)
    now = datetime.now(UTC)
    if not struggling:
        await svc.checkins.followup_answer(user_id, False, now, update_id=applying(update, context))
        await answer(query)
        await mark_chosen(update)
        await reply(update, context, [Outgoing(FOLLOWUP_OK)])
        return
    await answer(query)
    card = crisis_card(resources_for(svc.resources, "suicide"), opening="You're not alone.")
    try:
        await reply(update, context, [Outgoing(FOLLOWUP_HARD)])
        await send_card(update, context, card)
    finally:
        await svc.checkins.followup_answer(user_id, True, now, update_id=applying(update, context))
    await mark_chosen(update)
    await send_own_plan(update, context, user_id)


async def on_now(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "Check in now": today's check-in from its first question, or where it waits."""
    await _check_in_now(update, context)


async def _check_in_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    program = svc.checkin_program
    user = update.effective_user
    assert user is not None
    today = await svc.checkins.today(user.id, datetime.now(UTC))
    if query is not None:
        await answer(query)
    result = today.answer
    record = result.checkin
    if record is None:
        text, markup = checkin_messages.checkin(
            today.day, snoozed=True, mood="mood" in program.items
        )
        await reply(update, context, [Outgoing(text, markup)])
    elif record.done:
        await reply(
            update,
            context,
            [Outgoing("You've checked in today already. /progress shows how it's going.")],
        )
    else:
        await reply(update, context, [next_question(record, result, program)])


async def on_note(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str, now: datetime
) -> bool:
    """A typed note, when the check-in has just asked for one (the crisis check already ran)."""
    user = update.effective_user
    assert user is not None
    svc = services(context)
    result = await svc.checkins.save_note(user.id, text, now)
    if result.status != "ok" or result.checkin is None:
        return False
    if result.checkin.done:
        await finished(update, context, result)
    else:
        await reply(update, context, [next_question(result.checkin, result, svc.checkin_program)])
    return True
