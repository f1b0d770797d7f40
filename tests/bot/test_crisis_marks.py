"""The crisis card's update: the gate's read, the card, then ONE write that records the event,
ends the role-play, writes the leaders' alert and marks the update (bot/features/safety.py's
`show_card`). The card waits for no write; a failed send still records; a redelivery once
recorded is skipped, or, unseen by the gate, records nothing more.

The direct question's update (a probable signal) is the same shape: the gate's read, the
question, then ONE write that keeps it open and marks the update (`send_question`); and so is
its answer, typed or pressed: "no" (or "I'm safe") is the gate's read and ONE write that closes
the question, resumes the scene and marks the update (`answered`), the numbers the gate's read,
the card and ONE write that closes it and marks the update. "I'm safe" under an overdose's
question, typed or pressed, sends its numbers again before that write, and a write that fails
leaves them sent.

So is a check-in's answer that brings the safety question (thoughts of suicide or self-harm
urges at 3+): the gate's read, which also finds whether the check-in waits for that answer,
the question, then ONE write that takes the answer, keeps the question open and marks the update
(bot/features/checkins/conversation.py's `_answer_asking`); and its "Not right now, go on":
the gate's read, then ONE write that closes the question, marks the update and finds where the
check-in waits (`on_continue`); and "Still struggling" the day after: the lines, then the
write that marks the update, also after a send that failed."""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select
from telegram import Update

from bot import callbacks
from bot.pipeline import gate
from offline import Chat, button_press, keyboard
from state import checkins
from state.db.checkins import Checkin
from state.db.models import SafetyEvent
from state.errors import StoreBusy
from state.safety import ASK_AGAIN, SCENE_KEPT
from state.safety.service import question_open
from texts import probable_overdose_text, probable_text

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


class Crash(BaseException):
    """The process going down (not an error any handler catches)."""


async def crash(*_a, **_k):
    raise Crash


def cards(chat: Chat) -> list[str]:
    return [t for t in chat.request.texts() if "988" in t]


ASKED = "are you thinking about ending your life"


def questions(chat: Chat) -> list[str]:
    return [t for t in chat.request.texts() if ASKED in t and "988" not in t]


async def open_question(store, user_id: int) -> str | None:
    return await store.read(lambda uow: question_open(uow, user_id, datetime.now(UTC)))


async def skipped_at_the_gate(chat: Chat, begins: list[str], update: Update) -> None:
    """A redelivery of `update`, once written: the gate's read alone, nothing said."""
    chat.request.clear()
    begins.clear()
    await chat.feed(update.to_dict())
    assert chat.request.texts() == []
    assert begins == ["BEGIN"]


async def asked_in_a_scene(chat: Chat, begins: list[str]) -> None:
    """In a scene, the direct question asked (its buttons remembered); nothing counted yet."""
    await in_a_scene(chat)
    await chat.send(probable_text())
    chat.last_buttons()
    chat.request.clear()
    begins.clear()


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
    await asked_in_a_scene(chat, begins)
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


POISON_CONTROL = "1-800-222-1222"


async def asked_about_an_overdose(chat: Chat, store) -> None:
    await in_a_scene(chat)
    await chat.send(probable_overdose_text())
    assert POISON_CONTROL in chat.request.texts()[-1]
    assert await open_question(store, chat.user_id) == "overdose"
    chat.request.clear()


async def begun_at_the_numbers(
    chat: Chat, begins: list[str], answer: Callable[[], Awaitable[object]]
) -> list[list[str]]:
    """The transactions begun when each message with the overdose numbers went out, while
    `answer()` runs (the numbers must find no write begun)."""
    at_the_numbers: list[list[str]] = []
    real = chat.request.answer

    async def look(name, params):
        if name == "sendMessage" and POISON_CONTROL in str(params.get("text")):
            at_the_numbers.append(list(begins))
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    await answer()
    return at_the_numbers


