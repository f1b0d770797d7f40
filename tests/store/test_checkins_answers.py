"""Answering a check-in, history, the leaders' summary and /mydata, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import time_machine

from state import checkins, groups
from state.checkin_items import Program
from state.privacy import delete_user, export_user
from state.store import Store

DAY = date(2026, 6, 1)
LEAD = 10
# The check-in before the diary card (#19), as a program can still choose it.
SHORT = Program(items=("mood", "emotions", "urge", "halt", "note"))
WITH_SKILLS = Program(
    items=("mood", "emotions", "urge", "halt", "skills", "note"),
    skills=(("dear-man", "DEAR MAN"), ("refusal", "Refusal")),
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


async def configure(
    store: Store, user_id: int, zone: str, at: time, recovery: bool = False
) -> checkins.SettingsRecord:
    """Answer the setup questions the way the buttons do."""

    async def work(uow):
        await uow.users.set_consent(user_id, "test")
        await checkins.start_setup(uow, user_id, now())
        answers = (("zone", zone), ("time", at), ("quiet", None), ("recovery", recovery))
        for step, value in answers:
            record = await checkins.setup_answer(uow, user_id, step, value, now())
        return record

    return await store.run(user_id, work)


async def press(
    store: Store, user_id: int, step: str, value: str, day: date = DAY, program: Program = SHORT
):
    async def work(uow):
        return await checkins.answer(uow, user_id, day, step, value, now(), program)

    return await store.run(user_id, work)


async def test_recovery_track_full_flow_with_typed_note(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 8), tick=False):
        await configure(store, 1, "UTC", time(9), recovery=True)
        r = await press(store, 1, "mood", "3", program=WITH_SKILLS)
        assert r.status == "ok" and r.checkin.step == "emotion" and r.checkin.mood == 3
        assert (await press(store, 1, "mood", "5")).status == "already"  # no second start
        assert (await press(store, 1, "emotion", "furious")).status == "invalid"
        assert (await press(store, 1, "urge", "2")).status == "already"  # out of turn
        assert (await press(store, 1, "emotion", "anxious")).checkin.step == "urge"
        assert (await press(store, 1, "urge", "9")).status == "invalid"
        assert (await press(store, 1, "urge", "4")).checkin.step == "acted"
        assert (await press(store, 1, "acted", "n")).checkin.step == "halt"
        for pick in ("tired", "lonely", "tired", "hungry"):  # toggles: tired off again
            r = await press(store, 1, "halt", pick)
            assert r.status == "ok" and r.checkin.step == "halt"
        assert r.checkin.pending == ("hungry", "lonely")
        r = await press(store, 1, "halt", "done", program=WITH_SKILLS)
        assert r.checkin.halt == ("hungry", "lonely") and r.checkin.step == "skills"
        assert r.skill_options == ("dear-man", "refusal")  # the program's own list
        bad = await press(store, 1, "skills", "give", program=WITH_SKILLS)
        assert bad.status == "invalid"  # not on the program's list
        await press(store, 1, "skills", "refusal", program=WITH_SKILLS)
        r = await press(store, 1, "skills", "done", program=WITH_SKILLS)
        assert r.checkin.skills == ("refusal",) and r.checkin.step == "skill_rating"
        r = await press(store, 1, "skill_rating", "8", program=WITH_SKILLS)
        assert r.status == "invalid"  # DBT's scale stops at 7
        r = await press(store, 1, "skill_rating", "5", program=WITH_SKILLS)
        assert r.checkin.skill_rating == 5 and r.checkin.step == "note"

        async def typed(uow):
            return await checkins.save_note(
                uow, 1, "  Called my sponsor instead.  ", now(), WITH_SKILLS
            )

        r = await store.run(1, typed)
        assert (
            r.status == "ok" and r.checkin.done and r.checkin.note == "Called my sponsor instead."
        )
        assert (await store.run(1, typed)).status == "expired"  # the note was taken once
        async with store.transaction(None) as uow:
            settings = await checkins.get_settings(uow, 1)
            ov = await checkins.overview(uow, 1, now())
        assert settings.awaiting is None
        assert ov.total == 1 and ov.streak_days == 1 and ov.recent[0].urge == 4


async def test_short_flow_without_recovery_or_practice(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 2, "UTC", time(9))
        assert (await press(store, 2, "mood", "4")).checkin.step == "emotion"
        assert (await press(store, 2, "emotion", "calm")).checkin.step == "halt"
        assert (await press(store, 2, "halt", "done")).checkin.step == "note"
        r = await press(store, 2, "note", "skip")
        assert r.checkin.done and r.checkin.halt == () and r.checkin.urge is None
        assert (await press(store, 2, "halt", "tired")).status == "already"


async def test_urge_of_zero_skips_the_acted_question(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 3, "UTC", time(9), recovery=True)
        await press(store, 3, "mood", "2")
        await press(store, 3, "emotion", "sad")
        r = await press(store, 3, "urge", "0")
        assert r.checkin.step == "halt" and r.checkin.acted is None


async def test_days_outside_today_and_yesterday_are_expired(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 3, 1), tick=False):
        await configure(store, 4, "Asia/Kolkata", time(9))  # 06:30 on the 3rd in Kolkata
        assert (await press(store, 4, "mood", "3", date(2026, 6, 1))).status == "expired"
        assert (await press(store, 4, "mood", "3", date(2026, 6, 4))).status == "expired"
        assert (await press(store, 4, "emotion", "sad", date(2026, 6, 2))).status == "expired"
        assert (await press(store, 4, "mood", "3", date(2026, 6, 2))).status == "ok"


async def test_streak_history_and_typed_note_timeout(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False) as clock:
        await configure(store, 5, "UTC", time(9))
        for day in range(1, 5):
            clock.move_to(utc(2026, 6, day, 20))
            d = date(2026, 6, day)
            await press(store, 5, "mood", str(day), d)
            await press(store, 5, "emotion", "hopeful", d)
            await press(store, 5, "halt", "done", d)
            if day < 4:
                await press(store, 5, "note", "skip", d)
        # The 4th waits for a note; an hour later typed text is no longer taken as one.
        clock.move_to(utc(2026, 6, 4, 21, 1))

        async def typed(uow):
            return await checkins.save_note(uow, 5, "late words", now())

        assert (await store.run(5, typed)).status == "expired"
        async with store.transaction(None) as uow:
            ov = await checkins.overview(uow, 5, now())
        assert ov.total == 3 and ov.streak_days == 3  # the 4th is not finished
        assert [r.mood for r in ov.recent] == [1, 2, 3]


async def _check_in(
    store: Store, uid: int, day: date, mood: int, urge: int | None, note: str
) -> None:
    await press(store, uid, "mood", str(mood), day)
    await press(store, uid, "emotion", "calm", day)
    if urge is not None:  # on the recovery track
        await press(store, uid, "urge", str(urge), day)
        if urge:
            await press(store, uid, "acted", "y" if uid == 12 else "n", day)
    await press(store, uid, "halt", "done", day)

    async def typed(uow):
        return await checkins.save_note(uow, uid, note, now())

    assert (await store.run(uid, typed)).checkin.done


async def test_group_checkin_figures_are_per_group_from_joining_and_never_one_persons(
    store: Store,
) -> None:
    """Sharing is chosen per group; a member counts from the day they joined; figures show
    only when at least three sharing members checked in; notes only where their author shared
    them with that group's leader."""
    june1, june2 = date(2026, 6, 1), date(2026, 6, 2)
    async with store.transaction(LEAD) as uow:
        await groups.set_role(uow, LEAD, groups.LEADER)
        g = await groups.create_group(uow, LEAD, "Tuesday", "Dr. Lee")
        h = await groups.create_group(uow, LEAD, "Thursday", "Dr. Lee")
        g_link = await groups.create_invite(uow, kind="group", created_by=LEAD, group_id=g.id)
        h_link = await groups.create_invite(uow, kind="group", created_by=LEAD, group_id=h.id)

    async def join(uid: int, link, share: bool, at: datetime) -> None:
        async with store.transaction(uid) as uow:
            joined = await groups.join_group(
                uow,
                link.code,
                uid,
                f"M{uid}",
                shares=[groups.Share.CHECKINS] if share else [],
                now=at,
            )
            assert joined.status == "joined"

    with time_machine.travel(utc(2026, 6, 2, 20), tick=False):
        for uid in (11, 12, 13, 14):
            await configure(store, uid, "UTC", time(9), recovery=uid != 14)
        for uid, share in ((11, True), (12, True), (13, False)):
            await join(uid, g_link, share, utc(2026, 5, 20))
        await join(13, h_link, True, utc(2026, 5, 20))  # 13 shares with Thursday only
        await join(14, g_link, True, utc(2026, 6, 2, 10))  # joined on the 2nd
        for uid, mood, urge in ((11, 4, 1), (12, 2, 3), (13, 0, 5), (14, 1, None)):
            for day in (june1, june2):
                await _check_in(store, uid, day, mood if day == june2 else 3, urge, f"{uid}:{day}")

        async def share_notes(uow):
            for uid, day in ((11, june2), (13, june2), (14, june1), (14, june2)):
                assert await checkins.share_note(uow, uid, day, True)

        await store.run(None, share_notes)

        async def summary(uow, group):
            return await checkins.group_checkin_summary(uow, group.id, june1, june2)

        s = await store.run(None, lambda uow: summary(uow, g))
    # 11 and 12 both days, 14 from the 2nd only (its 1st is before it joined): 5 of 5 days.
    assert (s.members, s.sharing, s.checked_in, s.days) == (4, 3, 3, 2)
    assert (s.completed, s.completion) == (5, 1.0)
    assert s.avg_mood == (3 + 4 + 3 + 2 + 1) / 5
    assert s.avg_urge is None  # only 11 and 12 answered the urge question: two people
    assert s.shared_notes == ((11, june2, f"11:{june2}"), (14, june2, f"14:{june2}"))
    assert "13:" not in repr(s) and f"14:{june1}" not in repr(s)

    async def stop_sharing(uow):
        await groups.set_sharing(uow, g.id, 14, groups.Share.CHECKINS, False)

    await store.run(14, stop_sharing)
    with time_machine.travel(utc(2026, 6, 2, 20), tick=False):
        two = await store.run(None, lambda uow: summary(uow, g))
        alone = await store.run(None, lambda uow: summary(uow, h))
    assert (two.sharing, two.checked_in) == (2, 2)
    assert (two.completion, two.avg_mood, two.avg_urge, two.completed) == (None,) * 4
    assert two.shared_notes == ((11, june2, f"11:{june2}"),)
    assert (alone.sharing, alone.completion, alone.avg_mood) == (1, None, None)
    assert alone.shared_notes == ((13, june2, f"13:{june2}"),)


async def test_mydata_exports_and_delete_erases_check_ins(store: Store) -> None:
    with time_machine.travel(utc(2026, 6, 1, 20), tick=False):
        await configure(store, 21, "UTC", time(9))
        await press(store, 21, "mood", "5")
    data = await export_user(store, 21)
    assert data["tables"]["checkins"][0]["mood"] == 5
    assert data["tables"]["checkin_settings"][0]["timezone"] == "UTC"
    await delete_user(store, 21)
    data = await export_user(store, 21)
    assert "checkins" not in data["tables"] and "checkin_settings" not in data["tables"]
    assert (await checkins.run_due(store, now() + timedelta(days=30))).scanned == 0
