"""Offline, through the handlers: the steps before the scene and after an exposure debrief,
and what an old or forged button of theirs gets (#18)."""

from __future__ import annotations

import typing
from html import unescape
from pathlib import Path

import pytest

from bot import callbacks
from bot.settings import Settings
from migrated import migrated_sqlite
from offline import TOKEN, Chat, offline_app
from scenarios.library import load_library
from scenarios.limits import CALLBACK_DATA_BYTES
from scenarios.model import Trap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIBRARY = load_library([FIXTURES])


@pytest.fixture
async def fixture_chat(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=migrated_sqlite(tmp_path / "bot.db"),
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


def test_a_leaders_picker_names_how_heavy_a_topic_is():
    from bot.features.live.commands import scenarios_screen
    from bot.render import with_intensity

    scenario = LIBRARY.scenarios["social-anxiety/speak-up-in-group"]
    assert with_intensity(scenario) == "Saying one thing in group · light topic"
    heavy = scenario.model_copy(update={"intensity": 3})
    assert with_intensity(heavy).endswith("· heavy topic")

    class Live:  # the live feature reads only its library here
        library = LIBRARY

    text, keyboard = scenarios_screen(Live(), "social-anxiety")  # type: ignore[arg-type]
    assert keyboard.inline_keyboard[0][0].text == "●○○ Saying one thing in group · light topic"
    assert "Heavy ones sit best later" in text


async def test_the_prediction_is_kept_on_the_run_and_erased_with_everything(fixture_chat):
    from sqlalchemy import select

    from state.db.models import Run

    chat, store = fixture_chat
    await chat.press("s:social-anxiety/speak-up-in-group")
    for label in ("Skip to my turn", "Skip", "Skip", "5"):
        await chat.press_button(label)
    await chat.send("It will be awkward and I will mumble.")
    assert "Your turn now." in chat.request.texts()

    async def prediction(uow):
        return list(await uow.session.execute(select(Run.anxiety_before, Run.prediction)))

    assert await store.run(None, prediction) == [(5, "It will be awkward and I will mumble.")]
    await store.run(None, lambda uow: uow.users.delete_everything(chat.user_id))
    assert await store.run(None, prediction) == []


async def test_the_skip_helper_reaches_the_scene(fixture_chat):
    chat, _ = fixture_chat
    await chat.press("s:social-anxiety/speak-up-in-group")
    assert await chat.skip_prelude() == 5
    assert chat.last_buttons()[0][1].startswith("c:")  # the scene's first choices
    assert await chat.skip_prelude() == 0


async def test_progress_lists_and_charts_anxiety_before_and_after(fixture_chat):
    chat, _ = fixture_chat
    for before, after, compared in (("8", "5", "The same"), ("6", "2", "Better")):
        await chat.press("s:social-anxiety/speak-up-in-group")
        for label in ("Skip to my turn", "Skip", "Skip", before, "Skip"):
            await chat.press_button(label)
        await chat.press_button("I'm nervous, but I'll share")
        await chat.press_button("(A slow breath")
        await chat.press_button(after)
        await chat.press_button(compared.replace("The same", "About the same"))
    assert "Anxiety before: 6 of 10, after: 2 of 10" in chat.request.texts()[-1]
    chat.request.clear()
    await chat.send("/progress")
    text = unescape(chat.request.texts()[0])
    assert "Saying one thing in group: 8 → 5 · as expected" in text
    assert "Saying one thing in group: 6 → 2 · better than expected" in text
    assert "came down 3.5 points" in text
    assert "coping moves 2" in text
    [photo] = chat.request.sent("sendPhoto")
    assert photo["caption"].startswith("Anxiety before and after")


@pytest.mark.parametrize("trap", typing.get_args(Trap))
def test_every_thinking_trap_button_reads_back(trap):
    """A trap's button that didn't parse answered "expired" (it did, for the longest name)."""
    data = callbacks.prelude_step(36**8 - 1, 36**4 - 1, "thought", trap)
    assert len(data.encode()) <= CALLBACK_DATA_BYTES
    assert callbacks.parse(data) == callbacks.StepData(36**8 - 1, 36**4 - 1, "thought", trap)
