"""Offline: the steps before the scene, moves kept out of the style tally, near-miss feedback,
the exposure after-step texts and the comparison with the previous attempt (#18)."""

from __future__ import annotations

from pathlib import Path

from scenarios.library import load_library
from shipped import shipped_library
from state import engine
from state.engine import Choose, Debrief, Feedback, Notice, Offer, Pick, Reply, Say
from state.practice import exposure, prelude
from state.practice.attempts import compare_attempts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
LIBRARY = load_library([FIXTURES])
SCENARIO = LIBRARY.scenarios["social-anxiety/speak-up-in-group"]


def offer(outputs) -> Offer:
    [found] = [o for o in outputs if isinstance(o, Offer)]
    return found


def through_prelude(frame: str = "relationship"):
    state, out = engine.start(SCENARIO, seed=3)
    assert state.prelude == ["example", "frame", "thought", "anxiety", "prediction"]
    assert offer(out).stage == "example" and [o.text for o in offer(out).options] == [
        "See how a peer handled it",
        "Skip to my turn",
    ]
    state, out = engine.step(SCENARIO, state, Pick("example", "see"))
    said = [o for o in out if isinstance(o, Say)]
    assert said[1].name == "Jordan" and "asked for help" in said[1].text
    assert any(isinstance(o, Notice) and "What worked" in o.text for o in out)
    state, out = engine.step(SCENARIO, state, Pick("frame", frame))
    assert offer(out).stage == "thought" and "stupid" in offer(out).text
    assert "mind-reading" in [o.id for o in offer(out).options]
    state, out = engine.step(SCENARIO, state, Pick("thought", "mind-reading"))
    text = " ".join(o.text for o in out if isinstance(o, Notice))
    assert "mind reading" in text and "busy with their own nerves" in text
    state, out = engine.step(SCENARIO, state, Pick("anxiety", "7"))
    assert offer(out).stage == "prediction" and offer(out).typed
    state, out = engine.step(SCENARIO, state, Reply("They will stare at me."))
    assert not state.prelude and state.node == "ask" and state.visits == {"ask": 1}
    assert any(isinstance(o, engine.Ask) for o in out)
    return state


def test_the_prelude_runs_in_order_and_the_scene_begins_after_it():
    state = through_prelude()
    assert state.frame == "relationship" and state.step == 5 and not state.path
    assert "They will stare" not in str(state.to_dict())  # the typed prediction is not kept here


def test_every_step_can_be_skipped():
    state, _ = engine.start(SCENARIO, seed=1)
    for stage in ("example", "frame", "thought", "anxiety", "prediction"):
        state, out = engine.step(SCENARIO, state, Pick(stage, "skip"))
    assert not state.prelude and state.frame is None
    assert any(isinstance(o, engine.Ask) for o in out)


def test_a_wrong_or_forged_step_changes_nothing():
    state, _ = engine.start(SCENARIO, seed=1)
    for inp in (
        Pick("frame", "objective"),  # not this step yet
        Pick("example", "nonsense"),
        Choose("share"),  # a scene button before the scene
        Reply("hello"),  # typed text where a button is asked for
    ):
        new, out = engine.step(SCENARIO, state, inp)
        assert new is state
        assert isinstance(out[0], Notice) and offer(out).stage == "example"


def test_a_wrong_trap_is_named_kindly():
    state, _ = engine.start(SCENARIO, seed=1)
    state, _ = engine.step(SCENARIO, state, Pick("example", "skip"))
    state, _ = engine.step(SCENARIO, state, Pick("frame", "skip"))
    wrong = next(
        o.id
        for o in engine.current(SCENARIO, state)[0].options
        if o.id not in ("mind-reading", "skip")
    )
    _, out = engine.step(SCENARIO, state, Pick("thought", wrong))
    assert "Close. It's closest to mind reading" in out[0].text


def test_moves_are_tallied_apart_and_the_frame_leads_the_debrief():
    state = through_prelude("relationship")
    state, out = engine.step(SCENARIO, state, Choose("share"))
    state, out = engine.step(SCENARIO, state, Choose("reflect"))
    fb = next(o for o in out if isinstance(o, Feedback))
    assert fb.move == "listening"
    assert state.styles == {"assertive": 1} and state.moves == {"listening": 1}
    debrief = next(o for o in out if isinstance(o, Debrief))
    assert debrief.styles == {"assertive": 1} and debrief.moves == {"listening": 1}
    assert debrief.summary.startswith("You said the relationship mattered most")
    assert "GIVE" in debrief.summary
    assert "assertively 1 of 1 times" in debrief.summary
    assert "Listening moves: 1." in debrief.summary
    assert offer(out).stage == "after"  # an exposure scenario asks again after the debrief


def test_a_near_miss_says_why():
    state = through_prelude()
    _, out = engine.step(SCENARIO, state, Choose("long-story"))
    fb = next(o for o in out if isinstance(o, Feedback))
    assert fb.text.startswith("Right skill, but too big an ask for now: A first share")


def test_a_scenario_without_prelude_starts_as_before():
    plain = next(s for s in shipped_library().scenarios.values() if not prelude.stages(s))
    state, out = engine.start(plain)
    assert not state.prelude and any(isinstance(o, engine.Ask) for o in out)


def test_the_previous_attempt_is_compared_kindly():
    first = through_prelude()
    first, _ = engine.step(SCENARIO, first, Choose("stay-quiet"))
    second = through_prelude()
    second, _ = engine.step(SCENARIO, second, Choose("share"))
    second, _ = engine.step(SCENARIO, second, Choose("breathe"))
    note = compare_attempts(first, second)
    assert note.startswith("Compared with your last try:")
    assert "a good ending; last time it was a hard ending" in note
    assert "up from 0 of 1" in note
    assert "New this time:" in note and "coping moves" in note
    assert "Not this time: avoiding the issue." in note
    assert compare_attempts(None, second) == ""
    worse = compare_attempts(second, first)
    assert "Last time this conversation ended better" in worse


def test_the_after_step_texts():
    assert [o.id for o in exposure.after_offer().options][-1] == "skip"
    assert "you expected: “They will stare”" in exposure.compare_offer("They will stare").text
    assert "expected" not in exposure.compare_offer(None).text.split("\n")[0][:20]
    text = exposure.closing(7, 4, "better").text
    assert "before: 7 of 10, after: 4 of 10" in text and "better than you expected" in text


def test_a_live_group_run_skips_the_prelude():
    state, out = engine.start(SCENARIO, seed=2, with_prelude=False)
    assert not state.prelude and state.visits == {"ask": 1}
    assert not any(isinstance(o, Offer) for o in out)
    assert any(isinstance(o, engine.Ask) for o in out)
