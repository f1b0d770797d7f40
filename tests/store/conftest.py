"""Fixtures for the store tests: every test runs on SQLite, and on PostgreSQL too when
`TEST_DATABASE_URL` is set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test).

Each PostgreSQL test gets a fresh schema (dropped afterwards), so tests are isolated from each
other and from anyone else using the same database. A set but unreachable TEST_DATABASE_URL is a
failure, not a skip.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import make_url

from migrated import migrated_sqlite
from pg import fresh_schema
from scenarios.library import Library, load_library
from shipped import shipped_library
from state.store import Store

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    assert TEST_DATABASE_URL
    async with fresh_schema(TEST_DATABASE_URL) as url:
        yield url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """A store at the newest migration. On SQLite the database is a copy of one migrated once
    per process (tests/migrated.py); on PostgreSQL the new schema is migrated here."""
    on_sqlite = db_url.startswith("sqlite")
    if on_sqlite:
        migrated_sqlite(Path(make_url(db_url).database))
    s = await Store.open(db_url, upgrade=not on_sqlite)
    try:
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
