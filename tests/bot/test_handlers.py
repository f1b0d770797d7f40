"""Participant flows through the real handlers, offline (see offline.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bot import callbacks
from offline import keyboard
from state.db.models import Base, Run, SafetyEvent, User
from state.engine import Choose
from state.safety.service import Safety

SCENARIO = "family/birthday-or-group"


# the handlers answer every update here without an error reaching bot/app.py's on_error
pytestmark = pytest.mark.usefixtures("no_errors")


async def rows(store, model, **where):
    async with store.transaction(None) as uow:
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return await uow.session.scalar(stmt)


def later():
    """The clock 30 s on (and ticking): past Practice's REDRAW_AFTER."""
    return time_machine.travel(datetime.now(UTC) + timedelta(seconds=30), tick=True)


async def open_scenario(chat, scenario_id=SCENARIO):
    await chat.press(callbacks.scenario(scenario_id))


async def test_start_asks_consent_and_keeps_only_the_id(chat, bot_env):
    _, request, store = bot_env
    await chat.send("/start")
    text = request.texts()[-1]
    assert "not therapy, and not a crisis service" in text and "/delete" in text
    assert [b for b, _ in keyboard(request.sent()[-1])] == [
        "I agree",
        "What's stored, in full",
        "Not now",
    ]
    async with store.transaction(None) as uow:
        user = await uow.users.get(chat.user_id)
    assert user is not None and user.consented_at is None and user.timezone is None
    assert await rows(store, Run) == 0
    await chat.press_button("Not now")
    assert "Nothing is stored except your Telegram id" in request.texts()[-1]


async def test_practice_requires_consent(chat, bot_env):
    await chat.send("/practice")
    assert "Do you agree" in chat.request.texts()[-1]
    await chat.press(callbacks.scenario(SCENARIO))
    assert await rows(bot_env[2], Run) == 0


async def test_consent_then_menu_then_play(consented, bot_env):
    chat, request = consented, consented.request
    await chat.send("/practice")
    labels = [t for t, _ in chat.last_buttons()]
    assert any(t.startswith("Family") for t in labels) and len(labels) == 5
    await chat.press_button("Family")
    assert "The birthday on group night" in request.texts()[-1]
    await chat.press_button("●●● The birthday on group night")
    texts = request.texts()
    assert any("Content note" in t for t in texts)
    assert any(t.startswith("<b>Mom:</b>") for t in texts)
    buttons = chat.last_buttons()
    assert all(d.startswith("c:") and len(d.encode()) <= 64 for _, d in buttons)
    request.clear()
    await chat.press_button("Tomorrow is my group night")
    assert request.sent("answerCallbackQuery")
    [edit] = request.sent("editMessageText")  # the choice and its feedback, under the line
    assert edit.get("reply_markup") is None
    assert "➜ <i>Mom, tomorrow is Thursday, and Thursday evenings are my group." in edit["text"]
    # What the person did in everyday words first, the framework as a short tag after it.
    assert "🟢 <b>assertive</b> — " in edit["text"]
    assert edit["text"].endswith("\n✓ You stuck to the facts.\n<i>DEAR MAN</i>")
    assert "Skills:" not in edit["text"] and "DEAR MAN: Describe" not in edit["text"]
    assert "You: " not in edit["text"]  # the line right above says it already
    texts = request.texts()
    assert texts and all("assertive" not in t for t in texts)  # no second copy as a message
    assert any("Mom:" in t for t in texts)


async def test_feedback_is_sent_when_the_pressed_message_cant_be_edited(consented):
    chat, request = consented, consented.request
    await open_scenario(chat)
    chat.last_buttons()  # remembered across the clear
    request.clear()
    request.fail["editMessageText"] = (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message can't be edited"},
    )
    await chat.press_button("Tomorrow is my group night")
    texts = request.texts()
    assert texts[0].startswith("<i>You: Mom, tomorrow is Thursday")
    assert "assertive" in texts[0] and any("Mom:" in t for t in texts[1:])


