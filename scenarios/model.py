"""The scenario format: pydantic models for one YAML role-play file.

Ids are stable strings (never list positions) so a saved run keeps its place when an author
reorders or inserts nodes and choices.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from scenarios.skills import Style

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
NARRATOR = "narrator"
Outcome = Literal["good", "mixed", "hard"]
# Moves the four styles don't describe: they are labeled as such and left out of the style tally.
Move = Literal["listening", "exposure", "coping"]
# Why an assertive-sounding option is still not the best one here.
NearMiss = Literal["wrong-moment", "too-big-an-ask", "caring-advice"]
# Thinking traps a thought check can name (CBT).
Trap = Literal[
    "mind-reading",
    "catastrophizing",
    "fortune-telling",
    "all-or-nothing",
    "should-statements",
    "labeling",
    "discounting-the-positive",
    "personalizing",
    "emotional-reasoning",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Character(_Strict):
    name: str = Field(min_length=1, max_length=40)
    role: str = ""
    description: str = ""


class Variable(_Strict):
    type: Literal["int", "bool", "str"]
    default: bool | int | str

    @model_validator(mode="after")
    def _default_matches_type(self) -> Variable:
        expected = {"int": int, "bool": bool, "str": str}[self.type]
        ok = isinstance(self.default, expected) and not (
            self.type == "int" and isinstance(self.default, bool)
        )
        if not ok:
            raise ValueError(f"default {self.default!r} is not of type {self.type}")
        return self


class Line(_Strict):
    """Something said; `variants` are interchangeable wordings so a replay doesn't read the same."""

    speaker: str = NARRATOR
    text: str | None = None
    variants: list[str] | None = None
    when: str | None = Field(default=None, alias="if")

    @model_validator(mode="after")
    def _one_text(self) -> Line:
        if (self.text is None) == (not self.variants):
            raise ValueError("a line needs exactly one of 'text' or 'variants'")
        return self

    @property
    def texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.variants or [])


class Choice(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=1)  # the button
    says: str | None = None  # the full words the participant says, if longer than the button
    style: Style
    skills: list[str] = Field(default_factory=list)
    feedback: str = Field(min_length=1)
    target: str
    when: str | None = Field(default=None, alias="if")
    set: dict[str, bool | int | str] = Field(default_factory=dict)
    once: bool = False
    fallback: bool = False
    move: Move | None = None
    near_miss: NearMiss | None = None
    # the line that says yes to using (or to going where it is): where a typed yes may play
    yes_to_use: bool = False

    @property
    def spoken(self) -> str:
        return self.says or self.text


class Prompt(_Strict):
    """An invitation to type a reply instead of pressing a button."""

    ask: str = Field(min_length=1)
    looks_for: list[str] = Field(default_factory=list)
    example: str | None = None


class ThoughtCheck(_Strict):
    """A short CBT check before a hard scene: the worry, its trap, a more balanced line."""

    thought: str = Field(min_length=1)
    trap: Trap
    balanced: str = Field(min_length=1)


class WorkedExample(_Strict):
    """Model, then practice: a peer handles the same moment well before the participant plays."""

    intro: str = Field(min_length=1)
    lines: list[Line] = Field(min_length=1)
    takeaway: str = Field(min_length=1)


class Ending(_Strict):
    outcome: Outcome
    title: str = Field(min_length=1)
    debrief: str = Field(min_length=1)
    try_this_week: str = Field(min_length=1)


# A node tag: here someone offers the player a drink or a drug, or it is in their hand, so a
# bare "ok" or "ill come thru" typed here is a yes to using (state/coach.py).
OFFERS_USE = "offers-use"


class Node(_Strict):
    lines: list[Line] = Field(default_factory=list)
    choices: list[Choice] = Field(default_factory=list)
    prompt: Prompt | None = None
    ending: Ending | None = None
    tags: list[str] = Field(default_factory=list)


class Scenario(_Strict):
    id: str = ""
    title: str = Field(min_length=1, max_length=80)
    context: Literal["family", "friendship", "workplace", "recovery", "social-anxiety"]
    difficulty: int = Field(ge=1, le=3)
    # How heavy the topic is (1 light, 2 moderate, 3 heavy), so a leader can sequence it.
    intensity: int | None = Field(default=None, ge=1, le=3)
    # Ask "what matters most here" (objective, relationship, self-respect) before the first scene.
    frame: bool = False
    # Social-anxiety practice as exposure: rate anxiety 0-10 and predict, before and after.
    exposure: bool = False
    thought_check: ThoughtCheck | None = None
    worked_example: WorkedExample | None = None
    skills: list[str] = Field(min_length=1)
    summary: str = Field(min_length=1, max_length=200)
    intro: str = ""
    content_warnings: list[str] = Field(default_factory=list)
    characters: dict[str, Character] = Field(default_factory=dict)
    variables: dict[str, Variable] = Field(default_factory=dict)
    start: str
    nodes: dict[str, Node] = Field(min_length=1)

    content_hash: str = ""
    source: str = ""
    _compiled: object = PrivateAttr(default=None)

    @field_validator("nodes")
    @classmethod
    def _node_ids(cls, nodes: dict[str, Node]) -> dict[str, Node]:
        import re

        bad = [n for n in nodes if not re.match(ID_PATTERN, n)]
        if bad:
            raise ValueError(f"node ids must be lower-case letters, digits, '-' or '_': {bad}")
        return nodes

    def speaker_name(self, speaker: str) -> str:
        """The label before a line: "The man with the cart:", though the YAML's name is written
        to sit mid-sentence too (a participant trial saw "the man with the cart:")."""
        if speaker == NARRATOR:
            return ""
        char = self.characters.get(speaker)
        name = char.name if char else speaker
        return name[:1].upper() + name[1:]

    @property
    def choice_count(self) -> int:
        return sum(len(n.choices) for n in self.nodes.values())
