"""The scenario engine: a pure step from (scenario, run state, input) to (new state, outputs).

One `transitions` machine is built per scenario, once, and shared by every run; each step drives
it with a throw-away light model whose state comes from the stored run. No I/O, no clock, and the
only randomness (which wording of a line) is seeded from the run state.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine, MachineError

from scenarios.expr import Compiled, parse
from scenarios.limits import choice_token
from scenarios.model import Choice, Scenario
from scenarios.skills import (
    COMPONENTS,
    FRAMEWORKS,
    Style,
    claimed,
    shown_with_implied,
    unsupported,
)
from state.practice import exposure, prelude
from state.practice.run_data import (  # noqa: F401 - the engine's inputs and outputs, named here
    Ask,
    Choose,
    Debrief,
    Feedback,
    Input,
    Notice,
    Offer,
    Option,
    Output,
    Pick,
    Reply,
    RunState,
    Say,
)

# transitions traces every event at DEBUG level; we never read those traces, and formatting the
# calls costs about a tenth of a step. Its warnings and errors concern options we don't use.
logging.getLogger("transitions.core").disabled = True

# A coach maps typed text at a node to (choice id or None, outputs to show first).
Matcher = Callable[[Scenario, str, list[Choice], str], tuple[str | None, list[Output]]]

# ---- compiled scenario -----------------------------------------------------------------------


class _Model:
    """The light model a shared machine drives for one step."""

    __slots__ = ("state", "vars", "visits", "used")

    def __init__(self, state: RunState) -> None:
        self.state = state.node
        self.vars = state.vars
        self.visits = state.visits
        self.used = state.used


@dataclass
class Compiled_:
    machine: Machine
    conditions: dict[str, Compiled]  # by choice token
    line_conditions: dict[tuple[str, int], Compiled]
    effects: dict[str, list[tuple[str, Compiled | Any]]]
    available: frozenset[str]  # positive components of trained frameworks on offer
    # Per node, precomputed so a step does no string building or model lookups:
    # (choice, its "node/choice" token, its condition, its button Option)
    choices: dict[str, list[tuple[Choice, str, Compiled | None, Option]]] = field(
        default_factory=dict
    )
    # by node and choice id: (token, the button's Feedback, its skills, its anti-patterns)
    scripted: dict[str, dict[str, tuple[str, Feedback, tuple[str, ...], tuple[str, ...]]]] = field(
        default_factory=dict
    )
    # (speaker, speaker's name, wordings, condition) for each line
    lines: dict[str, list[tuple[str, str, tuple[str, ...], Compiled | None]]] = field(
        default_factory=dict
    )


def prepare(scenario: Scenario) -> Compiled_:
    """Build (once) the scenario's machine and compiled expressions; cached on the scenario."""
    private = scenario.__pydantic_private__
    cached = private.get("_compiled") if private else None
    if cached is not None:
        return cached
    variables = {k: v.default for k, v in scenario.variables.items()}
    nodes = set(scenario.nodes)
    conditions: dict[str, Compiled] = {}
    line_conditions: dict[tuple[str, int], Compiled] = {}
    effects: dict[str, list[tuple[str, Compiled | Any]]] = {}
    transitions = []
    available: set[str] = set()
    for nid, node in scenario.nodes.items():
        for i, line in enumerate(node.lines):
            if line.when:
                line_conditions[(nid, i)] = parse(line.when, variables, nodes)
        for c in node.choices:
            token = choice_token(nid, c.id)
            if c.when:
                conditions[token] = parse(c.when, variables, nodes)
            eff = []
            for var, value in c.set.items():
                is_expr = isinstance(value, str) and scenario.variables[var].type != "str"
                eff.append((var, parse(value, variables, nodes) if is_expr else value))
            effects[token] = eff
            transitions.append(
                {
                    "trigger": token,
                    "source": nid,
                    "dest": c.target,
                    # Only conditional choices need a guard; the rest always fire.
                    "conditions": [_guard(token, conditions[token])] if token in conditions else [],
                }
            )
            for comp in c.skills:
                meta = COMPONENTS.get(comp)
                if meta and not meta.negative and meta.framework in scenario.skills:
                    available.add(comp)
    machine = Machine(
        model=None,
        states=list(scenario.nodes),
        transitions=transitions,
        initial=scenario.start,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    compiled = Compiled_(machine, conditions, line_conditions, effects, frozenset(available))
    for nid, node in scenario.nodes.items():
        compiled.choices[nid] = [
            (
                c,
                choice_token(nid, c.id),
                conditions.get(choice_token(nid, c.id)),
                Option(c.id, c.text),
            )
            for c in node.choices
        ]
        compiled.scripted[nid] = {
            c.id: (
                choice_token(nid, c.id),
                Feedback(
                    c.id,
                    c.spoken,
                    c.style.value,
                    tuple(c.skills),
                    near_miss_text(c.near_miss, c.feedback),
                    _move(c),
                ),
                tuple(k for k in c.skills if not _negative(k)),
                tuple(k for k in c.skills if _negative(k)),
            )
            for c in node.choices
        }
        compiled.lines[nid] = [
            (
                line.speaker,
                scenario.speaker_name(line.speaker),
                tuple(line.texts),
                line_conditions.get((nid, i)),
            )
            for i, line in enumerate(node.lines)
        ]
    scenario.__pydantic_private__["_compiled"] = compiled
    return compiled


# A near miss is an assertive-sounding option that still isn't the best one here: its feedback
# says so first, so the participant learns why.
NEAR_MISS_LEAD = {
    "wrong-moment": "Right skill, wrong moment: ",
    "too-big-an-ask": "Right skill, but too big an ask for now: ",
    "caring-advice": "It sounds caring, but it's advice: ",
}


def near_miss_text(near_miss: str | None, feedback: str) -> str:
    """The feedback with its near-miss lead, unless the author already wrote one."""
    lead = NEAR_MISS_LEAD.get(near_miss or "")
    if not lead or feedback.lower().startswith(lead.split(",")[0].lower()):
        return feedback
    return lead + feedback


def _move(choice: Choice) -> str | None:
    """The listening, exposure or coping move a choice makes, if it helps: "(Go. Just for an
    hour.)" to a dealer's, or replaying the fight, is in the coping set but no coping move (a
    trial read "Coping moves: 1" after going, and a third saw it labelled a coping move); it is
    shown and tallied by its style instead."""
    return choice.move if choice.move and not any(_negative(k) for k in choice.skills) else None


def _negative(component: str) -> bool:
    meta = COMPONENTS.get(component)
    return bool(meta and meta.negative)


def _guard(token: str, cond: Compiled | None) -> Callable[[Any], bool]:
    def allowed(event: Any) -> bool:
        model: _Model = event.model
        return cond is None or bool(cond(model.vars, model.visits))

    return allowed


# ---- the step --------------------------------------------------------------------------------


def start(
    scenario: Scenario, seed: int = 0, *, with_prelude: bool = True
) -> tuple[RunState, list[Output]]:
    """A new run: the steps before the scene the scenario asks for (state.practice.prelude), else
    the start node. A live group rehearsal starts `with_prelude=False`: a group goes straight
    in."""
    prepare(scenario)
    state = RunState(
        scenario_id=scenario.id,
        content_hash=scenario.content_hash,
        node=scenario.start,
        seed=seed,
        vars={k: v.default for k, v in scenario.variables.items()},
    )
    state.prelude = prelude.stages(scenario) if with_prelude else []
    outputs: list[Output] = []
    if state.prelude:
        outputs.append(prelude.offer(scenario, state))
    else:
        _enter(scenario, state, outputs)
    return state, outputs


def visible_choices(
    scenario: Scenario, state: RunState, compiled: Compiled_ | None = None
) -> list[Choice]:
    """The choices on offer now: conditions hold, once-only ones not taken; else the fallbacks."""
    compiled = compiled or prepare(scenario)
    normal, fallback = [], []
    for c, token, cond, _ in compiled.choices[state.node]:
        if cond is not None and not cond(state.vars, state.visits):
            continue
        if c.once and token in state.used:
            continue
        (fallback if c.fallback else normal).append(c)
    return normal or fallback


def _fallbacks(scenario: Scenario, state: RunState, compiled: Compiled_) -> list[Choice]:
    out = []
    for c in scenario.nodes[state.node].choices:
        token = choice_token(state.node, c.id)
        cond = compiled.conditions.get(token)
        if (
            c.fallback
            and (cond is None or cond(state.vars, state.visits))
            and not (c.once and token in state.used)
        ):
            out.append(c)
    return out


def current(scenario: Scenario, state: RunState) -> list[Output]:
    """What to show to pick a run up again: the current node's lines and choices."""
    if state.status == "ended":
        return [Notice("ended", "This run is finished.")]
    if state.prelude:
        return [prelude.offer(scenario, state)]
    outputs: list[Output] = []
    _show_node(scenario, state, outputs)
    return outputs


def adapt(scenario: Scenario, state: RunState) -> RunState:
    """Carry a run over to an edited scenario whose node still exists: the new content hash,
    and the defaults of variables it added. A solo run and a group's live run both need it."""
    if state.content_hash == scenario.content_hash:
        return state
    new = state.copy()
    new.content_hash = scenario.content_hash
    for name, var in scenario.variables.items():
        new.vars.setdefault(name, var.default)
    return new


def step(
    scenario: Scenario, state: RunState, inp: Input, matcher: Matcher | None = None
) -> tuple[RunState, list[Output]]:
    """Apply one input; the given state is not modified (a new one is returned)."""
    if state.status == "ended":
        return state, [Notice("ended", "This run is finished.")]
    if state.node not in scenario.nodes:
        return state, [
            Notice("scenario-changed", "This scenario has changed since you started it.")
        ]
    compiled = prepare(scenario)
    if state.prelude or isinstance(inp, Pick):
        new, outputs, begin = prelude.answer(scenario, state, inp)
        if begin:  # the last step before the scene was answered: the scene starts
            _enter(scenario, new, outputs, compiled)
        return new, outputs
    offered = visible_choices(scenario, state, compiled)
    pre: list[Output] = []
    if isinstance(inp, Reply):
        if matcher is None:
            return state, [
                Notice(
                    "not-understood",
                    "Typed replies aren't read here yet: please pick one of the options.",
                ),
                _ask(scenario, state, offered),
            ]
        # Typed text may also land on a fallback branch ("nothing close") that buttons hide.
        hidden = [c for c in _fallbacks(scenario, state, compiled) if c not in offered]
        candidates = offered + hidden
        choice_id, pre = matcher(scenario, state.node, candidates, inp.text)
        if choice_id is None:
            return state, [*pre, _ask(scenario, state, offered)]
    else:
        choice_id = inp.choice_id
        candidates = offered
    choice = next((c for c in candidates if c.id == choice_id), None)
    if choice is None:
        return state, [
            Notice("invalid-choice", "That option isn't available here."),
            _ask(scenario, state, offered),
        ]
    new = state.copy()
    token, scripted, positive, negative = compiled.scripted[new.node][choice.id]
    model = _Model(new)
    try:
        moved = compiled.machine.events[token].trigger(model)
    except MachineError:
        moved = False
    if not moved:
        return state, [
            Notice("invalid-choice", "That option isn't available here."),
            _ask(scenario, state, offered),
        ]
    for var, value in compiled.effects.get(token, []):
        new.vars[var] = value(new.vars, new.visits) if callable(value) else value
    new.node = model.state
    new.step += 1
    new.path.append(token)
    if choice.once:
        new.used.append(token)
    # A typed reply is judged on its own words: the coach's feedback replaces the button's.
    coached = next((o for o in pre if isinstance(o, Feedback)), None) if pre else None
    feedback = coached or scripted
    move = _move(choice)
    if coached is not None:
        positive = tuple(k for k in coached.skills if not _negative(k)) + coached.credited
        negative = tuple(k for k in coached.skills if _negative(k))
        if move:
            feedback = dataclasses.replace(coached, move=move)
    if move:  # the four styles don't describe it: counted apart
        new.moves[move] = new.moves.get(move, 0) + 1
    else:
        new.styles[feedback.style] = new.styles.get(feedback.style, 0) + 1
    for comp in positive:
        new.skills[comp] = new.skills.get(comp, 0) + 1
    for comp in negative:
        new.cautions[comp] = new.cautions.get(comp, 0) + 1
    outputs: list[Output] = [o for o in pre if o is not coached] if pre else []
    outputs.append(feedback)
    _enter(scenario, new, outputs, compiled)
    return new, outputs


def _enter(
    scenario: Scenario, state: RunState, outputs: list[Output], compiled: Compiled_ | None = None
) -> None:
    state.visits[state.node] = state.visits.get(state.node, 0) + 1
    _show_node(scenario, state, outputs, compiled)


def _show_node(
    scenario: Scenario, state: RunState, outputs: list[Output], compiled: Compiled_ | None = None
) -> None:
    compiled = compiled or prepare(scenario)
    node = scenario.nodes[state.node]
    visit = state.visits.get(state.node, 1)
    for i, (speaker, name, texts, cond) in enumerate(compiled.lines[state.node]):
        if cond is not None and not cond(state.vars, state.visits):
            continue
        pick = 0
        if len(texts) > 1:
            pick = zlib.crc32(f"{state.seed}:{state.node}:{visit}:{i}".encode()) % len(texts)
        outputs.append(Say(speaker, name, texts[pick]))
    if node.ending is not None:
        state.status = "ended"
        state.outcome = node.ending.outcome
        outputs.append(debrief(scenario, state))
        _after(scenario, outputs)
        return
    offered = visible_choices(scenario, state, compiled)
    if not offered:  # validation warns about this; never leave someone stuck
        state.status = "ended"
        state.outcome = "mixed"
        outputs.append(Notice("ended", "This conversation has run its course."))
        outputs.append(debrief(scenario, state))
        _after(scenario, outputs)
        return
    outputs.append(_ask(scenario, state, offered, compiled))


def _after(scenario: Scenario, outputs: list[Output]) -> None:
    """An exposure scenario asks for the anxiety rating again after the debrief."""
    if scenario.exposure:
        outputs.append(exposure.after_offer())


def _ask(
    scenario: Scenario, state: RunState, offered: list[Choice], compiled: Compiled_ | None = None
) -> Ask:
    node = scenario.nodes[state.node]
    options = {c.id: opt for c, _, _, opt in (compiled or prepare(scenario)).choices[state.node]}
    return Ask(
        state.node,
        tuple(options[c.id] for c in offered),
        node.prompt.ask if node.prompt else None,
    )


MOVE_LABELS = {
    "listening": "Listening moves",
    "exposure": "Exposure moves",
    "coping": "Coping moves",
}
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def true_to_run(text: str, shown: set[str], styles: set[str]) -> str:
    """The ending's text without the sentences that claim what this run didn't do."""
    sentences = _SENTENCES.split(text.strip())
    kept = [s for s in sentences if not unsupported(s, shown, styles)]
    return " ".join(kept) if kept else "Here is how this conversation went."


def _branch_skills(scenario: Scenario, state: RunState) -> set[str]:
    """The helpful skills of every line the run took, pressed or typed."""
    found: set[str] = set()
    for token in state.path:
        nid, _, cid = token.partition("/")
        node = scenario.nodes.get(nid)
        choice = next((c for c in node.choices if c.id == cid), None) if node else None
        if choice is not None and not choice.fallback:  # a fallback takes any readable reply
            found.update(k for k in choice.skills if not _negative(k))
    return found


def debrief(scenario: Scenario, state: RunState) -> Debrief:
    """Tally the run's styles and skills and name what a trained skill never showed."""
    node = scenario.nodes.get(state.node)
    ending = node.ending if node else None
    used = set(state.skills)
    trained = prepare(scenario).available
    available = {
        comp
        for nid in state.visits
        if nid in scenario.nodes
        for c in scenario.nodes[nid].choices
        for comp in c.skills
        if comp in trained
    }
    text = ending.debrief if ending else "The conversation ended here."
    held = shown_with_implied(used, state.skills, state.cautions)
    text = true_to_run(text, held, {s for s, n in state.styles.items() if n})
    # A branch the story took is never called missing: a typed "lunch monday my treat?" played
    # as the line that offers an alternative, and the debrief said "You never suggested something
    # else" (a trial). Not counted as shown either: the coach didn't read it in the words.
    played = _branch_skills(scenario, state)
    missing = tuple(
        COMPONENTS[c].missing or COMPONENTS[c].label
        for c in sorted(available - held - shown_with_implied(played) - claimed(text))
        if COMPONENTS[c].missing
    )[:3]
    total = sum(state.styles.values())
    assertive = state.styles.get(Style.ASSERTIVE.value, 0)
    parts = []
    if state.frame:
        parts.append(prelude.frame_note(scenario, state.frame, used))
    if total:
        parts.append(f"You answered assertively {assertive} of {total} times.")
    if state.moves:
        parts.append(" ".join(f"{MOVE_LABELS[m]}: {n}." for m, n in sorted(state.moves.items())))
    if state.cautions:
        named = ", ".join(
            COMPONENTS[c].label.lower() for c in sorted(state.cautions) if c in COMPONENTS
        )
        parts.append(f"Watch for: {named}.")
    trained = ", ".join(FRAMEWORKS.get(f, f) for f in scenario.skills)
    parts.append(f"This scenario trains {trained}.")
    return Debrief(
        outcome=ending.outcome if ending else (state.outcome or "mixed"),
        title=ending.title if ending else "The end",
        text=text,
        try_this_week=ending.try_this_week if ending else "",
        styles=dict(state.styles),
        skills=dict(state.skills),
        missing=missing,
        summary=" ".join(parts),
        moves=dict(state.moves),
    )
