"""Retention: typed replies, old update ids and settled outbox messages are erased in time;
recent ones, button turns, messages still to send and a push's delivery counts stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from state import groups as core
from state import outbox
from state.checkins import WEEKLY_KIND
from state.db.models import OutboxMessage, ProcessedUpdate, Turn
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
    assert await purge_expired(store, now, typed_text_days=30) == (1, 1, 0)

    async def read(uow):
        texts = (await uow.session.scalars(select(Turn.typed_text).order_by(Turn.id))).all()
        ids = (await uow.session.scalars(select(ProcessedUpdate.update_id))).all()
        return texts, ids

    texts, ids = await store.run(None, read)
    assert texts == [None, "recent words", None]
    assert ids == [2]


LEADER, A, B, C = 810, 811, 812, 813


async def test_settled_messages_are_erased_after_their_retention(store):
    """README: messages are kept "until sent" (and then OUTBOX_RETENTION_DAYS): a sent crisis
    alert, weekly summary or push is erased after it; what is still to send is not, and the
    leader's delivery counts for the push stay the same."""
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=10), now - timedelta(days=1)
    async with store.transaction(LEADER) as uow:
        await core.set_role(uow, LEADER, core.LEADER)
        group = await core.create_group(uow, LEADER, "G", "Lee")
        invite = await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
    for m in (A, B, C):
        async with store.transaction(m) as uow:
            await core.join_group(uow, invite.code, m, f"M{m}", shares=[core.Share.ALERT])
    async with store.transaction(LEADER) as uow:
        push = (
            await core.create_push(uow, group, "f/x", title="T", summary="S", created_by=LEADER)
        ).push
    await core.alert_leaders(store, A, old)

    async def settle(uow):
        await outbox.enqueue(
            uow, chat_id=A, user_id=A, kind=WEEKLY_KIND, text="avg mood 2", dedupe_key="w"
        )
        await outbox.enqueue(uow, chat_id=B, user_id=B, kind="checkin", text="?", dedupe_key="q")
        rows = (await uow.session.scalars(select(OutboxMessage))).all()
        for row in rows:
            row.created_at = old
            if row.dedupe_key == "q":  # still to send (a queued check-in, however old)
                continue
            if row.user_id == B and row.kind == core.PUSH_KIND:
                row.status, row.error = "failed", "blocked"
            else:
                row.status = "sent"
                row.sent_at = recent if row.user_id == C else old

    await store.run(None, settle)

    async def counts(uow):
        return (await core.delivery(uow, [push.id]))[push.id]

    before = await store.run(None, counts)
    assert (before.sent, before.blocked, before.pending) == (2, 1, 0)
    purged = await purge_expired(store, now, typed_text_days=30, outbox_days=7)
    assert purged.messages == 4  # A's and B's push, the alert, the weekly summary

    async def left(uow):
        return sorted(
            (r.kind, r.user_id) for r in (await uow.session.scalars(select(OutboxMessage))).all()
        )

    assert await store.run(None, left) == [("checkin", B), (core.PUSH_KIND, C)]
    assert await store.run(None, counts) == before
    assert (await purge_expired(store, now, typed_text_days=30, outbox_days=7)).messages == 0
    assert await store.run(None, counts) == before
    later = now + timedelta(days=30)  # C's goes too; the counts still add up
    assert (await purge_expired(store, later, typed_text_days=30, outbox_days=7)).messages == 1
    assert await store.run(None, counts) == before
