"""The crisis normaliser is linear in the message's length and says exactly what it said before.

Its leetspeak step used to be a regex with two lookaheads that rescanned the rest of a word from
every position: 0.3 s of event-loop time for one 4,096-letter word. The reference below is that
step, and the whole normaliser, as they were (commit 1b6b64b): the normaliser must give the
same output on every string. Changing the normalisation on purpose means updating the reference.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from state import crisis
from state.crisis import detect_crisis, normalise

EVAL_SET = Path(__file__).parent / "data" / "crisis_eval.jsonl"
OLD_LEET_TOKEN = re.compile(r"(?=[a-z0-9@$]*[a-z])(?=[a-z0-9@$]*[013457@$])[a-z0-9@$]+")


def old_unleet(text: str) -> str:
    return OLD_LEET_TOKEN.sub(lambda m: m.group(0).translate(crisis._LEET), text)


def new_unleet(text: str) -> str:
    return crisis._LEET_RUN.sub(crisis._unleet, text)


OLD_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
OLD_WORD_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, crisis._WORDS), key=len, reverse=True)) + r")\b"
)


def fold_accents(t: str) -> str:
    """A Latin letter without its accent ("pegó" -> "pego"), where it used to become a gap; a
    struck-through letter dropped, as its marks used to make it a gap."""
    if t.isascii():
        return t
    t = "".join(
        c
        for c in unicodedata.normalize("NFD", crisis._STRUCK.sub("", t))
        if not "\u0300" <= c <= "\u036f"
    )
    return t


def old_normalise(text: str) -> str:
    """`normalise` as it was at 1b6b64b (its other helpers are the module's own, unchanged),
    and since lexicon 2026.12.21 with accents folded (`fold_accents`)."""
    t = unicodedata.normalize("NFKC", text)
    t = OLD_CONTROL.sub(" ", crisis._FORMAT.sub("", t))
    t = fold_accents(t.lower().translate(crisis._APOSTROPHES))
    for pattern, repl, _ in crisis._CONTRACTIONS:
        t = pattern.sub(repl, t)
    t = t.replace("'", "")
    t = old_unleet(t)
    t = crisis._NON_TEXT.sub(" ", t)
    t = crisis._collapse(t)
    t = OLD_WORD_RE.sub(lambda m: crisis._WORDS[m.group(1)], t)
    return re.sub(r"\s+", " ", t).strip()


def old_fold(text: str) -> str:
    """`fold` as it was at d3c01e7: each word looked up after a split at every word (`_plain`,
    shared with `normalise`, is checked against `old_normalise`)."""
    t = crisis._STRETCH.sub(r"\1", crisis._plain(text))
    parts = crisis._ALNUM_RUN.split(t)
    parts[1::2] = [crisis._WORDS_AS_SPELLED.get(w, w) for w in parts[1::2]]
    return " ".join("".join(parts).split())


# Words made of what the leet step looks at, mixed with what separates and surrounds them.
LEETISH = st.text(alphabet="abcdeiklmostyz0123456789@$", min_size=1, max_size=30)
SEPARATORS = st.sampled_from([" ", "", "'", "’", ".", "!", "-", "_", "\n", "é", "Ⅰ", "\u200b", "k"])
MESSAGES = st.lists(st.one_of(LEETISH, SEPARATORS), max_size=25).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(MESSAGES, st.text(max_size=200)))
def test_the_leet_step_gives_what_the_old_regex_gave(text):
    assert new_unleet(text) == old_unleet(text)
    lowered = text.lower()
    assert new_unleet(lowered) == old_unleet(lowered)


@settings(max_examples=800, deadline=None)
@given(st.one_of(MESSAGES, st.text(max_size=200)))
def test_normalise_gives_what_it_gave_before(text):
    assert normalise(text) == old_normalise(text)
    assert crisis.fold(text) == old_fold(text)
    assert crisis.normalise_pair(text) == (old_normalise(text), old_fold(text))


def test_accented_letters_are_read_without_their_accents():
    """Code-switched Spanish ("me pegó", "no quiero vivir más") keeps its words whole."""
    assert (
        normalise("Mi esposo me pegó. No quiero vivir más")
        == "mi esposo me pego. no quiero vivir mas"
    )
    assert crisis.fold("Naïve café") == "naive cafe"
    # struck-through words mean the opposite: never read as the words ("n̶o̶t̶" is no "not")
    assert normalise("I do n\u0336o\u0336t\u0336 want to die, café") == "i do want to die, cafe"


def test_normalise_on_the_labelled_messages_is_unchanged():
    texts = [json.loads(line)["text"] for line in EVAL_SET.read_text().splitlines() if line]
    texts += ["k1ll mys3lf", "$uicide", "2024 h2o 4ever", "i w4nt to d1e", "@@@", "5555 aaa"]
    assert len(texts) > 100
    for text in texts:
        assert normalise(text) == old_normalise(text), text
        assert crisis.fold(text) == old_fold(text), text


def best_of(runs: int, fn, arg) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - start)
    return best


def test_a_long_word_costs_milliseconds_not_tenths_of_a_second():
    # One 4,096-character word (Telegram's longest message) of each kind the old regex choked
    # on: letters only, digits only, letters and digits with no leet character.
    for word in ("a" * 4096, "1" * 4096, "ab2" * 1365, ("x9" * 2048)):
        assert best_of(3, normalise, word) < 0.04, word[:6]
    # Linear: 16 times the text costs about 16 times as much (quadratic would be 256).
    small, large = "ab" * 512, "ab" * 8192
    assert best_of(5, normalise, large) < 40 * max(best_of(5, normalise, small), 2e-5)
    assert detect_crisis("i want to kill myself " + "a" * 4096).crisis


def test_normalise_on_every_training_text_is_unchanged():
    """The format and control characters and the slang words are replaced by faster means than
    the regexes `old_normalise` runs: the same output on everything the models learned from."""
    from state.language.data import crisis_examples, style_examples

    texts = [ex.text for ex in crisis_examples() + style_examples()]
    texts += ["a\x00b\x1fc\x7fd\x85e\x9ff", "zero\u200bwidth\u202ebidi\ufeff", "x\ud800y", "ΑΣ"]
    texts += ["u r im dont 2nite", "u_r im1 dont2 _u", "imma kms rn.", "ur,u;u!u?u\u2003u\u3000u"]
    for text in texts:
        assert normalise(text) == old_normalise(text), text
        assert crisis.fold(text) == old_fold(text), text


@settings(max_examples=800, deadline=None)
@given(st.lists(st.one_of(MESSAGES, st.text(max_size=60)), min_size=1, max_size=6))
def test_texts_normalised_together_are_each_normalised_alone(texts):
    assert crisis.normalise_pairs(texts) == [crisis.normalise_pair(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aabbkillo sz!'\u00e9")), max_size=30))
def test_doubled_and_tripled_letters_shrink_as_before(text):
    """RE2 names the doubled letters and spots a tripled one; the rest is as it was."""
    assert normalise(text) == old_normalise(text)
    assert crisis.fold(text) == old_fold(text)
