"""A participant's progress, computed from their stored runs and turns (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scenarios.skills import COMPONENTS


@dataclass(frozen=True)
class ExposurePoint:
    """One exposure run's anxiety before and after (0-10) and how it compared with the
    prediction."""

    day: date
    scenario_id: str
    before: int | None
    after: int | None
    compared: str | None


@dataclass(frozen=True)
class Progress:
    started: int
    finished: int
    outcomes: dict[str, int] = field(default_factory=dict)
    styles: dict[str, int] = field(default_factory=dict)
    skills: dict[str, int] = field(default_factory=dict)
    streak_days: int = 0
    last_practised: date | None = None
    moves: dict[str, int] = field(default_factory=dict)  # listening, exposure, coping
    exposures: tuple[ExposurePoint, ...] = ()  # oldest first


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with practice, ending today (or yesterday: the day isn't over)."""
    have = set(days)
    day = today if today in have else today - timedelta(days=1)
    count = 0
    while day in have:
        count += 1
        day -= timedelta(days=1)
    return count


def summarise(runs: Iterable, turns: Iterable, today: date) -> Progress:
    runs, turns = list(runs), list(turns)
    finished = [r for r in runs if r.status == "ended"]
    styles = Counter(t.style for t in turns if t.style)
    skills = Counter(
        s for t in turns for s in t.skills if s in COMPONENTS and not COMPONENTS[s].negative
    )
    days = {_day(t.created_at) for t in turns}
    moves = Counter(m for t in turns if (m := getattr(t, "move", None)))
    exposures = tuple(
        ExposurePoint(
            _day(r.started_at),
            r.scenario_id,
            getattr(r, "anxiety_before", None),
            getattr(r, "anxiety_after", None),
            getattr(r, "compared", None),
        )
        for r in runs
        if getattr(r, "anxiety_before", None) is not None
        or getattr(r, "anxiety_after", None) is not None
    )
    return Progress(
        started=len(runs),
        finished=len(finished),
        outcomes=dict(Counter(r.outcome for r in finished if r.outcome)),
        styles=dict(styles),
        skills=dict(skills),
        streak_days=streak(days, today),
        last_practised=max(days) if days else None,
        moves=dict(moves),
        exposures=exposures,
    )


def _day(moment: datetime) -> date:
    return moment.date()
