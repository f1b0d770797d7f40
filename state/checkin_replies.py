"""What the check-in says back when it is saved: an answer that fits the answers.

Clinical content. DBT counts a high urge with no action as a success, so it is named as one
(RODE_OUT); a lapse is met with thanks for the honesty and the lapse-not-relapse framing (LAPSE,
and LAPSE_SAFETY on using after a break); a run of hard days gets a skill or a scenario to try
(HARD_MOOD, HARD_SLEEP). Thoughts of suicide or self-harm urges at SAFETY_LEVEL are answered
earlier, the moment they are given (the safety flow), and only acknowledged here (SAFETY_ACK).
Pure: this module decides what is said, by name; a channel words it (the Telegram bot's words,
in the scenarios' voice, are bot/features/checkins/replies.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from state.checkin_items import SAFETY_LEVEL

RODE_OUT_LEVEL = 4  # an urge this strong, not acted on, is named as a win
HARD_DAYS = 3  # this many hard days in a row suggests a skill or a scenario
LOW_MOOD = 1
SHORT_SLEEP = 4
LATE_NIGHT_SCENARIO = "recovery/late-night-craving"

# What the saved message may say, in its order.
SAVED = "saved"  # saved, and thanks
SAFETY_ACK = "safety-ack"  # the hard questions, answered honestly
LAPSE = "lapse"  # a lapse is information, not failure
LAPSE_SAFETY = "lapse-safety"  # using after a break: tolerance, naloxone, not alone
RODE_OUT = "rode-out"  # a strong urge ridden out is a win (`Closing.urge`)
HARD_MOOD = "hard-mood"  # heavy days in a row: a skill, or rehearse asking for support
HARD_SLEEP = "hard-sleep"  # short nights in a row


class Answers(Protocol):
    """The fields of a check-in this module reads (state.checkins.CheckinRecord has them)."""

    local_date: date
    mood: int | None
    urge: int | None
    acted: bool | None
    self_harm: int | None
    suicidal: int | None
    sleep_hours: int | None


@dataclass(frozen=True, slots=True)
class Closing:
    """What the saved message says (`said`: SAVED, SAFETY_ACK, … in order; the streak and the
    pointer to /week and /progress follow them), and what it offers as buttons."""

    said: tuple[str, ...]
    urge: int | None = None  # the urge ridden out, for RODE_OUT
    streak_days: int = 0  # check-ins in a row, this one included
    offer_practice: str | None = None  # a scenario id to open
    offer_week: bool = False  # the week's card, to send to a counselor


def high_risk(record: Answers) -> bool:
    return any((v or 0) >= SAFETY_LEVEL for v in (record.suicidal, record.self_harm))


def rode_out(record: Answers, level: int = RODE_OUT_LEVEL) -> bool:
    return record.urge is not None and record.urge >= level and record.acted is False


def _hard_run(today: date, recent: list[Answers], hard) -> bool:  # noqa: ANN001 - a predicate
    by_day = {r.local_date: r for r in recent}
    days = [by_day.get(today - timedelta(days=n)) for n in range(HARD_DAYS)]
    return all(r is not None and hard(r) for r in days)


def closing(record: Answers, recent: list[Answers], streak_days: int) -> Closing:
    """What to say when `record` is saved; `recent` holds the days before (and may hold it)."""
    days = [r for r in recent if r.local_date != record.local_date] + [record]
    said = [SAVED]
    practice, urge = None, None
    week = False
    if high_risk(record):
        said.append(SAFETY_ACK)
    if record.acted:
        said += [LAPSE, LAPSE_SAFETY]
        week = True
    elif rode_out(record):
        said.append(RODE_OUT)
        practice, urge = LATE_NIGHT_SCENARIO, record.urge
    if _hard_run(record.local_date, days, lambda r: r.mood is not None and r.mood <= LOW_MOOD):
        said.append(HARD_MOOD)
        week = True
    elif _hard_run(
        record.local_date,
        days,
        lambda r: r.sleep_hours is not None and r.sleep_hours <= SHORT_SLEEP,
    ):
        said.append(HARD_SLEEP)
        week = True
    return Closing(tuple(said), urge, streak_days, practice, week)


def rode_out_count(records: list[Answers], level: int = SAFETY_LEVEL) -> int:
    """Urges of `level`+ not acted on: what /week counts as ridden out."""
    return sum(1 for r in records if rode_out(r, level))
