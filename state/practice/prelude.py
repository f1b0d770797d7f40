"""The steps before the first scene, each only where the scenario asks for it, each skippable.

Model, then practice (a peer's worked example), the DBT frame question (what matters most),
a CBT thought check (the worry, its trap, a more balanced line) and, for exposure practice, an
anxiety rating and a prediction. Pure, like the engine: the run state says which step is next
(`RunState.prelude`) and each answer is one engine step. What the participant types as a
prediction is never kept in the run state: the service stores it (and /delete erases it).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from scenarios.model import Scenario
from scenarios.skills import COMPONENTS, FRAMEWORKS
from state.practice.run_data import Input, Notice, Offer, Option, Output, Pick, Reply, RunState, Say

EXAMPLE, FRAME, THOUGHT, ANXIETY, PREDICTION = (
    "example",
    "frame",
    "thought",
    "anxiety",
    "prediction",
)
SKIP = "skip"
SEE = "see"

TRAP_WORDS = {
    "mind-reading": "Mind reading",
    "catastrophizing": "Catastrophizing",
    "fortune-telling": "Fortune-telling",
    "all-or-nothing": "All-or-nothing thinking",
    "should-statements": "Should statements",
    "labeling": "Labeling",
    "discounting-the-positive": "Discounting the positive",
    "personalizing": "Personalizing",
    "emotional-reasoning": "Emotional reasoning",
}
TRAP_MEANING = {
    "mind-reading": "guessing what someone else thinks without asking",
    "catastrophizing": "jumping to the worst possible outcome",
    "fortune-telling": "predicting how it will go as if it were a fact",
    "all-or-nothing": "seeing it as total success or total failure",
    "should-statements": "holding yourself to a rigid rule",
    "labeling": "turning one moment into a name for yourself",
    "discounting-the-positive": "brushing off what went well",
    "personalizing": "taking the blame for what isn't all yours",
    "emotional-reasoning": "treating a feeling as proof",
}

# What matters most here (DBT's three priorities) and the skill set that serves each.
FRAMES = {
    "objective": ("Getting what I asked for", "getting what you asked for", "dear-man"),
    "relationship": ("The relationship", "the relationship", "give"),
    "self-respect": ("My self-respect", "your self-respect", "fast"),
}
FRAME_QUESTION = (
    "What matters most here: getting what you asked for, the relationship, or your self-respect?"
)
FRAME_HOW = {
    "dear-man": "describe the facts, say how you feel, ask clearly, and hold your ground",
    "give": "stay gentle, show interest, acknowledge how they feel, and keep it easy",
    "fast": "be fair to yourself, skip the extra apologies, stick to your values, be truthful",
}
ANXIETY_QUESTION = (
    "This one is practice for facing something that makes you anxious. Right now, how anxious "
    "do you feel about it, from 0 (calm) to 10 (the most anxious you can imagine)?"
)
PREDICTION_QUESTION = (
    "What do you expect will happen? Type a sentence or two, or press Skip. "
    "You'll compare it with how it went at the end."
)
NOT_HERE = Notice("invalid-choice", "That option isn't available here.")
USE_BUTTONS = "Please pick one of the buttons above, or press Skip."


def stages(scenario: Scenario) -> list[str]:
    """The steps this scenario asks for, in the order they are shown."""
    out = []
    if scenario.worked_example is not None:
        out.append(EXAMPLE)
    if scenario.frame:
        out.append(FRAME)
    if scenario.thought_check is not None:
        out.append(THOUGHT)
    if scenario.exposure:
        out += [ANXIETY, PREDICTION]
    return out


def offer(scenario: Scenario, state: RunState) -> Offer:
    """The question for the next step before the scene."""
    stage = state.prelude[0]
    skip = Option(SKIP, "Skip")
    if stage == EXAMPLE:
        return Offer(
            EXAMPLE,
            "Would you like to see how a peer handled a moment like this one first?",
            (Option(SEE, "See how a peer handled it"), Option(SKIP, "Skip to my turn")),
        )
    if stage == FRAME:
        options = tuple(Option(key, label) for key, (label, _, _) in FRAMES.items())
        return Offer(FRAME, FRAME_QUESTION, (*options, skip))
    if stage == THOUGHT:
        check = scenario.thought_check
        assert check is not None
        traps = _trap_options(check.trap, state.seed)
        return Offer(
            THOUGHT,
            f"A thought that often comes up before a moment like this:\n“{check.thought}”\n\n"
            "Which thinking trap does it sound like?",
            (*(Option(t, TRAP_WORDS[t]) for t in traps), skip),
        )
    if stage == ANXIETY:
        return Offer(ANXIETY, ANXIETY_QUESTION, (*rating_options(), skip))
    return Offer(PREDICTION, PREDICTION_QUESTION, (skip,), typed=True)


def rating_options() -> tuple[Option, ...]:
    """The 0-10 keypad."""
    return tuple(Option(str(n), str(n)) for n in range(11))


def _trap_options(trap: str, seed: int) -> list[str]:
    """The right trap and two others, in an order fixed by the run's seed."""
    others = [t for t in TRAP_WORDS if t != trap]
    start = zlib.crc32(f"{seed}:{trap}".encode()) % len(others)
    picked = [trap, others[start], others[(start + 3) % len(others)]]
    turn = seed % 3
    return picked[turn:] + picked[:turn]


