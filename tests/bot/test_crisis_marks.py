"""The crisis card's update: the gate's read, the card, then ONE write that records the event,
ends the role-play, writes the leaders' alert and marks the update (bot/features/safety.py's
`show_card`). The card waits for no write; a failed send still records; a redelivery once
recorded is skipped, or, unseen by the gate, records nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import callbacks
from offline import Chat
from state.db.models import SafetyEvent
from texts import probable_text

SCENARIO = "family/birthday-or-group"
CRISIS = "honestly everyone would be better off without me"


# the handlers answer every update here without an error reaching bot/app.py's on_error
pytestmark = pytest.mark.usefixtures("no_errors")


async def seen(store, update_id: int, user_id: int) -> bool:
    async with store.transaction(None) as uow:
        return (await uow.updates.gate(update_id, user_id))[0]


async def events(store) -> int:
    count = select(func.count()).select_from(SafetyEvent)
    return await store.read(lambda uow: uow.session.scalar(count))


async def in_a_scene(chat: Chat) -> None:
    await chat.press(callbacks.scenario(SCENARIO))
    chat.request.clear()


def cards(chat: Chat) -> list[str]:
    return [t for t in chat.request.texts() if "988" in t]


async def test_crisis_words_are_the_gates_read_and_one_write_that_marks_them(
    consented, bot_env, begins
):
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    begins.clear()
    update = await chat.send(CRISIS)
    assert len(cards(chat)) == 1 and "stopped the role-play" in cards(chat)[0]
    # The gate's read (which also found the scene the card names), then the record: no read
    # of its own for the scene, no mark after.
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await events(store) == 1
    async with store.transaction(None) as uow:
        assert await uow.runs.active(chat.user_id) is None

    chat.request.clear()
    begins.clear()
    await chat.feed(update.to_dict())  # a redelivery once recorded: skipped at the gate
    assert chat.request.texts() == []
    assert begins == ["BEGIN"]
    assert await events(store) == 1


async def test_the_card_goes_out_before_anything_is_written(consented, bot_env, begins):
    """The order: the card's sendMessage finds no write begun and no event recorded."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    begins.clear()
    at_the_card: list[tuple[list[str], int]] = []
    real = chat.request.answer

    async def look(name, params):
        if name == "sendMessage" and "988" in str(params.get("text")):
            at_the_card.append((list(begins), await events(store)))
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    await chat.send(CRISIS)
    (before_card, recorded), *_ = at_the_card
    assert "BEGIN IMMEDIATE" not in before_card and recorded == 0
    assert await events(store) == 1  # written after it


async def test_a_card_that_fails_to_send_is_still_recorded(consented, bot_env, caplog):
    """Telegram refuses the card (here: the bot blocked): the event, the end of the scene and
    the update's mark are written all the same."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    chat.request.fail["sendMessage"] = (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    update = await chat.send(CRISIS)
    caplog.clear()  # the failed update is logged by on_error, as any failed send is
    assert await events(store) == 1
    assert await seen(store, update.update_id, chat.user_id)
    async with store.transaction(None) as uow:
        assert await uow.runs.active(chat.user_id) is None


async def test_a_redelivery_the_gate_cannot_see_shows_the_card_and_records_nothing_more(
    consented, bot_env, monkeypatch, caplog
):
    """The gate's read skipped (the database away for it, or a second worker): the card goes
    out again (it never depends on the database), the record finds the update claimed
    (`AlreadyApplied`) and nothing more is written or said (no plan, no "sorry")."""
    app, request, store = bot_env
    chat = consented
    await chat.send("/safetyplan")
    await chat.press(callbacks.action("planstart"))
    await chat.send("when I stop sleeping")  # a plan, shown under the card
    await in_a_scene(chat)
    update = await chat.send(CRISIS)
    assert any("Your safety plan" in t for t in request.texts())
    assert await events(store) == 1

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].onboarding, "admit", away)
    request.clear()
    await app.process_update(update)
    texts = request.texts()
    assert len(texts) == 1 and "988" in texts[0]  # the card alone
    assert await events(store) == 1
    assert "crisis already recorded" in caplog.text


async def test_the_questions_yes_is_the_gates_read_and_one_write(consented, bot_env, begins):
    """A press of "Yes" under the direct question: the gate reads the scene too, so the card
    and its record are two transactions, one write that marks the press."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    await chat.send(probable_text())
    assert "are you thinking about ending your life" in chat.request.texts()[-1]
    begins.clear()
    update = await chat.press(callbacks.action("cyes", "suicide"))
    assert len(cards(chat)) == 1 and "stopped the role-play" in cards(chat)[0]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await events(store) == 1


async def test_a_typed_yes_is_the_gates_read_and_one_write(consented, bot_env, begins):
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    await chat.send(probable_text())
    chat.request.clear()
    begins.clear()
    update = await chat.send("yes")
    assert len(cards(chat)) == 1 and "stopped the role-play" in cards(chat)[0]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await events(store) == 1


async def test_words_after_a_command_read_the_scene_themselves_and_mark_once(
    consented, bot_env, begins
):
    """The gate reads no scene for a command: the card's own read, then the record, which
    marks the update (the explicit `gate.after` that follows writes nothing)."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    begins.clear()
    update = await chat.send("/stop i can't go on, i want to die")
    assert len(cards(chat)) == 1 and "stopped the role-play" in cards(chat)[0]
    assert begins == ["BEGIN", "BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)


async def test_before_consent_nothing_is_kept_and_the_mark_is_as_the_gates(bot_env, begins):
    """Someone the store has never met: the card, no row, no mark (as the gate's own mark
    would do). After /start (their id kept, no consent): the card, no event, and the update
    marked, as the gate would have marked it."""
    app, request, store = bot_env
    stranger = Chat(app, request, user_id=5151)
    update = await stranger.send("i want to kill myself")
    assert "988" in request.texts()[-1]
    assert not await seen(store, update.update_id, 5151)
    assert await store.read(lambda uow: uow.users.get(5151)) is None

    await stranger.send("/start")
    begins.clear()
    update = await stranger.send("i want to kill myself")
    assert "988" in request.texts()[-1]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, 5151)
    assert await events(store) == 0