async def test_practice_offers_to_continue_the_open_scenario(consented, bot_env):
    """Left mid-scenario, or a crash ate the reply (the pressed message has no buttons left):
    /practice leads back to where the run is, without a step applied or lost."""
    chat, store = consented, bot_env[2]
    await open_scenario(chat)
    await chat.press_button("Tomorrow is my group night")
    await chat.send("/practice")
    buttons = chat.last_buttons()
    assert buttons[0][0] == "▶ Continue: The birthday on group night"
    stale = buttons[0][1]
    chat.request.clear()
    await chat.press_button("▶ Continue")
    assert any(t.startswith("<b>Mom:</b>") for t in chat.request.texts())
    choices = [d for _, d in chat.last_buttons() if d.startswith("c:")]
    assert choices and all(callbacks.parse(d).step == 1 for d in choices)
    async with store.transaction(None) as uow:
        assert (await uow.runs.active(chat.user_id)).state.step == 1  # shown, not stepped
    await chat.press(choices[0])  # the redrawn buttons work
    async with store.transaction(None) as uow:
        assert (await uow.runs.active(chat.user_id)).state.step == 2
    await chat.send("/stop")
    await chat.send("/practice")
    assert not any(t.startswith("▶") for t, _ in chat.last_buttons())  # nothing open
    await open_scenario(chat)  # a new run: the old Continue must not lead into it
    chat.request.clear()
    await chat.press(stale)
    assert chat.request.texts() == ["What would you like to practice?"]


async def play_to_end(chat):
    for label in (
        "Tomorrow is my group night",
        "I feel torn, and group matters",
        "My recovery is for us too",
        "I'll take Dana to lunch Saturday",
    ):
        await chat.press_button(label)


async def test_debrief_and_progress(consented, bot_env):
    chat = consented
    await open_scenario(chat)
    await play_to_end(chat)
    debrief = chat.request.texts()[-1]
    assert "Debrief: Group kept, relationship kept" in debrief and "Try this week" in debrief
    assert [t for t, _ in chat.last_buttons()] == ["Try again", "Another scenario"]
    await chat.send("/progress")
    progress = chat.request.texts()[-1]
    assert "Scenarios finished: 1" in progress and "assertive: 4 (100%)" in progress
    assert "Streak: 1 day" in progress
    await chat.press_button("Try again")
    assert any("Mom:" in t for t in chat.request.texts()[-3:])


async def test_old_forged_and_foreign_buttons_change_nothing(consented, bot_env):
    chat, request, store = consented, consented.request, bot_env[2]
    await open_scenario(chat)
    first = dict(chat.last_buttons())
    await chat.press(first["Tomorrow is my group night"])
    async with store.transaction(None) as uow:
        run = await uow.runs.active(chat.user_id)
    step = run.state.step
    for data in [
        first["Tomorrow is my group night"],  # an old message's button
        callbacks.choice(run.id + 99, step, "guilt", "express"),  # someone else's run
        callbacks.choice(run.id, step, "start", "express"),  # right run and step, wrong node
        "c:zz.0:guilt/express",
        "garbage",
        "",
        "x:nope",
        "s:../../etc/passwd",
        "consent:" + "x" * 70,
    ]:
        request.clear()
        await chat.press(data)
        answers = request.sent("answerCallbackQuery")
        assert answers, data
        if data.startswith(("c:", "garbage")) or data == "":
            assert answers[0].get("text") == "That button has expired.", data
        assert not request.sent("editMessageText")
    async with store.transaction(None) as uow:
        again = await uow.runs.active(chat.user_id)
    assert again.id == run.id and again.state.step == step and again.node == "guilt"


async def test_redelivered_update_is_not_applied_twice(consented, bot_env):
    chat, store = consented, bot_env[2]
    await open_scenario(chat)
    data = dict(chat.last_buttons())["Tomorrow is my group night"]
    await chat.press(data, update_id=900001)
    chat.request.clear()
    await chat.press(data, update_id=900001)
    assert chat.request.texts() == []
    async with store.transaction(None) as uow:
        run = await uow.runs.active(chat.user_id)
    assert run.state.step == 1


