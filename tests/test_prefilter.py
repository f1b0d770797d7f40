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


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_what_re2_read_exactly_it_names_if_and_only_if_it_matches(text):
    for f, patterns in (
        (crisis._RULE_FILTER, crisis._IN_RULES),
        (crisis._CONTEXT_FILTER, crisis._IN_CONTEXT),
    ):
        maybe, sure = f.matches(text)
        assert sure <= maybe and sure <= f.exact
        for i in f.exact:
            assert (i in sure) == (patterns[i].search(text) is not None), (i, text)


def test_exact_means_nothing_was_loosened():
    f = Prefilter(
        [
            re.compile(r"\bkill (me|you)\b"),  # exact
            re.compile(r"kill(?! it)"),  # a look-ahead dropped
            re.compile(r"^die"),  # an anchor dropped
            re.compile(r"a{2000,}"),  # a repeat widened... and too long: always runs
            re.compile(r"a{2,1500}"),  # widened to "or more"
            re.compile(r"x\Wy"),  # RE2's \W is read wider
            re.compile(r"(?i)end\s+it"),  # exact: case and Python's \s kept on ASCII text
            re.compile(r"(ha)\1"),  # never given to RE2
        ]
    )
    assert f.exact == {0, 6}
    assert f.always == {3, 7}
    assert f.matches("kill me, END it") == ({0, 1, 3, 6, 7}, {0, 6})
    assert f.matches("kill it") == ({1, 3, 7}, frozenset())
    assert f.matches("kill me café") == (frozenset(range(8)), frozenset())  # not ASCII


@pytest.mark.slow  # every training text: certain matches are matches, the others run
def test_what_re2_names_for_certain_re_finds_on_every_training_text():
    texts = [ex.text for ex in crisis_examples()] + [ex.text for ex in style_examples()]
    for t in map(crisis.normalise, texts):
        for f, patterns in (
            (crisis._RULE_FILTER, crisis._IN_RULES),
            (crisis._CONTEXT_FILTER, crisis._IN_CONTEXT),
        ):
            _, sure = f.matches(t)
            for i in f.exact:
                assert (i in sure) == (patterns[i].search(t) is not None), (i, t)


class _Everything:
    """No pre-check: every pattern runs, as before the pre-check existed."""

    def __init__(self, n: int) -> None:
        self.all = frozenset(range(n))

    def candidates(self, t: str) -> frozenset[int]:
        return self.all

    def matches(self, t: str) -> tuple[frozenset[int], frozenset[int]]:
        return self.all, frozenset()  # nothing certain: `re` decides every one


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


def test_a_look_aheads_body_must_match_too():
    """A pattern that is all look-aheads loosens to "", which RE2 finds in every text: its
    bodies are asked for too, and the pattern is named only where all of them are."""
    both = re.compile(r"^(?=.*\brevenge\b)(?=.*\bgun\b)")
    f = Prefilter([both, re.compile(r"\bdie\b"), re.compile(r"x(?<=\bx)y")])
    assert loosened(both) == ""
    assert f.candidates("i want to die") == {1}
    assert f.candidates("revenge, that's all") == frozenset()
    assert f.candidates("gun revenge") == {0}
    assert f.candidates("revenge with a gun, then die") == {0, 1}
    assert f.candidates("x xy") == {2}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*_ALPHABET.elements, " revenge", " gun", " knife", " pay"]), max_size=40
    ).map("".join)
)
def test_re2_never_passes_over_a_text_a_rule_with_look_aheads_matches(text):
    maybe = crisis._RULE_FILTER.candidates(text)
    for i, pattern in enumerate(crisis._IN_RULES):
        if pattern.search(text):
            assert i in maybe


@pytest.mark.slow  # every training text with an idiom RE2 may see
def test_only_the_idioms_re2_names_are_taken_out_and_the_text_is_the_same():
    texts = [ex.text for ex in crisis_examples()] + [ex.text for ex in style_examples()]
    texts += ["dying to see you, dead tired lol", "i could die for you. drop dead", "kill it"]
    seen = 0
    for t in map(crisis.normalise, texts):
        maybe = crisis._CONTEXT_FILTER.candidates(t)
        if crisis._SAFE_AT not in maybe:
            assert crisis._SAFE_ANY.search(t) is None
            continue
        which = tuple(k for k in range(len(crisis._SAFE)) if crisis._SAFE_AT + 1 + k in maybe)
        want = crisis._SAFE_ANY.sub(crisis._SAFE_TOKEN, t)
        assert (crisis._safe_any(which).sub(crisis._SAFE_TOKEN, t) if which else t) == want
        seen += 1
    assert seen > 50
