"""Model, then practice: how this attempt at a scenario compares with the participant's last one.

Pure: two finished run states in, a few plain, kind sentences out (or "" on a first attempt).
"""

from __future__ import annotations

from scenarios.skills import COMPONENTS, Style
from state.engine import MOVE_LABELS, RunState

_RANK = {"hard": 0, "mixed": 1, "good": 2}
_ENDING_WORDS = {"good": "a good ending", "mixed": "a mixed ending", "hard": "a hard ending"}


def compare_attempts(before: RunState | None, now: RunState) -> str:
    """What changed since the last attempt, said kindly; "" when there is nothing to compare."""
    if before is None or before.scenario_id != now.scenario_id:
        return ""
    parts = []
    was, is_ = before.outcome or "mixed", now.outcome or "mixed"
    if _RANK.get(is_, 1) > _RANK.get(was, 1):
        parts.append(
            f"This time you reached {_ENDING_WORDS.get(is_, 'an ending')}; "
            f"last time it was {_ENDING_WORDS.get(was, 'another one')}."
        )
    elif _RANK.get(is_, 1) < _RANK.get(was, 1):
        parts.append(
            "Last time this conversation ended better. Trying another way is part of practice: "
            "what did you learn from this path?"
        )
    else:
        parts.append(f"You reached {_ENDING_WORDS.get(is_, 'the same kind of ending')} again.")
    share_now, share_before = _assertive(now), _assertive(before)
    if share_now is not None and share_before is not None:
        if share_now[0] * share_before[1] > share_before[0] * share_now[1]:
            parts.append(
                f"You answered assertively {share_now[0]} of {share_now[1]} times, "
                f"up from {share_before[0]} of {share_before[1]}."
            )
        elif share_now[0] * share_before[1] < share_before[0] * share_now[1]:
            parts.append(
                f"You answered assertively {share_now[0]} of {share_now[1]} times "
                f"(last time {share_before[0]} of {share_before[1]})."
            )
    new_skills = sorted(
        COMPONENTS[c].label
        for c in set(now.skills) - set(before.skills)
        if c in COMPONENTS and not COMPONENTS[c].negative
    )
    if new_skills:
        parts.append(f"New this time: {', '.join(new_skills[:3])}.")
    new_moves = sorted(set(now.moves) - set(before.moves))
    if new_moves:
        parts.append(f"You also tried {', '.join(MOVE_LABELS[m].lower() for m in new_moves)}.")
    dropped = sorted(set(before.cautions) - set(now.cautions))
    if dropped:
        named = ", ".join(COMPONENTS[c].label.lower() for c in dropped if c in COMPONENTS)
        if named:
            parts.append(f"Not this time: {named}.")
    return "Compared with your last try: " + " ".join(parts)


def _assertive(state: RunState) -> tuple[int, int] | None:
    total = sum(state.styles.values())
    if not total:
        return None
    return state.styles.get(Style.ASSERTIVE.value, 0), total
