"""Pure reckoning over a live run: the options of a vote, its tally, the group debrief, and the
coach's reading of a member's line. No database, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scenarios.model import Choice, Scenario
from scenarios.skills import COMPONENTS
from state import coach, engine
from state.engine import RunState
from state.live.records import GroupDebrief, Option, PathStep, Reading, Tally, Where


def option(choice: Choice) -> Option:
    return Option(
        choice.id,
        choice.text,
        choice.spoken,
        choice.style.value,
        choice.feedback,
        tuple(choice.skills),
        choice.move,
    )


def options_at(scenario: Scenario, node: str, ids: Iterable[str]) -> tuple[Option, ...]:
    """The options with these choice ids at `node`, in that order (ones since removed drop)."""
    choices = {c.id: c for c in scenario.nodes[node].choices} if node in scenario.nodes else {}
    return tuple(option(choices[i]) for i in ids if i in choices)


def offered(scenario: Scenario, state: RunState) -> tuple[Option, ...]:
    """What the group votes on now: the choices the engine offers at the run's node."""
    return tuple(option(c) for c in engine.visible_choices(scenario, state))


def counts(ids: Sequence[str], votes: Mapping[str, object]) -> list[int]:
    out = []
    for i in ids:
        value = votes.get(i, 0)
        out.append(value if isinstance(value, int) and value > 0 else 0)
    return out


def tally(
    where: Where, step: int, title: str, opts: Sequence[Option], votes: Mapping[str, object]
) -> Tally:
    """The vote's counts, the option the story follows (most votes, the first listed on a
    tie), and the options tied on top."""
    numbers = counts([o.choice_id for o in opts], votes)
    pairs = tuple(zip(opts, numbers, strict=True))
    top = max(numbers, default=0)
    if top == 0:
        return Tally(where, step, title, pairs, None)
    leaders = tuple(o.choice_id for o, n in pairs if n == top)
    return Tally(where, step, title, pairs, leaders[0], leaders if len(leaders) > 1 else ())


def group_debrief(
    scenario: Scenario,
    state: RunState,
    steps: Sequence[tuple[int, str, Sequence[str], Mapping[str, object], str, str]],
) -> GroupDebrief:
    """The debrief for everyone: the ending, the path taken with its votes, the style mix of
    every vote cast, and the skills the path showed.

    `steps`: (step, node, option ids, votes, chosen id, chosen by) for each step followed.
    """
    end = engine.debrief(scenario, state)
    path: list[PathStep] = []
    by_style: dict[str, int] = {}
    for step, node, ids, votes, chosen, chosen_by in steps:
        opts = options_at(scenario, node, ids)
        numbers = dict(zip([o.choice_id for o in opts], counts(ids, votes), strict=False))
        for o in opts:  # the style mix counts only what the four styles describe
            if numbers.get(o.choice_id) and o.move is None:
                by_style[o.style] = by_style.get(o.style, 0) + numbers[o.choice_id]
        picked = next((o for o in opts if o.choice_id == chosen), None)
        if picked is None:
            continue
        most = tally(Where(0, 0, None), step, "", opts, votes)
        top = next((o for o in opts if o.choice_id == most.follow), None)
        by_leader = chosen_by == "leader"
        path.append(
            PathStep(
                step,
                picked,
                numbers.get(chosen, 0),
                sum(numbers.values()),
                by_leader,
                top if by_leader and top is not None and top.choice_id != chosen else None,
            )
        )
    shown = sorted(state.skills.items(), key=lambda kv: (-kv[1], kv[0]))
    skills = tuple(COMPONENTS[k].label for k, _ in shown if k in COMPONENTS)
    return GroupDebrief(
        end.outcome,
        end.title,
        end.text,
        end.try_this_week,
        tuple(path),
        by_style,
        skills,
        end.missing,
        end.summary,
    )


def reading(text: str, looks_for: Sequence[str] = ()) -> Reading:
    """The coach's reading of a line: its style, how sure, the skill markers, a note."""
    analysis = coach.analyse(text)
    return Reading(
        analysis.style,
        analysis.confidence,
        tuple(coach.MARKERS[m] for m in analysis.markers),
        coach.coach_feedback(analysis, list(looks_for)),
    )


def reading_dict(r: Reading) -> dict[str, object]:
    return {
        "style": r.style,
        "confidence": r.confidence,
        "markers": list(r.markers),
        "feedback": r.feedback,
    }


def reading_from(data: Mapping[str, object] | None) -> Reading:
    data = data or {}
    markers = data.get("markers")
    confidence = data.get("confidence")
    return Reading(
        str(data.get("style") or ""),
        float(confidence) if isinstance(confidence, int | float) else 0.0,
        tuple(str(m) for m in markers) if isinstance(markers, list) else (),
        str(data.get("feedback") or ""),
    )
