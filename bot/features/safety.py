"""The crisis response and /safety: the card for explicit danger, a direct question for a
probable signal, and a way back into the scene."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks, deeplinks
from bot.context import applying
from bot.features.safety_plan import plan_messages
from bot.pipeline import gate
from bot.render import Outgoing, turn_messages
from bot.replies import answer, reply
from bot.routes import action
from bot.send import edit_pressed
from bot.services import services
from state.crisis import ASK, CATEGORIES, CrisisResult
from state.errors import AlreadyApplied, AppliedUnconfirmed
from state.onboarding import PLAN, question_in
from state.safety import (
    ASKED_OPENING,
    NUMBERS,
    SAFE,
    SAME_MOMENT,
    SCENE_KEPT,
    SCENE_STOPPED,
    SOMEONE_ELSE,
    THEIRS,
    YES,
    ask_again_text,
    back_to_scene_text,
    crisis_card,
    question_text,
    resources_for,
    screen_text,
    still_reach_out_text,
    typed_answer,
)
from state.safety.service import QUESTION_OPEN_FOR

T = TypeVar("T")
log = logging.getLogger(__name__)
RECORD_TIMEOUT = 5.0  # seconds for the database: the scene's read, the record (event, alert)
NOT_SCREENED = frozenset({"newgroup"})  # a group's name ("Self-harm recovery") is not a crisis


def command_argument(text: str) -> str | None:
    """The words after a command that the crisis check reads, or None. Not a group's name
    (/newgroup), nor the payload of one of the bot's own links (/start g_4fQx...): the bot made
    it, nobody typed it, and a random code can look like anything to character n-grams (one
    invitation code was read as an overdose). A typed "/start i can't go on" is still read."""
    parts = text.split(None, 1)
    if len(parts) < 2:
        return None
    command = parts[0].lstrip("/").split("@", 1)[0].lower()
    if command in NOT_SCREENED:
        return None
    if command == "start" and deeplinks.parse_payload(parts[1].strip()) is not None:
        return None
    return parts[1]


def card_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Chat with 988 (US)", url="https://988lifeline.org/chat/")],
            [InlineKeyboardButton("My safety plan", callback_data=callbacks.action("plan"))],
            [InlineKeyboardButton("Back to the bot", callback_data=callbacks.action("menu"))],
        ]
    )


async def crisis_response(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    result: CrisisResult,
    *,
    typed: str | None = None,
) -> None:
    """Answer crisis language: the card at once for explicit danger, a direct question for a
    probable signal (`result.action`). The card goes out whatever the database does.

    `typed` is the message, kept only as the answer to a safety-plan step being edited (a plan
    may name the very thoughts it plans for).
    """
    if typed is not None and not _plan_may_be_open(context):
        typed = None  # the gate found no plan step open: nothing for it to answer
    if result.action == ASK:
        await ask(update, context, result, typed=typed)
        return
    await show_card(update, context, result, typed=typed)


def _plan_may_be_open(context: ContextTypes.DEFAULT_TYPE) -> bool:
    awaiting = getattr(context, "awaiting", None)  # None: the gate did not look
    return awaiting is None or PLAN in awaiting


async def show_card(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    result: CrisisResult,
    *,
    typed: str | None = None,
) -> None:
    """Send the card; then write the event, the end of the role-play and the opted-in leaders'
    alert in one transaction that also marks the update; then the plan.

    The card waits for no write. What it says about the scene is what the gate read (typed
    text, the direct question's "Yes"), or else a read here (no write lock: a caption, words
    after a command, the store down at the gate). The record is written once the card is
    out, or failed to go (a failed send still records and alerts: `finally`), within
    RECORD_TIMEOUT; a failed write is logged, never shown. Its transaction claims the update
    (`applying`), so the gate's `after` writes nothing: the update is the gate's read and this
    one write. A crash after the card but before the write commits leaves the update unmarked,
    so a redelivery shows the card again and records once; a redelivery of an update already
    recorded is skipped by the gate, or, where the gate could not see it, finds the id taken
    (`AlreadyApplied`): nothing recorded, nothing more said."""
    user = update.effective_user
    svc = services(context)
    forget_question(context)  # the card answers any question asked (the record closes it)
    resources = resources_for(svc.resources, result.category, result.substances)
    if user is None:
        card = crisis_card(resources, category=result.category, someone_else=result.someone_else)
        await send_card(update, context, card)
        return
    log.warning(
        "crisis language detected for update %s (category %s, tier %s, %s)",
        update.update_id,
        result.category,
        result.tier,
        result.action,
    )
    scene = SCENE_STOPPED if await _scene_open(update, context, user.id) else None
    card = crisis_card(
        resources, scene=scene, category=result.category, someone_else=result.someone_else
    )
    try:
        await send_card(update, context, card)
    finally:
        plan = await _record(update, context, user.id, result, typed)  # never raises
    await send_plan(update, context, plan)


async def _scene_open(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> bool:
    """Whether a role-play is open, for what the card says about it (stopped by the record,
    or kept while the numbers are shown): as the gate read it, or read now (the gate did not
    look); False when the read fails or takes longer than RECORD_TIMEOUT, or when the gate
    already found the store unavailable (the card must not wait out a second timeout)."""
    if getattr(context, "store_down", False):
        return False
    stops = getattr(context, "scene_to_stop", None)  # None: the gate did not look
    if stops is None:
        try:
            async with asyncio.timeout(RECORD_TIMEOUT):
                stops = await services(context).safety.scene_to_stop(user_id)
        except Exception as exc:  # noqa: BLE001 - the card goes out, saying nothing of the scene
            log.error("update %s: scene not read (%s)", update.update_id, type(exc).__name__)
            return False
    return stops


async def _record(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    user_id: int,
    result: CrisisResult,
    typed: str | None,
) -> str | None:
    """The crisis record, marking the update: the plan to show under the card, or None."""
    svc = services(context)
    alert = svc.groups.alert_work(user_id, action=result.action)
    update_id = applying(update, context)
    write = svc.safety.record_crisis(user_id, result, typed=typed, also=alert, update_id=update_id)
    said = ("crisis recorded", "crisis already recorded", "crisis not recorded")
    _, recorded = await _claiming(update, write, said)
    return recorded.plan if recorded is not None else None


async def _claiming(
    update: Update, write: Awaitable[T], said: tuple[str, str, str]
) -> tuple[bool, T | None]:
    """A write that claims its update, after what it records went out (the card, the question):
    (whether the store has it, the write's result when this attempt made it). Never raises: the
    participant has seen what matters. `said`: the log's words for done, done before, failed."""
    done, before, failed = said
    try:
        async with asyncio.timeout(RECORD_TIMEOUT):
            return True, await write
    except AppliedUnconfirmed:  # this update's own earlier attempt committed, unseen
        log.info("update %s: %s (the commit's answer was lost)", update.update_id, done)
    except AlreadyApplied:  # written before (a redelivery the gate could not see)
        log.info("update %s: %s", update.update_id, before)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, it went out
        log.error("update %s: %s (%s)", update.update_id, failed, type(exc).__name__)
        return False, None
    return True, None


async def send_card(update: Update, context: ContextTypes.DEFAULT_TYPE, card: str) -> None:
    """The card alone: fixed text that fits one message (CRISIS_RESOURCES is checked at
    start-up) and carries nothing anyone typed, so Telegram has no reason to refuse it."""
    await reply(update, context, [Outgoing(escape(card), card_keyboard())])


async def send_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, plan: str | None) -> None:
    """After the card, the participant's plan, split to fit Telegram's limit. A plan that
    still fails to go is logged, not apologized for: the card is there, with its button to
    the plan."""
    if not plan:
        return
    try:
        await reply(update, context, plan_messages(plan))
    except TelegramError as exc:
        log.error("update %s: safety plan not sent (%s)", update.update_id, type(exc).__name__)


