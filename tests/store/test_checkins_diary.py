"""The check-in as a DBT diary card (#19), on both databases: a program's items, a
participant's hidden ones, the answer that fits the answers, the day-after follow-up from the
due scan (the clock moved with time_machine), the week's card and sending it to a leader,
/mydata and /delete."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import time_machine
from sqlalchemy import select, update

from bot.features import checkin_messages
from bot.features.checkins.replies import closing_text
from bot.outbox_sender import drain_once, render
from offline import SendWire, make_bot, ok
from state import checkin_replies, checkins, groups
from state.checkin_items import Program
from state.crisis import CrisisResult
from state.db.checkins import CheckinSettings
from state.db.models import OutboxMessage, Run
from state.engine import RunState
from state.privacy import delete_user, export_user
from state.safety.service import Safety
from state.store import Store

DAY = date(2026, 6, 1)
PRACTICE = "Say no first, then offer an alternative."
FULL = Program(try_this_week=lambda scenario, node: PRACTICE if node == "done" else None)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


async def configure(store: Store, user_id: int, recovery: bool = True) -> None:
    async def work(uow):
        await uow.users.set_consent(user_id, "test")
        await checkins.start_setup(uow, user_id, now())
        for step, value in (("zone", "UTC"), ("time", time(9)), ("quiet", None)):
            await checkins.setup_answer(uow, user_id, step, value, now())
        await checkins.setup_answer(uow, user_id, "recovery", recovery, now())

    await store.run(user_id, work)


async def press(
    store: Store, user_id: int, step: str, value: str, day: date = DAY, program: Program = FULL
) -> checkins.Answer:
    async def work(uow):
        return await checkins.answer(uow, user_id, day, step, value, now(), program)

    return await store.run(user_id, work)


async def finished_scenario(store: Store, user_id: int, ended: datetime) -> None:
    async def work(uow):
        state = RunState(scenario_id="recovery/x", content_hash="h", node="done", step=3, seed=1)
        run_id = await uow.runs.create(user_id, state)
        await uow.session.execute(
            update(Run).where(Run.id == run_id).values(status="ended", ended_at=ended)
        )

    await store.run(user_id, work)


async def settings(store: Store, user_id: int) -> checkins.SettingsRecord:
    async with store.transaction(None) as uow:
        record = await checkins.get_settings(uow, user_id)
    assert record is not None
    return record


async def test_every_item_in_order_and_a_ridden_out_urge_named_as_a_win(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 1)
        await finished_scenario(store, 1, utc(2026, 5, 30, 18))
        steps = []
        for step, value in (
            ("mood", "2"),
            ("emotion", "sad-4"),
            ("emotion", "fear-2"),
            ("emotion", "sad-5"),  # rated again: the new peak
            ("emotion", "done"),
            ("urge", "5"),
            ("acted", "n"),
            ("self_harm", "1"),
            ("suicidal", "0"),
            ("quit", "2"),
            ("meds", "partly"),
            ("sleep", "7"),
            ("halt", "tired"),
            ("halt", "done"),
            ("skills", "urge-surfing"),
            ("skills", "done"),
            ("skill_rating", "5"),
            ("practice", "some"),
            ("note", "skip"),
        ):
            r = await press(store, 1, step, value)
            assert r.status == "ok", (step, value)
            steps.append(r.checkin.step)
        assert r.practice_text == PRACTICE
    assert steps == [
        "emotion",
        "emotion",
        "emotion",
        "emotion",
        "urge",
        "acted",
        "self_harm",
        "suicidal",
        "quit",
        "meds",
        "sleep",
        "halt",
        "halt",
        "skills",
        "skills",
        "skill_rating",
        "practice",
        "note",
        "done",
    ]
    c = r.checkin
    assert c.emotions == {"sad": 5, "fear": 2} and c.emotion == "sad"
    assert (c.urge, c.acted, c.self_harm, c.suicidal, c.quit_urge) == (5, False, 1, 0, 2)
    assert (c.meds, c.sleep_hours, c.halt, c.skills) == ("partly", 7, ("tired",), ("urge-surfing",))
    assert (c.skill_rating, c.practice) == (5, "some")
    assert not r.safety
    text = closing_text(r.closing)
    assert "A strong urge you rode out is a win" in text and "urge of 5" in text
    assert r.closing.offer_practice == checkin_replies.LATE_NIGHT_SCENARIO
    assert "Check-in streak: 1 day" in text


async def test_out_of_range_and_unknown_answers_change_nothing(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 2)
        await press(store, 2, "mood", "3")
        for step, value in (
            ("emotion", "furious-3"),
            ("emotion", "sad-6"),
            ("urge", "3"),  # out of turn
        ):
            assert (await press(store, 2, step, value)).status in ("invalid", "already")
        await press(store, 2, "emotion", "done")
        await press(store, 2, "urge", "0")  # no urge: "did you act on it" isn't asked
        r = await press(store, 2, "self_harm", "0")
        assert r.checkin.step == "suicidal"
        await press(store, 2, "suicidal", "0")
        await press(store, 2, "quit", "0")
        assert (await press(store, 2, "meds", "maybe")).status == "invalid"
        await press(store, 2, "meds", "yes")
        assert (await press(store, 2, "sleep", "13")).status == "invalid"
        r = await press(store, 2, "sleep", "12")
        assert r.checkin.sleep_hours == 12 and r.checkin.step == "halt"
        # No scenario finished: the practice question is not asked.
        assert r.practice_text is None


async def test_a_high_risk_answer_asks_for_safety_and_brings_a_follow_up_next_day(
    store: Store,
) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False) as clock:
        await configure(store, 3, recovery=False)
        await press(store, 3, "mood", "0")
        await press(store, 3, "emotion", "done")
        r = await press(store, 3, "self_harm", "2")
        assert not r.safety
        r = await press(store, 3, "suicidal", "3")
        assert r.safety and r.checkin.suicidal == 3 and r.checkin.step == "quit"
        assert (await settings(store, 3)).crisis_on == DAY
        for step, value in (("quit", "0"), ("meds", "no"), ("sleep", "3")):
            await press(store, 3, step, value)
        for step in ("halt", "skills"):
            await press(store, 3, step, "done")
        await press(store, 3, "skill_rating", "0")
        r = await press(store, 3, "note", "skip")
        assert checkin_replies.SAFETY_ACK in r.closing.said
        assert "answering the hard questions honestly" in closing_text(r.closing)

        # The same day's scan brings nothing more; the next day's brings one follow-up.
        assert (await checkins.run_due(store, now())).followups == 0
        clock.move_to(utc(2026, 6, 2, 9, 0, 5))
        result = await checkins.run_due(store, now())
        assert (result.queued, result.followups) == (1, 1)
        clock.move_to(utc(2026, 6, 3, 9, 0, 5))
        assert (await checkins.run_due(store, now())).followups == 0  # only once
    async with store.transaction(None) as uow:
        rows = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == checkins.FOLLOWUP_KIND)
            )
        ).all()
    assert [r.dedupe_key for r in rows] == ["checkin-followup:3:20260602"]
    text, markup = render(rows[0].payload)  # drawn from what it means, as the sender does
    assert "How are you today?" in text
    buttons = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert buttons == ["cifu:20260602-ok", "cifu:20260602-hard"]
    assert (await settings(store, 3)).crisis_on is None


async def test_the_crisis_card_brings_a_follow_up_only_to_those_with_check_ins(
    store: Store,
) -> None:
    with time_machine.travel(utc(2026, 6, 1, 22), tick=False) as clock:
        await configure(store, 4)
        async with store.transaction(5) as uow:
            await uow.users.set_consent(5, "test")  # no check-ins: nothing to follow up with
        crisis = CrisisResult(True, "suicide", 1, "test", action="card")
        await Safety(store).record_crisis(4, crisis)
        await Safety(store).record_crisis(5, crisis)
        assert (await settings(store, 4)).crisis_on == DAY

        async def still_struggling(uow):
            await checkins.followup_answer(uow, 4, True, now())

        clock.move_to(utc(2026, 6, 2, 9, 0, 5))
        assert (await checkins.run_due(store, now())).followups == 1
        await store.run(4, still_struggling)  # asked again the next day
        clock.move_to(utc(2026, 6, 3, 9, 0, 5))
        assert (await checkins.run_due(store, now())).followups == 1

        async def okay(uow):
            await checkins.followup_answer(uow, 4, False, now())

        await store.run(4, okay)
        assert (await settings(store, 4)).crisis_on is None


async def test_a_lapse_gets_kind_words_and_hard_days_a_skill(store: Store) -> None:
    short = Program(items=("mood", "urge", "sleep"))
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False) as clock:
        await configure(store, 6)
        for n in range(3):
            day = DAY + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(20), UTC))
            await press(store, 6, "mood", "1", day, short)
            await press(store, 6, "urge", "3", day, short)
            await press(store, 6, "acted", "y" if n == 2 else "n", day, short)
            r = await press(store, 6, "sleep", "8", day, short)
            assert r.checkin.done
            text = closing_text(r.closing)
            assert ("A lapse is information, not failure" in text) == (n == 2)
            assert ("The last few days look heavy" in text) == (n == 2)
            assert "rode out is a win" not in text  # an urge of 3 is not named a win
        assert r.closing.offer_week


async def test_a_programs_items_and_a_participants_hidden_ones(store: Store) -> None:
    program = Program(items=("emotions", "meds", "sleep", "note"), emotions=("sad", "bored"))
    text, markup = checkin_messages.checkin(DAY, mood=False)
    assert [(b.text, b.callback_data) for b in markup.inline_keyboard[0]] == [
        ("Start", "ci:20260601-go")
    ]
    assert "mood" not in text
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 7)

        async def hide(uow):
            assert await checkins.hide_item(uow, 7, "mood", True) is None  # it opens them all
            return await checkins.hide_item(uow, 7, "meds", True)

        assert (await store.run(7, hide)).hidden_items == ("meds",)
        r = await press(store, 7, "mood", "go", program=program)
        assert r.checkin.mood is None and r.checkin.step == "emotion"
        assert (await press(store, 7, "emotion", "anxious-3", program=program)).status == (
            "invalid"
        )
        await press(store, 7, "emotion", "bored-3", program=program)
        r = await press(store, 7, "emotion", "done", program=program)
        assert r.checkin.step == "sleep"  # meds hidden; urges not in this program
        r = await press(store, 7, "sleep", "5", program=program)
        assert r.checkin.step == "note"


async def test_the_week_card_and_sending_it_to_a_leader(store: Store) -> None:
    lead, member = 80, 8
    async with store.transaction(lead) as uow:
        await groups.set_role(uow, lead, groups.LEADER)
        group = await groups.create_group(uow, lead, "Tuesday", "Dr. Lee")
        link = await groups.create_invite(uow, kind="group", created_by=lead, group_id=group.id)
    short = Program(items=("mood", "urge", "suicidal"))
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False) as clock:
        await configure(store, member)
        for n, urge in enumerate((3, 4, 2)):
            day = DAY + timedelta(days=n)
            clock.move_to(datetime.combine(day, time(20), UTC))
            await press(store, member, "mood", "3", day, short)
            await press(store, member, "urge", str(urge), day, short)
            await press(store, member, "acted", "n", day, short)
            await press(store, member, "suicidal", "0" if n else "4", day, short)

        async def week(uow):
            return checkins.card_data(await checkins.week(uow, member, now(), short), short)

        card = await store.run(member, week)
        assert card["rode_out"] == 2 and card["days"][-1] == "Wed 3"
        rows = {label: cells for label, cells, _ in card["rows"]}
        assert rows["Urge to use (0-5)"][-3:] == ["3", "4", "2"]
        assert rows["Suicidal thoughts (0-5)"][-3:] == ["4", "0", "0"]
        assert rows["Mood (0-5)"][:4] == ["", "", "", ""]  # no check-in those days

        async def send(uow):
            return await checkins.send_card(uow, member, group.id, now(), short)

        assert await store.run(member, send) is None  # not a member yet: nobody to send to
        async with store.transaction(member) as uow:
            await groups.join_group(uow, link.code, member, "Pat")
        assert await store.run(member, send) == "Dr. Lee"
    async with store.transaction(None) as uow:
        [row] = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == checkins.CARD_KIND)
            )
        ).all()
    assert (row.chat_id, row.subject_id) == (lead, member)
    assert row.payload["card"]["name"] == "Pat" and "Pat" in render(row.payload)[0]

    data = await export_user(store, member)
    [first, *_] = data["tables"]["checkins"]
    assert first["suicidal"] == 4 and "emotions" in first and "sleep_hours" in first
    assert "hidden_items" in data["tables"]["checkin_settings"][0]
    await delete_user(store, member)
    data = await export_user(store, member)
    assert "checkins" not in data["tables"]
    async with store.transaction(None) as uow:
        left = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == checkins.CARD_KIND)
        )
        assert left.all() == []  # the card sent about them is erased with them
        assert await uow.session.get(CheckinSettings, member) is None


class Recording(SendWire):
    """Accepts every send, keeping each call's method and any file it carried."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, bytes]] = []

    async def do_request(self, url, method, request_data=None, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
        files = request_data.multipart_data if request_data else None
        blob = b"".join(v[1] for v in (files or {}).values() if isinstance(v, tuple))
        name = url.rsplit("/", 1)[-1]
        if name != "getMe":
            self.calls.append((name, dict(request_data.parameters) if request_data else {}, blob))
        return await super().do_request(url, method, request_data, *args, **kw)

    async def send(self, chat: int, params: dict) -> tuple[int, bytes]:
        return ok({"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}})


async def test_the_sender_draws_a_sent_card_as_a_pdf(store: Store) -> None:
    lead, member = 90, 9
    async with store.transaction(lead) as uow:
        await groups.set_role(uow, lead, groups.LEADER)
        group = await groups.create_group(uow, lead, "Tuesday", "Dr. Lee")
        link = await groups.create_invite(uow, kind="group", created_by=lead, group_id=group.id)
        await groups.join_group(uow, link.code, member, "Pat")
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, member)
        await press(store, member, "mood", "3", program=Program(items=("mood",)))

        async def send(uow):
            return await checkins.send_card(uow, member, group.id, now())

        assert await store.run(member, send) == "Dr. Lee"
    wire = Recording()
    assert await drain_once(await make_bot(wire), store, rate=0, per_chat_interval=0) == 1
    [(method, params, blob)] = wire.calls
    assert method == "sendDocument" and int(params["chat_id"]) == lead
    assert "Pat" in params["caption"] and blob.startswith(b"%PDF")
