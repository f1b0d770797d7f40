"""Through Practice on SQLite and PostgreSQL: a move is stored apart from the styles (so every
style tally leaves it out), the exposure answers land on the run once, and the debrief of a
second attempt compares it with the first (#18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from scenarios.library import load_library
from state import groups as core
from state.db.models import utcnow
from state.engine import Choose, Debrief, Pick, Reply
from state.group_report import group_report
from state.practice.progress import summarise
from state.practice.service import Practice

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIBRARY = load_library([FIXTURES])
SCENARIO = "social-anxiety/speak-up-in-group"
LEADER, USER = 7100, 7101


async def play(practice: Practice, scene: list[str], anxiety: str = "6"):
    turn = await practice.begin(USER, SCENARIO, seed=4)
    for stage, value in (("example", "skip"), ("frame", "objective"), ("thought", "skip")):
        turn = await practice.act(USER, Pick(stage, value))
    turn = await practice.act(USER, Pick("anxiety", anxiety))
    turn = await practice.act(USER, Reply("It will be awkward and I will mumble."))
    for choice in scene:
        turn = await practice.act(USER, Choose(choice))
    return turn


async def test_moves_exposure_answers_and_the_previous_attempt(store):
    async with store.transaction(LEADER) as uow:
        await core.set_role(uow, LEADER, core.LEADER)
        group = await core.create_group(uow, LEADER, "Tuesday group", "Sam")
        invite = await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
        await uow.users.ensure(USER)
        assert (await core.join_group(uow, invite.code, USER, "Pat")).status == "joined"
        await core.create_push(uow, group, SCENARIO, title="T", summary="S", created_by=LEADER)
    practice = Practice(store, LIBRARY)

    first = await play(practice, ["stay-quiet"])
    assert first.ended
    assert not next(o for o in first.outputs if isinstance(o, Debrief)).previous
    after = await practice.after(USER, first.run_id, "after", "9")
    assert "How did it go compared" in after.outputs[0].text
    again = await practice.after(USER, first.run_id, "after", "2")  # kept once
    assert again.outputs[0].text == "Already saved, thank you."
    await practice.after(USER, first.run_id, "compare", "worse")
    forged = await practice.after(USER + 1, first.run_id, "compare", "better")
    assert "expired" in forged.outputs[0].text

    second = await play(practice, ["share", "reflect"], anxiety="5")
    debrief = next(o for o in second.outputs if isinstance(o, Debrief))
    assert debrief.previous.startswith("Compared with your last try: This time you reached")
    # The last choice pressed again a while later (its reply never came): the same debrief,
    # the comparison included.
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30), tick=True):
        again = await practice.act(
            USER,
            Choose("reflect"),
            expect_run=second.run_id,
            expect_step=second.step - 1,
        )
    resent = next(o for o in again.outputs if isinstance(o, Debrief))
    assert resent.previous == debrief.previous
    assert debrief.summary.startswith("You said getting what you asked for mattered most")

    async with store.transaction(USER) as uow:
        runs = await uow.runs.for_user(USER)
        turns = await uow.turns.for_user(USER)
    assert [(r.anxiety_before, r.anxiety_after, r.compared) for r in runs] == [
        (6, 9, "worse"),
        (5, None, None),
    ]
    # Quoted back at the comparison, then gone: this participant keeps nothing they type. The
    # second run's is kept until its own comparison.
    assert [r.prediction for r in runs] == [None, "It will be awkward and I will mumble."]
    assert [(t.choice_id, t.style, t.move) for t in turns] == [
        ("stay-quiet", "passive", None),
        ("share", "assertive", None),
        ("reflect", None, "listening"),
    ]
    progress = summarise(runs, turns, utcnow().date())
    assert progress.styles == {"passive": 1, "assertive": 1}
    assert progress.moves == {"listening": 1}
    async with store.transaction(LEADER) as uow:
        report = await group_report(uow, group)
    assert report.styles == {"passive": 1, "assertive": 1}  # the leader's mix leaves moves out


async def test_the_prediction_stays_for_someone_who_keeps_what_they_type(store):
    async with store.transaction(USER) as uow:
        await uow.users.ensure(USER)
        await uow.users.set_keep_typed_text(USER, True)
    practice = Practice(store, LIBRARY)
    run = await play(practice, ["stay-quiet"])
    await practice.after(USER, run.run_id, "after", "4")
    await practice.after(USER, run.run_id, "compare", "same")
    async with store.transaction(USER) as uow:
        (kept,) = await uow.runs.for_user(USER)
    assert (kept.prediction, kept.compared) == ("It will be awkward and I will mumble.", "same")
