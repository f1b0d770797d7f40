"""Long messages: however `screen.read` batches and reuses its work, it must decide as the plain
reading does: every window normalised and ruled on its own, every rule-hit sentence of it read
alone, each row scored alone by `LinearModel.probabilities`.

The texts are built from the training examples only (never the held-out split): shuffled runs
of crisis lines, of ordinary ones, of both, joined by spaces or line breaks, cut to lengths up
to Telegram's 4,096 characters, and run-ons with no sentence end at all.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from functools import cache

from state import crisis
from state.crisis import CARD, NO_CRISIS, CrisisResult
from state.language import data, features
from state.language.data import NONE
from state.language.model import LinearModel, shipped
from state.language.screen import MODEL, Reading, decide, screen, thresholds


def reference_read(model: LinearModel, text: str) -> Reading:
    """`screen.read` written plainly: no batching, no reuse between windows and sentences."""
    rule, substances = NO_CRISIS, False
    window: list[dict[str, float]] = []
    for part in features.windows(text):
        t = crisis.normalise(part)
        hit = crisis.detect_normalised(t)
        if hit.crisis and (not rule.crisis or (hit.tier or 3) < (rule.tier or 3)):
            rule = hit
        substances = substances or crisis.names_substances(t)
        rows = [model.probabilities(features.crisis_features_of(t, hit))]
        parts = features.sentences(part) if hit.crisis else []
        if len(parts) > 1:
            for sentence in parts:
                st = crisis.normalise(sentence)
                own = crisis.detect_normalised(st)
                if own.crisis and st != t:
                    rows.append(model.probabilities(features.crisis_features_of(st, own)))
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
    if action is None:
        return replace(NO_CRISIS, score=r.p, model=model.version)
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
