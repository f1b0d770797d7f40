"""A fresh PostgreSQL schema per test, shared by the store and bot fixtures."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from state.db.session import make_engine, normalize_url


@asynccontextmanager
async def fresh_schema(raw_url: str) -> AsyncIterator[str]:
    """Yield a URL whose tables live in a new schema, dropped afterwards.

    A set but unusable URL fails the test (never skips it): CI must prove PostgreSQL works.
    """
    base = normalize_url(raw_url)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is the same message
        await admin.dispose()
        pytest.fail(
            f"TEST_DATABASE_URL is set ({base.render_as_string(hide_password=True)}) but the "
            f"database cannot be used: {type(exc).__name__}: {exc}",
            pytrace=False,
        )
    try:
        yield base.update_query_dict({"search_path": schema}).render_as_string(hide_password=False)
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()
