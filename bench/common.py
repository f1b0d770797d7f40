"""What the database benches share: the databases they run on, bulk loading, and memory.

Memory is measured in a fresh child process (`run_child`), so what one measurement allocated
never shows in the next; the child reports `rss_since(opened)` as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from state.db.models import Base
from state.db.session import make_engine, normalize_url
from state.store import Store

LOCAL_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHUNK = 10_000  # rows per bulk statement: large enough to be fast, small enough for asyncpg
NO_PG = "PostgreSQL was not reachable, so only SQLite was measured."
REPO = Path(__file__).resolve().parent.parent

Rows = Callable[[range], Sequence[tuple[type[Base], list[dict[str, Any]]]]]


# ---- memory ---------------------------------------------------------------------------------


def rss_kib() -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, in KiB."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    out.setdefault("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    out.setdefault("VmRSS", out["VmHWM"])
    return out


def rss_since(opened: int) -> dict[str, int]:
    """What a child reports, in KiB: RSS once the store was open, RSS now, and the peak."""
    now = rss_kib()
    return {"opened": opened, "after": now["VmRSS"], "peak": now["VmHWM"]}


def run_child(module: str, *args: str) -> dict[str, int]:
    """Run `python -m module --child ARGS…` in a fresh process; the JSON it printed last."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict[str, int]]) -> dict[str, float]:
    """The median of each figure over the children's reports: the machines are noisy."""
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def rss_cells(med: dict[str, float]) -> str:
    """`opened | after | peak` in MiB, for a table row."""
    return " | ".join(f"{med[k] / 1024:.1f}" for k in ("opened", "after", "peak"))


# ---- databases ------------------------------------------------------------------------------


async def postgres_base() -> str | None:
    """TEST_DATABASE_URL, or the local server if it answers; None means SQLite only."""
    url = os.environ.get("TEST_DATABASE_URL") or LOCAL_PG
    eng = make_engine(url)
    try:
        async with asyncio.timeout(5), eng.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        return url
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("TEST_DATABASE_URL"):
            raise SystemExit(f"TEST_DATABASE_URL is set but unusable: {exc}") from exc
        return None
    finally:
        await eng.dispose()


async def pg_schema(base: str, drop: str | None = None) -> str:
    """Create a fresh schema and return a URL that uses it (or drop `drop`)."""
    eng = make_engine(base)
    try:
        async with eng.begin() as conn:
            if drop:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{drop}" CASCADE')
                return ""
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        await eng.dispose()
    url = normalize_url(base).update_query_dict({"search_path": schema})
    return url.render_as_string(hide_password=False)


async def backends() -> list[tuple[str, str | None]]:
    """(name, PostgreSQL base URL or None for SQLite) of every database to measure."""
    pg = await postgres_base()
    return [("sqlite", None)] + ([("postgresql", pg)] if pg else [])


@asynccontextmanager
async def fresh_database(tmp: Path, pg: str | None, name: str) -> AsyncIterator[str]:
    """An empty database's URL: a SQLite file in `tmp`, or a new PostgreSQL schema (dropped)."""
    if pg is None:
        yield f"sqlite+aiosqlite:///{tmp / name}.db"
        return
    url = await pg_schema(pg)
    try:
        yield url
    finally:
        await pg_schema(pg, drop=normalize_url(url).query["search_path"])


async def bulk_load(url: str, users: int, rows: Rows) -> None:
    """Create the schema, then insert `rows(ids)` for users 1…N, CHUNK users a transaction.

    Core INSERTs of many rows each: loading 100,000 users through the ORM would take minutes.
    """
    store = await Store.open(url)
    await store.close()
    eng = make_engine(url)
    try:
        for lo in range(1, users + 1, CHUNK):
            ids = range(lo, min(lo + CHUNK, users + 1))
            async with eng.begin() as conn:
                for model, values in rows(ids):
                    await conn.execute(insert(model), values)
    finally:
        await eng.dispose()