async def test_a_press_whose_reply_was_lost_shows_where_the_run_is_now(consented, bot_env):
    chat, request, store = consented, consented.request, bot_env[2]
    practice = bot_env[0].bot_data["services"].practice
    await open_scenario(chat)
    data = dict(chat.last_buttons())["Tomorrow is my group night"]
    pressed = callbacks.parse(data)
    # The step commits, then the bot dies before replying: the old keyboard is still there.
    await practice.act(
        chat.user_id,
        Choose(pressed.choice),
        update_id=777,
        expect_run=pressed.run_id,
        expect_step=pressed.step,
    )
    request.clear()
    await chat.press(data)  # at once, as a double tap would: its reply is on the way
    assert request.sent("answerCallbackQuery")[0].get("text") == "That button has expired."
    assert request.texts() == []
    request.clear()
    with later():  # the participant waited and nothing came: show where they are
        await chat.press(data)
    assert request.sent("answerCallbackQuery")[0].get("text") == "That button has expired."
    assert "Here is where you are now" in request.texts()[0]
    now = [callbacks.parse(d) for _, d in chat.last_buttons()]
    assert now and all(c.run_id == pressed.run_id and c.step == pressed.step + 1 for c in now)
    async with store.transaction(None) as uow:
        assert (await uow.runs.active(chat.user_id)).state.step == 1  # shown, not applied
    await chat.press_button(chat.last_buttons()[0][0])
    request.clear()
    await chat.press(data)  # two steps old by now: the toast alone
    assert request.sent("answerCallbackQuery")[0].get("text") == "That button has expired."
    assert request.texts() == []


async def test_a_lost_debrief_comes_again_when_the_last_choice_is_pressed_again(consented, bot_env):
    chat, request = consented, consented.request
    practice = bot_env[0].bot_data["services"].practice
    await open_scenario(chat)
    for label in ("Tomorrow is my group night", "I feel torn", "My recovery is for us too"):
        await chat.press_button(next(t for t, _ in chat.last_buttons() if t.startswith(label)))
    data = next(d for t, d in chat.last_buttons() if t.startswith("I'll take Dana"))
    last = callbacks.parse(data)
    ended = await practice.act(  # the run ends, then the bot dies before the debrief goes out
        chat.user_id,
        Choose(last.choice),
        update_id=778,
        expect_run=last.run_id,
        expect_step=last.step,
    )
    assert ended.ended
    request.clear()
    with later():
        await chat.press(data)
    assert request.sent("answerCallbackQuery")[0].get("text") == "That button has expired."
    assert any("Debrief" in t for t in request.texts())
    assert "Try again" in [t for t, _ in chat.last_buttons()]
    request.clear()
    await chat.press(callbacks.choice(last.run_id, last.step - 1, "x", "y"))  # older: toast only
    assert request.texts() == []


async def test_typed_reply_is_coached(consented):
    chat = consented
    await open_scenario(chat)
    await chat.press_button("Tomorrow is my group night")
    chat.request.clear()
    await chat.send(
        "I know it matters to you Mom, and I feel torn. But group keeps me well, "
        "so I'm not going to miss it."
    )
    texts = chat.request.texts()
    assert texts[0].startswith("<i>You: I know it matters")
    assert "assertive" in texts[0]


async def test_typed_text_without_a_run_points_to_the_menu(consented):
    await consented.send("hello there")
    assert "To start one, pick a topic" in consented.request.texts()[0]


async def crisis_mid_scenario(chat, text: str) -> list[str]:
    """Open the scenario, type `text`; what the bot sent back."""
    await open_scenario(chat)
    chat.request.clear()
    await chat.send(text)
    return chat.request.texts()


async def test_crisis_mid_scenario_stops_and_shows_card(consented, bot_env):
    chat, store = consented, bot_env[2]
    texts = await crisis_mid_scenario(chat, "honestly everyone would be better off without me")
    assert len(texts) == 1
    assert "988" in texts[0] and "741741" in texts[0] and "911" in texts[0]
    assert "stopped the role-play" in texts[0]  # truthfully: the run was ended
    labels = [t for t, _ in keyboard(chat.request.sent()[0])]
    assert "Back to the bot" in labels
    async with store.transaction(None) as uow:
        assert await uow.runs.active(chat.user_id) is None
        events = (await uow.session.scalars(select(SafetyEvent))).all()
    assert len(events) == 1 and events[0].category == "suicide"
    assert "better off" not in json.dumps([c.name for c in SafetyEvent.__table__.columns])


