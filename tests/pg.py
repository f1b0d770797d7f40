"""PostgreSQL schemas for tests: a fresh one per test (`fresh_schema`), or one migrated once per
test process and emptied before each test (`migrated_schema`, `empty_tables`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from state.db.session import make_engine, normalize_url


@asynccontextmanager
async def fresh_schema(raw_url: str) -> AsyncIterator[str]:
    """Yield a URL whose tables live in a new schema, dropped afterwards.

    A set but unusable URL fails the test (never skips it): CI must prove PostgreSQL works.
    """
    base = normalize_url(raw_url)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    await _create_schema(admin, schema)
    try:
        yield _schema_url(raw_url, schema)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


def _schema_url(raw_url: str, schema: str) -> str:
    base = normalize_url(raw_url)
    return base.update_query_dict({"search_path": schema}).render_as_string(hide_password=False)


async def _create_schema(admin: AsyncEngine, schema: str) -> None:
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is the same message
        await admin.dispose()
        pytest.fail(
            f"TEST_DATABASE_URL is set ({admin.url.render_as_string(hide_password=True)}) but "
            f"the database cannot be used: {type(exc).__name__}: {exc}",
            pytrace=False,
        )


def _in_a_loop_of_its_own(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run `coro` to the end in a new event loop on another thread (the caller may be inside a
    running loop, and a test's loop must not be the one the schema's connections were made on).
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def migrated_schema(raw_url: str) -> Iterator[str]:
    """A new schema at the newest migration, for one test process; dropped afterwards.

    Migrating a PostgreSQL schema takes 0.5-1 s; emptying its tables (`empty_tables`) takes
    milliseconds, so the store tests share one schema per process and empty it per test.
    """
    from state.store import Store

    schema = f"test_{uuid.uuid4().hex[:16]}"
    url = _schema_url(raw_url, schema)

    async def create() -> None:
        admin = make_engine(normalize_url(raw_url))
        await _create_schema(admin, schema)  # an unusable URL fails the tests here
        await admin.dispose()

    async def migrate() -> None:
        store = await Store.open(url)
        await store.close()

    async def drop() -> None:
        admin = make_engine(normalize_url(raw_url))
        try:
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            await admin.dispose()

    _in_a_loop_of_its_own(create())
    try:
        _in_a_loop_of_its_own(migrate())
        yield url
    finally:
        _in_a_loop_of_its_own(drop())


async def empty_tables(engine: AsyncEngine) -> None:
    """Empty every table of the engine's schema but Alembic's, and restart its id sequences:
    the schema is then as a new one migrated to the newest revision."""
    async with engine.begin() as conn:
        # A connection a previous test left open would make TRUNCATE wait: fail instead.
        await conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        result = await conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'alembic_version'"
        )
        tables = ", ".join(f'"{name}"' for name in result.scalars())
        await conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
