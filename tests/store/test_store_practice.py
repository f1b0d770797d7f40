"""Practice over the store: one transaction per action, on every database."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from scenarios.library import Library
from scenarios.model import Choice, Scenario
from state.engine import Ask, Choose, Debrief, Feedback, Notice, Output, Reply
from state.errors import AlreadyApplied
from state.practice.service import Practice, Turn
from state.store import Store

BIRTHDAY = "family/birthday-or-group"
USER = 5_000_000_001


def _ask(outputs: list[Output]) -> Ask:
    return next(o for o in outputs if isinstance(o, Ask))


def _notice(turn: Turn) -> Notice:
    return next(o for o in turn.outputs if isinstance(o, Notice))


async def _snapshot(store: Store, user_id: int) -> tuple:
    async with store.transaction(user_id) as uow:
        runs = await uow.runs.for_user(user_id)
        turns = await uow.turns.for_user(user_id)
    return (
        [(r.id, r.status, r.node, r.content_hash, r.state.to_dict()) for r in runs],
        [(t.run_id, t.step, t.node, t.choice_id) for t in turns],
    )


async def test_real_scenario_round_trip(store: Store, real_library: Library) -> None:
    practice = Practice(store, real_library)
    first = await practice.begin(USER, BIRTHDAY, seed=1)
    assert first.run_id is not None and first.step == 0 and first.scenario_id == BIRTHDAY
    ask = _ask(first.outputs)
    assert ask.node == "call" and {"facts", "maybe", "snap"} <= {o.id for o in ask.options}

    turn = await practice.act(USER, Choose("facts"), expect_run=first.run_id, expect_step=0)
    assert turn.step == 1 and not turn.ended
    feedback = next(o for o in turn.outputs if isinstance(o, Feedback))
    assert _ask(turn.outputs).node == "guilt"

    async with store.transaction(USER) as uow:
        run = await uow.runs.active(USER)
        assert run is not None and run.node == "guilt" and run.state.step == 1
        [row] = await uow.turns.for_user(USER)
    assert (row.node, row.choice_id, row.step) == ("call", "facts", 1)
    assert row.style == feedback.style and row.skills == feedback.skills
    assert row.typed_text is None


async def test_a_run_survives_a_restart(db_url: str, real_library: Library) -> None:
    store = await Store.open(db_url)
    first = await Practice(store, real_library).begin(USER, BIRTHDAY, seed=7)
    await Practice(store, real_library).act(USER, Choose("facts"))
    await store.close()

    store = await Store.open(db_url)
    try:
        practice = Practice(store, real_library)
        again = await practice.resume(USER)
        assert again is not None and again.run_id == first.run_id and again.step == 1
        assert _ask(again.outputs).node == "guilt"
        turn = await practice.act(
            USER, Choose(_ask(again.outputs).options[0].id), expect_run=first.run_id, expect_step=1
        )
        assert turn.step == 2 and turn.run_id == first.run_id
    finally:
        await store.close()


async def test_redelivered_update_is_not_applied_twice(
    store: Store, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    practice = Practice(store, write_library(family__loop=texts["loop"]))
    await practice.begin(USER, "family/loop", seed=0)
    first = await practice.act(USER, Choose("again"), update_id=1001)
    with pytest.raises(AlreadyApplied):
        await practice.act(USER, Choose("again"), update_id=1001)
    assert first.step == 1
    # The same update delivered twice at the same moment: still applied once.
    both = await asyncio.gather(
        *(practice.act(USER, Choose("again"), update_id=1002) for _ in range(2)),
        return_exceptions=True,
    )
    assert sorted(type(t).__name__ for t in both) == ["AlreadyApplied", "Turn"]
    runs, turns = await _snapshot(store, USER)
    assert runs[0][4]["step"] == 2 and len(turns) == 2


async def test_stale_button_is_refused_without_change(store: Store, real_library: Library) -> None:
    practice = Practice(store, real_library)
    first = await practice.begin(USER, BIRTHDAY, seed=1)
    await practice.act(USER, Choose("facts"), expect_run=first.run_id, expect_step=0)
    before = await _snapshot(store, USER)

    old = await practice.act(USER, Choose("maybe"), expect_run=first.run_id, expect_step=0)
    assert _notice(old).kind == "invalid-choice" and "expired" in _notice(old).text
    assert old.outputs == [_notice(old)]  # right after the step: its reply is on the way
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=30), tick=True):
        old = await practice.act(USER, Choose("maybe"), expect_run=first.run_id, expect_step=0)
    assert old.step == 1 and _ask(old.outputs).node == "guilt"  # later: where they are now
    assert await _snapshot(store, USER) == before

    restarted = await practice.begin(USER, BIRTHDAY, seed=2)
    other_run = await practice.act(USER, Choose("facts"), expect_run=first.run_id, expect_step=0)
    assert _notice(other_run).kind == "invalid-choice"
    assert other_run.run_id == restarted.run_id and other_run.step == 0


async def test_old_button_after_delete_keeps_nothing(store: Store, real_library: Library) -> None:
    """After "delete everything", a press on an old keyboard must not bring the user back."""
    practice = Practice(store, real_library)
    first = await practice.begin(USER, BIRTHDAY, seed=1)
    await store.run(USER, lambda uow: uow.users.delete_everything(USER))

    old = await practice.act(
        USER, Choose("facts"), update_id=4242, expect_run=first.run_id, expect_step=0
    )
    assert _notice(old).kind == "ended" and old.run_id is None

    async def left(uow) -> tuple:
        seen, _ = await uow.updates.gate(4242, USER)
        return await uow.users.get(USER), seen

    assert await store.read(left) == (None, False)


async def test_bad_input_never_raises(store: Store, real_library: Library) -> None:
    practice = Practice(store, real_library)
    none = await practice.act(USER, Choose("facts"))
    assert _notice(none).kind == "ended" and none.run_id is None
    assert await practice.resume(USER) is None
    assert await practice.stop(USER) is False
    missing = await practice.begin(USER, "family/no-such-thing", seed=0)
    assert missing.run_id is None and _notice(missing).kind == "invalid-choice"
    await practice.begin(USER, BIRTHDAY, seed=0)
    wrong = await practice.act(USER, Choose("no-such-choice"))
    assert _notice(wrong).kind == "invalid-choice" and wrong.step == 0
    typed = await practice.act(USER, Reply("something"))  # no matcher configured
    assert _notice(typed).kind == "not-understood" and typed.step == 0
    assert await practice.stop(USER) is True
    runs, turns = await _snapshot(store, USER)
    assert [r[1] for r in runs] == ["abandoned"] and turns == []


async def test_a_run_to_its_end_and_begin_abandons_the_active_run(
    store: Store, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    practice = Practice(store, write_library(family__tiny=texts["tiny"]))
    first = await practice.begin(USER, "family/tiny", seed=0)
    second = await practice.begin(USER, "family/tiny", seed=0)
    await practice.act(USER, Choose("go"))
    last = await practice.act(USER, Choose("finish"))
    assert last.ended and any(isinstance(o, Debrief) for o in last.outputs)
    runs, _ = await _snapshot(store, USER)
    assert [(r[0], r[1]) for r in runs] == [(first.run_id, "abandoned"), (second.run_id, "ended")]
    after = await practice.act(USER, Choose("finish"))
    assert _notice(after).kind == "ended"


async def test_typed_text_is_kept_only_when_allowed(
    store: Store, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    def first_choice(sc: Scenario, node: str, offered: list[Choice], text: str):
        return offered[0].id, []

    practice = Practice(store, write_library(family__loop=texts["loop"]), matcher=first_choice)
    await practice.begin(USER, "family/loop", seed=0)
    await practice.act(USER, Reply("private words"))
    async with store.transaction(USER) as uow:
        await uow.users.set_keep_typed_text(USER, True)
    await practice.act(USER, Reply("words I chose to keep"))
    _, turns = await _snapshot(store, USER)
    async with store.transaction(USER) as uow:
        stored = [t.typed_text for t in await uow.turns.for_user(USER)]
    assert len(turns) == 2 and stored == [None, "words I chose to keep"]


async def test_scenario_edited_mid_run(
    store: Store, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    v1 = write_library(family__tiny=texts["tiny"])
    run = await Practice(store, v1).begin(USER, "family/tiny", seed=0)
    await Practice(store, v1).act(USER, Choose("go"))  # now at node b

    # (a) The node still exists: the run carries on, with the new content hash.
    v2 = write_library(family__tiny=texts["tiny"].replace("B_LINE", "B, reworded"))
    assert v2.get("family/tiny").content_hash != v1.get("family/tiny").content_hash
    resumed = await Practice(store, v2).resume(USER)
    assert resumed is not None and "B, reworded" in [
        o.text for o in resumed.outputs if hasattr(o, "text")
    ]
    # A fresh run to test (b) from node b again; first finish (a)'s run on v2.
    done = await Practice(store, v2).act(
        USER, Choose("finish"), expect_run=run.run_id, expect_step=1
    )
    assert done.ended and done.step == 2
    runs, _ = await _snapshot(store, USER)
    assert runs[0][3] == v2.get("family/tiny").content_hash

    # (b) The node was removed: scenario-changed, the run is abandoned.
    run2 = await Practice(store, v2).begin(USER, "family/tiny", seed=0)
    await Practice(store, v2).act(USER, Choose("go"))
    v3 = write_library(family__tiny=texts["tiny_without_b"])
    gone = await Practice(store, v3).act(USER, Choose("finish"))
    assert _notice(gone).kind == "scenario-changed"
    assert "no longer exists" in _notice(gone).text
    runs, _ = await _snapshot(store, USER)
    assert (runs[-1][0], runs[-1][1], runs[-1][2]) == (run2.run_id, "abandoned", "b")
    assert await Practice(store, v3).resume(USER) is None


async def test_scenario_removed_from_library(
    store: Store, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    await Practice(store, write_library(family__tiny=texts["tiny"])).begin(
        USER, "family/tiny", seed=0
    )
    gone = await Practice(store, Library()).act(USER, Choose("go"))
    assert _notice(gone).kind == "scenario-changed"
    runs, _ = await _snapshot(store, USER)
    assert runs[0][1] == "abandoned"


async def test_fifty_simultaneous_acts_for_one_user_lose_nothing(
    db_url: str, write_library: Callable[..., Library], texts: dict[str, str]
) -> None:
    """5 stores (5 connection pools, like 5 bot processes) race 50 actions of one user."""
    library = write_library(family__loop=texts["loop"])
    stores = [await Store.open(db_url, upgrade=(i == 0)) for i in range(5)]
    try:
        practices = [Practice(s, library) for s in stores]
        start = await practices[0].begin(USER, "family/loop", seed=0)
        rng = random.Random(1)
        # Half the actions carry no expectation (must apply); half guess a step (a button
        # drawn at that step): applied if it is still current, else reported expired.
        expects = [None if i % 2 == 0 else rng.randrange(0, 30) for i in range(50)]
        turns = await asyncio.gather(
            *(
                practices[i % 5].act(
                    USER,
                    Choose("again"),
                    update_id=10_000 + i,
                    expect_run=start.run_id,
                    expect_step=expects[i],
                )
                for i in range(50)
            )
        )
    finally:
        for s in stores:
            await s.close()

    applied = [t for t in turns if any(isinstance(o, Feedback) for o in t.outputs)]
    expired = [t for t in turns if t.outputs and isinstance(t.outputs[0], Notice)]
    assert len(applied) + len(expired) == 50
    assert all(_notice(t).kind == "invalid-choice" for t in expired)
    assert all(e is not None for t, e in zip(turns, expects, strict=True) if t in expired)
    assert len(applied) >= 25
    assert sorted(t.step for t in applied) == list(range(1, len(applied) + 1))

    store = await Store.open(db_url, upgrade=False)
    try:
        runs, rows = await _snapshot(store, USER)
    finally:
        await store.close()
    state = runs[0][4]
    assert state["step"] == len(applied) == len(rows) == len(state["path"])
    assert state["visits"]["loop"] == len(applied) + 1
