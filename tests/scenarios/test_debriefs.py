"""Debriefs agree with themselves on every path: what the text says the participant did, what it
says to add next time, and the styles of the choices actually made."""

from __future__ import annotations

import random
import re
import zlib

import pytest

from sampled import sample_or_all
from scenarios.skills import COMPONENTS, claimed, shown_with_implied, unsupported
from shipped import shipped_library
from state.engine import Ask, Choose, Debrief, Feedback, debrief, start, step, true_to_run

SHIPPED = shipped_library()
WALKS = 400  # per scenario: every path of the small ones, a large seeded sample of the big ones
SAMPLE = 50  # the quick run's: the first walks of the same seed (`make test` walks all WALKS)
MISSING_TEXT = {c.missing: key for key, c in COMPONENTS.items() if c.missing}


def walks(scenario, n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        state, outputs = start(scenario, seed=rng.randrange(1000), with_prelude=False)
        for _ in range(80):
            ask = next((o for o in outputs if isinstance(o, Ask)), None)
            if ask is None:
                break
            state, outputs = step(scenario, state, Choose(rng.choice(ask.options).id))
        yield state, outputs


@sample_or_all("count", SAMPLE, WALKS)
@pytest.mark.parametrize("scenario_id", sorted(SHIPPED.scenarios))
def test_no_debrief_contradicts_itself(scenario_id, count):
    scenario = SHIPPED.scenarios[scenario_id]
    seen = 0
    for state, outputs in walks(scenario, count, seed=zlib.crc32(scenario_id.encode())):
        debrief = next((o for o in reversed(outputs) if isinstance(o, Debrief)), None)
        assert isinstance(debrief, Debrief)
        seen += 1
        shown = shown_with_implied(set(state.skills), state.skills, state.cautions)
        styles = {s for s, n in state.styles.items() if n}
        for sentence in debrief.text.split(". "):
            assert not unsupported(sentence, shown, styles), (state.path, sentence)
        said_done = claimed(debrief.text)
        for line in debrief.missing:
            assert MISSING_TEXT.get(line) not in said_done, (state.path, line)
            # nor what a skill shown implies (a limit held was named: a participant trial), or
            # what a no said again implies (the broken record)
            assert MISSING_TEXT.get(line) not in shown, (state.path, line)
        assert debrief.text.strip()
    assert seen == count


# Skills an assertive line's own words plainly show, read as the coach reads a typed reply: the
# debrief must not say "You never said how this feels" after "I feel flat and I'm not sleeping"
# (a participant trial met "You never asked an open question" after "What are my options?").
SHOWN_IN_WORDS = ("dear-man.express", "oars.open-question")
# What the coach's markers read that is no such skill: a suggestion put as a question ("How
# about Saturday?", "What if we..."), affection ("I love you, Dad"), and three lines by name.
NOT_SHOWN = {
    "oars.open-question": re.compile(r"\b(?:what|how) about\b|\bwhat if\b", re.IGNORECASE),
    "dear-man.express": re.compile(r"\bi love (?:you|her|him)\b", re.IGNORECASE),
}
MISREAD = {
    ("recovery/late-night-craving", "sam-plan"),  # "start with what I felt": a plan
    ("friendship/one-am-text", "affirm"),  # "I'm proud of you": an affirmation
    ("friendship/after-i-snapped", "specific-ask"),  # an ask, "honestly?"
}


@pytest.mark.parametrize("scenario_id", sorted(SHIPPED.scenarios))
def test_no_line_misses_what_its_words_show(scenario_id):
    from state.coach import _spoken_components

    scenario = SHIPPED.scenarios[scenario_id]
    for node_id, node in scenario.nodes.items():
        for choice in node.choices:
            if choice.style.value != "assertive" or (scenario_id, choice.id) in MISREAD:
                continue
            shown = {
                k
                for k in _spoken_components(choice.spoken) & set(SHOWN_IN_WORDS)
                if not NOT_SHOWN[k].search(choice.spoken)
            }
            assert shown <= set(choice.skills), (node_id, choice.id, shown - set(choice.skills))


def test_a_claim_the_run_did_not_make_is_left_out():
    text = "You used a broken record and changed the subject. The evening stayed warm."
    assert (
        true_to_run(text, {"refusal.change-subject"}, {"assertive"}) == "The evening stayed warm."
    )
    kept = true_to_run(text, {"dear-man.mindful", "refusal.change-subject"}, {"assertive"})
    assert kept == text
    calm = "You kept the evening calm."
    assert true_to_run(calm, set(), {"aggressive"}) != calm
    assert true_to_run(calm, set(), {"assertive", "passive"}) == calm


def test_taking_criticism_is_claimed_only_when_shown():
    # a participant trial's debrief said "You asked what exactly was wrong, acknowledged the
    # fair part" and then "You never acknowledged the part of the criticism that was fair"
    text = "You asked what exactly was wrong and acknowledged the fair part. You kept your point."
    assert true_to_run(text, {"criticism.clarify"}, {"assertive"}) == "You kept your point."
    both = {"criticism.clarify", "criticism.acknowledge"}
    assert true_to_run(text, both, {"assertive"}) == text
    assert {"criticism.clarify", "criticism.acknowledge"} <= claimed(text)


def test_a_move_that_harms_is_not_counted_as_a_move_made():
    """A trial read "Coping moves: 1" after "(Go. Just for an hour.)" to a dealer's: a choice in
    the coping set that gives in is no coping move. Calling a sponsor still is."""
    scenario = SHIPPED.scenarios["recovery/old-friend-text"]
    state, _ = start(scenario, seed=1, with_prelude=False)
    at = state.copy()
    at.node = "drift"
    went, outputs = step(scenario, at, Choose("go"))
    assert "coping" not in went.moves
    # nor shown as one: a third trial saw it labelled a coping move; it shows its style
    shown = next(o for o in outputs if isinstance(o, Feedback))
    assert shown.move is None and went.styles.get(shown.style) == 1
    called, outputs = step(scenario, at, Choose("call"))
    assert called.moves.get("coping") == 1
    assert next(o for o in outputs if isinstance(o, Feedback)).move == "coping"


def test_a_branch_a_typed_reply_took_is_never_called_missing():
    """A trial: "lunch monday my treat?" played as the line that offers an alternative, and the
    debrief said "You never suggested something else to do or drink"."""
    from state.coach import match_reply
    from state.engine import Reply

    scenario = SHIPPED.scenarios["workplace/after-work-drinks"]
    state, outputs = start(scenario, seed=1, with_prelude=False)
    typed = "not for me tonight, but team lunch monday? my treat"
    state, outputs = step(scenario, state, Reply(typed), matcher=match_reply)
    assert state.path == ["invite/no-alt"] and "refusal.alternative" not in state.skills
    for _ in range(40):
        ask = next((o for o in outputs if isinstance(o, Ask)), None)
        if ask is None:
            break
        state, outputs = step(scenario, state, Choose(ask.options[-1].id))
    assert any(isinstance(o, Debrief) for o in outputs)
    # every other skill of the run shown, so the three lines `missing` keeps can't hide this one
    offered = {k for nid in state.visits for c in scenario.nodes[nid].choices for k in c.skills}
    state.skills = {k: 1 for k in offered if k in COMPONENTS and k != "refusal.alternative"}
    never = {MISSING_TEXT.get(line) for line in debrief(scenario, state).missing}
    assert "refusal.alternative" not in never
    # ...and where no branch it took carries it, it is still named
    state.path = ["invite/excuse"]
    never = {MISSING_TEXT.get(line) for line in debrief(scenario, state).missing}
    assert "refusal.alternative" in never


def test_a_fallback_taken_vouches_for_nothing():
    """A fallback takes any readable reply, so its skills are no branch the words chose (a
    reviewer: "ok, i'll put them back in your cabinet" hid '"No" never came first')."""
    from state.engine import _branch_skills

    scenario = SHIPPED.scenarios["recovery/leftover-pills"]
    state, _ = start(scenario, seed=1, with_prelude=False)
    fallback = next(c for c in scenario.nodes["later"].choices if c.fallback)
    assert "refusal.no-first" in fallback.skills
    state.path = [f"later/{fallback.id}"]
    assert _branch_skills(scenario, state) == set()
