"""Practising: menus, opening a scenario, choices, typed replies and /stop."""

from __future__ import annotations

import asyncio
import logging
import random

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.consent import WELCOME, consent_keyboard, has_consented, require_consent
from bot.context import BotContext, applying, reading
from bot.features import safety, safety_plan
from bot.pipeline import gate
from bot.render import (
    Outgoing,
    chosen_text,
    contexts_message,
    intro_message,
    scenarios_message,
    turn_messages,
)
from bot.replies import EXPIRED, PRIVATE_ONLY, answer, in_private_chat, reply
from bot.routes import action, button, pressed
from bot.send import edit_pressed
from bot.services import services
from state.crisis import ASK
from state.engine import Choose, Feedback, Notice, Pick, Reply
from state.errors import UNAVAILABLE
from state.language.screen import MODEL
from state.onboarding import ASKED, PLAN, question_in
from state.practice.service import Turn
from state.safety import screen_text, typed_answer

log = logging.getLogger(__name__)


async def practice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)  # the topics, and "Continue" if a scene is open: a read
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    await reply(update, context, [await menu_message(context, user.id)])


async def menu_message(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Outgoing:
    """The topics, with "Continue" on top while a scenario is open: a participant who left
    mid-scenario (or whose reply a crash swallowed) can go on where they were."""
    svc = services(context)
    run = await svc.practice.active_run(user_id)
    scenario = svc.library.get(run.scenario_id) if run is not None else None
    resume = (scenario.title, run.id) if run is not None and scenario is not None else None
    return contexts_message(svc.library, resume=resume)


async def open_scenario(
    update: Update, context: ContextTypes.DEFAULT_TYPE, scenario_id: str
) -> None:
    svc, user = services(context), update.effective_user
    scenario = svc.library.get(scenario_id)
    if user is None:
        return
    if scenario is None:
        await reply(
            update,
            context,
            [Outgoing("That scenario isn't available any more."), contexts_message(svc.library)],
        )
        return
    # Marked with the run begun, unless this update is already marked (the consent pressed
    # on the way here from a link did it, in its own write).
    turn = await svc.practice.begin(
        user.id, scenario_id, random.randrange(1 << 30), update_id=applying(update, context)
    )
    await reply(
        update,
        context,
        [
            intro_message(scenario),
            *turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id),
        ],
    )


async def _agreed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Answer the press; whether the presser has agreed to the terms (if not, they are shown
    the welcome)."""
    await answer(pressed(update)[0])
    return await require_consent(update, context)


async def on_menu(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "Another scenario", "Back", "Practice": the topics (a read)."""
    reading(update, context)
    if await _agreed(update, context):
        await reply(update, context, [await menu_message(context, pressed(update)[1])])


async def on_resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "Continue": the open run where it is, or the topics if it ended or another began."""
    if not await _agreed(update, context):
        return
    user_id = pressed(update)[1]
    turn = await services(context).practice.resume(user_id)
    if turn is None or str(turn.run_id) != data.arg:  # ended, or another run since
        await reply(update, context, [await menu_message(context, user_id)])
        return
    messages = turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id)
    if not any(m.keyboard for m in messages):  # the scenario changed under the run
        messages.append(await menu_message(context, user_id))
    await reply(update, context, messages)


async def on_topic(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ContextData
) -> None:
    """A topic: its scenarios (the topics again if it has none): a read."""
    reading(update, context)
    if not await _agreed(update, context):
        return
    library = services(context).library
    if not library.by_context(data.context):
        await reply(update, context, [contexts_message(library)])
        return
    await reply(update, context, [scenarios_message(library, data.context)])


async def on_scenario(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ScenarioData
) -> None:
    """A scenario (from the menu, "Try again", a push): opened."""
    if await _agreed(update, context):
        await open_scenario(update, context, data.scenario_id)


async def on_choice_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A choice, the hot path: first in the handler table (bot/app.py), ahead of its check of
    where a press comes from, so it checks that itself. Only a consented user has a run to
    step, so no consent is asked."""
    query = update.callback_query
    if query is None:
        return
    if not in_private_chat(update):
        await answer(query, PRIVATE_ONLY, alert=True)
        return
    data = callbacks.parse(query.data)
    if not isinstance(data, callbacks.ChoiceData):  # over 64 bytes
        await answer(query, EXPIRED)
        return
    await on_choice(update, context, data)