def answer(scenario: Scenario, state: RunState, inp: Input) -> tuple[RunState, list[Output], bool]:
    """Apply an answer to the current step: (new state, outputs, whether the scene begins now).

    A button for another step (an old message, or forged) or a value we never offered changes
    nothing and shows the current question again.
    """
    if not state.prelude:  # a step button after the scene began
        return state, [Notice("invalid-choice", "That button has expired.")], False
    stage = state.prelude[0]
    here = offer(scenario, state)
    if isinstance(inp, Reply):
        if stage != PREDICTION:
            return state, [Notice("not-understood", USE_BUTTONS), here], False
        shown: list[Output] = [Notice("info", "Thank you. Let's see how it goes.")]
    elif isinstance(inp, Pick) and inp.stage == stage:
        if inp.value not in {o.id for o in here.options}:
            return state, [NOT_HERE, here], False
        shown = _reveal(scenario, stage, inp.value)
    else:
        return state, [NOT_HERE, here], False
    new = state.copy()
    new.step += 1
    new.prelude = new.prelude[1:]
    if stage == FRAME and isinstance(inp, Pick) and inp.value in FRAMES:
        new.frame = inp.value
    if new.prelude:
        shown.append(offer(scenario, new))
        return new, shown, False
    shown.append(Notice("info", "Your turn now."))
    return new, shown, True


def _reveal(scenario: Scenario, stage: str, value: str) -> list[Output]:
    """What answering a step shows before the next one."""
    if stage == EXAMPLE and value == SEE:
        example = scenario.worked_example
        assert example is not None
        out: list[Output] = [Say("narrator", "", example.intro)]
        for line in example.lines:
            out.append(Say(line.speaker, scenario.speaker_name(line.speaker), line.texts[0]))
        out.append(Notice("info", f"What worked: {example.takeaway}"))
        return out
    if stage == THOUGHT:
        check = scenario.thought_check
        assert check is not None
        name, meaning = TRAP_WORDS[check.trap], TRAP_MEANING[check.trap]
        if value == check.trap:
            lead = f"Yes: that's {name.lower()}, {meaning}."
        elif value == SKIP:
            lead = f"This one is {name.lower()}: {meaning}."
        else:
            lead = f"Close. It's closest to {name.lower()}: {meaning}."
        return [Notice("info", f"{lead}\nA more balanced thought: “{check.balanced}”")]
    if stage == FRAME and value in FRAMES:
        _, words, framework = FRAMES[value]
        return [
            Notice(
                "info",
                f"Then {FRAMEWORKS[framework]} is the skill to lead with: {FRAME_HOW[framework]}.",
            )
        ]
    return []


def frame_note(scenario: Scenario, frame: str, shown: Iterable[str]) -> str:
    """The debrief's first words when the participant said what mattered most."""
    if frame not in FRAMES:
        return ""
    _, words, framework = FRAMES[frame]
    name = FRAMEWORKS[framework]
    did = sorted(
        COMPONENTS[c].label.split(": ", 1)[-1]
        for c in shown
        if c in COMPONENTS and COMPONENTS[c].framework == framework
    )
    if did:
        return f"You said {words} mattered most, and you used {name}: {', '.join(did)}."
    return (
        f"You said {words} mattered most. {name} serves that: next time, try to "
        f"{FRAME_HOW[framework]}."
    )
