"""/checkin and the check-in buttons through the real handlers, offline (see offline.py)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot import callbacks
from bot.charts import mood_chart
from bot.features import checkins as feature
from bot.features import week
from bot.features.checkins import schedule
from bot.outbox_sender import render
from offline import Chat, keyboard
from state import checkins
from state.db.checkins import Checkin
from state.db.models import OutboxMessage

START = datetime(2026, 6, 1, 3, 0, 30, tzinfo=UTC)  # 08:30 in Kolkata


@pytest.fixture(autouse=True)
def no_errors(caplog):
    caplog.set_level(logging.INFO)
    yield
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures, [r.getMessage() for r in failures]


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


async def settings_of(store, user_id):
    async with store.transaction(None) as uow:
        return await checkins.get_settings(uow, user_id)


async def checkin_rows(store, user_id):
    async with store.transaction(None) as uow:
        return list(await uow.session.scalars(select(Checkin).where(Checkin.user_id == user_id)))


async def set_up(chat, zone_text="asia/kolkata", at_text="8:31", recovery="Yes"):
    await chat.send("/checkin")
    await chat.press_button("Set up daily check-ins")
    await chat.send(zone_text)
    await chat.send(at_text)
    await chat.press_button("No quiet hours")
    await chat.press_button(recovery)
    await chat.press_button("Yes")  # share averages with a leader


async def queued_buttons(store, user_id):
    async with store.transaction(None) as uow:
        row = await uow.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.kind == "checkin")
            .order_by(OutboxMessage.id.desc())
        )
    text, markup = render(row.payload)  # drawn from what the row means, as the sender does
    return row, text, [(b.text, b.callback_data) for r in markup.inline_keyboard for b in r]


async def test_checkin_needs_consent(chat, bot_env):
    await chat.send("/checkin")
    assert "Do you agree" in chat.request.texts()[-1]
    await chat.press("ci:20260601-3")
    assert "Do you agree" in chat.request.texts()[-1]
    assert await checkin_rows(bot_env[2], chat.user_id) == []


async def test_setup_with_typed_zone_and_time_then_a_full_check_in(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await chat.send("/checkin")
    assert "one-minute diary card" in request.texts()[-1]
    await chat.press_button("Set up daily check-ins")
    assert "Which time zone" in request.texts()[-2]
    assert chat.last_buttons()[0] == ("Eastern", "cizone:et")  # the US zones first
    await chat.send("Mars/Olympus")
    assert "couldn't find that place" in request.texts()[-1]
    await chat.send("asia/kolkata")
    assert "it's 8:30 am on Monday there now" in request.texts()[-2]  # said back to check
    assert "What time" in request.texts()[-1]
    await chat.send("half past eight")
    assert "couldn't read that as a time" in request.texts()[-1]
    await chat.send("8:31")
    await chat.press_button("10 pm–7 am")
    assert "track urges" in request.texts()[-1]
    await chat.press_button("Yes")  # the last question: sharing is chosen per group
    done = request.texts()[-1]
    assert "every day at 8:31 am, Kolkata time, quiet hours 10 pm–7 am" in done
    assert "today at 8:31 am" in done
    settings = await settings_of(store, chat.user_id)
    assert settings.active and settings.recovery_track
    assert settings.next_due_at == datetime(2026, 6, 1, 3, 1, tzinfo=UTC)

    clock.move_to(datetime(2026, 6, 1, 3, 1, 20, tzinfo=UTC))
    await feature.due_job(_JobContext(chat.app))
    row, text, buttons = await queued_buttons(store, chat.user_id)
    assert row.dedupe_key == f"checkin:{chat.user_id}:20260601" and row.chat_id == chat.user_id
    assert buttons[-1] == ("⏰ In an hour", "cisnz:20260601")
    assert all(len(d.encode()) <= 64 for _, d in buttons)

    request.clear()
    await chat.press(dict(buttons)["3 🙂"], message_text=text, buttons=buttons)
    assert request.sent("answerCallbackQuery")
    assert "➜ <i>3 🙂</i>" in request.sent("editMessageText")[-1]["text"]
    assert "Which feelings were strong today" in request.texts()[-1]
    await chat.press_button("Anxious")  # its 0-5 row, in place

    def edited() -> list[tuple[str, str]]:
        return keyboard(request.sent("editMessageReplyMarkup")[-1])

    assert [d for _, d in edited()][:6] == [f"ciemo:20260601-anxious-{n}" for n in range(6)]
    await chat.press("ciemo:20260601-anxious-4", buttons=edited())
    assert ("✓ Anxious 4", "ciemo:20260601-pick-anxious") in edited()
    await chat.press("ciemo:20260601-fear-2", buttons=edited())
    await chat.press("ciemo:20260601-done", buttons=edited())
    assert "urge to use" in request.texts()[-1]
    await chat.press_button("2")
    await chat.press_button("No")
    assert "urge to hurt yourself" in request.texts()[-1]
    await chat.press_button("0")
    assert "thoughts of suicide" in request.texts()[-1]
    await chat.press_button("0")
    assert "skip group or quit" in request.texts()[-1]
    await chat.press_button("1")
    assert "medication as prescribed" in request.texts()[-1]
    await chat.press_button("Partly")
    assert "hours did you sleep" in request.texts()[-1]
    assert chat.last_buttons()[-1] == ("12+", "cisleep:20260601-12")  # the number pad
    await chat.press_button("6")
    assert "HALT" in request.texts()[-1]
    await chat.press_button("Tired")
    markup = request.sent("editMessageReplyMarkup")[-1]
    assert ("✓ Tired", "cihalt:20260601-tired") in keyboard(markup)
    assert ("Done", "cihalt:20260601-done") in keyboard(markup)  # was "None of these"
    await chat.press("cihalt:20260601-done", buttons=keyboard(markup))
    assert "skills did you use in real life" in request.texts()[-1]
    await chat.press_button("TIPP")
    await chat.press("ciskill:20260601-done", buttons=edited())
    assert "0-7" in request.texts()[-1]
    await chat.press_button("5")
    assert "Anything you'd like to note" in request.texts()[-1]
    await chat.send("Went to a meeting after work.")
    saved = request.texts()[-1]
    assert "Check-in saved" in saved and "streak: 1 day" in saved
    [record] = await checkin_rows(store, chat.user_id)
    assert (record.mood, record.emotion, record.urge, record.acted) == (3, "anxious", 2, False)
    assert record.emotions == {"anxious": 4, "fear": 2}
    assert (record.self_harm, record.suicidal, record.quit_urge) == (0, 0, 1)
    assert (record.meds, record.sleep_hours, record.skills, record.skill_rating) == (
        "partly",
        6,
        ["tipp"],
        5,
    )
    assert record.practice is None  # no scenario finished: not asked
    assert record.halt == ["tired"] and record.note == "Went to a meeting after work."
    # In no group: no leader could see it, so sharing the note isn't offered.
    assert not record.shared_note and not chat.last_buttons()[0][0].startswith("Share")
    await chat.press(f"cishare:{record.local_date:%Y%m%d}")
    assert "nobody would see this note" in request.texts()[-1]
    [record] = await checkin_rows(store, chat.user_id)
    assert not record.shared_note

    request.clear()
    await chat.send("/progress")
    text = request.texts()[-1]
    assert (
        "Daily check-ins" in text and "Mood: average 3.0" in text and "Urges: average 2.0" in text
    )
    assert "Check-in streak: 1 day" in text
    [photo] = request.sent("sendPhoto")
    assert "Mood and urges, last 14 days" in photo["caption"]


async def test_old_forged_and_out_of_turn_buttons_change_nothing(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "UTC", "3:00", recovery="No")
    for data in (
        "ci:20260501-3",  # a month-old check-in
        "ci:20260601-9",  # no such mood
        "ci:2026061-3",
        "ci:notadate",
        "ciemo:20260601-sad",  # no check-in started
        "cihalt:20260601-bored",
        "cizone:99",
        "citime:0930",
        "ciquiet:0000-2359",
        "cipause:30",
        "ciweek:maybe",
        "cishare:20260601",  # nothing to share
    ):
        request.clear()
        await chat.press(data)
        answers = request.sent("answerCallbackQuery")
        assert answers and answers[-1].get("text"), data
        assert not request.sent(), data
    assert await checkin_rows(store, chat.user_id) == []
    await chat.press("ci:20260601-4")
    await chat.press("ci:20260601-1")  # the same check-in from an older message
    assert "here's where you were" in request.sent("answerCallbackQuery")[-1]["text"]
    [record] = await checkin_rows(store, chat.user_id)
    assert record.mood == 4 and record.step == "emotion"


async def test_crisis_language_in_a_note_shows_help_and_is_not_saved(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "UTC", "3:00", recovery="No")
    for data in (
        "ci:20260601-1",
        "ciemo:20260601-numb",
        "cish:20260601-0",
        "cisui:20260601-0",
        "ciquit:20260601-0",
        "cimeds:20260601-yes",
        "cisleep:20260601-8",
        "cihalt:20260601-done",
        "ciskill:20260601-done",
        "cirate:20260601-0",
    ):
        await chat.press(data)
    assert "Anything you'd like to note" in request.texts()[-1]
    await chat.send("I want to kill myself")
    assert "988" in request.texts()[-1]
    [record] = await checkin_rows(store, chat.user_id)
    assert record.note is None and record.step == "note"


async def test_menu_pause_resume_stop_and_check_in_now(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "+5:30", "20:00")
    await chat.send("/checkin")
    menu = request.texts()[-1]
    assert "Every day at 8:00 pm, UTC+05:30." in menu and "Next: Monday, Jun 1 at 8:00 pm" in menu
    await chat.press_button("Pause 7 days")
    assert "Paused until Monday, Jun 8" in request.texts()[-1]
    assert (await settings_of(store, chat.user_id)).next_due_at == datetime(
        2026, 6, 8, 14, 30, tzinfo=UTC
    )
    await chat.press_button("Resume now")
    assert (await settings_of(store, chat.user_id)).next_due_at == datetime(
        2026, 6, 1, 14, 30, tzinfo=UTC
    )
    await chat.press_button("Weekly summary: turn on")
    assert (await settings_of(store, chat.user_id)).weekly_summary
    await chat.press_button("Stop check-ins")
    assert "stopped" in request.texts()[-1]
    settings = await settings_of(store, chat.user_id)
    assert not settings.active and settings.next_due_at is None
    await chat.send("/checkin")
    assert "Stopped: no check-ins are sent." in request.texts()[-1]
    await chat.press_button("Check in now")
    assert "How has your mood been today" in request.texts()[-1]
    assert not any(d.startswith("cisnz") for _, d in chat.last_buttons())
    await chat.press_button("5")
    assert "Which feelings were strong" in request.texts()[-1]
    assert not (await settings_of(store, chat.user_id)).active  # checking in stays possible


async def test_snooze_button_queues_once(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "UTC", "3:00", recovery="No")
    await chat.press("cisnz:20260601")
    assert "in an hour" in request.sent("answerCallbackQuery")[-1]["text"]
    await chat.press("cisnz:20260601")
    assert "Already snoozed" in request.sent("answerCallbackQuery")[-1]["text"]
    row, text, buttons = await queued_buttons(store, chat.user_id)
    assert row.not_before == START + timedelta(hours=1)
    assert not any(d.startswith("cisnz") for _, d in buttons)


def test_chart_is_a_png_with_gaps():
    days = [date(2026, 6, 1) + timedelta(days=i) for i in range(14)]
    png = mood_chart(days, [None] * 10 + [1, 2, None, 4], [None] * 13 + [3])
    assert png.startswith(b"\x89PNG") and len(png) > 1000


def test_setup_question_times_parse():
    assert schedule._setup_value("citime", "0900") == ("time", time(9))
    with pytest.raises(ValueError):
        schedule._setup_value("citime", "0930")


class _JobContext:
    """What a JobQueue callback receives, as far as the job reads it."""

    def __init__(self, app) -> None:
        self.application = app


async def test_a_participant_hides_questions_that_dont_apply(consented, bot_env, clock):
    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "UTC", "3:00", recovery="No")
    await chat.send("/checkin")
    await chat.press_button("Choose my questions")
    assert "Your check-in questions" in request.texts()[-1]
    assert not any("Mood" in t for t, _ in chat.last_buttons())  # it opens every check-in
    await chat.press_button("✓ Medication")
    assert (await settings_of(store, chat.user_id)).hidden_items == ("meds",)
    markup = keyboard(request.sent("editMessageReplyMarkup")[-1])
    assert ("🚫 Medication", "cihide:meds-on") in markup
    for data in (
        "ci:20260601-3",
        "ciemo:20260601-done",
        "cish:20260601-0",
        "cisui:20260601-0",
        "ciquit:20260601-0",
    ):
        await chat.press(data)
    assert "hours did you sleep" in request.texts()[-1]  # no medication question
    await chat.press("cihide:meds-on", buttons=markup)
    assert (await settings_of(store, chat.user_id)).hidden_items == ()


def test_each_check_in_and_week_button_has_one_route():
    """Routed by pattern (CallbackQueryHandler over bot/callbacks.py's grammar): every action
    the two modules list reaches exactly one of their handlers, and nothing else does."""
    routes = [callbacks.actions(*names) for _, names in (*feature.ROUTES, *week.ROUTES)]
    for name in (*feature.ACTIONS, *week.ACTIONS):
        for arg in (None, "20260601-3"):
            data = callbacks.action(name, arg)
            assert sum(bool(p.match(data)) for p in routes) == 1, data
    pattern = callbacks.actions("ci", "cisnz")
    assert pattern.match("ci") and pattern.match("ci:20260601-3") and pattern.match("cisnz:x")
    assert not any(pattern.match(d) for d in ("cinow", "ci:", "ci:a b", "xci:1", "c:1.1:a/b"))
    with pytest.raises(ValueError):
        callbacks.actions("c")  # the grammar's choice buttons begin with it


async def test_a_check_in_button_pressed_in_a_group_chat_changes_nothing(bot_env):
    """A forwarded check-in pressed in a group: the presser alone is pointed to the private
    chat, as every private button is; no check-in starts."""
    app, request, store = bot_env
    group = Chat(app, request, user_id=42, chat_type="group")
    await group.press("ci:20260601-3")
    await group.press("wkshow")
    toasts = [c.params.get("text", "") for c in request.calls if c.method == "answerCallbackQuery"]
    assert len(toasts) == 2 and all("only answer in a private chat" in t for t in toasts)
    assert request.sent() == [] and await checkin_rows(store, 42) == []


async def test_the_check_in_question_answered_no_while_the_store_fails(
    consented, bot_env, clock, monkeypatch
):
    """The store fails after the question: a typed "no" still gets its thanks at once, and
    closing the question is given up (logged), not waited on or raised."""
    from state.store import StoreBusy

    chat, request, store = consented, consented.request, bot_env[2]
    await set_up(chat, "UTC", "3:00", recovery="No")
    for data in ("ci:20260601-1", "ciemo:20260601-numb", "cish:20260601-0"):
        await chat.press(data)
    await chat.press("cisui:20260601-4")
    assert "I want to ask directly" in request.texts()[-1]

    async def down(*_a, **_kw):
        raise StoreBusy("database still busy after 10 attempts")

    monkeypatch.setattr(store, "run", down)
    monkeypatch.setattr(store, "read", down)
    await chat.send("nope im ok")
    assert request.texts()[-1] == "Thank you for telling me."
    assert not any("Sorry" in t for t in request.texts())


async def test_the_check_in_question_answered_no_in_words_goes_on(consented, bot_env, clock):
    """Thoughts of suicide rated high: the direct question. Something else typed asks again,
    offering to go on with the check-in (not "back to the scene"); a typed "no" thanks and
    offers the check-in again, whose button goes on where it waited."""
    chat, request = consented, consented.request
    await set_up(chat, "UTC", "3:00", recovery="No")
    for data in ("ci:20260601-1", "ciemo:20260601-numb", "cish:20260601-0"):
        await chat.press(data)
    await chat.press("cisui:20260601-4")
    assert "I want to ask directly" in request.texts()[-1]
    await chat.send("what do you mean")
    labels = [t for t, _ in keyboard(request.sent()[-1])]
    assert "Before we go on" in request.texts()[-1] and "Not right now, go on" in labels
    await chat.send("no")
    assert request.texts()[-1] == "Thank you for telling me."
    await chat.press(keyboard(request.sent()[-1])[0][1])
    assert "skip group or quit treatment" in request.texts()[-1]
    await chat.send("no")  # the question is closed: not asked again
    assert "Before we go on" not in request.texts()[-1]