async def test_safe_under_an_overdose_question_sends_the_numbers_before_any_write(
    consented, bot_env, begins
):
    """ "No" under an overdose's question: the numbers' sendMessage finds no write begun (the
    gate's read alone); then the question is closed and the scene comes back."""
    chat, store = consented, bot_env[2]
    await asked_about_an_overdose(chat, store)
    begins.clear()
    assert await begun_at_the_numbers(chat, begins, lambda: chat.send("no")) == [["BEGIN"]]
    texts = chat.request.texts()
    assert POISON_CONTROL in texts[0] and texts[1] == "Back to the scene, at the same moment:"
    assert len(texts) > 2  # the scene's lines
    assert await open_question(store, chat.user_id) is None


async def test_a_write_that_fails_after_safe_leaves_the_overdose_numbers_sent(
    consented, bot_env, monkeypatch, caplog
):
    """The write that closes the question and resumes the scene fails: the numbers are out
    already; the failure reaches `on_error` (a "sorry" after them), the question stays open."""
    app, store = bot_env[0], bot_env[2]
    chat = consented
    await asked_about_an_overdose(chat, store)

    async def busy(*_a, **_k):
        raise StoreBusy("database still busy after 10 attempts")

    monkeypatch.setattr(app.bot_data["services"].practice, "resume", busy)
    await chat.send("no")
    assert "update" in caplog.text and "StoreBusy" in caplog.text
    caplog.clear()  # the failed update is logged by on_error, as any failed write is
    texts = chat.request.texts()
    assert POISON_CONTROL in texts[0] and texts[0].startswith("Thank you for telling me.")
    assert len(texts) == 2 and POISON_CONTROL not in texts[1]  # on_error's word, no scene
    assert await open_question(store, chat.user_id) == "overdose"


async def test_overdose_numbers_that_fail_to_send_still_close_the_question(
    consented, bot_env, caplog
):
    """Telegram refuses the numbers: the write runs all the same (`finally`), so the question
    is closed and the scene resumed."""
    chat, store = consented, bot_env[2]
    await asked_about_an_overdose(chat, store)
    chat.request.fail["sendMessage"] = BLOCKED
    await chat.send("no")
    caplog.clear()  # the failed update is logged by on_error, as any failed send is
    assert await open_question(store, chat.user_id) is None


async def scene_turns(store, user_id: int) -> int:
    """The steps the participant's runs have taken (a reply to the scene adds one)."""
    return len(await store.read(lambda uow: uow.turns.for_user(user_id)))


async def answered_in_one_write(
    chat: Chat, store, begins: list[str], typed: str | None, label: str = "I'm safe"
) -> Update:
    """The direct question asked in a scene, then answered: `typed` in words, or (None) its
    button `label` pressed. Checks the answer is the gate's read and one write that claims
    the update and closes the question."""
    await asked_in_a_scene(chat, begins)
    update = await (chat.send(typed) if typed is not None else chat.press_button(label))
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await open_question(store, chat.user_id) is None
    return update


@pytest.mark.parametrize("how", ["typed", "pressed"])
async def test_safe_is_the_gates_read_and_one_write_that_marks_it(consented, bot_env, begins, how):
    """ "No" typed under the question, or its "I'm safe" pressed: the gate's read, then one
    write that closes the question, resumes the scene and claims the update (it was three
    transactions: the gate's `after` marked it in a write of its own). A redelivery is
    skipped at the gate: nothing closed again, nothing said twice."""
    chat, store = consented, bot_env[2]
    update = await answered_in_one_write(chat, store, begins, "no" if how == "typed" else None)
    texts = chat.request.texts()
    assert texts[0].startswith("Thank you for telling me.") and len(texts) > 1  # the scene

    await skipped_at_the_gate(chat, begins, update)


async def test_a_typed_no_the_gate_cannot_see_again_writes_and_says_nothing(
    consented, bot_env, monkeypatch, caplog
):
    """The gate's read skipped (the database away for it, or a second worker) for a "no"
    already applied: its write finds the update claimed (`AlreadyApplied`), so the scene
    takes no step from the old "no" and nothing is said, no error either."""
    app, request, store = bot_env
    chat = consented
    await in_a_scene(chat)
    await chat.send(probable_text())
    update = await chat.send("no")
    turns = await scene_turns(store, chat.user_id)

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].onboarding, "admit", away)
    request.clear()
    await app.process_update(update)
    assert request.texts() == []
    assert await scene_turns(store, chat.user_id) == turns
    assert "already applied" in caplog.text