async def test_the_card_does_not_wait_for_the_crisis_record(consented, bot_env):
    """Another transaction holds SQLite's one write turn: the card still goes out at once and
    says truthfully that the scene stopped; the event and the stop are written once the turn
    is free."""
    chat, store = consented, bot_env[2]
    await open_scenario(chat)
    chat.request.clear()
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with store.transaction(None):
            held.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    sending = asyncio.create_task(chat.send("honestly everyone would be better off without me"))
    for _ in range(500):
        if chat.request.texts() or sending.done():
            break
        await asyncio.sleep(0.01)
    texts = chat.request.texts()
    assert len(texts) == 1 and "988" in texts[0] and "stopped the role-play" in texts[0]
    assert not sending.done()  # the record is still waiting for the write turn
    count = select(func.count()).select_from(SafetyEvent)
    assert await store.read(lambda uow: uow.session.scalar(count)) == 0
    release.set()
    await holder
    await asyncio.wait_for(sending, 10)
    assert await rows(store, SafetyEvent) == 1
    async with store.transaction(None) as uow:
        assert await uow.runs.active(chat.user_id) is None


async def test_crisis_card_goes_out_while_the_database_is_down(
    consented, bot_env, monkeypatch, caplog
):
    """Every store call fails (retries spent): the card still comes, alone, and the log holds
    neither the words nor a database error's message. Once the gate found the store down, the
    card asks it nothing before going out (each call can take a whole timeout)."""
    from state.store import StoreBusy

    chat, store = consented, bot_env[2]
    calls: list[str] = []

    def failing(kind: str):
        async def down(*_a, **_kw):
            calls.append(kind)
            raise StoreBusy("database still busy after 10 attempts: nobody wants to see me")

        return down

    await open_scenario(chat)
    monkeypatch.setattr(store, "run", failing("run"))
    monkeypatch.setattr(store, "read", failing("read"))
    caplog.set_level(logging.INFO)
    chat.request.clear()
    await chat.send("i can't do this anymore, i want to kill myself")
    texts = chat.request.texts()
    assert len(texts) == 1 and "988" in texts[0]  # the card, and no "Sorry" after it
    assert "kill myself" not in caplog.text and "nobody wants" not in caplog.text
    assert "crisis not recorded (StoreBusy)" in caplog.text
    assert calls == ["read", "run"]  # the gate's read, then the record after the card


async def test_a_possible_overdose_gets_the_numbers_before_the_question(consented, bot_env):
    """Taking too much is often an accident: the question leads with Poison Control and 911,
    so a "no" to ending one's life still leaves them on the screen; "no" goes back to the
    scene with a word of thanks, and the numbers again: not thinking of ending one's life
    doesn't make a possible overdose safe. The numbers are a message of their own, sent before
    the write that resumes the scene; the scene follows it."""
    from texts import probable_overdose_text

    chat = consented
    await open_scenario(chat)
    await chat.send(probable_overdose_text())
    asked = chat.request.texts()[-1]
    assert "1-800-222-1222" in asked and "911" in asked
    assert asked.index("1-800-222-1222") < asked.index("are you thinking about ending your life")
    chat.request.clear()
    await chat.send("no")
    texts = chat.request.texts()
    assert texts[0].startswith("Thank you for telling me.") and "1-800-222-1222" in texts[0]
    assert texts[1] == "Back to the scene, at the same moment:"
    assert "988" not in " ".join(texts)


