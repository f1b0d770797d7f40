"""What the check-in says back when it is saved: an answer that fits the answers.

Clinical content, written in the scenarios' voice (kind, plain, non-punitive). DBT counts a high
urge with no action as a success, so it is named as one; a lapse is met with thanks for the
honesty and the lapse-not-relapse framing; a run of hard days gets a skill or a scenario to try.
Thoughts of suicide or self-harm urges at SAFETY_LEVEL are answered earlier, the moment they are
given (the safety flow), and only acknowledged here. Pure: channels render the result.
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

SAVED = "✅ <b>Check-in saved.</b> Thank you for taking the minute."
RODE_OUT = (
    "💪 <b>A strong urge you rode out is a win.</b> An urge of {urge} that you didn't act on "
    "takes real skill. If it comes back tonight, you could text your support person, or "
    "practice the late-night craving scenario."
)
LAPSE = (
    "Thank you for being honest. <b>A lapse is information, not failure:</b> it shows what to "
    "plan for next, and you can start again right now. Would it help to tell your counselor or "
    "sponsor today? /week makes a card you can send them."
)
LAPSE_SAFETY = (
    "If you used after a break, your body may not handle what it used to: don't use alone, go "
    "slow, and keep naloxone near. /safety has the numbers, any hour."
)
SAFETY_ACK = (
    "Thank you for answering the hard questions honestly. /safety and your plan are there any time."
)
HARD_MOOD = (
    "The last few days look heavy. One skill that can help when feelings run high is TIPP: cold "
    "water on your face, a fast walk, then slow breathing. Or rehearse asking someone for "
    "support: /practice."
)
HARD_SLEEP = (
    "You've slept little for a few nights now. Short sleep makes everything harder, urges "
    "included. It may be worth telling your counselor; tonight, try winding down at the same "
    "time and putting the phone away."
)


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
    """The saved message's paragraphs (HTML), and what it offers as buttons."""

    paragraphs: tuple[str, ...]
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
    paragraphs = [SAVED]
    practice = None
    week = False
    if high_risk(record):
        paragraphs.append(SAFETY_ACK)
    if record.acted:
        paragraphs += [LAPSE, LAPSE_SAFETY]
        week = True
    elif rode_out(record):
        paragraphs.append(RODE_OUT.format(urge=record.urge))
        practice = LATE_NIGHT_SCENARIO
    if _hard_run(record.local_date, days, lambda r: r.mood is not None and r.mood <= LOW_MOOD):
        paragraphs.append(HARD_MOOD)
        week = True
    elif _hard_run(
        record.local_date,
        days,
        lambda r: r.sleep_hours is not None and r.sleep_hours <= SHORT_SLEEP,
    ):
        paragraphs.append(HARD_SLEEP)
        week = True
    if streak_days:
        paragraphs.append(f"Check-in streak: {streak_days} day{'s' if streak_days != 1 else ''}.")
    paragraphs.append("/week shows your diary card; /progress your last two weeks.")
    return Closing(tuple(paragraphs), practice, week)


def rode_out_count(records: list[Answers], level: int = SAFETY_LEVEL) -> int:
    """Urges of `level`+ not acted on: what /week counts as ridden out."""
    return sum(1 for r in records if rode_out(r, level))
