"""Offline, through the handlers: the steps before the scene and after an exposure debrief,
and what an old or forged button of theirs gets (#18)."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from bot.settings import Settings
from offline import TOKEN, Chat, offline_app
from scenarios.library import load_library

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIBRARY = load_library([FIXTURES])


@pytest.fixture
async def fixture_chat(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )
    async with offline_app(settings, LIBRARY) as (app, request, store):
        chat = Chat(app, request)
        await chat.send("/start")
        await chat.press_button("I agree")
        chat.request.clear()
        yield chat, store


def toast(chat: Chat) -> str:
    return str(chat.request.sent("answerCallbackQuery")[-1].get("text") or "")


async def test_steps_then_an_old_button_then_a_forged_one(fixture_chat):
    chat, _ = fixture_chat
    await chat.press("s:social-anxiety/speak-up-in-group")
    example = chat.last_buttons()
    assert [t for t, _ in example] == ["See how a peer handled it", "Skip to my turn"]
    await chat.press_button("See how a peer handled it")
    texts = [unescape(t) for t in chat.request.texts()]
    assert any("asked for help" in t for t in texts), texts
    frame = chat.last_buttons()
    assert [t for t, _ in frame][:3] == [
        "Getting what I asked for",
        "The relationship",
        "My self-respect",
    ], frame
    await chat.press_button("The relationship")
    assert "GIVE is the skill" in " ".join(chat.request.texts()), chat.request.texts()
    thought = chat.last_buttons()
    chat.request.clear()
    await chat.press(example[0][1], buttons=example)  # the example's button again
    assert "expired" in toast(chat)
    await chat.press(example[0][1].replace("example/see", "thought/labeling"))  # forged
    assert "expired" in toast(chat)
    await chat.press("p:1.2:thought/nonsense")  # forged value at the right step
    assert "isn't available" in toast(chat)
    chat.request.clear()
    await chat.press(thought[0][1], buttons=thought)  # the thought check still works
    assert "balanced thought" in " ".join(chat.request.texts())