@pytest.mark.parametrize("how", ["typed", "pressed"])
async def test_the_numbers_asked_for_are_the_gates_read_and_one_write(
    consented, bot_env, begins, how
):
    """ "Show me support numbers", typed or pressed: the gate's read (which also finds the
    scene the card says waits), the card, then one write that closes the question and claims
    the update: no read of its own for the scene, no mark after."""
    chat, store = consented, bot_env[2]
    typed = "numbers" if how == "typed" else None
    await answered_in_one_write(chat, store, begins, typed, "Show me support numbers")
    assert len(cards(chat)) == 1 and SCENE_KEPT in cards(chat)[0]  # as the gate read it


async def test_im_safe_pressed_under_an_overdose_question_sends_the_numbers_first(
    consented, bot_env, begins
):
    """The button carries the question's category, as Yes and the numbers do: under an
    overdose's question it sends the numbers again before any write, as a typed "no" does
    (the message it edits may not show them: the question asked again, below)."""
    chat, store = consented, bot_env[2]
    await asked_about_an_overdose(chat, store)
    await chat.send("hmm")  # neither answer: asked again, without the numbers
    (asked_again,) = chat.request.texts()
    assert POISON_CONTROL not in asked_again
    safe = ("I'm safe, back to the scene", callbacks.action("csafe", "overdose"))
    assert safe in chat.last_buttons()
    chat.request.clear()
    begins.clear()
    pressed = lambda: chat.press_button("I'm safe")  # noqa: E731
    assert await begun_at_the_numbers(chat, begins, pressed) == [["BEGIN"]]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert chat.request.texts()[1] == "Back to the scene, at the same moment:"
    assert await open_question(store, chat.user_id) is None


async def test_a_bare_im_safe_under_an_overdose_question_sends_the_numbers_first(
    consented, bot_env, begins
):
    """An "I'm safe" sent before the button carried its category (a bare `csafe`) takes the
    open question's, which the gate's read finds (no read of its own): under an overdose's
    question it sends the numbers again before any write, as the button with its category
    does; then one write closes the question and resumes the scene."""
    chat, store = consented, bot_env[2]
    await asked_about_an_overdose(chat, store)
    begins.clear()
    pressed = lambda: chat.press(callbacks.action("csafe"))  # noqa: E731
    assert await begun_at_the_numbers(chat, begins, pressed) == [["BEGIN"]]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    texts = chat.request.texts()
    assert POISON_CONTROL in texts[0] and texts[1] == "Back to the scene, at the same moment:"
    assert await open_question(store, chat.user_id) is None


# ---- the check-in's safety question ------------------------------------------------------------

