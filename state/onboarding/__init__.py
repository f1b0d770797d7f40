"""Onboarding and the update gate: who someone is to the bot before any feature acts.

`Onboarding` (service.py) is what a channel calls: the gate's one read (`admit`), consent
(`meet`, `agree`, `consented`) and the mark of a handled update (`mark`), one transaction each;
`awaiting` asks, inside a caller's transaction, what typed text answers, named by `PLAN`,
`CHECKINS`, `LIVE` and the direct question (`QUESTION`, `question_in`).

The names below are the package's surface. Nothing in state/ imports this package (it asks
the other features, none asks it), so re-exporting the service here costs no cycle.
"""

from state.onboarding.service import (
    ASKED,
    CHECKINS,
    LIVE,
    PLAN,
    QUESTION,
    Admission,
    Onboarding,
    awaiting,
    question_in,
)

__all__ = [
    "ASKED",
    "CHECKINS",
    "LIVE",
    "PLAN",
    "QUESTION",
    "Admission",
    "Onboarding",
    "awaiting",
    "question_in",
]
