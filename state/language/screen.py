"""Crisis screening: the rules where they are certain, the trained model for the rest.

Two responses (DESIGN.md, "Safety and privacy"): explicit danger shows the crisis card at once;
a probable signal steps out of the role-play and asks directly. `decide` is the one policy, used
at run time and by training when it picks the thresholds on cross-validated probabilities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from state import crisis
from state.crisis import ASK, CARD, NO_CRISIS, CrisisResult
from state.language import features, meaning
from state.language.data import NONE
from state.language.model import LinearModel, shipped

MODEL = "model"  # the rule id of a result only the model found


@dataclass(frozen=True, slots=True)
class Thresholds:
    card: float  # the model alone shows the card at or above this probability
    ask: float  # the model alone asks at or above this one
    veto: float  # a certain rule's card becomes a question when the model is below this
    dismiss: float = 0.0  # and a rule's hit is let go when the model is below this


def thresholds(model: LinearModel) -> Thresholds:
    t = model.meta["thresholds"]
    return Thresholds(card=t["card"], ask=t["ask"], veto=t["veto"], dismiss=t["dismiss"])


def adjacent(result: CrisisResult) -> bool:
    """Close to the line without crossing it: never coached as a style, never a scene's line.
    A rule's hit the model let go counts ("I can't do this anymore", said to a character, was
    coached as aggressive in a participant trial)."""
    if result.model is None:
        return False
    return (
        result.crisis
        or result.rule is not None
        or result.score >= thresholds(shipped("crisis")).ask / 2
    )


SHORT_WORDS = 6  # a message of at most this many words gets no card from the model alone
_WORD = re.compile(r"[a-z0-9']+")


# what makes a few words explicit without a rule: a weapon, a drug, a time, an act going on
DANGER_CUES = (
    "real-threat",
    "imminent",
    "now",
    "ongoing",
    "intent",
    "drugs",
    "finality",
    "giving-away",
    "saving-up",
)


def short(text: str) -> bool:
    """Too short for the model alone to call explicit: "when does it end?" (the end of launch
    drinks, in a trial) had the card at p 0.97. Without a rule's hit, and without a word of
    danger (`DANGER_CUES`: "took 60 tylenol", "gun in my mouth rn" keep the card: a reviewer),
    such a message is at most a probable signal, and the question asks."""
    t = crisis.normalise(text)
    if len(_WORD.findall(t)) > SHORT_WORDS:
        return False
    cues = crisis.cues(t)
    return not any(cues[c] for c in DANGER_CUES)


def decide(rule: CrisisResult, p: float, th: Thresholds, is_short: bool = False) -> str | None:
    """The response to a message the rules read as `rule` and the model scores `p`; `is_short`:
    the message is `short`."""
    if rule.crisis and p < th.dismiss:
        return None  # the model is sure the rule misfired ("kill me lol")
    if rule.crisis and rule.tier in (1, 2):
        return CARD if p >= th.veto else ASK
    if p >= th.card:
        return ASK if is_short and not rule.crisis else CARD
    if rule.crisis or p >= th.ask:
        return ASK
    return None


@dataclass(frozen=True, slots=True)
class Reading:
    """A message read window by window: the rules' strongest finding and the model's."""

    rule: CrisisResult  # the most urgent rule hit in any window (NO_CRISIS if none)
    p: float  # P(crisis) of the most alarming window
    category: str  # the model's likeliest category there
    substances: bool  # alcohol or drugs named anywhere
    focus: str = ""  # that window, normalised: whose danger it tells of (`someone_else_in`)


def _urgency(r: CrisisResult) -> int:
    return 0 if not r.crisis else 4 - (r.tier or 3)


def read(model: LinearModel, text: str) -> Reading:
    """Each window goes through the rules once: the cost is linear in the length, and one
    alarming sentence isn't diluted by the rest. The model scores every window, and in a long
    message every sentence a rule hit in, together in one pass (`probabilities_of`).

    A long message's windows are normalised sentence by sentence and joined: `normalise` of
    a window is its sentences' joined with spaces (tests/test_screen_long.py), so a sentence a
    rule hit in is read alone from what its window's reading already normalised."""
    rule, substances = NO_CRISIS, False
    rows: list[tuple[int, str, CrisisResult]] = []  # (window, normalised text, rules' finding)
    said: dict[int, str] = {}  # each window, normalised
    folds: list[str] = []  # each piece's folded text once, for its meaning (`about_runs`)
    runs: list[tuple[int, int]] = []  # each row's meaning: folds[a:b] joined
    parts = features.window_parts(text)
    if len(parts) > 1:  # every window's sentences normalised together (`normalise_pairs`)
        kept = [[p for p in pieces if p.strip()] for pieces in parts]
        normalised = iter(crisis.normalise_pairs([p for pieces in kept for p in pieces]))
        windows = [[next(normalised) for _ in pieces] for pieces in kept]
    for w, pieces in enumerate(parts):
        # one window: read exactly as training read it
        pairs = [crisis.normalise_pair(pieces[0])] if len(parts) == 1 else windows[w]
        t = " ".join(n for n, _ in pairs if n)
        said[w] = t
        first = len(folds)
        # an empty fold has no pieces: the join skips it alike
        folds += [features.model_text(f) for _, f in pairs]
        hit = crisis.detect_normalised(t)
        if _urgency(hit) > _urgency(rule):
            rule = hit
        substances = substances or crisis.names_substances(t)
        rows.append((w, t, hit))
        runs.append((first, len(folds)))
        # In a long message, the rule's own sentence is read alone too, so a window of calm
        # neighbours can't dilute it. Not in a message of one window (its one piece is `pairs`):
        # there, cross-validated, the sentence read alone ("i tried to end my life after my
        # deployment" without "it's been 9 years") alarmed on more ordinary messages than it
        # caught crisis ones, and the thresholds rose to make up for it (recall 0.947 and card
        # recall 0.847 against 0.949 and 0.864 without; train.py scores every text through
        # this function).
        if not hit.crisis or len(pairs) < 2:
            continue
        for k, (st, _) in enumerate(pairs):
            own = crisis.detect_normalised(st)
            if own.crisis and st != t:
                runs.append((first + k, first + k + 1))
                rows.append((w, st, own))
    about = meaning.shipped().about_runs(folds, runs)
    feats = [
        features.crisis_features_of(t, hit, "", about=v)
        for (_, t, hit), v in zip(rows, about, strict=True)
    ]
    owner = [w for w, _, _ in rows]
    window: dict[int, dict[str, float]] = {}
    for w, probs in zip(owner, model.probabilities_of(feats), strict=True):
        if w not in window or probs[NONE] < window[w][NONE]:
            window[w] = probs
    best, category, focus = -1.0, crisis.CATEGORIES[0], ""
    for w, probs in window.items():
        p = 1.0 - probs[NONE]
        if p > best:
            best, focus = p, said[w]
            category = max((c for c in probs if c != NONE), key=probs.__getitem__)
    return Reading(rule, max(best, 0.0), category, substances, focus)


