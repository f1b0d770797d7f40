"""The check-in due job on a real database (SQLite and PostgreSQL), with a controlled clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import time_machine
from sqlalchemy import select, update

from bot.outbox_sender import render
from state import checkins
from state.checkin_items import Program
from state.db.checkins import CheckinSettings
from state.db.models import OutboxMessage, User
from state.store import Store


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


SHORT = Program(items=("mood", "emotions", "halt", "note"))  # before #19


def now() -> datetime:
    return datetime.now(UTC)


async def configure(
    store: Store,
    user_id: int,
    zone: str,
    at: time,
    quiet: tuple[time, time] | None = None,
    recovery: bool = False,
    weekly: bool = False,
) -> checkins.SettingsRecord:
    """Answer the setup questions the way the buttons do, at the current (travelled) clock."""

    async def work(uow):
        await uow.users.set_consent(user_id, "test")
        await checkins.start_setup(uow, user_id, now())
        for step, value in (
            ("zone", zone),
            ("time", at),
            ("quiet", quiet),
            ("recovery", recovery),
        ):
            record = await checkins.setup_answer(uow, user_id, step, value, now())
            assert record is not None
        if weekly:
            record = await checkins.set_option(uow, user_id, "weekly_summary", True)
        return record

    return await store.run(user_id, work)


async def queued(store: Store, kind: str = checkins.KIND) -> list[tuple[int, str, datetime]]:
    async with store.transaction(None) as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.user_id, OutboxMessage.dedupe_key, OutboxMessage.not_before)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
        return [tuple(r) for r in rows.all()]


async def due_at(store: Store, user_id: int) -> datetime | None:
    async with store.transaction(None) as uow:
        return (await checkins.get_settings(uow, user_id)).next_due_at


async def test_each_zone_gets_its_check_in_at_its_own_local_time(store: Store) -> None:
    zones = {1: "America/Los_Angeles", 2: "Asia/Kolkata", 3: "Pacific/Auckland", 4: "UTC"}
    with time_machine.travel(utc(2026, 6, 10, 0, 0), tick=False) as clock:
        for uid, zone in zones.items():
            await configure(store, uid, zone, time(9))
        assert await due_at(store, 1) == utc(2026, 6, 10, 16)  # 09:00 PDT
        assert await due_at(store, 2) == utc(2026, 6, 10, 3, 30)  # 09:00 IST
        assert await due_at(store, 3) == utc(2026, 6, 10, 21)  # 09:00 NZST (11 June)
        assert await due_at(store, 4) == utc(2026, 6, 10, 9)

        sent: list[tuple[int, str]] = []
        # The job every minute around each expected time and every hour in between.
        minutes = set(range(0, 24 * 60, 60))
        for due in (3 * 60 + 30, 9 * 60, 16 * 60, 21 * 60):
            minutes |= set(range(due - 3, due + 4))
        for minute in sorted(minutes):
            clock.move_to(utc(2026, 6, 10) + timedelta(minutes=minute, seconds=30))
            result = await checkins.run_due(store, now())
            if result.queued:
                sent += [(u, k) for u, k, _ in (await queued(store))[len(sent) :]]
        assert sent == [
            (2, "checkin:2:20260610"),
            (4, "checkin:4:20260610"),
            (1, "checkin:1:20260610"),
            (3, "checkin:3:20260611"),  # Auckland's 11 June starts on our 10th
        ]
        rows = await queued(store)
        # Each was queued in the minute it fell due, not later.
        assert [nb.replace(second=0) for _, _, nb in rows] == [
            utc(2026, 6, 10, 3, 30),
            utc(2026, 6, 10, 9),
            utc(2026, 6, 10, 16),
            utc(2026, 6, 10, 21),
        ]
        assert await due_at(store, 1) == utc(2026, 6, 11, 16)


async def test_a_daylight_saving_change_keeps_the_local_time(store: Store) -> None:
    with time_machine.travel(utc(2026, 3, 6, 20), tick=False) as clock:
        await configure(store, 7, "America/Los_Angeles", time(9))
        for _ in range(3):
            due = await due_at(store, 7)
            clock.move_to(due + timedelta(seconds=30))
            assert (await checkins.run_due(store, now())).queued == 1
    rows = await queued(store)
    assert [k for _, k, _ in rows] == [
        "checkin:7:20260307",
        "checkin:7:20260308",  # the day the clocks go forward
        "checkin:7:20260309",
    ]
    assert [nb.hour for _, _, nb in rows] == [17, 16, 16]  # UTC moves, 09:00 local does not


async def test_downtime_catch_up_within_grace_once_and_older_skipped(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False) as clock:
        await configure(store, 11, "UTC", time(9))
        await configure(store, 12, "UTC", time(6))
        # Down three days; back at 10:30 on the 4th: 11's slot (09:00) is 1.5 h old, 12's is
        # 4.5 h old, beyond the 3 h grace.
        clock.move_to(utc(2026, 6, 4, 10, 30))
        result = await checkins.run_due(store, now())
        assert (result.queued, result.skipped) == (1, 1)
        assert [k for _, k, _ in await queued(store)] == ["checkin:11:20260604"]
        assert await due_at(store, 11) == utc(2026, 6, 5, 9)
        assert await due_at(store, 12) == utc(2026, 6, 5, 6)
        # The job runs again (a second worker, or the next tick): nothing twice.
        assert (await checkins.run_due(store, now())).queued == 0
        # Even if the schedule were rewound (a crash before the move), the outbox dedupes.
        async with store.transaction(None) as uow:
            await uow.session.execute(
                update(CheckinSettings)
                .where(CheckinSettings.user_id == 11)
                .values(next_due_at=utc(2026, 6, 4, 9))
            )
        assert (await checkins.run_due(store, now())).queued == 0
        assert len(await queued(store)) == 1


async def test_quiet_hours_hold_a_check_in_until_they_end(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 12), tick=False) as clock:
        await configure(store, 21, "Europe/Berlin", time(23), quiet=(time(22), time(7)))
        assert await due_at(store, 21) == utc(2026, 6, 2, 5)  # 07:00 CEST next morning
        clock.move_to(utc(2026, 6, 1, 21, 0, 30))  # 23:00 Berlin: nothing
        assert (await checkins.run_due(store, now())).queued == 0
        clock.move_to(utc(2026, 6, 2, 5, 0, 30))
        assert (await checkins.run_due(store, now())).queued == 1
    # It is the evening of the 1st's check-in, delivered on the morning of the 2nd.
    assert [k for _, k, _ in await queued(store)] == ["checkin:21:20260601"]


async def test_pause_resume_and_stop(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False) as clock:
        await configure(store, 31, "UTC", time(9))
        await configure(store, 32, "UTC", time(9))

        async def pause(uow):
            return await checkins.pause(uow, 31, now() + timedelta(days=2), now())

        paused = await store.run(31, pause)
        assert paused.next_due_at == utc(2026, 6, 3, 9)

        async def stop(uow):
            return await checkins.stop(uow, 32)

        assert await store.run(32, stop) is True
        assert await store.run(32, stop) is False  # stopping twice changes nothing
        assert await due_at(store, 32) is None
        for day in (1, 2):
            clock.move_to(utc(2026, 6, day, 9, 1))
            assert (await checkins.run_due(store, now())).queued == 0
        clock.move_to(utc(2026, 6, 3, 9, 1))
        assert (await checkins.run_due(store, now())).queued == 1

        async def resume(uow):
            return await checkins.resume(uow, 32, now())

        assert (await store.run(32, resume)).next_due_at == utc(2026, 6, 4, 9)
        assert (await store.run(99, lambda uow: checkins.resume(uow, 99, now()))) is None
        clock.move_to(utc(2026, 6, 4, 9, 1))
        assert (await checkins.run_due(store, now())).queued == 2
    assert [k for _, k, _ in await queued(store)] == [
        "checkin:31:20260603",
        "checkin:31:20260604",
        "checkin:32:20260604",
    ]


async def test_blocked_or_already_checked_in_are_not_queued_but_move_on(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False) as clock:
        for uid in (41, 42, 43, 44, 45):
            await configure(store, uid, "UTC", time(9))
        async with store.transaction(None) as uow:
            await uow.session.execute(update(User).where(User.id == 41).values(active=False))
            await uow.users.set_consent(44, None)  # consent withdrawn
            await uow.session.execute(  # a zone the system no longer knows
                update(CheckinSettings)
                .where(CheckinSettings.user_id == 45)
                .values(timezone="Atlantis/Capital")
            )

        async def early(uow):  # 42 checked in on their own at 08:00 ("check in now")
            return await checkins.answer(uow, 42, date(2026, 6, 1), "mood", "4", now(), SHORT)

        assert (await store.run(42, early)).status == "ok"
        clock.move_to(utc(2026, 6, 1, 9, 0, 30))
        result = await checkins.run_due(store, now())
        assert (result.queued, result.skipped) == (1, 4)
        assert [u for u, _, _ in await queued(store)] == [43]
        for uid in (41, 42, 44):
            assert await due_at(store, uid) == utc(2026, 6, 2, 9)
        assert await due_at(store, 45) is None  # stopped, not failing every run


async def test_batches_cover_everyone_due_exactly_once(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False) as clock:
        for uid in range(100, 125):
            await configure(store, uid, "UTC", time(9))
        clock.move_to(utc(2026, 6, 1, 9, 0, 30))
        result = await checkins.run_due(store, now(), checkins.DueJob(batch=10))
        assert (result.queued, result.scanned) == (25, 25)
    assert sorted(u for u, _, _ in await queued(store)) == list(range(100, 125))


async def test_setup_for_the_current_minute_is_due_now(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 14, 37, 40), tick=False):
        settings = await configure(store, 51, "UTC+05:30", time(20, 7))  # 14:37 UTC
        assert settings.next_due_at == utc(2026, 6, 1, 14, 37)
        assert settings.active and settings.setup_step is None and settings.awaiting is None
        assert (await checkins.run_due(store, now())).queued == 1
    assert [k for _, k, _ in await queued(store)] == ["checkin:51:20260601"]


async def test_weekly_summary_comes_with_sundays_check_in(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False) as clock:  # a Monday
        await configure(store, 61, "UTC", time(9), weekly=True)
        await configure(store, 62, "UTC", time(9))
        for day in range(1, 8):
            clock.move_to(utc(2026, 6, day, 9, 0, 30))
            await checkins.run_due(store, now())
            if day < 6:

                async def work(uow, day=day):
                    for step, value in (
                        ("mood", str(day - 1)),
                        ("emotion", "calm"),
                        ("halt", "done"),
                        ("note", "skip"),
                    ):
                        result = await checkins.answer(
                            uow, 61, date(2026, 6, day), step, value, now(), SHORT
                        )
                        assert result.status == "ok"
                    assert result.checkin.done

                await store.run(61, work)
    weekly = await queued(store, checkins.WEEKLY_KIND)
    assert [(u, k) for u, k, _ in weekly] == [(61, "checkinweek:61:20260607")]
    async with store.transaction(None) as uow:
        text = await uow.session.scalar(
            select(OutboxMessage.payload).where(OutboxMessage.kind == checkins.WEEKLY_KIND)
        )
    text = render(text)[0]  # drawn from what it means, as the sender does
    assert "Check-ins: 5 of 7" in text and "average 2.0" in text


async def test_snooze_queues_once_an_hour_later(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 9, 5), tick=False):
        await configure(store, 71, "UTC", time(9))
        day = date(2026, 6, 1)

        async def snooze(uow):
            return await checkins.snooze(uow, 71, day, now())

        assert await store.run(71, snooze) == utc(2026, 6, 1, 10, 5)
        assert await store.run(71, snooze) is None
    rows = await queued(store)
    assert [(k, nb) for _, k, nb in rows] == [
        ("checkin:71:20260601:snooze", utc(2026, 6, 1, 10, 5))
    ]