@pytest.mark.parametrize("answer", ["yes", "numbers"])
async def test_a_typed_answer_gets_the_card_while_the_database_is_down(
    consented, bot_env, monkeypatch, answer
):
    """The question asked, then the store fails: "yes" (or "numbers") typed under it still
    gets the card, from what this process remembers, and no "Sorry"."""
    from state.store import StoreBusy
    from texts import probable_text

    chat, store = consented, bot_env[2]

    async def down(*_a, **_kw):
        raise StoreBusy("database still busy after 10 attempts")

    await open_scenario(chat)
    await chat.send(probable_text())
    assert "are you thinking about ending your life" in chat.request.texts()[-1]
    monkeypatch.setattr(store, "run", down)
    monkeypatch.setattr(store, "read", down)
    chat.request.clear()
    await chat.send(answer)
    texts = chat.request.texts()
    assert len(texts) == 1 and "988" in texts[0]


async def test_moving_on_closes_the_question(consented, bot_env):
    """Asked, then /stop and a new scene: a typed reply is the scene's again, not asked
    again; a safety plan started under the question takes the typed answers."""
    from texts import probable_text

    chat = consented
    await open_scenario(chat)
    await chat.send(probable_text())
    await chat.send("/stop")
    await open_scenario(chat)
    chat.request.clear()
    await chat.send("I know it matters to you, and group keeps me well.")
    assert not any("Before we go on" in t for t in chat.request.texts())

    await chat.send(probable_text())
    await chat.press(callbacks.action("planstart"))
    chat.request.clear()
    await chat.send("i stop answering my phone")
    assert not any("Before we go on" in t for t in chat.request.texts())


async def test_crisis_card_goes_out_while_the_database_hangs(consented, bot_env, monkeypatch):
    """A database that never answers holds the card back by the gate's and the record's
    timeouts only (5 s each in production, shortened here)."""
    from bot.features import safety
    from bot.pipeline import gate

    chat, store = consented, bot_env[2]

    async def hang(*_a, **_kw):
        await asyncio.sleep(60)

    await open_scenario(chat)
    monkeypatch.setattr(gate, "GATE_TIMEOUT", 0.2)
    monkeypatch.setattr(safety, "RECORD_TIMEOUT", 0.2)
    monkeypatch.setattr(store, "run", hang)
    monkeypatch.setattr(store, "read", hang)
    chat.request.clear()
    await asyncio.wait_for(chat.send("i want to kill myself"), 10)
    texts = chat.request.texts()
    assert len(texts) == 1 and "988" in texts[0]


async def test_crisis_words_after_a_command_get_the_card_instead(consented, bot_env):
    chat, store = consented, bot_env[2]
    texts = await crisis_mid_scenario(chat, "/stop i can't go on, i want to die")
    assert len(texts) == 1 and "988" in texts[0]  # the card, not "Stopped"
    async with store.transaction(None) as uow:
        assert await uow.runs.active(chat.user_id) is None  # the role-play ended all the same
    chat.request.clear()
    await chat.send("/stop")  # a command alone is the command
    assert "not in a scenario" in chat.request.texts()[0]
    chat.request.clear()
    update = await chat.send("/help\nkms")  # any whitespace after the command
    assert len(chat.request.texts()) == 1 and "988" in chat.request.texts()[0]
    chat.request.clear()
    await chat.feed(update.to_dict())  # marked as handled: a redelivery changes nothing
    assert chat.request.texts() == []
    await chat.send("/newgroup Self-harm recovery, Tuesdays")  # a group's name is not a crisis
    assert not any("988" in t for t in chat.request.texts())


async def test_crisis_before_consent_still_shows_card(chat, bot_env):
    store = bot_env[2]
    await chat.send("i want to kill myself")
    assert "988" in chat.request.texts()[-1]
    async with store.transaction(None) as uow:  # nothing kept before consent, not even this
        assert (await uow.session.scalars(select(SafetyEvent))).all() == []
        assert await uow.users.get(chat.user_id) is None


async def test_a_typed_yes_before_consent_answers_the_question(chat, bot_env):
    """Before consent nothing is stored, so the question waits in the bot's memory: "yes"
    typed under it gets the card, not the consent screen; nothing is kept."""
    from texts import probable_text

    store = bot_env[2]
    await chat.send(probable_text())
    assert "are you thinking about ending your life" in chat.request.texts()[-1]
    await chat.send("yes")
    assert "988" in chat.request.texts()[-1]
    await chat.send("yes")  # answered: the next "yes" is a first message again
    assert "988" not in chat.request.texts()[-1]
    async with store.transaction(None) as uow:
        assert (await uow.session.scalars(select(SafetyEvent))).all() == []
        assert await uow.users.get(chat.user_id) is None