START = datetime(2026, 6, 1, 3, 0, 30, tzinfo=UTC)
DAY = "20260601"
CHECKIN_ASKED = "I want to ask directly"
GO_ON = ("Not right now, go on", callbacks.action("cicont", DAY))
BLOCKED = (
    403,
    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


async def checking_in(chat: Chat) -> None:
    """Daily check-ins set up (UTC, no urges asked), today's answered up to the thoughts of
    suicide."""
    await chat.send("/checkin")
    await chat.press_button("Set up daily check-ins")
    await chat.send("UTC")
    await chat.send("3:00")
    await chat.press_button("No quiet hours")
    await chat.press_button("No")  # no urges to track
    await chat.press_button("Yes")  # share averages with a leader
    for data in (f"ci:{DAY}-1", f"ciemo:{DAY}-numb", f"cish:{DAY}-0"):
        await chat.press(data)
    chat.request.clear()


def checkin_questions(chat: Chat) -> list[str]:
    return [t for t in chat.request.texts() if CHECKIN_ASKED in t]


async def checkin_row(store, user_id: int) -> tuple[str, int | None]:
    """Today's check-in as stored: the question it waits on, and the thoughts of suicide."""
    query = select(Checkin.step, Checkin.suicidal).where(Checkin.user_id == user_id)

    async def read(uow):
        return tuple((await uow.session.execute(query)).one())

    return await store.read(read)


async def crisis_on(store, user_id: int) -> date | None:
    """The day marked for tomorrow's "how are you today?" (None: none)."""
    return (await store.read(lambda uow: checkins.get_settings(uow, user_id))).crisis_on


async def test_a_high_check_in_answer_is_the_gates_read_the_question_and_one_write(
    consented, bot_env, begins, clock
):
    """Thoughts of suicide at 4: the gate's read, which also finds the check-in waiting on
    that question (no read of its own: it was three transactions), the question, then one
    write that takes the answer, marks tomorrow's follow-up, keeps the question open and claims
    the update. A redelivery is skipped at the gate; a second tap of the same button is
    "already saved", not asked again, and is the gate's read and the answer's write too."""
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    begins.clear()
    update = await chat.press(f"cisui:{DAY}-4")
    assert len(checkin_questions(chat)) == 1 and GO_ON in chat.last_buttons()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await checkin_row(store, chat.user_id) == ("quit", 4)
    assert await crisis_on(store, chat.user_id) == date(2026, 6, 1)
    assert await open_question(store, chat.user_id) == f"suicide@{DAY}"
    assert "➜ <i>b</i>" in chat.request.sent("editMessageText")[-1]["text"]  # shown answered

    await skipped_at_the_gate(chat, begins, update)

    begins.clear()
    await chat.press(f"cisui:{DAY}-4")  # the same button again: the gate's read finds it taken
    assert checkin_questions(chat) == []
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert "here's where you were" in chat.request.sent("answerCallbackQuery")[-1]["text"]
    assert "skip group or quit" in chat.request.texts()[-1]


async def test_no_typed_under_the_check_in_question_is_the_gates_read_and_one_write(
    consented, bot_env, begins, clock
):
    """ "No" typed under a check-in's question: the thanks with its button back to the
    check-in, then one write that closes the question and claims the update (no mark after)."""
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    await chat.press(f"cisui:{DAY}-4")
    chat.request.clear()
    begins.clear()
    update = await chat.send("no")
    assert chat.request.texts() == ["Thank you for telling me."] and GO_ON in chat.last_buttons()
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await open_question(store, chat.user_id) is None


async def going_on(chat: Chat, begins: list[str]) -> tuple[Update, list[list[str]]]:
    """Under the check-in's question (thoughts of suicide at 4), "Not right now, go on"
    pressed: its update, and the transactions begun when the press was answered and its
    button marked (both must find no write begun)."""
    await checking_in(chat)
    await chat.press(f"cisui:{DAY}-4")
    buttons = chat.last_buttons()
    assert GO_ON in buttons
    chat.request.clear()
    begins.clear()
    at_the_press: list[list[str]] = []
    real = chat.request.answer

    async def look(name, params):
        if name in ("answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"):
            at_the_press.append(list(begins))
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    update = await chat.press(GO_ON[1], buttons=buttons)
    chat.request.answer = real  # type: ignore[method-assign]
    return update, at_the_press


async def test_go_on_under_the_check_in_question_is_the_gates_read_and_one_write(
    consented, bot_env, begins, clock
):
    """ "Not right now, go on": the press answered and its button marked first (the gate's
    read alone begun), then one write that closes the question, claims the update and finds
    where the check-in waits, whose next question goes out (it was four transactions: a
    write closing the question, a read of the check-in, and the gate's mark). A redelivery
    is skipped at the gate: nothing closed again, nothing said twice."""
    chat, store = consented, bot_env[2]
    update, at_the_press = await going_on(chat, begins)
    assert at_the_press and all(begun == ["BEGIN"] for begun in at_the_press)
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await open_question(store, chat.user_id) is None
    (next_question,) = chat.request.texts()
    assert "skip group or quit" in next_question

    await skipped_at_the_gate(chat, begins, update)


async def test_go_on_the_gate_cannot_see_again_closes_nothing_and_says_nothing(
    consented, bot_env, begins, monkeypatch, caplog, clock
):
    """The gate's read skipped (the database away for it, or a second worker) for a "go on"
    already applied: its write finds the update claimed (`AlreadyApplied`) before it changes
    anything, so a question asked since stays open, and no check-in question is sent twice
    (no error either)."""
    app, request, store = bot_env
    chat = consented
    update, _ = await going_on(chat, begins)
    services_ = app.bot_data["services"]
    await services_.safety.ask(chat.user_id, f"suicide@{DAY}")  # asked again since

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(services_.onboarding, "admit", away)
    request.clear()
    await app.process_update(update)
    assert request.texts() == []
    assert await open_question(store, chat.user_id) == f"suicide@{DAY}"
    assert "already applied" in caplog.text


async def test_the_check_in_question_goes_out_before_anything_is_written(
    consented, bot_env, begins, clock
):
    """The order: the question's sendMessage finds no write begun, the answer not taken and
    no question kept; all three are written once it is out."""
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    begins.clear()
    at_the_question: list[tuple[list[str], str, str | None]] = []
    real = chat.request.answer

    async def look(name, params):
        if name == "sendMessage" and CHECKIN_ASKED in str(params.get("text")):
            begun = list(begins)
            step, _ = await checkin_row(store, chat.user_id)
            kept = await open_question(store, chat.user_id)
            at_the_question.append((begun, step, kept))
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    await chat.press(f"cisui:{DAY}-4")
    (before_question, step, kept), *_ = at_the_question
    assert before_question == ["BEGIN"]  # the gate's read alone, which found it in turn
    assert step == "suicidal" and kept is None
    assert await checkin_row(store, chat.user_id) == ("quit", 4)  # written after it
    assert await open_question(store, chat.user_id) == f"suicide@{DAY}"


async def test_a_crash_before_the_check_in_write_asks_again_on_redelivery(
    consented, bot_env, monkeypatch, clock
):
    """The process dies once the question is out but before the answer's write commits:
    nothing is taken or marked, so Telegram's redelivery is handled afresh, asks again and
    writes once (with the write first, the question was lost to a claimed update)."""
    app, request, store = bot_env
    chat = consented
    await checking_in(chat)
    service = app.bot_data["services"].checkins
    real_answer = service.answer

    monkeypatch.setattr(service, "answer", crash)
    press = {
        "update_id": 9101,
        "callback_query": button_press("q9101", chat.chat, chat.user, f"cisui:{DAY}-4"),
    }
    with pytest.raises(Crash):
        await chat.feed(press)
    assert len(checkin_questions(chat)) == 1  # it went out first
    assert not await seen(store, 9101, chat.user_id)
    assert await checkin_row(store, chat.user_id) == ("suicidal", None)
    assert await open_question(store, chat.user_id) is None
    assert await crisis_on(store, chat.user_id) is None

    monkeypatch.setattr(service, "answer", real_answer)
    request.clear()
    await chat.feed(press)  # the redelivery: asked again, and now written once
    assert len(checkin_questions(chat)) == 1
    assert await seen(store, 9101, chat.user_id)
    assert await checkin_row(store, chat.user_id) == ("quit", 4)
    assert await open_question(store, chat.user_id) == f"suicide@{DAY}"
    assert await crisis_on(store, chat.user_id) == date(2026, 6, 1)


async def test_a_check_in_question_that_fails_to_send_is_still_written_and_asked_again(
    consented, bot_env, begins, caplog, clock
):
    """Telegram refuses the question: the answer, tomorrow's follow-up, the question kept
    open and the update's mark are written all the same, in the one write; the next text
    typed under it brings the question again with the check-in's "go on"."""
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    chat.request.fail["sendMessage"] = BLOCKED
    begins.clear()
    update = await chat.press(f"cisui:{DAY}-4")
    caplog.clear()  # the failed update is logged by on_error, as any failed send is
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, chat.user_id)
    assert await checkin_row(store, chat.user_id) == ("quit", 4)
    assert await crisis_on(store, chat.user_id) == date(2026, 6, 1)
    assert await open_question(store, chat.user_id) == f"suicide@{DAY}"

    chat.request.fail.clear()
    chat.request.clear()
    await chat.send("hello?")
    (asked_again,) = chat.request.texts()
    assert "Before we go on" in asked_again and GO_ON in chat.last_buttons()


