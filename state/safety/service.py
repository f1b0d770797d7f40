"""Safety: the service a channel calls when crisis language is seen, and for the safety plan.

One transaction per user action, like `Practice` (state/practice/service.py): the event, the end
of the role-play, the crisis mark for tomorrow's check-in and a safety-plan answer typed in the
same message are kept together or not at all. The queries are state/safety/repo.py's, which
work inside a caller's transaction, so the update gate can ask in its one read whether a plan
step is open (`plan_step_open`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from state.crisis import CrisisResult
from state.safety import repo
from state.safety.repo import PLAN_STEPS, QUESTION_OPEN_FOR, STEP_KEYS, Recorded, step_prompt
from state.store import Store, UnitOfWork

# What a channel needs of the plan's shape, beside the service.
__all__ = [
    "PLAN_STEPS",
    "QUESTION_OPEN_FOR",
    "STEP_KEYS",
    "Recorded",
    "Safety",
    "Skipped",
    "plan_step_open",
    "question_open",
    "scene_open",
    "step_prompt",
]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A skipped plan step: whether one was open, and the step after it (None: the last)."""

    open: bool
    next: str | None = None


async def question_open(uow: UnitOfWork, user_id: int, now: datetime) -> str | None:
    """The category of the direct question waiting for an answer, inside the caller's
    transaction (the update gate's read asks it)."""
    return await repo.question_open(uow, user_id, now)


async def scene_open(uow: UnitOfWork, user_id: int, *, consented: bool) -> bool:
    """Whether the crisis record would stop a role-play (`Safety.scene_to_stop`'s question),
    inside the caller's transaction, which has read `consented` already (the update gate's
    read asks it, so the card can say so without a read of its own)."""
    return await repo.scene_to_stop(uow, user_id, consented=consented)


async def plan_step_open(uow: UnitOfWork, user_id: int) -> bool:
    """Whether typed text answers a safety-plan step, inside the caller's transaction (the
    update gate's read asks it)."""
    return await repo.editing(uow, user_id) is not None


class Safety:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- crisis --------------------------------------------------------------------------------

    async def scene_to_stop(self, user_id: int) -> bool:
        """Whether `record_crisis` will stop a role-play: what the card says about the scene,
        read (no write lock) before the card, when the update gate did not read it already
        (`scene_open`)."""
        return await self.store.read(lambda uow: repo.scene_to_stop(uow, user_id))

    async def record_crisis(
        self,
        user_id: int,
        result: CrisisResult,
        *,
        typed: str | None = None,
        also: Callable[[UnitOfWork], Awaitable[object]] | None = None,
        update_id: int | None = None,
    ) -> Recorded:
        """Record the event (never the words) and stop any role-play; `typed`, when a plan
        step is being answered, is kept as its answer first (a plan may name the very
        thoughts it plans for); `also` (the leaders' alerts) is written in the same
        transaction, which marks `update_id` first (`AlreadyApplied` when it already was:
        nothing is recorded). Before consent nothing is kept, bar that mark for a user the
        store knows (as the gate's own mark would). Returns the plan to show."""

        async def work(uow: UnitOfWork) -> Recorded:
            if typed is not None:
                await repo.answer(uow, user_id, typed)
            recorded = await repo.record(uow, user_id, result)
            if also is not None:
                await also(uow)
            return recorded

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def ask(
        self,
        user_id: int,
        category: str | None,
        *,
        typed: str | None = None,
        update_id: int | None = None,
    ) -> bool:
        """The direct question was asked: it now waits for an answer (typed or pressed), and
        `typed`, the message that raised it while a plan step was open, answers the step. The
        transaction marks `update_id` first (`AlreadyApplied` when it already was: nothing is
        kept), as `record_crisis` does. False when nothing could be kept (before consent): the
        channel remembers the question itself; the mark is still written for a user the store
        knows (as the gate's own mark would be)."""

        async def work(uow: UnitOfWork) -> bool:
            if typed is not None and await repo.editing(uow, user_id) is not None:
                await repo.answer(uow, user_id, typed)
            return await repo.open_question(uow, user_id, category)

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    def ask_work(self, user_id: int, category: str) -> Callable[[UnitOfWork], Awaitable[bool]]:
        """Keep the direct question open inside the caller's transaction, as `ask` does (a
        check-in's answer that brought it: the answer and the question are one write)."""
        return lambda uow: repo.open_question(uow, user_id, category)

    async def answered(self, user_id: int, *, update_id: int | None = None) -> None:
        """The direct question was answered where the scene's resume doesn't close it (a
        check-in goes on, the numbers were asked for); the transaction marks `update_id`
        first (`AlreadyApplied` when it already was), so no separate mark follows."""
        await self.store.run(
            user_id, self.answered_work(user_id), ensure_user=False, update_id=update_id
        )

    def answered_work(self, user_id: int) -> Callable[[UnitOfWork], Awaitable[None]]:
        """Close the direct question inside the caller's transaction (the scene's resume): an
        answer came, so a later "yes" is a reply to the scene again."""
        return lambda uow: repo.close_question(uow, user_id)

    # ---- the plan ------------------------------------------------------------------------------

    async def plan_text(self, user_id: int) -> str | None:
        """The participant's plan as text (None without answers)."""
        return await self.store.run(user_id, lambda uow: repo.own_plan_text(uow, user_id))

    async def editing_step(self, user_id: int) -> str | None:
        """The plan step being answered, if any: a read, no user row, no write lock."""
        return await self.store.read(lambda uow: repo.editing(uow, user_id))

    async def start_plan(self, user_id: int, *, update_id: int | None = None) -> str:
        """Begin (or redo) the plan at its first step, which comes back. Typed text answers
        the plan now, so a direct question left open is closed: its buttons still answer it."""

        async def work(uow: UnitOfWork) -> str:
            await repo.close_question(uow, user_id)
            return await repo.start(uow, user_id)

        return await self.store.run(user_id, work, update_id=update_id)

    async def answer_step(self, user_id: int, text: str) -> str | None:
        """Save the answer to the open step; the next step, or None after the last."""
        return await self.store.run(user_id, lambda uow: repo.answer(uow, user_id, text))

    async def skip_step(self, user_id: int, *, update_id: int | None = None) -> Skipped:
        async def work(uow: UnitOfWork) -> Skipped:
            if await repo.editing(uow, user_id) is None:
                return Skipped(False)
            return Skipped(True, await repo.answer(uow, user_id, None))

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def pause_plan(self, user_id: int, *, update_id: int | None = None) -> None:
        await self.store.run(user_id, lambda uow: repo.pause(uow, user_id), update_id=update_id)

    async def delete_plan(self, user_id: int, *, update_id: int | None = None) -> bool:
        return await self.store.run(
            user_id, lambda uow: repo.delete(uow, user_id), update_id=update_id
        )
