"""What a program's daily check-in asks: the diary card's items, its feelings and its skills.

A deployment chooses them in settings (CHECKIN_ITEMS, CHECKIN_EMOTIONS, CHECKIN_SKILLS, read by
bot/settings.py with the parsers below) and a participant can hide any item that doesn't apply
to them. The default is the whole card, as DBT and IOP diary cards have it: feelings at the
day's peak, urges, safety, treatment, medication, sleep, HALT, skills and the week's practice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Items a program can choose, in the order they are asked. "urge" brings "acted" with it,
# "skills" brings DBT's 0-7 skill-use rating; urge questions also need the participant's
# recovery track (the setup question).
ITEMS: dict[str, str] = {
    "mood": "Mood",
    "emotions": "Feelings",
    "urge": "Urge to use",
    "self_harm": "Urge to self-harm",
    "suicidal": "Thoughts of suicide",
    "quit": "Urge to skip group or quit",
    "meds": "Medication",
    "sleep": "Sleep",
    "halt": "HALT",
    "skills": "Skills used",
    "practice": "This week's practice",
    "note": "Note",
}
# Each item's questions (the check-in's `step` values), in order.
ITEM_STEPS: dict[str, tuple[str, ...]] = {
    "mood": ("mood",),
    "emotions": ("emotion",),
    "urge": ("urge", "acted"),
    "self_harm": ("self_harm",),
    "suicidal": ("suicidal",),
    "quit": ("quit",),
    "meds": ("meds",),
    "sleep": ("sleep",),
    "halt": ("halt",),
    "skills": ("skills", "skill_rating"),
    "practice": ("practice",),
    "note": ("note",),
}
STEP_ITEM = {step: item for item, steps in ITEM_STEPS.items() for step in steps}

EMOTIONS: dict[str, str] = {
    "calm": "Calm",
    "happy": "Happy",
    "hopeful": "Hopeful",
    "sad": "Sad",
    "anxious": "Anxious",
    "angry": "Angry",
    "ashamed": "Ashamed",
    "guilt": "Guilty",
    "fear": "Afraid",
    "lonely": "Lonely",
    "bored": "Bored",
    "overwhelmed": "Overwhelmed",
    "numb": "Numb",
}
DEFAULT_SKILLS: tuple[tuple[str, str], ...] = (
    ("wise-mind", "Wise mind"),
    ("tipp", "TIPP"),
    ("urge-surfing", "Urge surfing"),
    ("opposite-action", "Opposite action"),
    ("self-soothe", "Self-soothe"),
    ("radical-acceptance", "Radical acceptance"),
    ("check-the-facts", "Check the facts"),
    ("dear-man", "DEAR MAN"),
)
MEDS: dict[str, str] = {"yes": "Yes", "partly": "Partly", "no": "No"}
PRACTICE: dict[str, str] = {"y": "Yes", "some": "A little", "n": "Not yet"}
SLEEP_MAX = 12  # the pad's last key reads "12+"
SKILL_KEY_LIMIT = 28  # a key rides in button data of at most 64 bytes
SAFETY_LEVEL = 3  # thoughts of suicide or self-harm urges this high get the safety flow


@dataclass(frozen=True)
class Program:
    """One deployment's check-in. `try_this_week(scenario_id, node)` finds the practice a
    finished scenario suggested (the channel supplies it from the library)."""

    items: tuple[str, ...] = tuple(ITEMS)
    emotions: tuple[str, ...] = tuple(EMOTIONS)
    skills: tuple[tuple[str, str], ...] = DEFAULT_SKILLS
    try_this_week: Callable[[str, str], str | None] | None = field(
        default=None, compare=False, hash=False
    )

    def skill_label(self, key: str) -> str:
        return dict(self.skills).get(key, key.replace("-", " ").capitalize())


DEFAULT_PROGRAM = Program()


def _names(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_items(raw: str | None) -> tuple[str, ...]:
    """CHECKIN_ITEMS: a comma-separated choice of ITEMS, asked in ITEMS' order."""
    if raw is None or not raw.strip():
        return tuple(ITEMS)
    names = [n.lower().replace("-", "_") for n in _names(raw)]
    unknown = [n for n in names if n not in ITEMS]
    if unknown:
        raise ValueError(f"unknown check-in item {unknown[0]!r}; choose from: " + ", ".join(ITEMS))
    return tuple(i for i in ITEMS if i in names)


def parse_emotions(raw: str | None) -> tuple[str, ...]:
    """CHECKIN_EMOTIONS: a comma-separated choice of the feelings in EMOTIONS."""
    if raw is None or not raw.strip():
        return tuple(EMOTIONS)
    names = [n.lower() for n in _names(raw)]
    unknown = [n for n in names if n not in EMOTIONS]
    if unknown:
        raise ValueError(f"unknown feeling {unknown[0]!r}; choose from: " + ", ".join(EMOTIONS))
    return tuple(dict.fromkeys(names))


def skill_key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:SKILL_KEY_LIMIT]


def parse_skills(raw: str | None) -> tuple[tuple[str, str], ...]:
    """CHECKIN_SKILLS: the skills taught in the program's group, comma-separated, as they are
    named there ("TIPP, Opposite action, Urge surfing"); none means DEFAULT_SKILLS."""
    if raw is None or not raw.strip():
        return DEFAULT_SKILLS
    skills: dict[str, str] = {}
    for label in _names(raw):
        key = skill_key(label)
        if not key or len(label) > 40:
            raise ValueError(f"check-in skill {label!r}: use a short name with letters")
        skills.setdefault(key, label)
    return tuple(skills.items())
