"""The safety service (state/safety_service.py): each action one transaction, on a real file."""

from __future__ import annotations

from sqlalchemy import func, select

from state import safety_store
from state.crisis import CrisisResult
from state.db.models import SafetyEvent
from state.practice import Practice
from state.safety_service import Safety
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
    await safety_store.start_plan(store, USER)
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
    await safety_store.start_plan(store, USER)
    await safety.keep_plan_answer(USER, "pacing at night")
    assert await safety.plan_text(USER) == "Warning signs: pacing at night"
    await safety_store.pause_plan(store, USER)
    await safety.keep_plan_answer(USER, "not an answer")
    assert await safety.plan_text(USER) == "Warning signs: pacing at night"