async def test_a_check_in_the_store_cannot_read_still_asks_first(
    consented, bot_env, monkeypatch, clock, caplog
):
    """The gate's read, which finds whether the check-in waits for the answer, fails: the tap
    itself says thoughts of suicide at 4, so the question goes out all the same, with no
    second read to wait out, and the write that follows takes the answer."""
    app, store = bot_env[0], bot_env[2]
    chat = consented
    await checking_in(chat)

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].onboarding, "admit", away)
    monkeypatch.setattr(app.bot_data["services"].checkins, "in_turn", crash)
    await chat.press(f"cisui:{DAY}-4")
    assert len(checkin_questions(chat)) == 1
    assert await checkin_row(store, chat.user_id) == ("quit", 4)
    assert "gate skipped, store unavailable" in caplog.text


def test_the_gate_reads_the_turn_of_a_check_in_answer_that_brings_the_question() -> None:
    """Only thoughts of suicide or self-harm urges at 3+ make the gate read the check-in's
    turn; any other press, or one that does not parse, leaves it to the handler."""

    def read_for(data: str) -> tuple[date, str] | None:
        return gate._checkin_answer(callbacks.parse(data))

    day = date(2026, 6, 1)
    assert read_for(f"cisui:{DAY}-4") == (day, "suicidal")
    assert read_for(f"cish:{DAY}-3") == (day, "self_harm")
    for other in (f"cish:{DAY}-2", f"ciurge:{DAY}-5", f"cisui:{DAY}-x", "cisui:2026-4", "cisui"):
        assert read_for(other) is None, other
    assert read_for(callbacks.choice(1, 0, "start", "a")) is None


