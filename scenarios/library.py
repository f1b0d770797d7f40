"""The scenario library: every YAML file under a root, loaded and validated together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.loader import PACKAGE_ROOT, find_files, load_file
from scenarios.model import Scenario
from scenarios.problems import Problem
from scenarios.validate import validate


@dataclass
class Library:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def by_context(self, context: str) -> list[Scenario]:
        found = [s for s in self.scenarios.values() if s.context == context]
        return sorted(found, key=lambda s: (s.difficulty, s.title))

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)


# ---- how hard, and how heavy, in words --------------------------------------------------------
# Difficulty is how hard the conversation is to hold (1 to 3); emotional intensity, when a scenario
# has it (1 to 3), is how much it can stir up. The dots alone mean nothing to a newcomer, so
# every screen that shows them says once what they are.

LEVELS = {1: "gentle", 2: "moderate", 3: "hard"}
HEAVY = 3  # the emotional intensity from which a scenario is marked as a heavy topic


def level_words(difficulty: int) -> str:
    """ "Level 1 of 3: gentle"."""
    return f"Level {difficulty} of 3: {LEVELS.get(difficulty, 'hard')}"


def dots(difficulty: int) -> str:
    return "●" * difficulty + "○" * (3 - difficulty)


INTENSITY_WORDS = {1: "light topic", 2: "moderate topic", 3: "heavy topic"}


def intensity_words(scenario: Scenario) -> str:
    """ "heavy topic", for a leader sequencing a series; "" when the scenario doesn't say."""
    intensity = getattr(scenario, "intensity", None)
    return INTENSITY_WORDS.get(intensity, "") if isinstance(intensity, int) else ""


def heavy(scenario: Scenario) -> bool:
    """A heavy topic: read defensively, as older scenario formats have no intensity at all."""
    intensity = getattr(scenario, "intensity", None)
    return isinstance(intensity, int) and intensity >= HEAVY


def load_library(paths: Iterable[Path] | None = None, root: Path | None = None) -> Library:
    """Load and validate; a file with errors is reported and left out, never half-loaded."""
    paths = list(paths) if paths is not None else [PACKAGE_ROOT]
    if root is None and len(paths) == 1 and paths[0].is_dir():
        root = paths[0]
    lib = Library()
    for path in find_files(paths):
        loaded = load_file(path, root)
        problems = loaded.problems + validate(loaded)
        lib.problems.extend(problems)
        sc = loaded.scenario
        if sc is None or any(p.severity == "error" for p in problems):
            continue
        if sc.id in lib.scenarios:
            lib.problems.append(
                Problem(
                    str(path),
                    1,
                    "error",
                    f"scenario id {sc.id!r} is also used by {lib.scenarios[sc.id].source}",
                    "duplicate-id",
                )
            )
            continue
        lib.scenarios[sc.id] = sc
    return lib
