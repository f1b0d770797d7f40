"""An Application over a real SQLite store, driven offline through PTB's request layer."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.services import Services
from bot.settings import Settings
from offline import TOKEN, Chat, RecordingRequest
from scenarios.library import load_library
from state.coach import match_reply
from state.practice import Practice
from state.safety import DEFAULT_RESOURCES
from state.store import Store

LIBRARY = load_library()


@pytest.fixture
async def bot_env(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    store = await Store.open(settings.database_url)
    services = Services(
        settings, store, LIBRARY, Practice(store, LIBRARY, match_reply), DEFAULT_RESOURCES
    )
    request = RecordingRequest()
    app = build_application(
        settings, services, request=request, updates_request=RecordingRequest(), rate_limit=False
    )
    app.bot_data["owns_store"] = False
    await app.initialize()
    try:
        yield app, request, store
    finally:
        await app.shutdown()
        await store.close()


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