async def command_words(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Crisis language typed after a command gets the card (or the question) instead of the
    command's answer."""
    message = update.effective_message
    words = command_argument(message.text or "") if message is not None else None
    if words is None:
        return
    result = screen_text(words)
    if result.crisis:
        await crisis_response(update, context, result)
        await gate.after(update, context)  # stopping here skips the gate's own marking
        raise ApplicationHandlerStop  # not the command as well: the card is the answer


ACTIONS = ("cyes", "csafe", "cnum")  # the answers to the direct question


def ask_keyboard(category: str | None) -> InlineKeyboardMarkup:
    """The role-play's question's buttons. "I'm safe" carries the category, as Yes and the
    numbers do, so that under an overdose's question it sends the numbers again, as a typed
    "no" does: the message it edits may not show them (the question asked again after an
    answer in other words, or the first question's send failed)."""
    cat = category if category in CATEGORIES else None
    return ask_keyboard_for(
        category, ("I'm safe, back to the scene", callbacks.action("csafe", cat))
    )


def ask_keyboard_for(category: str | None, instead: tuple[str, str]) -> InlineKeyboardMarkup:
    """The direct question's buttons: Yes (the card, the plan, the alert), `instead` (the
    label and button data of "no": back to what was going on), and the numbers alone."""
    cat = category if category in CATEGORIES else None
    label, data = instead
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes", callback_data=callbacks.action("cyes", cat))],
            [InlineKeyboardButton(label, callback_data=data)],
            [
                InlineKeyboardButton(
                    "Show me support numbers", callback_data=callbacks.action("cnum", cat)
                )
            ],
        ]
    )


