"""The crisis card's update: the gate's read, the card, then ONE write that records the event,
ends the role-play, writes the leaders' alert and marks the update (bot/features/safety.py's
`show_card`). The card waits for no write; a failed send still records; a redelivery once
recorded is skipped, or, unseen by the gate, records nothing more.

The direct question's update (a probable signal) is the same shape: the gate's read, the
question, then ONE write that keeps it open and marks the update (`send_question`)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot import callbacks
from offline import Chat
from state.db.models import SafetyEvent
from state.safety import ASK_AGAIN
from state.safety.service import question_open
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


ASKED = "are you thinking about ending your life"


def questions(chat: Chat) -> list[str]:
    return [t for t in chat.request.texts() if ASKED in t and "988" not in t]


async def open_question(store, user_id: int) -> str | None:
    return await store.read(lambda uow: question_open(uow, user_id, datetime.now(UTC)))


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


# ---- the direct question ---------------------------------------------------------------------


async def test_a_probable_signal_is_the_gates_read_and_one_write_that_asks_and_marks(
    consented, bot_env, begins
):
    """The question, then one write that keeps it open and claims the update: the gate's
    `after` writes nothing. A redelivery is skipped at the gate: not asked twice."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    begins.clear()
    update = await chat.send(probable_text())
    assert len(questions(chat)) == 1 and cards(chat) == []
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await open_question(store, chat.user_id) == "suicide"
    assert await events(store) == 0  # a question, not yet an event

    chat.request.clear()
    begins.clear()
    await chat.feed(update.to_dict())  # a redelivery once kept: skipped at the gate
    assert chat.request.texts() == []
    assert begins == ["BEGIN"]


async def test_the_question_goes_out_before_anything_is_written(consented, bot_env, begins):
    """The order: the question's sendMessage finds no write begun and no question kept; it is
    kept once it is out (so a crash before the write can't have claimed the update)."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    begins.clear()
    at_the_question: list[tuple[list[str], str | None]] = []
    real = chat.request.answer

    async def look(name, params):
        if name == "sendMessage" and ASKED in str(params.get("text")):
            at_the_question.append((list(begins), await open_question(store, chat.user_id)))
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    await chat.send(probable_text())
    (before_question, kept), *_ = at_the_question
    assert before_question == ["BEGIN"] and kept is None  # the gate's read alone
    assert await open_question(store, chat.user_id) == "suicide"  # written after it


async def test_a_crash_before_the_write_asks_again_on_redelivery(consented, bot_env, monkeypatch):
    """The process dies once the question is out but before its write commits: nothing is
    kept or marked, so Telegram's redelivery is handled afresh and asks again (the question
    is never lost to a claimed update that was never answered)."""
    app, request, store = bot_env
    chat = consented
    await in_a_scene(chat)
    safety = app.bot_data["services"].safety
    real_ask = safety.ask

    class Crash(BaseException):
        """The process going down (not an error any handler catches)."""

    async def crash(*_a, **_k):
        raise Crash

    monkeypatch.setattr(safety, "ask", crash)
    message = {
        "update_id": 9001,
        "message": {
            "message_id": 9001,
            "date": 0,
            "chat": chat.chat,
            "from": chat.user,
            "text": probable_text(),
        },
    }
    with pytest.raises(Crash):
        await chat.feed(message)
    assert len(questions(chat)) == 1  # it went out first
    assert not await seen(store, 9001, chat.user_id)
    assert await open_question(store, chat.user_id) is None

    monkeypatch.setattr(safety, "ask", real_ask)
    request.clear()
    await chat.feed(message)  # the redelivery: asked again, and now kept and marked
    assert len(questions(chat)) == 1
    assert await seen(store, 9001, chat.user_id)
    assert await open_question(store, chat.user_id) == "suicide"


async def test_a_question_that_fails_to_send_is_still_kept_and_asked_again(
    consented, bot_env, caplog
):
    """Telegram refuses the question: it is kept open and the update marked all the same, so
    the next thing typed under it (not an answer) brings the question again, with its buttons,
    instead of going on with the scene."""
    chat, store = consented, bot_env[2]
    await in_a_scene(chat)
    chat.request.fail["sendMessage"] = (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: something went wrong"},
    )
    update = await chat.send(probable_text())
    caplog.clear()  # the failed update is logged by on_error, as any failed send is
    assert await seen(store, update.update_id, chat.user_id)
    assert await open_question(store, chat.user_id) == "suicide"

    chat.request.fail.clear()
    chat.request.clear()
    await chat.send("hello?")
    (asked_again,) = chat.request.texts()
    assert html.unescape(asked_again) == ASK_AGAIN
    assert ("Yes", callbacks.action("cyes", "suicide")) in chat.last_buttons()


async def test_a_redelivered_question_the_gate_cannot_see_keeps_nothing_more(
    consented, bot_env, monkeypatch, caplog
):
    """The gate's read skipped (the database away for it, or a second worker): the question
    goes out again (it waits for no write), its write finds the update claimed
    (`AlreadyApplied`), and nothing more is written or said, no error either."""
    app, request, store = bot_env
    chat = consented
    await in_a_scene(chat)
    update = await chat.send(probable_text())
    await chat.send("no im ok")  # answered: the question is closed
    assert await open_question(store, chat.user_id) is None

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].onboarding, "admit", away)
    request.clear()
    await app.process_update(update)
    assert len(questions(chat)) == 1 and len(request.texts()) == 1
    assert await open_question(store, chat.user_id) is None  # the old update changed nothing
    assert "question already asked" in caplog.text
