"""Migrations: from empty to head, down to base and up again, on every database; and the
hand-written migrations match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from state.db import migrate
from state.db.models import Base
from state.db.session import InlineConnection, make_engine
from state.store import Store

HEAD = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
TABLES = {t.name for t in Base.metadata.sorted_tables}


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _drift(url: str) -> list:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_matches_the_models(db_url: str) -> None:
    assert await migrate.current(db_url) is None
    assert not (await _tables(db_url)) & TABLES
    store = await Store.open(db_url)
    await store.close()
    assert await migrate.current(db_url) == HEAD
    assert await _tables(db_url) >= TABLES
    assert await _drift(db_url) == []


async def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    await migrate.upgrade(db_url)
    store = await Store.open(db_url, upgrade=False)
    async with store.transaction(1) as uow:
        await uow.runs.abandon_active(1)
    await store.close()

    await migrate.downgrade(db_url, "base")
    assert await migrate.current(db_url) is None
    assert not (await _tables(db_url)) & TABLES

    store = await Store.open(db_url)
    await store.upgrade()  # idempotent at head
    async with store.transaction(1) as uow:
        assert await uow.users.get(1) is not None
    await store.close()
    assert await migrate.current(db_url) == HEAD
    assert await _drift(db_url) == []


async def test_sqlite_connections_are_configured(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            mode = await conn.exec_driver_sql("PRAGMA journal_mode")
            assert mode.scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 0
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            driver = (await conn.get_raw_connection()).driver_connection
            assert isinstance(driver, InlineConnection)  # no worker-thread hop per call
    finally:
        await engine.dispose()


def test_urls_are_rewritten_and_passwords_hidden() -> None:
    from state.db.session import normalize_url, safe_url

    assert normalize_url("postgres://u:p@h/db").drivername == "postgresql+asyncpg"
    assert normalize_url("postgresql://u:p@h/db").drivername == "postgresql+asyncpg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert "secret" not in safe_url("postgres://u:secret@h/db")


async def test_another_process_holding_the_lock_does_not_freeze_the_loop(tmp_path) -> None:
    """The write waits for the other connection on a thread; the event loop keeps running."""
    import asyncio
    import sqlite3

    from state.store import Store

    db = tmp_path / "locked.db"
    store = await Store.open(f"sqlite+aiosqlite:///{db}")
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # as the CLI would, mid-write
    asyncio.get_running_loop().call_later(0.6, other.execute, "COMMIT")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    counting = asyncio.create_task(ticker())
    try:
        await store.run(5, lambda uow: uow.users.set_consent(5, "v1"))
    finally:
        counting.cancel()
        other.close()
    async with store.transaction(None) as uow:
        assert (await uow.users.get(5)).consent_version == "v1"
    await store.close()
    assert ticks >= 30  # ~60 possible in 0.6 s; a frozen loop manages a handful


async def test_alerts_already_queued_get_the_member_they_are_about(db_url: str) -> None:
    """0008: a crisis alert stored before `outbox.subject_id` names its member from its dedupe
    key, so /delete finds it; one about someone already erased is erased by the upgrade."""
    from sqlalchemy import text

    await migrate.upgrade(db_url, "0007_erase_confirm")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO users (id) VALUES (1), (2)"))
            for user, kind, key in (
                (1, "crisis-alert", "crisis:5:2:100"),  # to leader 1, about member 2
                (1, "crisis-alert", "crisis:5:3:100"),  # about 3, who used /delete
                (2, "push", "push:7:2"),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO outbox (user_id, chat_id, kind, payload, dedupe_key, "
                        f"status) VALUES ({user}, {user}, '{kind}', '{{\"text\": \"x\"}}', "
                        f"'{key}', 'sent')"
                    )
                )
        await migrate.upgrade(db_url)
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT dedupe_key, subject_id FROM outbox ORDER BY id"))
            assert [tuple(r) for r in rows] == [("crisis:5:2:100", 2), ("push:7:2", None)]
    finally:
        await engine.dispose()


async def test_check_in_sharing_moves_to_each_group_the_member_is_in(db_url: str) -> None:
    """0009: whoever shared check-ins with "my group leader" keeps sharing with the groups they
    are in now (not one they left); nobody else starts sharing."""
    from sqlalchemy import text

    await migrate.upgrade(db_url, "0008_outbox_subject")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO users (id) VALUES (1), (2), (3)"))
            await conn.execute(
                text(
                    "INSERT INTO groups (id, name, leader_id, leader_name) "
                    "VALUES (10, 'A', 1, 'L'), (11, 'B', 1, 'L')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO memberships (group_id, user_id, display_name, left_at) VALUES "
                    "(10, 2, 'two', NULL), (11, 2, 'two', CURRENT_TIMESTAMP), "
                    "(10, 3, 'three', NULL)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO checkin_settings (user_id, share_with_leader) "
                    "VALUES (2, true), (3, false)"
                )
            )
        await migrate.upgrade(db_url)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT group_id, user_id, share_checkins FROM memberships "
                    "ORDER BY group_id, user_id"
                )
            )
            assert [(g, u, bool(s)) for g, u, s in rows] == [
                (10, 2, True),
                (10, 3, False),
                (11, 2, False),
            ]
    finally:
        await engine.dispose()