async def on_choice(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ChoiceData
) -> None:
    query, _ = pressed(update)
    turn = await _act(update, context, Choose(data.choice), data, data.node)
    expired = (
        turn.outputs
        and isinstance(turn.outputs[0], Notice)
        and turn.outputs[0].kind in ("invalid-choice", "ended")
    )
    if expired:
        await answer(query, EXPIRED)
        if len(turn.outputs) > 1:  # Practice redraws a step whose reply was lost
            await reply(
                update,
                context,
                turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id),
            )
        return
    await answer(query)
    feedback = next((o for o in turn.outputs if isinstance(o, Feedback)), None)
    folded = await mark_chosen(update, feedback)
    rest = [o for o in turn.outputs if not (folded and o is feedback)]
    await reply(update, context, turn_messages(rest, turn.run_id, turn.step, turn.scenario_id))


async def on_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.StepData
) -> None:
    """A button of a step before the scene (worked example, frame, thought check, anxiety)."""
    await _answered(
        update, context, await _act(update, context, Pick(data.stage, data.value), data)
    )


async def on_after(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.AfterData
) -> None:
    """A button after an exposure run's debrief: anxiety again, then how it compared."""
    _, user_id = pressed(update)
    turn = await services(context).practice.after(
        user_id, data.run_id, data.stage, data.value, update_id=applying(update, context)
    )
    await _answered(update, context, turn)


async def _act(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    inp: Choose | Pick,
    data: callbacks.ChoiceData | callbacks.StepData,
    node: str | None = None,
) -> Turn:
    """Apply a pressed button to the user's run, refused unless the run and step (and, for a
    choice, the node) are the ones it was drawn for; the step claims the update's id."""
    _, user_id = pressed(update)
    return await services(context).practice.act(
        user_id,
        inp,
        update_id=applying(update, context),
        expect_run=data.run_id,
        expect_step=data.step,
        expect_node=node,
    )


async def _answered(update: Update, context: ContextTypes.DEFAULT_TYPE, turn: Turn) -> None:
    """Send a step's outcome: a refused (old or forged) button gets the toast and nothing
    changes; an applied one takes the buttons off the pressed message and shows what's next."""
    query = update.callback_query
    assert query is not None
    first = turn.outputs[0] if turn.outputs else None
    if isinstance(first, Notice) and first.kind in ("invalid-choice", "ended"):
        await answer(query, first.text)
        rest = turn.outputs[1:]
        if rest:  # the question still open, drawn again
            await reply(
                update, context, turn_messages(rest, turn.run_id, turn.step, turn.scenario_id)
            )
        return
    await answer(query)
    await mark_chosen(update, None)
    await reply(
        update, context, turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id)
    )