async def ask(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    result: CrisisResult,
    *,
    typed: str | None = None,
) -> None:
    """A probable signal: step out of the role and ask directly; the scene waits where it is,
    and the question waits for its answer (a typed "yes" answers it, not the scene)."""
    log.warning(
        "possible crisis language for update %s (category %s): asked directly",
        update.update_id,
        result.category,
    )
    keyboard = ask_keyboard(result.category)
    question = question_text(result.category, services(context).resources, result.someone_else)
    await send_question(update, context, result.category, question, keyboard, typed=typed)


async def send_question(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    category: str | None,
    question: str,
    keyboard: InlineKeyboardMarkup,
    *,
    typed: str | None = None,
    keep: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Send the direct question (the role-play's, or a check-in's); then ONE write that keeps
    it open, so that yes or no typed under it answers it, and marks the update (`applying`):
    the update is the gate's read and this write, the gate's `after` writes nothing. `keep`,
    where the update has a write of its own (a check-in's answer, which brought the
    question), is that write, keeping the question open in its transaction in place of
    `Safety.ask`'s; its errors are the caller's (they reach `on_error`).

    The order is the card's (`show_card`): the question first, the write after it, and after a
    send that failed too (`finally`). Why not the write first: the write claims the update, so
    a crash between its commit and the send would lose the question for good (the redelivery
    is skipped as applied), and a slow or hung database would hold a safety question back for
    up to RECORD_TIMEOUT. In this order a crash before the write commits leaves the update
    unmarked and nothing kept, so Telegram's redelivery asks again; a redelivery once kept is
    skipped by the gate (not asked twice), and one the gate could not see asks again but finds
    the id taken (`AlreadyApplied`) and keeps nothing more. A send that failed still keeps the
    question open and marks the update: the next text typed under it that answers neither
    way brings the question again, with its buttons (`on_typed_answer`), before the scene
    goes on.

    What this order costs: for the length of one write, the question is out and not yet kept.
    Within a process nothing of this user's can run then: bot/processor.py runs one user's
    updates one at a time and this handler keeps the user's turn until the write is done (an
    update past the per-user cap is only screened for crisis words, bot/pipeline/flood.py, so
    a "yes" there is skipped as anything else is). Only with several webhook workers on
    PostgreSQL (docs/operations.md) could a "yes" typed and delivered to another worker faster
    than one commit be read as a reply to the scene; the order of one user's updates across
    workers is not promised anyway, and the question's buttons answer it whenever pressed."""
    try:
        await reply(update, context, [Outgoing(escape(question), keyboard)])
    finally:
        if keep is None:
            kept = await _keep_question(update, context, category, typed)  # never raises
        else:
            kept = await keep()
    if update.effective_user is not None:  # before consent, or the store down: memory
        context.user_data[ASKED_KEY] = (category, time.monotonic())
    if not kept:
        log.warning("update %s: question kept in memory only", update.update_id)


