"""Before and after every update: skip a redelivered one, and remember it once handled.

Telegram redelivers an update when the bot restarted before confirming it (polling) or a worker
died before answering (webhook). Steps of a run, the commands and buttons that write (the
core's and every feature's), the crisis card's record and the direct question's mark their
update inside their own transaction (exactly once, `UnitOfWork.claim`,
`Store.run(update_id=...)`) and say so (`context.marked`, through bot/context.py's
`applying`); a command or button that only reads says so too (`reading`) and is not marked at
all (a redelivery answers again); everything else (a typed answer to a feature, a write of its
own) is marked here after its handler ran, so a redelivery is not applied a second time. The
gate also reads the user's consent once, for typed text (and an "I'm safe" pressed without its
category) what it answers, and for typed text and the direct question's "Yes" or numbers
whether the crisis card would stop a role-play (state/onboarding/service.py), and for a
check-in answer that brings the safety question whether the check-in waits for it, so
handlers don't each open a transaction to ask. All in one read
that takes no write lock; a step re-checks the update id inside its own transaction, and a
choice press skips the read altogether.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import callbacks
from bot.context import BotContext
from bot.features.checkin_messages import SAFETY_ACTIONS
from bot.services import services
from state.checkins import parse_ymd, safety_answer
from state.errors import UNAVAILABLE

log = logging.getLogger(__name__)
GATE_TIMEOUT = 5.0  # seconds; a read takes milliseconds, so longer means the database is stuck
# The presses that may show the crisis card: the direct question's "Yes" and its numbers
# (bot/features/safety.py), whose card says what happens to the scene, read here.
CARD_ACTIONS = frozenset({"cyes", "cnum"})
# "I'm safe" on a question sent before its button carried the category (a bare `csafe`): the
# gate reads what typed text would answer, whose open question gives the category (an
# overdose's numbers are sent again), as for a typed "no", in the same read.
BARE_SAFE = "csafe"


async def before(update: Update, context: BotContext) -> None:
    user = update.effective_user
    context.consented = None
    context.awaiting = None
    context.scene_to_stop = None
    context.checkin_in_turn = None
    context.store_down = False
    context.marked = False
    context.read_only = False
    if user is None:
        return
    query = update.callback_query
    data = callbacks.parse(query.data) if query is not None else None
    if isinstance(data, callbacks.ChoiceData):
        # A choice press, the hot path: its step transaction claims the update id itself and
        # needs an active run, which exists only after consent. No read here.
        return
    card = isinstance(data, callbacks.ActionData) and data.action in CARD_ACTIONS
    bare_safe = data == callbacks.ActionData(BARE_SAFE)

    try:
        async with asyncio.timeout(GATE_TIMEOUT):  # no task per update, unlike wait_for
            admission = await services(context).onboarding.admit(
                update.update_id,
                user.id,
                typed=_typed(update),
                card=card,
                checkin=_checkin_answer(data),
                question=bare_safe,
            )
    except UNAVAILABLE as exc:  # TimeoutError is an OSError
        # The database is down or hung: let the update through unchecked. Crisis text must
        # still get its card (it needs no database); anything else fails in its handler.
        log.error("update %s: gate skipped, store unavailable (%s)", update.update_id, _kind(exc))
        context.store_down = True
        return
    if admission.seen:
        if update.callback_query is not None:
            # An old query may no longer be answerable; the update is skipped either way.
            with contextlib.suppress(Exception):
                await update.callback_query.answer()
        raise ApplicationHandlerStop
    context.consented = admission.consented
    context.awaiting = admission.awaiting
    context.scene_to_stop = admission.scene_to_stop
    context.checkin_in_turn = admission.checkin_in_turn


async def after(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or context.marked or context.read_only:
        return

    try:
        async with asyncio.timeout(GATE_TIMEOUT):
            await services(context).onboarding.mark(update.update_id, user.id)
    except UNAVAILABLE as exc:
        # The handler has already answered; a "sorry" now would be wrong. Unmarked, a
        # redelivery of this update (after a crash) is handled again.
        log.error("update %s: not marked, store unavailable (%s)", update.update_id, _kind(exc))


def _typed(update: Update) -> bool:
    """Text typed in the private chat, not a command: what bot/features/practice.py's
    `on_text` dispatches by what the gate found it answers."""
    message, chat = update.message, update.effective_chat
    return (
        message is not None
        and message.text is not None
        and not message.text.startswith("/")
        and chat is not None
        and chat.type == "private"
    )


def _checkin_answer(data: callbacks.Parsed | None) -> tuple[date, str] | None:
    """A check-in answer that brings the safety question (`cisui:<yyyymmdd>-<3+>`, `cish:…`):
    its day and question, whose turn the gate reads, so the question needs no read of its own;
    None for any other press (the check-in's handler checks it again, and refuses anything
    malformed). Which presses those are is the check-in's to say (`SAFETY_ACTIONS`, from
    state.checkins' SAFETY_STEPS)."""
    if not isinstance(data, callbacks.ActionData) or data.action not in SAFETY_ACTIONS:
        return None
    step = SAFETY_ACTIONS[data.action]
    head, _, value = (data.arg or "").partition("-")
    day = parse_ymd(head)
    return (day, step) if day is not None and safety_answer(step, value) else None


def _kind(exc: BaseException) -> str:
    return type(exc).__name__  # never its message: a database error can quote parameters
