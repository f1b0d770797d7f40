"""Safety events and safety plans in the store: the queries, each inside a caller's
transaction (the service is state/safety/service.py; the update gate asks `editing` too).

An event records that crisis language was seen (category, tier, rule), never the words. A plan
follows the Stanley-Brown steps and is the participant's own text, kept until they delete it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from state.checkins import mark_crisis
from state.crisis import LEXICON_VERSION, CrisisResult
from state.db.models import SafetyEvent, SafetyPlan, utcnow
from state.store import UnitOfWork
from state.text import clean_text

PLAN_STEPS: tuple[tuple[str, str, str], ...] = (
    (
        "warning_signs",
        "Warning signs",
        "What tells you a crisis might be building? Thoughts, moods, situations, things you do.",
    ),
    (
        "coping",
        "Things I can do on my own",
        "What can you do by yourself to take your mind off things? (a walk, music, a shower…)",
    ),
    (
        "distractions",
        "People and places that help",
        "Which people and places help you feel better or take your mind off things?",
    ),
    (
        "people",
        "People I can ask for help",
        "Who can you ask for help? Names and how to reach them.",
    ),
    (
        "professionals",
        "Professionals and services",
        "Which professionals or services can you contact? Your counselor or clinic; 988.",
    ),
    (
        "safe_place",
        "Making my surroundings safer",
        "How can you make the place you are safer? (e.g. asking someone to hold medication)",
    ),
)
STEP_KEYS = tuple(k for k, _, _ in PLAN_STEPS)
# How long the direct question waits for a typed answer: past it, "yes" is a reply to whatever
# is going on again (the buttons under the question still answer it).
QUESTION_OPEN_FOR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Recorded:
    plan: str | None  # the participant's plan, to show under the card
    stopped: bool  # a role-play was open and has been ended


async def record(uow: UnitOfWork, user_id: int, result: CrisisResult) -> Recorded:
    """Store the event (no text) and stop any role-play; return the plan and what stopped.

    Before consent nothing is stored, not even that the card was shown: the card itself never
    depends on the database.
    """
    if not await _consented(uow, user_id):
        return Recorded(None, False)
    uow.session.add(
        SafetyEvent(
            user_id=user_id,
            category=result.category or "unknown",
            tier=result.tier,
            rule=result.rule,
            lexicon_version=LEXICON_VERSION,
            action=result.action,
            model_version=result.model,
        )
    )
    stopped = await uow.runs.abandon_active(user_id) is not None
    await uow.users.set_question(user_id, None, utcnow())  # the card answers any question open
    await mark_crisis(uow, user_id, utcnow())  # a "how are you today?" tomorrow
    return Recorded(plan_text(await _plan(uow, user_id)), stopped)


async def open_question(uow: UnitOfWork, user_id: int, category: str | None) -> bool:
    """Remember that the direct question waits for an answer, so a typed "yes" answers it
    rather than the role-play. Before consent nothing is kept (the channel remembers it
    itself, in memory): False then."""
    if not await _consented(uow, user_id):
        return False
    await uow.users.set_question(user_id, category or "suicide", utcnow())
    return True


async def question_open(uow: UnitOfWork, user_id: int, now: datetime) -> str | None:
    """The category of the direct question still waiting for an answer, if one was asked
    within QUESTION_OPEN_FOR; inside the caller's transaction (the update gate asks)."""
    asked = await uow.users.question(user_id)
    if asked is None or asked[1] < now - QUESTION_OPEN_FOR:
        return None
    return asked[0]


async def close_question(uow: UnitOfWork, user_id: int) -> None:
    await uow.users.set_question(user_id, None, utcnow())


async def scene_to_stop(uow: UnitOfWork, user_id: int, *, consented: bool | None = None) -> bool:
    """Whether `record` would stop a role-play now: consent given and a run open (the run
    `record` abandons). `consented`, when the caller read it in this transaction (the update
    gate does), is not asked again."""
    if consented is None:
        consented = await _consented(uow, user_id)
    return consented and await uow.runs.active_id(user_id) is not None


async def _consented(uow: UnitOfWork, user_id: int) -> bool:
    """What `record` and `scene_to_stop` both ask first, so the card can't say otherwise."""
    user = await uow.users.get(user_id)
    return user is not None and user.consented_at is not None


async def _plan(uow: UnitOfWork, user_id: int) -> SafetyPlan | None:
    return await uow.session.scalar(select(SafetyPlan).where(SafetyPlan.user_id == user_id))


async def editing(uow: UnitOfWork, user_id: int) -> str | None:
    """The plan step being answered, if any, inside the caller's transaction."""
    plan = await _plan(uow, user_id)
    return plan.editing if plan else None


async def own_plan_text(uow: UnitOfWork, user_id: int) -> str | None:
    return plan_text(await _plan(uow, user_id))


def plan_text(plan: SafetyPlan | None) -> str | None:
    if plan is None or not plan.answers:
        return None
    lines = []
    for key, title, _ in PLAN_STEPS:
        answer = (plan.answers or {}).get(key)
        if answer:  # cleaned again: a row may predate the cleaning
            lines.append(f"{title}: {clean_text(answer)}")
    return "\n".join(lines) or None


async def start(uow: UnitOfWork, user_id: int) -> str:
    """Begin (or redo) the plan at its first step; existing answers stay until replaced."""
    plan = await _plan(uow, user_id)
    if plan is None:
        uow.session.add(SafetyPlan(user_id=user_id, answers={}, editing=STEP_KEYS[0]))
    else:
        plan.editing = STEP_KEYS[0]
    return STEP_KEYS[0]


async def answer(uow: UnitOfWork, user_id: int, text: str | None) -> str | None:
    """Save the answer to the step being edited (None skips it); return the next step or None."""
    plan = await _plan(uow, user_id)
    if plan is None or plan.editing not in STEP_KEYS:
        return None
    answers = dict(plan.answers or {})
    said = clean_text(text).strip() if text is not None else ""
    if said:
        answers[plan.editing] = said[:1000]
    index = STEP_KEYS.index(plan.editing)
    plan.answers = answers
    plan.editing = STEP_KEYS[index + 1] if index + 1 < len(STEP_KEYS) else None
    return plan.editing


async def pause(uow: UnitOfWork, user_id: int) -> None:
    """Stop editing; the answers so far stay, and /safetyplan picks it up again."""
    plan = await _plan(uow, user_id)
    if plan is not None:
        plan.editing = None


async def delete(uow: UnitOfWork, user_id: int) -> bool:
    plan = await _plan(uow, user_id)
    if plan is None:
        return False
    await uow.session.delete(plan)
    return True


def step_prompt(key: str) -> tuple[int, str, str]:
    index = STEP_KEYS.index(key)
    _, title, question = PLAN_STEPS[index]
    return index + 1, title, question
