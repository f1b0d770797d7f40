"""The check-ins service (state/checkins/service.py): each method one user action in one
transaction, returning records, on both databases. The rules behind it are tested in
test_checkins_answers.py, test_checkins_diary.py and test_checkins_due.py; here, the seam."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.outbox_sender import drain_once
from offline import Sent, make_bot
from state import groups, outbox
from state.checkin_items import Program
from state.checkins import CheckinRecord, Checkins, Shared, Snoozed, mark_crisis
from state.db.models import OutboxMessage
from state.errors import AlreadyApplied
from state.safety.service import Safety, question_open
from state.store import Store, to_record

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)  # a Monday, 08:00 UTC
DAY = date(2026, 6, 1)
LEAD, MEMBER, ALONE = 10, 11, 12
SHORT = Program(items=("mood", "halt", "note"))


async def set_up(service: Checkins, user_id: int) -> None:
    await service.store.run(user_id, lambda uow: uow.users.set_consent(user_id, "test"))
    started = await service.start_setup(user_id, NOW)
    assert (started.setup_step, started.awaiting) == ("zone", "zone")
    for step, value in (("zone", "UTC"), ("time", time(9)), ("quiet", None)):
        assert await service.setup_answer(user_id, step, value, NOW) is not None
    done = await service.setup_answer(user_id, "recovery", False, NOW)
    assert done is not None and done.active and done.setup_step is None


async def in_a_group(store: Store, user_id: int) -> groups.GroupRecord:
    async with store.transaction(LEAD) as uow:
        await groups.set_role(uow, LEAD, groups.LEADER)
        group = await groups.create_group(uow, LEAD, "Tuesday", "Dr. Lee")
        link = await groups.create_invite(uow, kind="group", created_by=LEAD, group_id=group.id)
    async with store.transaction(user_id) as uow:
        joined = await groups.join_group(
            uow, link.code, user_id, "Sam", shares=[groups.Share.CHECKINS]
        )
        assert joined.status == "joined"
    return group


async def test_settings_actions(store: Store) -> None:
    service = Checkins(store)
    assert await service.settings(ALONE) is None
    assert await service.pause(ALONE, 1, NOW) is None  # never set up: nothing to pause
    await set_up(service, ALONE)
    assert (await service.settings(ALONE)).next_due_at == datetime(2026, 6, 1, 9, tzinfo=UTC)
    paused = await service.pause(ALONE, 7, NOW)
    assert paused is not None and paused.paused_until == datetime(2026, 6, 8, 8, tzinfo=UTC)
    resumed = await service.resume(ALONE, NOW)
    assert resumed is not None and resumed.paused_until is None
    assert (await service.set_option(ALONE, "weekly_summary", True)).weekly_summary
    assert (await service.hide_item(ALONE, "sleep", True)).hidden_items == ("sleep",)
    assert await service.hide_item(ALONE, "mood", True) is None  # the mood always stays
    stopped = await service.stop(ALONE)
    assert stopped.stopped and stopped.settings is not None and not stopped.settings.active
    assert not (await service.stop(ALONE)).stopped


async def test_a_check_in_with_a_note_shared_with_the_leader(store: Store) -> None:
    service = Checkins(store, SHORT)
    await set_up(service, MEMBER)
    group = await in_a_group(store, MEMBER)
    today = await service.today(MEMBER, NOW)
    assert today.day == DAY and today.answer.status == "ok" and today.answer.checkin is None
    assert (await service.answer(MEMBER, DAY, "mood", "4", NOW)).checkin.step == "halt"
    toggled = await service.answer(MEMBER, DAY, "halt", "tired", NOW)
    assert toggled.checkin.pending == ("tired",)
    assert (await service.current(MEMBER, DAY, NOW)).checkin.step == "halt"
    assert (await service.answer(MEMBER, DAY, "halt", "done", NOW)).checkin.step == "note"
    assert (await service.settings(MEMBER)).awaiting == "note:20260601"
    saved = await service.save_note(MEMBER, "a long day", NOW)
    assert saved.checkin.done and saved.closing is not None
    assert [g.id for g in saved.note_groups] == [group.id]  # whom "share this note" would reach
    shared = await service.share_note(MEMBER, DAY)
    assert shared == Shared("ok", (group,))
    assert (await service.share_note(MEMBER, date(2026, 5, 1))).status == "expired"  # no note
    assert (await service.answer(MEMBER, DAY, "mood", "1", NOW)).status == "already"


async def test_a_note_nobody_would_see(store: Store) -> None:
    service = Checkins(store, Program(items=("mood", "note")))
    await set_up(service, ALONE)
    await service.answer(ALONE, DAY, "mood", "2", NOW)
    saved = await service.save_note(ALONE, "just for me", NOW)
    assert saved.checkin.done and saved.note_groups == ()
    assert await service.share_note(ALONE, DAY) == Shared("nobody")


async def test_going_on_after_the_safety_question_is_one_write_that_claims_the_update(
    store: Store,
) -> None:
    """`go_on`: the safety question closed (`also`), the update claimed and where the
    check-in waits, in one transaction; the same update again raises `AlreadyApplied` before
    it changes anything (a question asked since stays open)."""
    service, safety = Checkins(store, SHORT), Safety(store)
    await set_up(service, ALONE)
    await service.answer(ALONE, DAY, "mood", "4", NOW)

    async def asked() -> str | None:
        return await store.read(lambda uow: question_open(uow, ALONE, datetime.now(UTC)))

    await safety.ask(ALONE, "suicide@20260601")
    went_on = await service.go_on(ALONE, DAY, NOW, also=safety.answered_work(ALONE), update_id=90)
    assert went_on.status == "already" and went_on.checkin.step == "halt"
    assert await asked() is None
    assert (await store.read(lambda uow: uow.updates.gate(90, ALONE)))[0]

    await safety.ask(ALONE, "suicide@20260601")
    with pytest.raises(AlreadyApplied):
        await service.go_on(ALONE, DAY, NOW, also=safety.answered_work(ALONE), update_id=90)
    assert await asked() == "suicide@20260601"


async def test_snooze(store: Store) -> None:
    service = Checkins(store)
    await set_up(service, ALONE)
    assert await service.snooze(ALONE, date(2026, 5, 20), NOW) == Snoozed("expired")
    snoozed = await service.snooze(ALONE, DAY, NOW)
    assert snoozed.status == "ok" and snoozed.until == datetime(2026, 6, 1, 9, tzinfo=UTC)
    assert await service.snooze(ALONE, DAY, NOW) == Snoozed("already")


async def test_the_week_card_and_sending_it(store: Store) -> None:
    service = Checkins(store, SHORT)
    await set_up(service, MEMBER)
    group = await in_a_group(store, MEMBER)
    await service.answer(MEMBER, DAY, "mood", "4", NOW)
    card = await service.week_card(MEMBER, NOW)
    assert card.groups == (group,) and card.card["rows"][0][0] == "Mood (0-5)"
    assert await service.send_card(MEMBER, group.id + 1, NOW) is None  # not their group
    assert await service.send_card(MEMBER, group.id, NOW) == "Dr. Lee"
    async with store.transaction(None) as uow:
        sent = (await uow.session.execute(select(OutboxMessage.chat_id, OutboxMessage.kind))).all()
    assert [tuple(r) for r in sent] == [(LEAD, "diary-card")]


async def test_followup_and_the_due_job(store: Store) -> None:
    service = Checkins(store)
    await set_up(service, ALONE)
    async with store.transaction(ALONE) as uow:
        assert await mark_crisis(uow, ALONE, NOW)
    await service.followup_answer(ALONE, struggling=False, now=NOW)
    assert (await service.settings(ALONE)).crisis_on is None
    result = await service.run_due(datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC))
    assert (result.queued, result.followups) == (1, 0)


async def test_a_queued_check_in_holds_what_it_means_and_the_sender_draws_it(store: Store) -> None:
    """The row holds no text and no button data of the bot's (they could go stale in the
    queue); the sender draws them when it sends. A meaning it can't draw fails that row only."""
    service = Checkins(store)
    await set_up(service, ALONE)
    assert (await service.run_due(datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC))).queued == 1
    async with store.transaction(None) as uow:
        [payload] = (await uow.session.scalars(select(OutboxMessage.payload))).all()
    assert payload["means"] == {
        "kind": "checkin",
        "day": "20260601",
        "snoozed": False,
        "mood": True,
    }
    assert "ci:" not in json.dumps(payload) and "<b>" not in json.dumps(payload)
    async with store.transaction(ALONE) as uow:
        stale = outbox.Message(
            ALONE, "checkin", "", "stale", extra={"means": {"kind": "checkin-v0"}}
        )
        await outbox.enqueue_many(uow, [stale])
    wire = Sent()
    assert await drain_once(await make_bot(wire), store, rate=0, per_chat_interval=0) == 2
    [sent] = wire.sent
    assert "Daily check-in" in sent["text"] and "cisnz:20260601" in str(sent["reply_markup"])
    async with store.transaction(None) as uow:
        rows = (await uow.session.execute(select(OutboxMessage.status, OutboxMessage.error))).all()
    assert sorted(tuple(r) for r in rows) == [("failed", "undrawable: ValueError"), ("sent", None)]


def test_one_mapper_makes_every_record() -> None:
    """state.store.to_record: a row's JSON lists become tuples, a NULL where a record wants a
    tuple or a dict becomes an empty one, and a NULL the record allows stays None."""
    row = SimpleNamespace(**dict.fromkeys(f.name for f in dataclasses.fields(CheckinRecord)))
    row.id, row.user_id, row.local_date, row.step, row.skills = 1, 2, DAY, "done", ["a", "b"]
    record = to_record(CheckinRecord, row)
    assert (record.skills, record.pending, record.emotions, record.halt) == (
        ("a", "b"),
        (),
        {},
        None,
    )
    assert record.done and record.mood is None
    with pytest.raises(TypeError, match="stepp"):  # a misspelt given field is no silent drop
        to_record(CheckinRecord, row, stepp="done")