async def test_other_inputs_are_handled_on_purpose(consented, bot_env):
    chat = consented
    await chat.send(
        None,
        sticker={
            "file_id": "s",
            "file_unique_id": "s",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert "only read text and buttons" in chat.request.texts()[-1]
    await chat.send(
        None,
        photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
        caption="look",
    )
    await chat.send(None, voice={"file_id": "v", "file_unique_id": "v", "duration": 1})
    await chat.send(None, document={"file_id": "d", "file_unique_id": "d"})
    await chat.send(None, location={"latitude": 1.0, "longitude": 2.0})
    assert chat.request.texts().count(chat.request.texts()[-1]) == 5
    chat.request.clear()
    await chat.edit("an edited message")
    assert chat.request.texts() == []  # deliberate silence
    await chat.edit("actually i want to die")
    answered = chat.request.texts()[-1]  # the card, or the direct question: never ignored
    assert "988" in answered or "are you thinking about ending your life" in answered
    chat.request.clear()
    await chat.send("x" * 4096)
    await chat.send("\u202e\u200b🙂 ｆｕｌｌｗｉｄｔｈ \x00 \U0001f9d1\u200d\U0001f9af")
    await chat.send("/nonsense")
    assert "don't know that command" in chat.request.texts()[-1]


async def test_group_chats_get_a_pointer_not_a_conversation(bot_env):
    from offline import Chat

    app, request, store = bot_env
    group = Chat(app, request, user_id=77, chat_type="group")
    await group.send("/practice")
    assert "private chats" in request.texts()[-1]
    request.clear()
    await group.send("just chatting")
    assert request.texts() == []
    assert await rows(store, Run) == 0


async def test_buttons_pressed_in_a_group_reveal_and_change_nothing(consented, bot_env):
    """A press from a group chat (a forwarded card's "My safety plan", say) must not post the
    presser's plan there, nor act on their settings or data: only a pointer, to them alone."""
    from offline import Chat

    chat = consented
    app, request, store = bot_env
    await chat.send("/safetyplan")
    await chat.press_button("Start my plan")
    await chat.send("call my sponsor Dana 555-0100")
    await chat.press_button("Finish later")
    in_group = Chat(app, request, user_id=chat.user_id, chat_type="supergroup")
    group_id = in_group.chat["id"]
    request.clear()
    for data in ("plan", "typed:on", "delete", "menu", callbacks.scenario(SCENARIO), "checkin"):
        await in_group.press(data)
    await in_group.send("/mydata")
    to_group = [c for c in request.calls if int(c.params.get("chat_id", 0)) == group_id]
    assert [c.method for c in to_group] == ["sendMessage"]  # the /mydata pointer, no more
    assert "Dana" not in json.dumps([c.params for c in request.calls])
    answers = request.sent("answerCallbackQuery")
    assert len(answers) == 6 and all("privately" in a["text"] for a in answers)
    assert await rows(store, User) == 1 and await rows(store, Run) == 0
    async with store.transaction(None) as uow:
        assert (await uow.users.get(chat.user_id)).keep_typed_text is False


async def test_help_skills_stop(consented):
    chat = consented
    await chat.send("/help")
    assert "/practice" in chat.request.texts()[-1]
    await chat.send("/skills")
    skills = chat.request.texts()[-1]
    for name in ("DEAR MAN", "GIVE", "FAST", "I-statements", "OARS", "Refusal"):
        assert name in skills
    await chat.send("/stop")
    assert "not in a scenario" in chat.request.texts()[-1]
    await open_scenario(chat)
    await chat.send("/stop")
    assert "progress is kept" in chat.request.texts()[-1]


async def test_deep_links(consented):
    chat = consented
    await chat.send("/start p_family_birthday-or-group")
    assert any("The birthday on group night" in t for t in chat.request.texts())
    chat.request.clear()
    await chat.send("/start p_family_no-such-scenario")
    assert "isn't available" in chat.request.texts()[0]
    await chat.send("/start bad*payload")
    assert "doesn't look right" in chat.request.texts()[-2]


async def test_deep_link_survives_consent(chat):
    await chat.send("/start p_family_birthday-or-group")
    await chat.press_button("I agree")
    assert any("The birthday on group night" in t for t in chat.request.texts())


async def test_mydata_and_delete(consented, bot_env):
    chat, store = consented, bot_env[2]
    await open_scenario(chat)
    await chat.press_button("Tomorrow is my group night")
    later_choice = chat.last_buttons()[0][1]
    await chat.send("i want to kill myself")  # leaves a safety event
    await chat.send("/mydata")
    docs = chat.request.sent("sendDocument")
    assert docs
    assert chat.request.calls[-1].method == "sendDocument"
    await chat.send("/delete")
    assert "can't be undone" in chat.request.texts()[-1]
    await chat.press_button("Yes, erase everything")
    async with store.transaction(None) as uow:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.name in ("user_id",) or (table.name == "users" and column.name == "id"):
                    count = await uow.session.scalar(
                        select(func.count()).select_from(table).where(column == chat.user_id)
                    )
                    assert count == 0, table.name
    assert await rows(store, User) == 0
    chat.request.clear()  # a choice button from before the erasure: expired, nothing back
    await chat.press(later_choice)
    assert chat.request.sent("answerCallbackQuery")[0].get("text") == "That button has expired."
    assert await rows(store, Run) == 0
    async with store.transaction(None) as uow:  # at most the bare id, as before consent
        user = await uow.users.get(chat.user_id)
    assert user is None or user.consented_at is None


async def test_the_delete_confirmation_cannot_fire_later(consented, bot_env):
    """After "No, keep it" the buttons go, and a tap on the old "Yes" (days later, or after a
    newer /delete) erases nothing; only the current confirmation, within minutes, does."""
    chat, store = consented, bot_env[2]
    await chat.send("/delete")
    old = chat.last_buttons()
    await chat.press_button("No, keep it")
    edits = chat.request.sent("editMessageText")
    assert edits and "nothing was erased" in edits[-1]["text"] and not keyboard(edits[-1])
    yes = next(data for text, data in old if text.startswith("Yes"))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=True):
        await chat.press(yes, buttons=old)
    assert await rows(store, User) == 1
    assert "expired" in chat.request.sent("answerCallbackQuery")[-1]["text"]

    await chat.send("/delete")
    first = chat.last_buttons()
    await chat.send("/delete")
    second = chat.last_buttons()
    await chat.press(next(d for t, d in first if t.startswith("Yes")), buttons=first)
    assert await rows(store, User) == 1  # superseded by the newer request
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        await chat.press(next(d for t, d in second if t.startswith("Yes")), buttons=second)
    assert await rows(store, User) == 1  # too late
    await chat.send("/delete")
    await chat.press_button("Yes, erase everything")
    assert await rows(store, User) == 0
    done = chat.request.sent("editMessageText")[-1]["text"]
    assert "everything about you is erased" in done


async def test_logs_never_contain_typed_text_or_token(consented, caplog):
    from offline import TOKEN

    chat = consented
    secret = "my sister Rosalind said the thing about the wedding"
    await open_scenario(chat)
    await chat.send(secret)
    await chat.press_button("Tomorrow")
    await chat.send("i want to die rosalind")
    await chat.send("/mydata")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Rosalind" not in logged and "rosalind" not in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


async def test_typed_text_is_kept_only_when_allowed(consented, bot_env):
    from state.db.models import Turn

    chat, store = consented, bot_env[2]
    await open_scenario(chat)
    await chat.send("Mom, tomorrow is Thursday and that is my group night, I can't come.")

    async def typed(uow):
        return (await uow.session.scalars(select(Turn.typed_text))).all()

    assert await store.run(None, typed) == [None]
    await chat.send("/privacy")
    assert "not a HIPAA-covered service" in chat.request.texts()[-1]
    await chat.press_button("Keeping my typed replies: OFF")
    await chat.send("I hear you, and I feel torn. Group keeps me well, so I'm going.")
    kept = await store.run(None, typed)
    assert kept[-1] == "I hear you, and I feel torn. Group keeps me well, so I'm going."
    await chat.send("/privacy")
    await chat.press_button("Keeping my typed replies: ON")
    assert await store.run(None, typed) == [None, None]


async def test_blocking_the_bot_marks_the_user_inactive(consented, bot_env):
    chat, store = consented, bot_env[2]

    def change(status):
        return {
            "update_id": chat._next_id(),
            "my_chat_member": {
                "chat": chat.chat,
                "from": chat.user,
                "date": 0,
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 7000001, "is_bot": True, "first_name": "R"},
                },
                "new_chat_member": {
                    "status": status,
                    "user": {
                        "id": 7000001,
                        "is_bot": True,
                        "first_name": "R",
                    },
                    "until_date": 0,
                },
            },
        }

    async def active(uow):
        return (await uow.users.get(chat.user_id)).active

    await chat.feed(change("kicked"))
    assert await store.run(None, active) is False
    await chat.feed(change("member"))
    assert await store.run(None, active) is True


