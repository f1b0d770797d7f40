"""RE2's one-pass pre-check must never change what the rules or cues find: it only spares `re`
a scan that could not have matched."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from state import crisis
from state.language.data import crisis_examples, style_examples
from state.prefilter import Prefilter, loosened


def test_look_arounds_and_anchors_are_loosened_not_kept():
    assert loosened(re.compile(r"^(?<!not )\bkill (me|you)(?! lol)$")) == (r"\bkill (?:(?:me|you))")


def test_pythons_whitespace_class_is_kept_whole():
    """RE2's \\s leaves out \\v; Python's doesn't, and the loosened copy must not either."""
    f = Prefilter([re.compile(r"end\sit")])
    assert f.candidates("end\x0bit") == {0}


def test_a_back_reference_always_runs():
    f = Prefilter([re.compile(r"(ha)\1"), re.compile(r"\bdie\b")])
    assert f.always == {0}
    assert f.candidates("nothing here") == {0}
    assert f.candidates("i want to die") == {0, 1}
    alone = Prefilter([re.compile(r"(ha)\1")])  # nothing for RE2: its Set is never asked
    assert alone.candidates("haha") == alone.candidates("") == {0}


def test_text_that_is_not_ascii_is_read_by_every_pattern():
    f = Prefilter([re.compile(r"\bdie\b"), re.compile(r"\bcut\b")])
    assert f.candidates("café") == {0, 1}
    assert f.candidates("cafe") == frozenset()


_ALPHABET = st.sampled_from(
    list("abcdeghiklmnoprstuwy ") + [" i ", " my", "self", " die", " kill", " not", "lol", "\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_re2_never_passes_over_a_text_a_rule_matches(text):
    maybe = crisis._RULE_FILTER.candidates(text)
    for i, pattern in enumerate(crisis._IN_RULES):
        if pattern.search(text):
            assert i in maybe


class _Everything:
    """No pre-check: every pattern runs, as before the pre-check existed."""

    def __init__(self, n: int) -> None:
        self.all = frozenset(range(n))

    def candidates(self, t: str) -> frozenset[int]:
        return self.all


@pytest.mark.slow  # every training text through the rules twice
def test_the_rules_and_cues_find_the_same_with_and_without_the_pre_check(monkeypatch):
    texts = [ex.text for ex in crisis_examples()] + [ex.text for ex in style_examples()]
    corpus = [crisis.normalise(t) for t in texts]

    def read() -> list:
        crisis._context.cache_clear()
        return [
            (crisis.detect_normalised(t), crisis.cues(t), crisis.names_substances(t))
            for t in corpus
        ]

    checked = read()
    monkeypatch.setattr(crisis, "_RULE_FILTER", _Everything(len(crisis._IN_RULES)))
    monkeypatch.setattr(crisis, "_CONTEXT_FILTER", _Everything(len(crisis._IN_CONTEXT)))
    plain = read()
    crisis._context.cache_clear()
    assert checked == plain
    assert sum(r.crisis for r, _, _ in plain) > 1000  # the corpus does exercise the rules
    assert sum(c["past"] for _, c, _ in plain) > 100  # and the cues


def test_case_folding_beyond_ascii_always_runs():
    """Python's re.I folds the dotless "ı" to "i"; RE2's doesn't, so RE2 can't vouch for it."""
    f = Prefilter([re.compile("k\u0131ll", re.IGNORECASE), re.compile(r"\bdie\b", re.IGNORECASE)])
    assert re.compile("k\u0131ll", re.IGNORECASE).search("kill")
    assert f.always == {0} and 0 in f.candidates("kill")
    assert f.candidates("DIE") == {0, 1}
