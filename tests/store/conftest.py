"""Fixtures for the store tests: every test runs on SQLite, and on PostgreSQL too when
`TEST_DATABASE_URL` is set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test).

The `store` fixture is at the newest migration: on PostgreSQL each test process has a schema of
its own (dropped afterwards), emptied before each test, so tests are isolated from each other and
from anyone else using the same database; `db_url` is a fresh, empty schema per test. A set but
unreachable TEST_DATABASE_URL is a failure, not a skip.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from migrated import migrated_sqlite
from pg import empty_tables, fresh_schema, migrated_schema
from scenarios.library import Library, load_library
from shipped import shipped_library
from state.store import Store

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def db_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database (no tables yet)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    assert TEST_DATABASE_URL
    async with fresh_schema(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str | None]:
    """This process's PostgreSQL schema at the newest migration (None without PostgreSQL)."""
    if not TEST_DATABASE_URL:
        yield None
        return
    with migrated_schema(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture
async def store(
    backend: str, tmp_path: Path, postgres_migrated: str | None
) -> AsyncIterator[Store]:
    """A store at the newest migration, without running the migrations per test: on SQLite a
    copy of a file migrated once per process (tests/migrated.py), on PostgreSQL this process's
    migrated schema with every table emptied (tests/pg.py). The migrations themselves are
    tested on empty databases (`db_url`) in test_store_migrations.py."""
    if backend == "sqlite":
        url = migrated_sqlite(tmp_path / "test.db")
    else:
        assert postgres_migrated
        url = postgres_migrated
    s = await Store.open(url, upgrade=False)
    try:
        if backend == "postgresql":
            await empty_tables(s.engine)
        yield s
    finally:
        await s.close()


@pytest.fixture(scope="session")
def real_library() -> Library:
    lib = shipped_library()
    if lib.get("family/birthday-or-group") is None:
        pytest.fail(
            "the real scenario family/birthday-or-group did not load: "
            + "; ".join(str(p) for p in lib.errors[:5])
        )
    return lib


TINY = """\
title: Tiny test scenario
context: family
difficulty: 1
skills: [dear-man]
summary: A small scenario for store tests.
characters:
  sam: {name: Sam}
start: a
nodes:
  a:
    lines:
      - {speaker: sam, text: "Hello, this is node a."}
    choices:
      - {id: go, text: "Go to b", style: assertive, skills: [dear-man.describe],
         feedback: "Clear.", target: b}
      - {id: other, text: "Go to c", style: passive, feedback: "Hm.", target: c}
  b:
    lines:
      - {speaker: sam, text: "B_LINE"}
    choices:
      - {id: finish, text: "Finish", style: assertive, feedback: "Done.", target: end}
  c:
    lines:
      - {speaker: sam, text: "This is c."}
    choices:
      - {id: finish, text: "Finish", style: assertive, feedback: "Done.", target: end}
  end:
    ending: {outcome: good, title: The end, debrief: "Well done.", try_this_week: "Try it."}
"""

# Without node b (a's first choice now goes to c).
TINY_WITHOUT_B = """\
title: Tiny test scenario
context: family
difficulty: 1
skills: [dear-man]
summary: A small scenario for store tests.
characters:
  sam: {name: Sam}
start: a
nodes:
  a:
    lines:
      - {speaker: sam, text: "Hello, this is node a."}
    choices:
      - {id: go, text: "Go to c", style: assertive, skills: [dear-man.describe],
         feedback: "Clear.", target: c}
  c:
    lines:
      - {speaker: sam, text: "This is c."}
    choices:
      - {id: finish, text: "Finish", style: assertive, feedback: "Done.", target: end}
  end:
    ending: {outcome: good, title: The end, debrief: "Well done.", try_this_week: "Try it."}
"""

# A loop long enough for many steps: `again` stays, `finish` ends.
LOOP = """\
title: Loop test scenario
context: family
difficulty: 1
skills: [dear-man]
summary: A looping scenario for concurrency tests.
characters:
  sam: {name: Sam}
start: loop
nodes:
  loop:
    lines:
      - {speaker: sam, text: "Again?"}
    choices:
      - {id: again, text: "Again", style: assertive, skills: [dear-man.describe],
         feedback: "Once more.", target: loop}
      - {id: finish, text: "Finish", style: assertive, feedback: "Done.", target: end}
  end:
    ending: {outcome: good, title: The end, debrief: "Well done.", try_this_week: "Try it."}
"""


@pytest.fixture
def write_library(tmp_path: Path) -> Callable[..., Library]:
    """Write scenario files under tmp_path/scenarios and load them: write_library(id=yaml)."""
    root = tmp_path / "scenarios"

    def write(**files: str) -> Library:
        for key, text in files.items():
            context, name = key.split("__")
            path = root / context / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        lib = load_library([root])
        assert not lib.errors, lib.errors
        return lib

    return write


@pytest.fixture
def texts() -> dict[str, str]:
    """The scenario texts above, by name: tiny, tiny_without_b, loop."""
    return {"tiny": TINY, "tiny_without_b": TINY_WITHOUT_B, "loop": LOOP}
