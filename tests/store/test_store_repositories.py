"""Users, runs, turns and processed updates through the repositories, on every database."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from state.db.models import Base, Run, Turn, User
from state.engine import RunState
from state.store import Store, StoreBusy, UnitOfWork, is_transient

BIG_ID = 8_123_456_789  # above 2**32: Telegram ids need BIGINT


def _state(node: str = "a", step: int = 0) -> RunState:
    return RunState(
        scenario_id="family/tiny",
        content_hash="h1",
        node=node,
        seed=3,
        step=step,
        vars={"warmth": 1},
        visits={"a": 1},
        path=["a/go"] * step,
        styles={"assertive": step},
    )


async def test_users_runs_turns_round_trip(store: Store) -> None:
    async with store.transaction(BIG_ID) as uow:
        user = await uow.users.get_or_create(BIG_ID)
    assert user.id == BIG_ID
    assert (user.role, user.consented_at, user.consent_version, user.timezone) == (
        "participant",
        None,
        None,
        None,
    )
    assert user.active is True and user.keep_typed_text is False
    assert user.created_at.tzinfo is not None and user.created_at.utcoffset().total_seconds() == 0

    consent_at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    async with store.transaction(BIG_ID) as uow:
        await uow.users.set_consent(BIG_ID, "v1", consent_at)
        await uow.users.set_keep_typed_text(BIG_ID, True)
        run_id = await uow.runs.create(BIG_ID, _state())
        await uow.runs.save(run_id, _state("b", 1))
        await uow.turns.add(
            run_id, BIG_ID, 1, "a", "go", "assertive", ["dear-man.describe"], "typed words"
        )

    async with store.transaction(BIG_ID) as uow:
        user = await uow.users.get(BIG_ID)
        assert user is not None
        assert user.consented_at == consent_at and user.consent_version == "v1"
        assert user.keep_typed_text is True
        run = await uow.runs.active(BIG_ID)
        assert run is not None and run.id == run_id and run.status == "active"
        assert run.node == "b" and run.state == _state("b", 1)
        assert (await uow.runs.latest(BIG_ID)).id == run_id
        [turn] = await uow.turns.for_user(BIG_ID)
        assert (turn.run_id, turn.step, turn.node, turn.choice_id, turn.style) == (
            run_id,
            1,
            "a",
            "go",
            "assertive",
        )
        assert turn.skills == ("dear-man.describe",) and turn.typed_text == "typed words"
        assert turn.created_at.tzinfo is not None
        await uow.runs.end(run_id, "good")
        await uow.users.set_consent(BIG_ID, None)

    async with store.transaction(BIG_ID) as uow:
        assert await uow.runs.active(BIG_ID) is None
        run = await uow.runs.latest(BIG_ID)
        assert run is not None and run.status == "ended" and run.outcome == "good"
        assert run.ended_at is not None and run.ended_at.tzinfo is not None
        user = await uow.users.get(BIG_ID)
        assert user is not None and user.consented_at is None and user.consent_version is None


async def test_transaction_stores_only_the_telegram_id(store: Store) -> None:
    async with store.transaction(42) as uow:
        pass
    async with store.transaction(None) as uow:
        user = await uow.users.get(42)
    assert user is not None and user.consent_version is None and user.timezone is None


async def test_exception_rolls_back(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction(7) as uow:
            await uow.runs.create(7, _state())
            raise RuntimeError("boom")
    async with store.transaction(7) as uow:
        assert await uow.runs.latest(7) is None


async def test_one_active_run_per_user_is_enforced(store: Store) -> None:
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with store.transaction(7) as uow:
            await uow.runs.create(7, _state())
            await uow.runs.create(7, _state())
    async with store.transaction(7) as uow:
        first = await uow.runs.create(7, _state())
        assert await uow.runs.abandon_active(7) == first
        second = await uow.runs.create(7, _state())
        assert [r.status for r in await uow.runs.for_user(7)] == ["abandoned", "active"]
        assert (await uow.runs.active(7)).id == second


async def test_updates_mark_is_seen_by_the_gate(store: Store) -> None:
    async with store.transaction(5) as uow:
        assert not (await uow.updates.gate(2**40, 5))[0]
        await uow.updates.mark(2**40, 5)
        await uow.updates.mark(2**40, 5)  # marking twice is harmless
    async with store.transaction(5) as uow:
        assert (await uow.updates.gate(2**40, 5))[0]


async def test_claim_is_true_once_and_the_gate_reads_seen_and_consent(store: Store) -> None:
    update_id = 2**40 + 1
    assert await store.read(lambda uow: uow.updates.gate(update_id, 5)) == (False, False)
    async with store.transaction(5) as uow:
        assert await uow.updates.claim(update_id, 5)
        assert not await uow.updates.claim(update_id, 5)
    assert await store.read(lambda uow: uow.updates.gate(update_id, 5)) == (True, False)
    await store.run(5, lambda uow: uow.users.set_consent(5, "v1"))
    assert await store.read(lambda uow: uow.updates.gate(update_id + 1, 5)) == (False, True)


async def test_a_read_does_not_queue_behind_an_open_write(store: Store) -> None:
    await store.run(5, lambda uow: uow.users.set_consent(5, "v1"))
    async with store.transaction(6) as uow:  # holds SQLite's write lock until the block ends
        await uow.users.set_consent(6, "v1")
        seen = await asyncio.wait_for(store.read(lambda u: u.updates.gate(1, 5)), timeout=5)
    assert seen == (False, True)


async def test_a_write_inside_a_read_fails_loudly_and_writes_still_work(store: Store) -> None:
    """Store.read refuses writes instead of rolling them back in silence."""
    with pytest.raises(DBAPIError):
        await store.read(lambda uow: uow.users.set_consent(9, "v1"))
    assert await store.read(lambda uow: uow.users.get(9)) is None
    await store.run(9, lambda uow: uow.users.set_consent(9, "v1"))  # the same pooled connection
    assert (await store.read(lambda uow: uow.users.get(9))).consent_version == "v1"
    await store.run(9, lambda uow: uow.users.set_consent(9, "v2"))  # and back to writing again
    assert (await store.read(lambda uow: uow.users.get(9))).consent_version == "v2"


async def test_many_writers_at_once_take_turns_without_conflicts(store: Store, caplog) -> None:
    caplog.set_level(logging.INFO, logger="state.store")

    async def claim(uow: UnitOfWork, update_id: int) -> bool:
        await asyncio.sleep(0)  # let the others in while this transaction is open
        return await uow.updates.claim(update_id, None)

    claimed = await asyncio.gather(
        *(store.run(1000 + i % 7, lambda uow, i=i: claim(uow, 5000 + i)) for i in range(200))
    )
    assert all(claimed)
    assert await store.read(lambda uow: uow.updates.gate(5199, 1000)) == (True, False)
    assert not [r for r in caplog.records if "transient" in r.getMessage()]


async def test_a_transaction_opened_inside_another_still_runs(store: Store) -> None:
    async with store.transaction(None) as outer:
        async with store.transaction(8) as inner:  # the outer hasn't touched the database yet
            await inner.users.set_consent(8, "v1")
        assert (await outer.users.get(8)).consent_version == "v1"


async def test_delete_everything_leaves_no_row_about_the_user(store: Store) -> None:
    for uid in (BIG_ID, 99):
        async with store.transaction(uid) as uow:
            await uow.users.set_consent(uid, "v1")
            old = await uow.runs.create(uid, _state())
            await uow.turns.add(old, uid, 1, "a", "go", "assertive", [], None)
            await uow.runs.abandon(old)
            run_id = await uow.runs.create(uid, _state())
            await uow.turns.add(run_id, uid, 1, "a", "go", "assertive", [], "words")
            await uow.updates.mark(uid * 10 + 1, uid)

    async with store.transaction(BIG_ID) as uow:
        run_ids = [r.id for r in await uow.runs.for_user(BIG_ID)]
        assert await uow.users.delete_everything(BIG_ID) == 6  # 2 turns, 1 update, 2 runs, user

    async with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                about_user = column is User.__table__.c.id or any(
                    fk.column is User.__table__.c.id for fk in column.foreign_keys
                )
                about_run = any(fk.column is Run.__table__.c.id for fk in column.foreign_keys)
                if about_user:
                    n = await conn.scalar(
                        select(func.count()).select_from(table).where(column == BIG_ID)
                    )
                    assert n == 0, f"{table.name}.{column.name} still has rows"
                if about_run:
                    n = await conn.scalar(
                        select(func.count()).select_from(table).where(column.in_(run_ids))
                    )
                    assert n == 0, f"{table.name}.{column.name} still has rows"
        # The other user is untouched.
        assert (
            await conn.scalar(select(func.count()).select_from(Turn).where(Turn.user_id == 99)) == 2
        )
        assert await conn.scalar(select(func.count()).select_from(User)) == 1


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


async def test_run_retries_a_transient_conflict(store: Store) -> None:
    calls = 0

    async def work(uow: UnitOfWork) -> int:
        nonlocal calls
        calls += 1
        run_id = await uow.runs.create(3, _state())
        if calls < 3:
            raise _locked()
        return run_id

    run_id = await store.run(3, work)
    assert calls == 3
    async with store.transaction(3) as uow:
        assert [r.id for r in await uow.runs.for_user(3)] == [run_id]  # earlier tries rolled back


async def test_run_gives_up_with_store_busy_and_passes_real_errors(store: Store) -> None:
    async def always_locked(uow: UnitOfWork) -> None:
        raise _locked()

    with pytest.raises(StoreBusy):
        await store.run(3, always_locked, attempts=2)

    async def bug(uow: UnitOfWork) -> None:
        raise KeyError("not a database problem")

    with pytest.raises(KeyError):
        await store.run(3, bug)


def test_is_transient() -> None:
    assert is_transient(_locked())
    assert not is_transient(OperationalError("x", {}, sqlite3.OperationalError("no such table")))
    assert not is_transient(ValueError("database is locked"))
    assert is_transient(ConnectionRefusedError())  # PostgreSQL restarting: never reached it
    assert is_transient(ConnectionResetError())

    class Shutdown(Exception):
        sqlstate = "57P01"  # admin_shutdown

    class Unique(Exception):
        sqlstate = "23505"

    class PoolerHiccup(Exception):
        sqlstate = "08P01"  # PgBouncer's "server conn crashed?": worth another attempt

    assert is_transient(DBAPIError("COMMIT", {}, Shutdown()))
    assert not is_transient(DBAPIError("INSERT", {}, Unique()))
    assert is_transient(DBAPIError("SELECT", {}, PoolerHiccup()))


async def test_a_retry_that_finds_its_own_commit_landed_says_it_is_unconfirmed(
    store: Store,
) -> None:
    """The first attempt's commit reaches the database and the connection drops before its
    answer does (injected after the real commit): the retry must not do the work again, and must
    not pass for a plain redelivery either, whose reply went out."""
    from contextlib import asynccontextmanager

    from state.store import AlreadyApplied, AppliedUnconfirmed

    real, attempts, done = store.transaction, [], []

    @asynccontextmanager
    async def commit_then_lose_the_answer(*args, **kwargs):
        attempts.append(1)
        async with real(*args, **kwargs) as uow:
            yield uow
        if len(attempts) == 1:
            raise DBAPIError("COMMIT", {}, ConnectionResetError(), connection_invalidated=True)

    async def work(uow: UnitOfWork) -> None:
        done.append(1)

    store.transaction = commit_then_lose_the_answer  # type: ignore[method-assign]
    with pytest.raises(AppliedUnconfirmed):
        await store.run(BIG_ID, work, update_id=424242)
    assert done == [1] and len(attempts) == 2
    store.transaction = real  # type: ignore[method-assign]
    with pytest.raises(AlreadyApplied) as plain:  # a later redelivery is a plain one
        await store.run(BIG_ID, work, update_id=424242)
    assert type(plain.value) is AlreadyApplied and done == [1]


async def test_a_retry_after_a_conflict_before_the_commit_finds_a_plain_redelivery(
    store: Store,
) -> None:
    """The first attempt fails in its work (a conflict: nothing committed), and the same update,
    delivered to another worker, is applied before the retry: what the retry finds is a plain
    redelivery, whose reply the other worker sent, not its own commit gone unseen."""
    from contextlib import asynccontextmanager

    from state.errors import AlreadyApplied

    real, attempts = store.transaction, []

    @asynccontextmanager
    async def conflict_then_another_worker(*args, **kwargs):
        attempts.append(1)
        try:
            async with real(*args, **kwargs) as uow:
                yield uow
        except DBAPIError:
            async with real(BIG_ID) as other:  # the other worker applies the same update
                await other.updates.claim(434343, BIG_ID)
            raise

    async def work(uow: UnitOfWork) -> None:
        if len(attempts) == 1:
            raise DBAPIError("UPDATE", {}, ConnectionResetError(), connection_invalidated=True)

    store.transaction = conflict_then_another_worker  # type: ignore[method-assign]
    try:
        with pytest.raises(AlreadyApplied) as found:
            await store.run(BIG_ID, work, update_id=434343)
    finally:
        store.transaction = real  # type: ignore[method-assign]
    assert type(found.value) is AlreadyApplied and len(attempts) == 2
