"""The safety service (state/safety_service.py): each action one transaction, on a real file."""

from __future__ import annotations

from sqlalchemy import func, select

from state.crisis import CrisisResult
from state.db.models import SafetyEvent
from state.practice import Practice
from state.safety_service import Safety, Skipped
from state.store import Store

USER = 8080
DANGER = CrisisResult(True, "suicide", 1, "test-rule")


async def _events(store: Store) -> int:
    async with store.transaction(None) as uow:
        return await uow.session.scalar(select(func.count()).select_from(SafetyEvent))


async def test_a_crisis_keeps_the_plan_answer_records_and_stops_together(
    store: Store, real_library
):
    safety = Safety(store)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    await safety.start_plan(USER)
    await Practice(store, real_library).begin(USER, "family/birthday-or-group", seed=1)
    assert await safety.editing_step(USER) == "warning_signs"

    recorded = await safety.record_crisis(USER, DANGER, typed="when I stop sleeping")

    assert recorded.stopped
    assert recorded.plan == "Warning signs: when I stop sleeping"  # the answer, shown at once
    assert await safety.editing_step(USER) == "coping"
    assert await _events(store) == 1
    assert await store.read(lambda uow: uow.runs.active(USER)) is None


async def test_nothing_is_kept_before_consent(store: Store):
    safety = Safety(store)
    recorded = await safety.record_crisis(USER, DANGER, typed="anything")
    assert (recorded.plan, recorded.stopped) == (None, False)
    assert await _events(store) == 0
    await safety.keep_plan_answer(USER, "anything")  # no plan: nothing, and no user row
    assert await store.read(lambda uow: uow.users.get(USER)) is None


async def test_a_plan_answer_is_kept_only_while_a_step_is_open(store: Store):
    safety = Safety(store)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    assert await safety.plan_text(USER) is None
    await safety.start_plan(USER)
    await safety.keep_plan_answer(USER, "pacing at night")
    assert await safety.plan_text(USER) == "Warning signs: pacing at night"
    await safety.pause_plan(USER)
    await safety.keep_plan_answer(USER, "not an answer")
    assert await safety.plan_text(USER) == "Warning signs: pacing at night"


async def test_the_plan_step_by_step(store: Store):
    safety = Safety(store)
    assert await safety.skip_step(USER) == Skipped(False)  # nothing open, no user row kept
    assert await store.read(lambda uow: uow.users.get(USER)) is None
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    assert await safety.start_plan(USER) == "warning_signs"
    assert await safety.skip_step(USER) == Skipped(True, "coping")
    assert await safety.answer_step(USER, "a walk") == "distractions"
    assert await safety.plan_text(USER) == "Things I can do on my own: a walk"
    assert await safety.delete_plan(USER)
    assert not await safety.delete_plan(USER)
    assert await safety.plan_text(USER) is None