async def mark_chosen(update: Update, feedback: Feedback | None) -> bool:
    """Take the buttons off the message that was answered; show what was chosen and the
    feedback under it. False when the feedback couldn't go there (no text to edit, the edit
    refused): the caller sends it as its own message, as for a typed reply."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or message is None or not getattr(message, "text", None):
        return False
    label = next(
        (
            b.text
            for row in (message.reply_markup.inline_keyboard if message.reply_markup else [])
            for b in row
            if b.callback_data == query.data
        ),
        None,
    )
    return await edit_pressed(query, chosen_text(message.text_html, label, feedback))


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text in a private chat: the crisis check first, always; then the coach."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    svc = services(context)
    result = screen_text(message.text)
    if result.crisis and result.action != ASK and result.rule != MODEL:
        await safety.crisis_response(update, context, result, typed=message.text)
        return
    awaiting: tuple[str, ...] | None = None
    try:
        async with asyncio.timeout(gate.GATE_TIMEOUT):
            awaiting = await _awaiting(context, user.id)
    except UNAVAILABLE:  # the store is down or hung: what follows needs no store, or fails kindly
        pass
    plan_open = awaiting is not None and PLAN in awaiting
    # The direct question waits for its answer: "yes" typed now answers it, not the scene
    # (while a plan step is open too, only a recognisable answer is the question's).
    asked = _open_question(context, awaiting)
    if asked is not None and (not plan_open or typed_answer(message.text) is not None):
        await safety.on_typed_answer(update, context, message.text, result, asked)
        return
    # A safety plan names warning signs and what helps ("a long walk by the river", "my sister
    # keeps the pills"): while a step is being answered, what only the model reads as danger is
    # an answer. A rule's explicit danger still gets the card, above.
    if result.crisis and not plan_open:
        await safety.crisis_response(update, context, result, typed=message.text)
        return
    if not await has_consented(context, user.id):
        await reply(update, context, [Outgoing(WELCOME, consent_keyboard(None))])
        return
    awaiting = await _awaiting(context, user.id)
    if PLAN in awaiting:
        await safety_plan.on_text(update, context, message.text)
        return
    for module in context.features:
        hook = getattr(module, "on_text", None)
        name = module.__name__.rsplit(".", 1)[-1]
        if hook is None or (name in ASKED and name not in awaiting):
            continue  # the gate found the text isn't this feature's: no read to ask again
        if await hook(update, context, message.text):
            return
    turn = await svc.practice.act(user.id, Reply(message.text), update_id=applying(update, context))
    if turn.run_id is None:
        await reply(
            update,
            context,
            [
                Outgoing("I read what you type during a role-play. To start one, pick a topic:"),
                contexts_message(svc.library),
            ],
        )
        return
    await reply(
        update, context, turn_messages(turn.outputs, turn.run_id, turn.step, turn.scenario_id)
    )


def _open_question(context: BotContext, awaiting: tuple[str, ...] | None) -> str | None:
    """The direct question's category if it waits: as the store has it, or, before consent
    or with the store unreadable, as this process remembers it."""
    stored = question_in(awaiting) if awaiting is not None else None
    if stored is not None or (awaiting is not None and context.consented is True):
        return stored
    return safety.asked_in_memory(context)


async def _awaiting(context: BotContext, user_id: int) -> tuple[str, ...]:
    """What typed text answers: as the gate read it, or read now when it could not."""
    if context.awaiting is None:
        context.awaiting = await services(context).onboarding.awaiting(user_id)
    return context.awaiting


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    stopped = await services(context).practice.stop(user.id, update_id=applying(update, context))
    text = (
        "Stopped. Your progress is kept. /practice when you'd like another go."
        if stopped
        else "You're not in a scenario right now. /practice to start one."
    )
    await reply(
        update,
        context,
        [
            Outgoing(
                text,
                InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Practice", callback_data=callbacks.action("menu"))]]
                ),
            )
        ],
    )


ACTIONS = ("menu", "resume")  # and the grammar's own kinds: choices, steps, topics, scenarios


def choice_handler() -> CallbackQueryHandler:
    """A choice press: the hot path, which bot/app.py puts first in its table."""
    return CallbackQueryHandler(on_choice_press, pattern=callbacks.CHOICE)


def handlers() -> list[BaseHandler]:
    """/practice, /stop and practice's buttons but the choice (`choice_handler`). Typed text
    (`on_text`) is the table's catch-all for text, after every feature's handlers."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["practice", "scenarios"], practice, filters=private),
        CommandHandler("stop", stop, filters=private),
        button(on_step, callbacks.StepData, callbacks.STEP),
        button(on_after, callbacks.AfterData, callbacks.AFTER),
        button(on_topic, callbacks.ContextData, callbacks.CONTEXT),
        button(on_scenario, callbacks.ScenarioData, callbacks.SCENARIO),
        action(on_menu, "menu"),
        action(on_resume, "resume"),
    ]


__all__ = [
    "ACTIONS",
    "choice_handler",
    "handlers",
    "practice",
    "open_scenario",
    "on_text",
    "stop",
]