def probability(model: LinearModel, text: str) -> tuple[float, str]:
    """(P(crisis), the likeliest category) of the message's most alarming window."""
    r = read(model, text)
    return r.p, r.category


def screen(text: str, model: LinearModel | None = None) -> CrisisResult:
    """Screen one message; never puts any of `text` in the result."""
    if not isinstance(text, str) or not text.strip():
        return NO_CRISIS
    model = model or shipped("crisis")
    # the word pieces load here, outside the `try`: a missing or broken file must reach
    # screen_text's fail-safe (the card), not silence the model into p = 0 below
    meaning.shipped()
    try:
        r = read(model, text)
    except Exception:  # pragma: no cover - defensive: the screen must never break a chat
        r = Reading(crisis.detect_crisis(text), 0.0, crisis.CATEGORIES[0], False)
    rule, p, category = r.rule, r.p, r.category
    th = thresholds(model)
    # `short` reads the message again: only where the model alone would show the card
    is_short = not rule.crisis and p >= th.card and short(text)
    action = decide(rule, p, th, is_short)
    if action is None:  # a rule's hit the model let go is kept, not acted on (`adjacent`)
        return replace(NO_CRISIS, score=p, model=model.version, rule=rule.rule)
    return CrisisResult(
        crisis=True,
        category=rule.category if rule.crisis else category,
        tier=rule.tier if rule.crisis else (1 if action == CARD else 3),
        rule=rule.rule if rule.crisis else MODEL,
        action=action,
        score=p,
        model=model.version,
        substances=r.substances,
        # the words the question and the card use (never whether they are shown): read in
        # the most alarming window, already normalised, not the whole message again
        someone_else=rule.rule == "s_someone_else" or crisis.someone_else_in(r.focus),
    )
