"""The rules' literal pre-check must never change what the rules find: it only skips a scan
that could not have matched."""

import re

import pytest

from state import crisis
from state.language.data import crisis_examples, style_examples
from state.literal_gate import Gate, gate


def test_prefixes_are_read_from_the_pattern():
    g = gate(re.compile(r"\b(want|wanted|wish) (to )?die\b"))
    assert g.prefixes == ("want", "wish")  # "wanted" is covered by "want"
    assert g.might_match("i wish it would stop") and not g.might_match("i need a nap")


def test_optional_and_repeated_parts_give_every_start():
    g = gate(re.compile(r"(just )?kms|(ha)+ no|[xy]es"))
    assert set(g.prefixes) == {"just", "kms", "ha", "xes", "yes"}
    assert g.might_match("hahaha no")


@pytest.mark.parametrize(
    "pattern",
    [r"\w+ die", r".*die", r"(?i)want to die", r"[a-z]+ing", r"x|\bdie"],
)
def test_a_pattern_that_may_start_anywhere_gets_no_gate(pattern):
    g = gate(re.compile(pattern))
    assert g.prefixes is None and g.might_match("anything at all")


def test_every_rule_and_cue_has_a_gate_but_few():
    """The point of the gate: most rules get one (a rule without one just always runs)."""
    gates = [gate(rule[3]) for rule in crisis.RULES]
    assert sum(g.prefixes is not None for g in gates) >= len(gates) - 3


def _corpus() -> list[str]:
    texts = [ex.text for ex in crisis_examples()] + [ex.text for ex in style_examples()]
    return [crisis.normalise(t) for t in texts]


@pytest.mark.slow  # every training text through the rules twice
def test_the_rules_find_the_same_with_and_without_the_gates(monkeypatch):
    corpus = _corpus()
    gated = [(crisis.detect_normalised(t), crisis.cues(t)) for t in corpus]
    monkeypatch.setattr(crisis, "_GATES", [Gate(None)] * len(crisis.RULES))
    monkeypatch.setattr(crisis, "_CUE_GATES", [Gate(None)] * len(crisis._CUES))
    plain = [(crisis.detect_normalised(t), crisis.cues(t)) for t in corpus]
    assert gated == plain
    assert sum(r.crisis for r, _ in plain) > 1000  # the corpus does exercise the rules
