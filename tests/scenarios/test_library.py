"""The shipped library as a participant meets it: walked through the real engine, and counted.

The validator checks the graph; these walks go through `state.engine` itself (conditions,
once-only choices, fallbacks), so an ending that only the graph can reach, a step without
feedback or a loop that keeps someone talking forever shows up here.
"""

from __future__ import annotations

import json
import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.render import intro_message
from sampled import sample_or_all
from scenarios.limits import MAX_PATH_STEPS
from scenarios.model import Scenario
from scenarios.skills import Context
from shipped import shipped_library
from state.engine import Ask, Choose, Debrief, Feedback, Notice, start, step, visible_choices

SHIPPED = shipped_library()
SCENARIO_IDS = sorted(SHIPPED.scenarios)
WALKS = 2000
# The quick run (`make quick`, `-m "not slow"`) walks the first SAMPLE of the same seeded walks,
# and on until every ending has been reached (at most WALKS); `make test` walks all WALKS too.
SAMPLE = 200
MIN_MEAN_DECISIONS = 6
MIN_SCENARIOS = 45
MIN_PER_CONTEXT = 8


@dataclass
class Walks:
    """What many random walks through one scenario saw."""

    decisions: list[int] = field(default_factory=list)
    endings: Counter[str] = field(default_factory=Counter)
    empty_feedback: list[str] = field(default_factory=list)  # "node/choice" with no text
    stuck: int = 0  # walks the engine ended because nothing was on offer
    too_long: int = 0  # walks still going after MAX_PATH_STEPS decisions


def walk(scenario: Scenario, walks: int = WALKS, seed: int = 0, least: int | None = None) -> Walks:
    """Choose uniformly among the offered choices until an ending, from a seeded generator.

    With `least`, stop after that many walks once every ending has been reached: the walks are
    then the first ones of the same seed's `walks`, as many as it took."""
    rng = random.Random(f"{scenario.id}:{seed}")
    endings = ending_nodes(scenario)
    seen = Walks()
    for done in range(walks):
        if least is not None and done >= least and endings <= set(seen.endings):
            break
        # The scene's paths: the steps before it (state.practice.prelude) have their own tests.
        state, outputs = start(scenario, seed=rng.randrange(1 << 30), with_prelude=False)
        decisions = 0
        while state.status == "active" and decisions < MAX_PATH_STEPS:
            offered = visible_choices(scenario, state)
            ask = next(o for o in outputs if isinstance(o, Ask))
            assert [o.id for o in ask.options] == [c.id for c in offered], state.node
            chosen = rng.choice(offered)
            node = state.node
            state, outputs = step(scenario, state, Choose(chosen.id))
            decisions += 1
            feedback = next((o for o in outputs if isinstance(o, Feedback)), None)
            if feedback is None or not feedback.text.strip():
                seen.empty_feedback.append(f"{node}/{chosen.id}")
        if state.status == "active":
            seen.too_long += 1
            continue
        if any(isinstance(o, Notice) and o.kind == "ended" for o in outputs):
            seen.stuck += 1
        # an exposure scenario asks for the anxiety rating again after the debrief
        assert any(isinstance(o, Debrief) for o in outputs[-2:])
        seen.decisions.append(decisions)
        seen.endings[state.node] += 1
    return seen


def ending_nodes(scenario: Scenario) -> set[str]:
    return {nid for nid, node in scenario.nodes.items() if node.ending is not None}


@sample_or_all("least", SAMPLE, None)
@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_random_walks_reach_every_ending(scenario_id, least):
    scenario = SHIPPED.scenarios[scenario_id]
    seen = walk(scenario, least=least)
    assert not seen.empty_feedback, f"steps without feedback: {sorted(set(seen.empty_feedback))}"
    assert seen.too_long == 0, f"{seen.too_long} walks longer than {MAX_PATH_STEPS} decisions"
    assert seen.stuck == 0, f"{seen.stuck} walks ended with nothing on offer"
    missed = ending_nodes(scenario) - set(seen.endings)
    assert not missed, f"endings never reached in {WALKS} walks: {sorted(missed)}"
    assert max(seen.decisions) <= MAX_PATH_STEPS
    mean = statistics.fmean(seen.decisions)
    assert mean >= MIN_MEAN_DECISIONS, f"mean {mean:.1f} decisions per walk"


def test_walks_are_reproducible():
    """The same seed walks the same paths, so a failure above can be replayed."""
    scenario = SHIPPED.scenarios[SCENARIO_IDS[0]]
    first, again = walk(scenario, walks=50, seed=7), walk(scenario, walks=50, seed=7)
    assert first.decisions == again.decisions and first.endings == again.endings


def listed() -> list[dict]:
    result = CliRunner().invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_library_counts():
    rows = listed()
    assert len(rows) >= MIN_SCENARIOS
    assert {r["id"] for r in rows} == set(SHIPPED.scenarios)
    by_context: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_context[r["context"]].append(r)
    assert set(by_context) == {c.value for c in Context}
    for context in Context:
        found = by_context[context.value]
        assert len(found) >= MIN_PER_CONTEXT, (context.value, len(found))
        difficulties = {r["difficulty"] for r in found}
        assert difficulties >= {1, 2, 3}, (context.value, sorted(difficulties))


def test_no_scenario_file_is_left_out():
    assert not SHIPPED.errors, [str(p) for p in SHIPPED.errors]


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_intro_warnings_and_endings(scenario_id):
    scenario = SHIPPED.scenarios[scenario_id]
    assert scenario.intro.strip(), "no intro text"
    assert all(w.strip() for w in scenario.content_warnings), "an empty content warning"
    shown = intro_message(scenario).text
    for warning in scenario.content_warnings:
        assert escape(warning) in shown, f"content warning {warning!r} is not shown"
    endings = [scenario.nodes[n].ending for n in sorted(ending_nodes(scenario))]
    assert len(endings) >= 3, f"{len(endings)} endings"
    assert any(e.outcome == "good" for e in endings), "no good ending"
    for ending in endings:
        assert ending.debrief.strip() and ending.try_this_week.strip(), ending.title


def test_docs_table_is_current():
    """docs/scenarios.md is `rehearse list --markdown`; regenerate it when the library changes."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
    result = CliRunner().invoke(app, ["list", "--markdown"])
    assert result.exit_code == 0, result.output
    assert "| Family | 1 | A ride on Tuesday | `family/ride-to-session` |" in result.output
    assert "## Skills coverage" in result.output
    assert docs.read_text(encoding="utf-8") == result.output, (
        "docs/scenarios.md is stale: run `rehearse list --markdown > docs/scenarios.md`"
    )


def test_a_speaker_s_label_starts_with_a_capital():
    """A name written to sit mid-sentence ("the man with the cart") labels its lines with a
    capital, as a participant trial expected; every line's label of the library does."""
    checkout = SHIPPED.scenarios["social-anxiety/checkout-line"]
    assert checkout.characters["walt"].name == "the man with the cart"  # the YAML's, kept
    assert checkout.speaker_name("walt") == "The man with the cart"
    for scenario in SHIPPED.scenarios.values():
        for speaker in scenario.characters:
            label = scenario.speaker_name(speaker)
            assert label[:1] == label[:1].upper(), (scenario.id, speaker)
