"""The onboarding service (state/onboarding/) on a real database: the update gate's one read
(seen, consented, what typed text answers), marking an update, meeting and consent; and the
practice reads the menu and /progress make."""

from __future__ import annotations

from datetime import UTC, datetime

from state import groups
from state.checkins import Checkins
from state.crisis import CrisisResult
from state.live import Live
from state.onboarding import CHECKINS, LIVE, PLAN, Onboarding
from state.practice.service import Practice
from state.privacy import delete_user
from state.safety.service import Safety

USER, LEADER, MEMBER, CHAT = 9090, 9091, 9092, -100900


async def member_drafting(store, library) -> None:
    """A member who asked to send a line in a live rehearsal (as in test_live.py)."""
    async with store.transaction(None) as uow:
        for someone in (LEADER, MEMBER):
            await uow.users.set_consent(someone, "v1")
        await groups.set_role(uow, LEADER, groups.LEADER)
        group = await groups.create_group(uow, LEADER, "Tuesday group", "Sam")
        invite = await groups.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
        await groups.join_group(uow, invite.code, MEMBER, "M")
    live = Live(store, library)
    await live.link(LEADER, CHAT, group.id)
    out = await live.start(LEADER, CHAT, "family/birthday-or-group", seed=1)
    await live.posted(out.moment.where.run_id, 0, "poll-0", 5000)
    assert (await live.open_line(MEMBER, out.moment.where.run_id)).status == "ok"


async def test_the_gate_reads_seen_and_consent_and_asks_more_only_for_typed_text(store):
    onboarding = Onboarding(store)
    first = await onboarding.admit(1, USER)
    assert (first.seen, first.consented, first.awaiting) == (False, False, None)
    await onboarding.meet(USER)
    assert not await onboarding.consented(USER)
    await onboarding.agree(USER, "v1")
    assert await onboarding.consented(USER)
    typed = await onboarding.admit(1, USER, typed=True)
    assert (typed.seen, typed.consented, typed.awaiting) == (False, True, ())
    await onboarding.mark(1, USER)
    again = await onboarding.admit(1, USER, typed=True)
    assert again.seen and again.awaiting is None  # skipped: nothing more to ask


async def test_the_gate_reads_the_scene_the_card_would_stop(store, real_library):
    """For typed text and a press that may show the card, the gate's one read also says
    whether the crisis record would stop a role-play, as `Safety.scene_to_stop` would."""
    onboarding, safety = Onboarding(store), Safety(store)

    async def scenes(update_id: int) -> tuple[bool | None, bool | None, bool | None]:
        typed = await onboarding.admit(update_id, USER, typed=True)
        card = await onboarding.admit(update_id, USER, card=True)
        other = await onboarding.admit(update_id, USER)
        assert card.awaiting is None  # a press: nothing typed to answer
        return typed.scene_to_stop, card.scene_to_stop, other.scene_to_stop

    assert await scenes(1) == (False, False, None)  # no user at all
    await onboarding.meet(USER)
    await Practice(store, real_library).begin(USER, "family/birthday-or-group", seed=1)
    assert not await safety.scene_to_stop(USER)  # a run, but no consent: nothing is kept
    assert await scenes(2) == (False, False, None)
    await onboarding.agree(USER, "v1")
    assert await safety.scene_to_stop(USER)
    assert await scenes(3) == (True, True, None)
    await onboarding.mark(4, USER)
    assert (await onboarding.admit(4, USER, typed=True)).scene_to_stop is None  # skipped
    assert (await safety.record_crisis(USER, CrisisResult(True, "suicide", 1, "r"))).stopped
    assert await scenes(5) == (False, False, None)


async def test_the_gate_reads_whether_the_check_in_waits_for_a_high_answer(store):
    """For a check-in answer that brings the safety question, the gate's one read also says
    whether `Checkins.answer` would take it (as `Checkins.in_turn` does); asked for nothing
    else, and skipped for an update already seen."""
    onboarding, service = Onboarding(store), Checkins(store)
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    day = now.date()
    await onboarding.agree(USER, "v1")
    assert (await onboarding.admit(1, USER)).checkin_in_turn is None  # not asked
    assert (await onboarding.admit(1, USER, typed=True)).checkin_in_turn is None
    for answer in ("1", "go"):  # the mood, then the feelings: on to self-harm urges
        await service.answer(USER, day, "mood", answer, now)
    await service.answer(USER, day, "emotion", "done", now)

    async def turn(update_id: int, step: str) -> bool | None:
        found = await onboarding.admit(update_id, USER, checkin=(day, step), now=now)
        assert found.checkin_in_turn == await service.in_turn(USER, day, step, now)
        return found.checkin_in_turn

    assert await turn(2, "self_harm") is True
    assert await turn(2, "suicidal") is False  # not yet asked
    await service.answer(USER, day, "self_harm", "4", now)
    assert await turn(2, "self_harm") is False  # already taken
    await onboarding.mark(2, USER)
    seen = await onboarding.admit(2, USER, checkin=(day, "suicidal"), now=now)
    assert seen.seen and seen.checkin_in_turn is None  # a redelivery: nothing more read


async def test_what_typed_text_answers(store, real_library):
    onboarding = Onboarding(store)
    await onboarding.agree(USER, "v1")
    await Safety(store).start_plan(USER)
    assert (await onboarding.admit(2, USER, typed=True)).awaiting == (PLAN,)
    await Safety(store).pause_plan(USER)
    await Checkins(store).start_setup(USER)  # asks for a time zone
    assert await onboarding.awaiting(USER) == (CHECKINS,)
    later = datetime(2100, 1, 1, tzinfo=UTC)  # a question asked too long ago is not awaited
    assert await onboarding.awaiting(USER, later) == ()
    await member_drafting(store, real_library)
    assert (await onboarding.admit(3, MEMBER, typed=True)).awaiting == (LIVE,)


async def test_no_mark_after_delete(store):
    onboarding = Onboarding(store)
    await onboarding.agree(USER, "v1")
    await delete_user(store, USER)
    await onboarding.mark(4, USER)
    assert not (await onboarding.admit(4, USER)).seen  # no row kept the id


async def test_the_menu_and_progress_reads(store, real_library):
    practice = Practice(store, real_library)
    await Onboarding(store).agree(USER, "v1")
    assert await practice.active_run(USER) is None
    turn = await practice.begin(USER, "family/birthday-or-group", seed=1)
    run = await practice.active_run(USER)
    assert run is not None and run.id == turn.run_id
    standing = await practice.standing(USER, datetime.now(UTC), 14)
    assert standing.practice.started == 1 and standing.checkins.total == 0