async def _keep_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, category: str | None, typed: str | None
) -> bool:
    """The question kept open, marking the update (None from `applying` when this update's
    own earlier write, a check-in's answer, marked it): whether the store has it now."""
    user = update.effective_user
    if user is None:
        return False
    update_id = applying(update, context)
    write = services(context).safety.ask(user.id, category, typed=typed, update_id=update_id)
    said = ("question kept", "question already asked", "question not kept")
    kept, has = await _claiming(update, write, said)
    return kept if has is None else has


ASKED_KEY = "asked"  # user_data: the question last asked here (category, monotonic time)


def asked_in_memory(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The category of a question asked in this process and still waiting: what counts
    before consent (nothing is stored then) and when the store can't be read."""
    asked = (context.user_data or {}).get(ASKED_KEY)
    if asked is None or time.monotonic() - asked[1] > QUESTION_OPEN_FOR.total_seconds():
        return None
    return asked[0] or "suicide"


ANSWERED = {"cyes": "Yes", "csafe": "I'm safe", "cnum": "Show me support numbers"}
TYPED = {YES: "cyes", SAFE: "csafe", NUMBERS: "cnum", THEIRS: "cnum"}


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """An answer to the direct question: yes, safe, or the numbers. The question's buttons go
    with the first answer, so an old question can't fire later."""
    query = update.callback_query
    theirs = False
    if query is not None:
        await answer(query)
        # the role-play's question or a check-in's, as sent
        asked = getattr(query.message, "text", None) or question_text(data.arg)
        theirs = SOMEONE_ELSE in asked  # asked about someone else's danger: its card fits
        said = escape(f"{asked}\n\nYou answered: {ANSWERED[data.action]}")
        await edit_pressed(query, said)
    category = data.arg
    if data.action == "csafe" and not category:
        category = _open_category(context)
    await answered(update, context, data.action, category, someone_else=theirs)


def _open_category(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The open question's category, for an "I'm safe" sent before its button carried one (a
    bare `csafe`): what the gate's read found typed text answers (it reads that for such a
    press, bot/pipeline/gate.py's BARE_SAFE), as a typed "no" finds it; None where the gate did
    not look (the store down) or no question is open: then "suicide", as before."""
    awaiting = getattr(context, "awaiting", None)
    found = question_in(awaiting) if awaiting else None
    return found.partition(CHECKIN_DAY)[0] if found else None


async def on_typed_answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    text: str,
    result: CrisisResult,
    category: str,
) -> None:
    """Text typed while the direct question waits: yes, safe or the numbers in words
    (`typed_answer`), and more crisis language counts as yes. Anything else asks again: the
    scene waits until the question is answered."""
    category, _, day = category.partition(CHECKIN_DAY)  # asked by a check-in: which day's
    said = typed_answer(text)
    if said is None and result.crisis:  # more danger answers yes: recorded as what it is
        await show_card(update, context, dataclasses.replace(result, action=ASK))
        return
    go_on = ("Not right now, go on", callbacks.action("cicont", day)) if day else None
    if said is None:
        keyboard = ask_keyboard_for(category, go_on) if go_on else ask_keyboard(category)
        await reply(update, context, [Outgoing(escape(ask_again_text(category)), keyboard)])
        return
    if said == SAFE and go_on:  # the check-in waits where it was: one tap goes on with it
        forget_question(context)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(go_on[0], callback_data=go_on[1])]])
        await reply(update, context, [Outgoing("Thank you for telling me.", keyboard)])
        await close_question(update, context)
        return
    await answered(update, context, TYPED[said], category, someone_else=said == THEIRS)


# A check-in's question is kept as "<category>@<day>": a typed "no" goes on with that day's.
CHECKIN_DAY = "@"


async def answered(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    action_: str,
    category: str | None,
    *,
    someone_else: bool = False,
) -> None:
    """Yes: the card, the plan and the alert. Safe: the scene again, at the same moment. The
    numbers: the card, the scene kept. Each closes the question; neither card waits for a
    write.

    Safe under an overdose's question: its numbers again go out first, then the write that
    closes the question and resumes the scene (in `finally`, so a send that failed still
    closes it), then the scene, as the card and the question do: the numbers wait on no
    database, and a write that fails after them (it reaches `on_error`) leaves them sent.

    That write marks the update (`applying`), so the answer is the gate's read and this one
    write: the gate's `after` writes nothing. A redelivery the gate could not see finds the id
    taken (`AlreadyApplied`, answered with nothing by `on_error`): the question is not closed
    twice nor the scene said again (an overdose's numbers, which wait on nothing, go again)."""
    forget_question(context)
    category = category if category in CATEGORIES else "suicide"
    if action_ == "cyes":  # recorded and alerted as "yes to the question"; closes it too
        await show_card(update, context, CrisisResult(True, category, 1, "asked-yes", action=ASK))
        return
    user = update.effective_user
    svc = services(context)
    if action_ == "cnum":
        await send_numbers(update, context, category, someone_else=someone_else)
        return
    numbers = still_reach_out_text(category, svc.resources)
    turn = None
    try:
        if numbers is not None:
            await reply(update, context, [Outgoing(escape(numbers))])
    finally:
        if user is not None:
            turn = await svc.practice.resume(
                user.id, also=svc.safety.answered_work(user.id), update_id=applying(update, context)
            )
    if turn is None:
        then = "/practice when you're ready, and /safety any time."
        text = then if numbers is not None else back_to_scene_text(category, svc.resources, then)
        await reply(update, context, [Outgoing(escape(text))])
        return
    then = SAME_MOMENT if numbers is not None else back_to_scene_text(category, svc.resources)
    messages = [Outgoing(escape(then))]
    messages += turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id)
    await reply(update, context, messages)


def forget_question(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(ASKED_KEY, None)


async def send_numbers(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    category: str | None,
    *,
    someone_else: bool = False,
) -> None:
    """The numbers asked for: the card first, saying truthfully that the scene waits (as the
    gate read it, typed or pressed: no read of its own unless the gate did not look); then
    the question is closed, marking the update, logged if the store fails."""
    user, svc = update.effective_user, services(context)
    scene = None
    if user is not None and await _scene_open(update, context, user.id):
        scene = SCENE_KEPT
    card = crisis_card(
        resources_for(svc.resources, category),
        scene=scene,
        category=category,
        someone_else=someone_else,
    )
    text = escape(card)
    await reply(update, context, [Outgoing(text, card_keyboard())])
    await close_question(update, context)


async def close_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """After the reply is out: the question closed in one write that marks the update
    (`applying`: the gate's `after` writes nothing), within RECORD_TIMEOUT, logged if not (the
    question lapses in an hour). A redelivery the gate could not see finds the id taken and
    closes nothing more."""
    user = update.effective_user
    if user is None:
        return
    write = services(context).safety.answered(user.id, update_id=applying(update, context))
    said = ("question closed", "question already closed", "question not closed")
    await _claiming(update, write, said)


async def safety(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/safety: every resource the deployment lists, then the participant's plan."""
    user, svc = update.effective_user, services(context)
    card = crisis_card(svc.resources, opening=ASKED_OPENING)
    await send_card(update, context, card)  # first: the card never waits on the database
    if user is not None:
        await send_own_plan(update, context, user.id)


async def send_own_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, user_id: int) -> None:
    """After a card already sent, the participant's plan, read now; a read that fails or
    takes too long is logged, and the card's button shows the plan later."""
    try:
        async with asyncio.timeout(RECORD_TIMEOUT):
            plan = await services(context).safety.plan_text(user_id)
    except Exception as exc:  # noqa: BLE001 - the card is out; its button shows the plan later
        log.error("update %s: safety plan not read (%s)", update.update_id, type(exc).__name__)
        return
    await send_plan(update, context, plan)


def handlers() -> list[BaseHandler]:
    """/safety (and /crisis), and the answers to the direct question, which need no consent:
    the question may come before it (bot/app.py tries these before every consent check)."""
    return [
        CommandHandler(["safety", "crisis"], safety, filters=filters.ChatType.PRIVATE),
        action(on_action, *ACTIONS),
    ]
