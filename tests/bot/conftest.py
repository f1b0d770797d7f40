"""An Application over a real SQLite store, driven offline through PTB's request layer."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from bot.settings import Settings
from migrated import migrated_sqlite
from offline import TOKEN, Chat, offline_app
from shipped import shipped_library

LIBRARY = shipped_library()


@pytest.fixture
async def bot_env(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=migrated_sqlite(tmp_path / "bot.db"),
    )
    async with offline_app(settings, LIBRARY) as env:
        yield env


@pytest.fixture
async def chat(bot_env):
    app, request, _ = bot_env
    return Chat(app, request)


@pytest.fixture
async def consented(chat):
    await chat.send("/start")
    await chat.press_button("I agree")
    chat.request.clear()
    return chat


@pytest.fixture
def begins(bot_env):
    """The transactions the store begins: "BEGIN" a read, "BEGIN IMMEDIATE" a write."""
    engine = bot_env[2].engine.sync_engine
    seen: list[str] = []

    def look(_conn, _cursor, statement, *_):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", look)
    yield seen
    event.remove(engine, "before_cursor_execute", look)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The same end-to-end test on a SQLite file and on PostgreSQL (which fails in CI when it
    is missing: the postgres_url fixture)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def no_errors(caplog):
    """Fails the test if an error reached bot/app.py's on_error (a module opts in with
    `pytestmark = pytest.mark.usefixtures("no_errors")`)."""
    caplog.set_level(logging.INFO)
    yield
    failures = [r for r in caplog.records if r.name == "bot.app" and r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]
