"""The plain data of a run, shared by the engine and the steps around the scene.

The run's state (saved and restored exactly), what a participant sends (inputs) and what comes
back (outputs). The engine (state/engine.py), the steps before the scene (state/practice/prelude.py)
and after the debrief (state/practice/exposure.py) all build these; keeping them here lets the
engine call those steps without either importing the other both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# ---- run state -------------------------------------------------------------------------------


@dataclass
class RunState:
    """Everything needed to continue a run; plain JSON-able data, saved and restored exactly."""

    scenario_id: str
    content_hash: str
    node: str
    seed: int = 0
    step: int = 0
    status: Literal["active", "ended"] = "active"
    outcome: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    used: list[str] = field(default_factory=list)  # once-only choices taken, as "node/choice"
    path: list[str] = field(default_factory=list)  # every choice taken, as "node/choice"
    styles: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)
    cautions: dict[str, int] = field(default_factory=dict)  # anti-patterns shown (excuse, blame…)
    # Listening, exposure and coping moves: tallied apart, never as one of the four styles.
    moves: dict[str, int] = field(default_factory=dict)
    # The steps before the first scene still to answer (see state.practice.prelude), first one next.
    prelude: list[str] = field(default_factory=list)
    frame: str | None = None  # what the participant said matters most (shapes the debrief)

    def to_dict(self) -> dict[str, Any]:
        # Every step saves this: `asdict` walks the containers recursively, at ~10x the cost.
        return {
            "scenario_id": self.scenario_id,
            "content_hash": self.content_hash,
            "node": self.node,
            "seed": self.seed,
            "step": self.step,
            "status": self.status,
            "outcome": self.outcome,
            "vars": dict(self.vars),
            "visits": dict(self.visits),
            "used": list(self.used),
            "path": list(self.path),
            "styles": dict(self.styles),
            "skills": dict(self.skills),
            "cautions": dict(self.cautions),
            "moves": dict(self.moves),
            "prelude": list(self.prelude),
            "frame": self.frame,
        }

    def copy(self) -> RunState:
        """A copy whose containers are new, so a step never mutates its input."""
        return RunState(
            self.scenario_id,
            self.content_hash,
            self.node,
            self.seed,
            self.step,
            self.status,
            self.outcome,
            dict(self.vars),
            dict(self.visits),
            list(self.used),
            list(self.path),
            dict(self.styles),
            dict(self.skills),
            dict(self.cautions),
            dict(self.moves),
            list(self.prelude),
            self.frame,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunState:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


# ---- inputs and outputs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choose:
    choice_id: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Typed text in place of a button; the coach decides which choice it is nearest to."""

    text: str


@dataclass(frozen=True, slots=True)
class Pick:
    """An answer to a step before the scene (state.practice.prelude): which step, which button."""

    stage: str
    value: str


Input = Choose | Reply | Pick


@dataclass(frozen=True, slots=True)
class Say:
    speaker: str
    name: str  # "" for the narrator
    text: str


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Ask:
    node: str
    options: tuple[Option, ...]
    prompt: str | None = None  # an invitation to type a reply


@dataclass(frozen=True, slots=True)
class Feedback:
    choice_id: str
    said: str
    style: str
    skills: tuple[str, ...]
    text: str
    move: str | None = None  # listening, exposure or coping: shown instead of the style
    # a typed reply's: the matched choice's skills that no coach marker can show (a limit held),
    # counted for the debrief because the story took that branch, never shown as done
    credited: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Offer:
    """A step outside the scene (before it, or after the debrief) answered with one button.

    `typed` means a typed answer is also taken (the exposure prediction)."""

    stage: str
    text: str
    options: tuple[Option, ...]
    typed: bool = False


@dataclass(frozen=True, slots=True)
class Debrief:
    outcome: str
    title: str
    text: str
    try_this_week: str
    styles: dict[str, int]
    skills: dict[str, int]
    missing: tuple[str, ...]
    summary: str
    moves: dict[str, int] = field(default_factory=dict)
    previous: str = ""  # how this attempt compares with the last one (state.practice.attempts)


@dataclass(frozen=True, slots=True)
class Notice:
    kind: Literal["invalid-choice", "ended", "not-understood", "scenario-changed", "info"]
    text: str


Output = Say | Ask | Feedback | Debrief | Notice | Offer
