"""The safety service (state/safety/service.py): each action one transaction, on a real file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from state.crisis import CATEGORIES, CrisisResult
from state.db.models import SafetyEvent
from state.errors import AlreadyApplied
from state.practice.service import Practice
from state.safety.service import QUESTION_OPEN_FOR, Safety, Skipped, question_open
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
    # no plan, no question kept (the channel remembers it), and no user row
    assert await safety.ask(USER, "suicide", typed="anything") is False
    assert await store.read(lambda uow: uow.users.get(USER)) is None


async def test_a_plan_answer_is_kept_only_while_a_step_is_open(store: Store):
    safety = Safety(store)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    assert await safety.plan_text(USER) is None
    await safety.start_plan(USER)
    assert await safety.ask(USER, "suicide", typed="pacing at night")
    assert await safety.plan_text(USER) == "Warning signs: pacing at night"
    await safety.pause_plan(USER)
    assert await safety.ask(USER, "suicide", typed="not an answer")
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


async def test_the_scene_the_card_names_is_the_one_the_record_stops(store: Store, real_library):
    """`scene_to_stop` is read before the record is written, so the card can say what will
    happen to the role-play without waiting: it must agree with what `record_crisis` did."""
    safety = Safety(store)
    assert not await safety.scene_to_stop(USER)  # no user at all
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    assert not await safety.scene_to_stop(USER)  # consented, no scene open
    await Practice(store, real_library).begin(USER, "family/birthday-or-group", seed=1)
    assert await safety.scene_to_stop(USER)
    assert (await safety.record_crisis(USER, DANGER)).stopped
    assert not await safety.scene_to_stop(USER)


async def test_the_record_marks_its_update_once(store: Store, real_library):
    """`update_id`: the record claims the update in its own transaction; a second record for
    it raises `AlreadyApplied` and writes nothing (no event, no alert). Before consent the
    update is marked only for a user the store knows, as the gate's mark would be."""
    safety = Safety(store)
    alerts = []

    async def alert(uow) -> None:
        alerts.append(1)

    await safety.record_crisis(USER, DANGER, update_id=70)
    assert not await _seen(store, 70)  # nobody known: nothing kept, not even the mark
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    await Practice(store, real_library).begin(USER, "family/birthday-or-group", seed=1)
    assert (await safety.record_crisis(USER, DANGER, update_id=71, also=alert)).stopped
    assert await _seen(store, 71) and await _events(store) == 1 and alerts == [1]
    with pytest.raises(AlreadyApplied):
        await safety.record_crisis(USER, DANGER, update_id=71, also=alert)
    assert await _events(store) == 1 and alerts == [1]


async def _seen(store: Store, update_id: int) -> bool:
    return (await store.read(lambda uow: uow.updates.gate(update_id, USER)))[0]


async def test_what_rides_with_the_record_is_written_with_it_or_not_at_all(store: Store):
    """The leaders' alert is written in the record's transaction (`also`): if it fails, the
    event isn't half kept; if it succeeds, both are there."""
    safety = Safety(store)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    seen = []

    async def broken(uow) -> None:
        raise RuntimeError("alert query failed")

    with pytest.raises(RuntimeError):
        await safety.record_crisis(USER, DANGER, also=broken)
    assert await _events(store) == 0

    async def alert(uow) -> None:
        seen.append(await uow.session.scalar(select(func.count()).select_from(SafetyEvent)))

    await safety.record_crisis(USER, DANGER, also=alert)
    assert seen == [1]  # ran inside the transaction, after the event was added
    assert await _events(store) == 1


@pytest.mark.parametrize("category", CATEGORIES)
async def test_the_question_keeps_every_category(store: Store, category: str):
    """Every category fits its column (on PostgreSQL a longer one would fail the write)."""
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    assert await Safety(store).ask(USER, category) is True
    assert await store.read(lambda uow: question_open(uow, USER, datetime.now(UTC))) == category


async def test_the_direct_question_waits_for_its_answer(store: Store, real_library):
    """Asked, the question is open (the gate reads it with its category) until an answer
    closes it, in the resume's transaction, or the card does; an hour later it has lapsed."""
    safety, practice = Safety(store), Practice(store, real_library)
    await store.run(USER, lambda uow: uow.users.set_consent(USER, "v1"))
    await practice.begin(USER, "family/birthday-or-group", seed=1)

    def open_at(now: datetime):
        return store.read(lambda uow: question_open(uow, USER, now))

    assert await open_at(datetime.now(UTC)) is None
    assert await safety.ask(USER, "overdose") is True
    assert await open_at(datetime.now(UTC)) == "overdose"
    assert await open_at(datetime.now(UTC) + QUESTION_OPEN_FOR + timedelta(minutes=1)) is None

    turn = await practice.resume(USER, also=safety.answered_work(USER))
    assert turn is not None and turn.run_id is not None  # the scene, at the same step
    assert await open_at(datetime.now(UTC)) is None

    assert await safety.ask(USER, None) is True  # no category: the question is about suicide
    assert await open_at(datetime.now(UTC)) == "suicide"
    await safety.record_crisis(USER, DANGER)
    assert await open_at(datetime.now(UTC)) is None  # the card answered it