async def test_a_check_in_answer_the_gate_did_not_look_at_is_read_first(
    consented, bot_env, begins, monkeypatch, clock, caplog
):
    """Where the gate did not look (it read the update, not the check-in), the handler reads
    the turn itself: one read more, the same answer; and a read that fails asks all the
    same."""
    app, store = bot_env[0], bot_env[2]
    chat = consented
    await checking_in(chat)
    monkeypatch.setattr(gate, "_checkin_answer", lambda _data: None)
    begins.clear()
    await chat.press(f"cish:{DAY}-3")  # the check-in waits on thoughts of suicide, not this
    assert checkin_questions(chat) == []
    assert begins == ["BEGIN", "BEGIN", "BEGIN IMMEDIATE"]  # the handler's own read

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].checkins, "in_turn", away)
    await chat.press(f"cisui:{DAY}-4")
    assert len(checkin_questions(chat)) == 1
    assert await checkin_row(store, chat.user_id) == ("quit", 4)
    assert "check-in not read" in caplog.text


async def test_still_struggling_shows_the_lines_first_and_a_failed_send_still_records(
    consented, bot_env, begins, clock, caplog
):
    """The day-after "Still struggling": its lines' first sendMessage finds no write begun;
    Telegram refuses them (the bot blocked), and the answer (asked again tomorrow) and the
    update's mark are written all the same."""
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    begins.clear()
    at_the_lines: list[list[str]] = []
    real = chat.request.answer

    async def look(name, params):
        if name == "sendMessage":
            at_the_lines.append(list(begins))
            status, body = BLOCKED
            return status, json.dumps(body).encode()
        return await real(name, params)

    chat.request.answer = look  # type: ignore[method-assign]
    update = await chat.press(f"cifu:{DAY}-hard")
    caplog.clear()  # the failed update is logged by on_error, as any failed send is
    assert at_the_lines and "BEGIN IMMEDIATE" not in at_the_lines[0]
    assert await seen(store, update.update_id, chat.user_id)
    assert await crisis_on(store, chat.user_id) == date(2026, 6, 1)


async def test_still_struggling_is_the_lines_then_one_write(consented, bot_env, begins, clock):
    chat, store = consented, bot_env[2]
    await checking_in(chat)
    begins.clear()
    update = await chat.press(f"cifu:{DAY}-hard")
    texts = chat.request.texts()
    assert "You don't have to carry this alone" in texts[0] and "988" in texts[1]
    assert ("My safety plan", callbacks.action("plan")) in keyboard(chat.request.sent()[1])
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]  # the plan's own read
    assert await seen(store, update.update_id, chat.user_id)
    assert await crisis_on(store, chat.user_id) == date(2026, 6, 1)
