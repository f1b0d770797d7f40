"""Exposure practice after the debrief: the anxiety rating again, and how it went compared with
what the participant expected. Pure questions and texts; `Practice` stores the answers on the run.
"""

from __future__ import annotations

from state.practice.prelude import SKIP, rating_options
from state.practice.run_data import Notice, Offer, Option

AFTER, COMPARE = "after", "compare"
COMPARISONS = {
    "better": "Better than I expected",
    "same": "About the same",
    "worse": "Worse than I expected",
}
AFTER_QUESTION = (
    "Now that it's over: how anxious do you feel, from 0 (calm) to 10 (the most anxious you "
    "can imagine)?"
)


def after_offer() -> Offer:
    return Offer(AFTER, AFTER_QUESTION, (*rating_options(), Option(SKIP, "Skip")))


def compare_offer(prediction: str | None) -> Offer:
    """How it went compared with the prediction (quoted back when one was typed)."""
    asked = f"Before you started, you expected: “{prediction}”\n" if prediction else ""
    return Offer(
        COMPARE,
        asked + "How did it go compared with what you expected?",
        (*(Option(k, v) for k, v in COMPARISONS.items()), Option(SKIP, "Skip")),
    )


def closing(before: int | None, after: int | None, compared: str | None) -> Notice:
    """A kind word on what the numbers show; nothing is judged."""
    parts = []
    if before is not None and after is not None:
        parts.append(f"Anxiety before: {before} of 10, after: {after} of 10.")
        if after < before:
            parts.append("It came down while you faced it: that is how practice like this works.")
        elif after == before:
            parts.append("It stayed about the same, and you did it anyway. That counts.")
        else:
            parts.append(
                "It went up this time. That happens, and facing it still counts; a lighter "
                "scenario next can help."
            )
    if compared == "better":
        parts.append(
            "It went better than you expected: worth remembering next time the worry speaks up."
        )
    elif compared == "same":
        parts.append("It went about as you expected.")
    elif compared == "worse":
        parts.append(
            "It was harder than you expected. Thank you for staying with it; "
            "talking it over with your group can help."
        )
    parts.append("/progress shows your ratings over time.")
    return Notice("info", " ".join(parts))