async def test_safety_plan_steps_and_card(consented, bot_env):
    chat = consented
    await chat.send("/safetyplan")
    await chat.press_button("Start my plan")
    assert "Step 1 of 6" in chat.request.texts()[-1]
    await chat.send("when I stop answering my phone and stay in bed")
    assert "Step 2 of 6" in chat.request.texts()[-1]
    await chat.press_button("Skip this step")
    await chat.send("my sister Ana, 555-0100")
    assert "Step 4 of 6" in chat.request.texts()[-1]
    await chat.press_button("Finish later")
    assert await Safety(bot_env[2]).editing_step(chat.user_id) is None
    await chat.send("/safety")
    card = chat.request.texts()[-1]
    assert "Warning signs: when I stop answering my phone" in card
    assert "my sister Ana" in card


async def test_crisis_words_in_a_safety_plan_answer_are_kept_and_answered(consented):
    chat = consented
    await chat.send("/safetyplan")
    await chat.press_button("Start my plan")
    await chat.send("when I start thinking everyone would be better off without me")
    card, plan = chat.request.texts()[-2:]  # the card first, then the plan
    assert "988" in card and "Warning signs" not in card
    assert "Warning signs: when I start thinking everyone would be better off" in plan


async def test_redelivered_non_step_updates_are_skipped(consented, bot_env):
    """A redelivered safety-plan answer is not saved as the next step's answer."""
    chat = consented
    await chat.send("/safetyplan")
    await chat.press_button("Start my plan")
    update = await chat.send("when I stop sleeping")
    chat.request.clear()
    await chat.feed(update.to_dict())  # the same update_id again
    assert chat.request.texts() == []
    await chat.send("/safetyplan")
    await chat.press_button("Finish later")
    assert await Safety(bot_env[2]).editing_step(chat.user_id) is None
    await chat.send("/safety")
    card = chat.request.texts()[-1]
    assert "Warning signs: when I stop sleeping" in card
    assert "Things I can do on my own" not in card


def test_a_link_payload_after_start_is_not_screened_but_typed_words_are():
    """The bot's own deep links carry random codes that character n-grams can misread (an
    invitation code was once read as an overdose, so a new member got the question instead of
    consent); words typed after /start are still read."""
    from bot.features import safety

    for payload in ("g_AbC123xyz-_9", "l_Zz0-kms_die", "lv_12", "p_family_birthday-or-group"):
        assert safety.command_argument(f"/start {payload}") is None
        assert safety.command_argument(f"/start@rehearse_bot {payload}") is None
    assert safety.command_argument("/start i can't go on") == "i can't go on"
    assert safety.command_argument("/start kms") == "kms"  # not the shape of any of our links
    assert safety.command_argument("/help\nkms") == "kms"
    assert safety.command_argument("/newgroup Self-harm recovery") is None
    assert safety.command_argument("/stop") is None
