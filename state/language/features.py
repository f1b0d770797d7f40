"""Turn a message into the sparse features both trained readers score.

Each reader's function returns a `Features`: the set of n-grams present and a few indicator
features from the rules. The same code builds the training matrix and scores a message at run
time, so the shipped weights can't drift from the features they were learned on.

N-grams are words (1-3) and characters inside words (2-5, robust to typos and texting) of the
normalised text; the coach adds case- and emoji-preserving character 1-4-grams of the raw reply,
where "FINE." and "fine 🙄" live. The model weighs them (by idf and by how well each tells the
classes apart) and L2-normalises them together, so a long message doesn't outvote a short
one. The indicators (a rule's hit, a negation, a past marker, the coach's skill markers) are not
normalised: where a rule is certain, the model learns to trust it; where it misfires, it learns
that too. The crisis reader also gets the words a negator governs as tokens of their own
("n_hurt"), so "i'd never hurt myself" needn't look like "i'll hurt myself" with one more word,
and what the message is about (`meaning`): the mean of its word pieces' vectors, distilled from a
sentence encoder, so a phrasing nobody here wrote still lands near the ones that were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import re2

from state import crisis
from state.language import meaning

WORD_NGRAMS = (1, 3)
CHAR_NGRAMS = (2, 5)
RAW_NGRAMS = (1, 4)
NEGATED = "n_"  # a word a negator governs (crisis.negated_words), as an extra token
NEGATION_MARK = "|"
CRISIS_WINDOW = 320  # characters per scored window of a long message (see windows())
MEANING_SCALE = 1.0  # the meaning vector's length beside the n-grams' (unit) one

_TOKEN = re.compile(r"[a-z0-9']+|[!?]")
# whitespace after a sentence's end: (?<=[.!?\n])\s+ written to start with \s, so that `re` tries
# only where there is whitespace (a first character it can look for), not at every position
_SENTENCE_END = re.compile(r"\s(?<=[.!?\n]\s)\s*")


@dataclass(frozen=True, slots=True)
class Features:
    """What a reader scores: n-grams (built from `words` and `raw`) and indicator `flags`.

    The n-grams are kept as their parts so the model can look up each word's in-word character
    n-grams once and remember them (`LinearModel.vector`); `grams` spells them all out, for
    training and for checking that both views agree.
    """

    words: tuple[str, ...]  # tokens of the normalised text
    flags: dict[str, float]  # used as they are
    raw: str = ""  # the reply as typed, for raw character n-grams (the coach only)
    # what the message is about (`meaning.Pieces.about`), used as it is (the crisis reader only)
    meaning: np.ndarray | None = None

    @property
    def grams(self) -> frozenset[str]:
        """Every n-gram: idf-weighted and L2-normalised together by the model."""
        out = set(word_grams(self.words))
        for w in set(self.words):
            out.update(char_grams(w))
        out.update(raw_grams(self.raw))
        return frozenset(out)


# _TOKEN's findall on ASCII text as str.translate and str.split: a token character stays, anything
# else but "!" and "?" is a space (a full table of single characters: str.translate's fast case),
# and "!" and "?" are spaced apart by str.replace (several times faster than the regex)
_TOKEN_SPACED = {c: chr(c) if re.fullmatch(r"[a-z0-9'!?]", chr(c)) else " " for c in range(128)}
SENTENCE_MARKS = ".,"  # the crisis reader's tokens beside _TOKEN's (crisis_tokens)
_CRISIS_TOKEN = re.compile(r"[a-z0-9']+|[!?.,]")
# a run of sentence marks with a "!" or "?" in it (`flat_marks`): its dots before the first
# "!" or "?" are dropped, then the rest of the run from there is one "."
_DOTS_BEFORE_LOUD = re.compile(r"\.+(?=[!?])")
_LOUD_MARKS = re.compile(r"[!?][.!?]*")
_CRISIS_SPACED = {c: chr(c) if re.fullmatch(r"[a-z0-9'!?.,]", chr(c)) else " " for c in range(128)}


def tokens(t: str) -> tuple[str, ...]:
    if not t.isascii():
        return tuple(_TOKEN.findall(t))
    t = t.translate(_TOKEN_SPACED)
    if "!" in t:
        t = t.replace("!", " ! ")
    if "?" in t:
        t = t.replace("?", " ? ")
    return tuple(t.split())


def crisis_tokens(t: str) -> tuple[str, ...]:
    """`tokens`, with each sentence's and clause's end (SENTENCE_MARKS) a token of its own, so
    no word n-gram spans two sentences: "i wrote the note. its short" has "note ." and ". its",
    not "note its short". Messages in full sentences read better (cross-validated recall 0.950
    to 0.953 with "." alone, 0.953 with "," too; card recall 0.854 to 0.868)."""
    for mark in "!?" + SENTENCE_MARKS:
        if mark in t:
            t = t.replace(mark, f" {mark} ")
    if t.isascii():
        return tuple(t.translate(_CRISIS_SPACED).split())
    return tuple(_CRISIS_TOKEN.findall(t))


def flat_marks(t: str) -> str:
    """The crisis reader's text with each run of sentence marks holding "!" or "?" as one ".":
    the sentence still ends, but not how. Read as written, "!" was the strongest sign of an
    ordinary message and "?" among the next ten, a habit of the writers of the training data,
    not a reading of danger: "i want to die!" was let go. Across writers (`bench.crisis_sources`)
    recall with "!" appended to every crisis row fell from 0.943 to 0.806, and to 0.854 with
    "?"; read this way, 0.945 as written and 0.934 with either (limits met throughout)."""
    if "!" not in t and "?" not in t:
        return t
    if ".!" in t or ".?" in t:
        t = _DOTS_BEFORE_LOUD.sub("", t)
    return _LOUD_MARKS.sub(".", t)


# a laugh (`unlaughed`), as `normalise` and `crisis.fold` spell it ("lool", "kidding"): wider
# than the rules' `crisis._LAUGH`, which decides a hyperbole; this only keeps a laugh unread.
# Not a bare "ha" (Spanish "me ha amenazado"), nor "kidding" after "not" or "no" (sincerity:
# "im not kidding i want to die"): a reviewer
LAUGHS = re.compile(
    r"\b(?:l+(?:o+l+)+z?|lu+l|lmf?a+o+|rofl|xd|jk|b?a?h+a+(?:h+a+)+h?|hah|h+e+(?:h+e+)+h?|heh|"
    r"just kid+ing|(?<!not )(?<!no )kid+ing|ja(?:ja)+|je(?:je)+)\b"
)
# LAUGHS without the look-behinds, in RE2: it finds whatever LAUGHS finds (RE2's word letters
# are ASCII, a subset of Python's), about 20 times faster than `re` through text with no laugh,
# which is most text (4 KB: 8 against 190 microseconds, and the reader passes over it thrice)
_MAY_LAUGH = re2.compile(LAUGHS.pattern.replace("(?<!not )(?<!no )", ""))
UNREAD_CUES = ("laugh",)  # the rules' cues the crisis model is not given (`crisis_features_of`)


def unlaughed(t: str) -> str:
    """The crisis reader's text without its laughs. Read, "lol" was among the surest signs of an
    ordinary message (the `laugh` cue weighed -2.7 in log-odds), though a laugh masks distress
    as often as it marks hyperbole: across writers, with " lol" added to every crisis row,
    recall fell from 0.946 to 0.768; unread, 0.946 as written and 0.935 with it (thresholds
    chosen on each, limits met). The rules still read laughs: the hyperboles they know ("guess
    i'll just die lol") are theirs to let go."""
    if _MAY_LAUGH.search(t) is None or LAUGHS.search(t) is None:
        return t
    return " ".join(LAUGHS.sub(" ", t).split())


def model_text(t: str) -> str:
    """What the crisis model's n-grams and meaning read of a text: `flat_marks`, `unlaughed`."""
    return unlaughed(flat_marks(t))


def word_grams(words: tuple[str, ...], longer_than: int = 0) -> list[str]:
    lo, hi = WORD_NGRAMS
    lo = max(lo, longer_than + 1)
    return [
        "w:" + " ".join(words[i : i + n])
        for n in range(lo, hi + 1)
        for i in range(len(words) - n + 1)
    ]


def char_grams(word: str) -> list[str]:
    """The character n-grams inside one word (padded with a space at each end)."""
    padded = f" {word} "
    size = len(padded)
    clo, chi = CHAR_NGRAMS
    spans = ((i, n) for n in range(clo, min(chi, size) + 1) for i in range(size - n + 1))
    return ["c:" + padded[i : i + n] for i, n in spans]


def raw_grams(raw: str) -> list[str]:
    if not raw:
        return []
    lo, hi = RAW_NGRAMS
    return ["r:" + raw[i : i + n] for n in range(lo, hi + 1) for i in range(len(raw) - n + 1)]


def crisis_features(text: str) -> Features:
    """Features of one window of a message for the crisis model."""
    t, folded = crisis.normalise_pair(text)
    return crisis_features_of(t, crisis.detect_normalised(t), folded)


def crisis_features_of(
    t: str, hit: crisis.CrisisResult, folded: str, about: np.ndarray | None = None
) -> Features:
    """`crisis_features` from the normalised text, the rules' finding and the folded text
    (`crisis.fold`: the words as spelled, for their meaning), when all are known; `about` is
    the folded text's meaning when that is known too (`meaning.Pieces.about_runs` of its
    `model_text`). The n-grams and the meaning read `model_text`; the rules' cues, as written,
    bar the laugh (`unlaughed`)."""
    flags = {
        "cue:" + name: 1.0 for name, on in crisis.cues(t).items() if on and name not in UNREAD_CUES
    }
    if hit.crisis:
        flags["rule:" + (hit.rule or "?")] = 1.0
        flags[f"tier:{hit.tier}"] = 1.0
        flags["cat:" + (hit.category or "?")] = 1.0
    words = crisis_tokens(model_text(t))
    if about is None:
        about = meaning.shipped().about(model_text(folded))
    about = about * MEANING_SCALE
    scoped = crisis.negated_words(unlaughed(t))  # "i cant do this anymore lol": no "n_lol"
    if not scoped:
        return Features(words, flags, meaning=about)
    # after a separator, so no n-gram spans the message and its negated words
    negated = (NEGATION_MARK,) + tuple(NEGATED + w for w in scoped)
    return Features(words + negated, flags, meaning=about)


def sentences(text: str) -> list[str]:
    """The sentences of a window, for reading a rule's hit on its own."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def windows(text: str) -> list[str]:
    """A message cut at sentence ends into windows of about CRISIS_WINDOW characters.

    A bag of n-grams dilutes one alarming sentence in a long message; scoring each window and
    keeping the highest doesn't, and keeps the cost linear in the length.
    """
    return [" ".join(parts) for parts in window_parts(text)]


def window_parts(text: str) -> list[list[str]]:
    """`windows`, each as the pieces it joins with single spaces: the message itself when it
    is one window; else its sentences (the last may be ""), and a run-on cut near the limit.

    A long message's reader normalises each piece once and joins them (`crisis.normalise` reads
    each piece as it would inside the window); the pieces of a window of several are the
    `sentences` of that window, apart from the whitespace-only ones.
    """
    if len(text) <= CRISIS_WINDOW:
        return [[text]]
    out: list[list[str]] = []
    current: list[str] = []
    size = 0  # len(" ".join(current)): 0 when the window so far is ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > CRISIS_WINDOW:  # one long run-on: cut at a space near the limit
            cut = sentence.rfind(" ", CRISIS_WINDOW // 2, CRISIS_WINDOW)
            cut = cut if cut > 0 else CRISIS_WINDOW
            if size:
                out.append(current)
                current, size = [], 0
            out.append([sentence[:cut]])
            sentence = sentence[cut:].lstrip()
        if size and size + 1 + len(sentence) > CRISIS_WINDOW:
            out.append(current)
            current, size = [sentence], len(sentence)
        elif size:
            current.append(sentence)
            size += 1 + len(sentence)
        else:
            current, size = [sentence], len(sentence)
    if size:
        out.append(current)
    return out


def style_features_of(raw: str, t: str, found: Iterable[str], cues: Iterable[str]) -> Features:
    """Features of one typed reply for the style model: the reply as typed (`raw`, already cut
    to what the coach reads), the coach's normalised text `t`, and its markers and cues."""
    flags = {"m:" + m: 1.0 for m in found}
    flags.update({"q:" + c: 1.0 for c in cues})
    return Features(tokens(t), flags, raw)
