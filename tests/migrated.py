"""SQLite databases already at the newest migration, for tests that need a store but don't test
migrating: one file is migrated per test process (exactly as `Store.open` migrates a new
database) and each test gets a copy of it.

Running the whole migration chain costs about 0.12 s a database, and a few hundred tests each
opened a fresh one; copying the migrated file costs about a millisecond. The migrations
themselves are tested on empty databases in tests/store/test_store_migrations.py.
"""

from __future__ import annotations

import asyncio
import atexit
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

from state.store import Store


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _migrate(url: str) -> None:
    store = await Store.open(url)
    await store.close()


@cache
def _template() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rehearse-migrated-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    # In a thread of its own: the caller is often an async fixture, inside a running loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _migrate(sqlite_url(path))).result()
    leftovers = sorted(p.name for p in folder.iterdir() if p != path)
    assert not leftovers, f"the closed template left files beside it: {leftovers}"
    return path


def migrated_sqlite(path: Path) -> str:
    """Put a database at the newest migration at `path` (a new file) and return its URL."""
    if path.exists():
        raise FileExistsError(path)
    shutil.copyfile(_template(), path)
    return sqlite_url(path)
