"""Onboarding and the update gate: who someone is to the bot before any feature acts.

Consent comes before anything is kept, and a redelivered Telegram update is applied once. The
gate asks both, and for typed text also what it answers (a safety-plan step, a check-in
question, a line for a live rehearsal) and whether crisis words in it would stop a role-play,
and for a check-in answer that brings the safety question whether the check-in waits for it,
in ONE read, so a typed reply dispatches, the crisis card says what happens to the scene, and
the check-in's safety question goes out, without asking the store again. Each method is one
transaction, like `Practice` (state/practice/service.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from state.checkins import get_settings, in_turn
from state.live.service import drafting
from state.safety.service import plan_step_open, question_open, scene_open
from state.store import Store, UnitOfWork

# What typed text answers, in the order it is asked (the plan first: it may name the very
# words that would otherwise stop everything). The names of bot/features' modules.
PLAN, CHECKINS, LIVE = "plan", "checkins", "live"
ASKED = (PLAN, CHECKINS, LIVE)  # a feature not named here is handed typed text unasked
# Before all of them, the direct question ("are you thinking about ending your life...?")
# waiting for its answer, as "question:<category>" (the category picks the card's numbers).
QUESTION = "question"


def question_in(awaiting: tuple[str, ...]) -> str | None:
    """The category of the direct question that typed text answers first, if one is open."""
    first = awaiting[0] if awaiting else ""
    return first.partition(":")[2] or None if first.startswith(f"{QUESTION}:") else None


@dataclass(frozen=True, slots=True)
class Admission:
    """What the gate found for one update."""

    seen: bool  # already applied (a redelivery): skip it
    consented: bool
    # What typed text answers (QUESTION, PLAN, CHECKINS, LIVE), none: a reply to the role-play; None
    # when the gate did not ask (it asks for typed text, and for an "I'm safe" without its
    # category, which takes the open question's).
    awaiting: tuple[str, ...] | None = None
    # Whether the crisis card would stop a role-play (`Safety.scene_to_stop`); None when the gate
    # did not ask (it asks for typed text, and for a press that may show the card).
    scene_to_stop: bool | None = None
    # Whether the check-in waits for the answer a press gives (`Checkins.in_turn`), so its
    # safety question goes out with no read of its own; None when the gate did not ask (it asks
    # only for a check-in answer that brings the question).
    checkin_in_turn: bool | None = None


async def awaiting(uow: UnitOfWork, user_id: int, now: datetime) -> tuple[str, ...]:
    """What the user's next typed message may answer, first first, inside the caller's
    transaction (all of them: a feature that finds the text isn't its own passes it on)."""
    found = []
    category = await question_open(uow, user_id, now)
    if category is not None:
        found.append(f"{QUESTION}:{category}")
    if await plan_step_open(uow, user_id):
        found.append(PLAN)
    settings = await get_settings(uow, user_id)
    if settings is not None and settings.awaiting_now(now) is not None:
        found.append(CHECKINS)
    if await drafting(uow, user_id):
        found.append(LIVE)
    return tuple(found)


class Onboarding:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def admit(
        self,
        update_id: int,
        user_id: int,
        *,
        typed: bool = False,
        card: bool = False,
        checkin: tuple[date, str] | None = None,
        question: bool = False,
        now: datetime | None = None,
    ) -> Admission:
        """Seen before? consented? for `typed` text, what it answers; for typed text or an
        update that may show the crisis `card` (the direct question's "Yes" or numbers),
        whether the card would stop a role-play; and for a `checkin` answer (its day and
        question) that brings the safety question, whether the check-in waits for it (the read
        that must precede the question, made here so the press is this read and one write);
        and for a `question` press that answers the direct question without its category (an
        "I'm safe" sent before its button carried it), what typed text answers, whose open
        question gives the category: one read, no user row, no write lock."""
        at = now or datetime.now(UTC)

        async def work(uow: UnitOfWork) -> Admission:
            seen, consented = await uow.updates.gate(update_id, user_id)
            if seen or not (typed or card or checkin or question):
                return Admission(seen, consented)
            scene = await scene_open(uow, user_id, consented=consented) if typed or card else None
            answers = await awaiting(uow, user_id, at) if typed or question else None
            turn = await in_turn(uow, user_id, *checkin, at) if checkin else None
            return Admission(seen, consented, answers, scene, turn)

        return await self.store.read(work)

    async def awaiting(self, user_id: int, now: datetime | None = None) -> tuple[str, ...]:
        """What typed text answers, for when the gate could not look."""
        at = now or datetime.now(UTC)
        return await self.store.read(lambda uow: awaiting(uow, user_id, at))

    async def mark(self, update_id: int, user_id: int) -> None:
        """Remember a handled update, so a redelivery is skipped; not after /delete erased
        the user (that would keep their id)."""

        async def work(uow: UnitOfWork) -> None:
            if await uow.users.get(user_id) is not None:
                await uow.updates.mark(update_id, user_id)

        await self.store.run(None, work)

    async def consented(self, user_id: int) -> bool:
        async def work(uow: UnitOfWork) -> bool:
            user = await uow.users.get(user_id)
            return user is not None and user.consented_at is not None

        return await self.store.read(work)

    async def meet(self, user_id: int, *, update_id: int | None = None) -> None:
        """Keep the Telegram id alone (before consent), so the gate can recognise this user's
        redeliveries, and mark `update_id` (the /start's) in the same transaction:
        `AlreadyApplied` when that update already was. The row is the one every write's
        transaction makes (`Store.transaction`), so there is nothing more to do."""

        async def work(uow: UnitOfWork) -> None:
            return None

        await self.store.run(user_id, work, update_id=update_id)

    async def agree(self, user_id: int, version: str, *, update_id: int | None = None) -> None:
        """Consent to the terms of `version`, now."""
        await self.store.run(
            user_id, lambda uow: uow.users.set_consent(user_id, version), update_id=update_id
        )
