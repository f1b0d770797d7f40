"""Long messages: however `screen.read` batches and reuses its work, it must decide as the plain
reading does: every window normalised and ruled on its own, every rule-hit sentence of a long
message's windows read alone, each row scored alone by `LinearModel.probabilities`.

The texts are built from the training examples only (never the held-out split): shuffled runs
of crisis lines, of ordinary ones, of both, joined by spaces or line breaks, cut to lengths up
to Telegram's 4,096 characters, and run-ons with no sentence end at all.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from state import crisis
from state.crisis import CARD, NO_CRISIS, CrisisResult
from state.language import data, features
from state.language.data import NONE
from state.language.model import LinearModel, shipped
from state.language.screen import MODEL, Reading, decide, screen, thresholds


def reference_windows(text: str) -> list[str]:
    """`features.windows` as it was written before `window_parts`: the windows are the same."""
    if len(text) <= features.CRISIS_WINDOW:
        return [text]
    out: list[str] = []
    current = ""
    for sentence in features._SENTENCE_END.split(text):
        while len(sentence) > features.CRISIS_WINDOW:
            cut = sentence.rfind(" ", features.CRISIS_WINDOW // 2, features.CRISIS_WINDOW)
            cut = cut if cut > 0 else features.CRISIS_WINDOW
            if current:
                out.append(current)
                current = ""
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + 1 + len(sentence) > features.CRISIS_WINDOW:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out


def reference_read(model: LinearModel, text: str) -> Reading:
    """`screen.read` written plainly: no batching, no reuse between windows and sentences."""
    rule, substances = NO_CRISIS, False
    window: list[dict[str, float]] = []
    windows = reference_windows(text)
    for part in windows:
        t, folded = crisis.normalise_pair(part)
        hit = crisis.detect_normalised(t)
        if hit.crisis and (not rule.crisis or (hit.tier or 3) < (rule.tier or 3)):
            rule = hit
        substances = substances or crisis.names_substances(t)
        rows = [model.probabilities(features.crisis_features_of(t, hit, folded))]
        parts = features.sentences(part) if hit.crisis and len(windows) > 1 else []
        if len(parts) > 1:
            for sentence in parts:
                st, sf = crisis.normalise_pair(sentence)
                own = crisis.detect_normalised(st)
                if own.crisis and st != t:
                    rows.append(model.probabilities(features.crisis_features_of(st, own, sf)))
        window.append(min(rows, key=lambda probs: probs[NONE]))
    best, category = -1.0, crisis.CATEGORIES[0]
    for probs in window:
        if 1.0 - probs[NONE] > best:
            best = 1.0 - probs[NONE]
            category = max((c for c in probs if c != NONE), key=probs.__getitem__)
    return Reading(rule, max(best, 0.0), category, substances)


def reference_screen(text: str) -> CrisisResult:
    model = shipped("crisis")
    r = reference_read(model, text)
    action = decide(r.rule, r.p, thresholds(model))
    if action is None:  # a rule's hit let go is kept, not acted on
        return replace(NO_CRISIS, score=r.p, model=model.version, rule=r.rule.rule)
    return CrisisResult(
        crisis=True,
        category=r.rule.category if r.rule.crisis else r.category,
        tier=r.rule.tier if r.rule.crisis else (1 if action == CARD else 3),
        rule=r.rule.rule if r.rule.crisis else MODEL,
        action=action,
        score=r.p,
        model=model.version,
        substances=r.substances,
    )


@cache
def long_texts() -> tuple[str, ...]:
    examples = data.crisis_examples()
    crisis_lines = [ex.text for ex in examples if ex.label != NONE]
    ordinary = [ex.text for ex in examples if ex.label == NONE]
    out: list[str] = []
    rnd = random.Random(15)
    for i in range(90):
        pool = (crisis_lines, ordinary, crisis_lines + ordinary)[i % 3]
        lines = rnd.sample(pool, 120)
        joiner = (" ", " ", "\n", "\n\n", "  ", " \n ")[i % 6]
        length = 4096 if i % 4 == 0 else rnd.randint(321, 4096)
        out.append(joiner.join(lines)[:length])
    for i in range(12):  # run-ons: windows cut at spaces, not at sentence ends
        lines = rnd.sample(crisis_lines + ordinary, 120)
        out.append(re.sub(r"[.!?\n]+", " ", " ".join(lines))[: 4096 - 97 * i])
    out.append(" ".join(crisis_lines)[:4096])
    out.append(" ".join(ordinary)[:4096])
    out += [  # whitespace and punctuation at the edges of sentences and of the message
        "\n\n  " + " ".join(crisis_lines[:60])[:1000] + ". \n ",
        ". . ! ? " + "\n".join(ordinary[:60])[:2000] + "!!! ",
        " ".join(f"{line} \u00b4\u0301 \u200b\u03a3. " for line in crisis_lines[:50])[:3000],
        ("word " * 200 + "i want to die " + "x" * 400 + " ") * 2,
    ]
    return tuple(out)


def test_long_messages_are_decided_as_the_plain_reading_decides():
    for text in long_texts():
        assert len(text) > features.CRISIS_WINDOW
        got, want = screen(text), reference_screen(text)
        assert (got.action, got.category, got.tier, got.rule, got.substances) == (
            want.action,
            want.category,
            want.tier,
            want.rule,
            want.substances,
        ), text
        assert abs(got.score - want.score) < 1e-9, text


def test_a_window_is_the_pieces_it_joins_and_its_sentences_are_those_pieces():
    for text in long_texts():
        parts = features.window_parts(text)
        assert [" ".join(p) for p in parts] == reference_windows(text) == features.windows(text)
        assert len(parts) > 1
        for pieces in parts:
            sentences = features.sentences(" ".join(pieces))
            assert sentences == [p for p in pieces if p.strip()] or len(pieces) == 1
    assert features.window_parts("short. text.") == [["short. text."]]


def test_normalise_reads_each_sentence_as_it_reads_it_in_its_window():
    """`screen.read` normalises (and folds) a long message's sentences and joins them: that must
    be what normalising (folding) the joined window gives, for every text the model learned from
    and more."""
    lines = [ex.text for ex in data.crisis_examples() + data.style_examples()]
    tricky = [
        "ΑΣ",
        "Σ'x",
        "\u00b4",
        "\u0301x",
        "x\u0301",
        "\u200b",
        "can'",
        "t do it",
        "I'd",
        "k1ll",
        "$$",
        "4ever.",
        "im",
        "\x1c",
        "😀",
        "",
        "   ",
        "ﬁne",
        "Ⅸ",
        "'",
        "n't",
    ]
    rnd = random.Random(3)
    pairs = [
        *zip(lines, lines[1:], strict=False),
        *zip(lines, rnd.sample(lines, len(lines)), strict=True),
        *((a, b) for a in tricky for b in tricky),
        *((a, b) for a in tricky for b in lines[::50]),
        *((b, a) for a in tricky for b in lines[::50]),
    ]
    for form in (crisis.normalise, crisis.fold):  # the patterns' text, and the meaning's
        for a, b in pairs:
            joined = " ".join(x for x in (form(a), form(b)) if x)
            assert form(f"{a} {b}") == joined, (form.__name__, a, b)
        for text in long_texts():
            for pieces in features.window_parts(text):
                joined = " ".join(n for n in map(form, pieces) if n)
                assert form(" ".join(pieces)) == joined
    assert crisis.normalise_pair("I'll kill it") == (
        crisis.normalise("I'll kill it"),
        crisis.fold("I'll kill it"),
    )


def test_a_long_message_rows_scored_together_score_as_each_alone():
    """`probabilities_of` finds each row's phrases and n-grams its own way: each row must be
    what `probabilities` gives it alone (negated words after the "|" mark included)."""
    model = shipped("crisis")
    negated = 0
    for text in long_texts()[::5]:
        feats = [features.crisis_features(w) for w in features.windows(text)]
        feats += [
            features.crisis_features(s)
            for w in features.windows(text)[:3]
            for s in features.sentences(w)
        ]
        negated += any(features.NEGATION_MARK in f.words for f in feats)
        for f, row in zip(feats, model.probabilities_of(feats), strict=True):
            alone = model.probabilities(f)
            assert all(abs(row[k] - alone[k]) < 1e-12 for k in row)
    assert negated >= 10  # the case the docstring names was met (not every text has one)


_ODD = ["ΑΣ", "Σ'x", "\u00b4", "\u0301x", "\u200b", "can'", "t do it", "I'd", "k1ll", "$$", "|"]
_ODD += ["a | b", "im | u", "\u2028", "\x1c", "😀", "", "   ", "ﬁne", "Ⅸ", "'", "n't", "x" * 150]


def test_sentences_normalised_together_are_each_normalised_alone():
    """`crisis.normalise_pairs` (a long message's sentences, read together) gives each text's
    `normalise_pair`, for every text the model learned from, in runs, and for odd ones."""
    lines = [ex.text for ex in data.crisis_examples() + data.style_examples()]
    for a in range(0, len(lines), 40):
        run = lines[a : a + 40]
        assert crisis.normalise_pairs(run) == [crisis.normalise_pair(t) for t in run]
    rnd = random.Random(5)
    for _ in range(300):
        run = rnd.sample(_ODD, 5) + rnd.sample(lines, 3)
        rnd.shuffle(run)
        assert crisis.normalise_pairs(run) == [crisis.normalise_pair(t) for t in run], run
    for text in long_texts():
        for pieces in features.window_parts(text):
            kept = [p for p in pieces if p.strip()]
            assert crisis.normalise_pairs(kept) == [crisis.normalise_pair(p) for p in kept]


def test_phrases_of_every_length_are_found_by_one_search_within_their_own_row():
    """`probabilities_of` looks up the 2- and 3-word phrases of all rows in one search: a
    phrase must count in its row only, never across a row's end, nor as a shorter phrase's
    number where a longer run starts with a word no phrase has, at the end of the last row
    too, and a row must score as it does alone."""
    model = shipped("crisis")
    by_length: dict[int, list[tuple[str, ...]]] = {2: [], 3: []}
    for words in sorted(model._phrases()):
        by_length[len(words)].append(words)
    two, three = by_length[2][:40], by_length[3][:40]
    rows: list[tuple[str, ...]] = []
    for k in range(40):
        a, b = two[k], three[k]
        rows.append(("zzqx", *b[:2]))  # the rest of the phrase opens the next row
        rows.append(a)  # a phrase right after a row's end
        rows.append((b[2], *a, "zzqx", *a))
        rows.append((*b, "vvbn", *a[:1]))
        rows.append((a[1], *b))  # a phrase ends the row, and the last row
    plain = [features.Features(words, {}) for words in rows]
    read = [features.crisis_features(t) for t in ("i want to die", "all good here")]
    for feats in (plain, plain + read, read):  # no row's meaning known, some, every one
        for f, row in zip(feats, model.probabilities_of(feats), strict=True):
            alone = model.probabilities(f)
            assert all(abs(row[k] - alone[k]) < 1e-12 for k in row)


_OLD_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")  # as it was written before it began with \s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\t\u2003\u00a0\x0b")), max_size=40))
def test_sentence_ends_are_found_where_the_look_behind_found_them(text):
    assert features._SENTENCE_END.split(text) == _OLD_SENTENCE_END.split(text)


def test_sentence_ends_of_every_training_text_and_long_message():
    texts = [ex.text for ex in data.crisis_examples()] + list(long_texts())
    for text in texts:
        assert features._SENTENCE_END.split(text) == _OLD_SENTENCE_END.split(text)
