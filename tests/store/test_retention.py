"""Typed replies are erased after the retention period; recent ones and button turns stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from state.db.models import ProcessedUpdate, Turn
from state.engine import start
from state.privacy import purge_expired


async def test_purge_expired(store, library):
    scenario = library.scenarios["family/birthday-or-group"]
    state, _ = start(scenario, seed=1)
    now = datetime.now(UTC)

    async def seed(uow):
        run_id = await uow.runs.create(9, state)
        for age, typed in ((40, "old words"), (5, "recent words"), (40, None)):
            turn_id = await uow.turns.add(run_id, 9, 1, "call", "facts", "assertive", [], typed)
            turn = await uow.session.get(Turn, turn_id)
            turn.created_at = now - timedelta(days=age)
        await uow.updates.mark(1, 9)
        await uow.updates.mark(2, 9)
        old = await uow.session.get(ProcessedUpdate, 1)
        old.processed_at = now - timedelta(days=30)

    await store.run(9, seed)
    erased, forgotten = await purge_expired(store, now, typed_text_days=30)
    assert (erased, forgotten) == (1, 1)

    async def read(uow):
        texts = (await uow.session.scalars(select(Turn.typed_text).order_by(Turn.id))).all()
        ids = (await uow.session.scalars(select(ProcessedUpdate.update_id))).all()
        return texts, ids

    texts, ids = await store.run(None, read)
    assert texts == [None, "recent words", None]
    assert ids == [2]
