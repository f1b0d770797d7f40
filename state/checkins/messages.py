"""What the queued check-in messages mean: the day's check-in (its first question on it), the
follow-up the day after a crisis, the Sunday summary; their outbox kinds and dedupe keys.

A row holds what its message means (`payload["means"]`: its kind and arguments), never the
bot's text or button data: the bot draws it when it sends (bot/features/checkin_messages.py),
so a change to the button grammar can't break a check-in already queued.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from state import outbox
from state.checkins.records import ymd

KIND = "checkin"
WEEKLY_KIND = "checkin-week"
FOLLOWUP_KIND = "checkin-followup"


def checkin_means(day: date, snoozed: bool = False, mood: bool = True) -> dict[str, Any]:
    """The day's check-in: its first question is on it already (the mood, or a start where the
    program doesn't ask it) and, unless it was snoozed once, "in an hour"."""
    return {"kind": KIND, "day": ymd(day), "snoozed": snoozed, "mood": mood}


def dedupe_key(user_id: int, day: date) -> str:
    return f"checkin:{user_id}:{ymd(day)}"


def _queued(
    user_id: int, kind: str, day: date, means: dict[str, Any], key: str, not_before: datetime | None
) -> outbox.Message:
    """A message to the participant, about `day`, that holds only what it means."""
    return outbox.meaning(
        {"kind": kind, **means},
        chat_id=user_id,
        user_id=user_id,
        ref=ymd(day),
        dedupe_key=key,
        not_before=not_before,
    )


def checkin_message(
    user_id: int,
    day: date,
    *,
    snoozed: bool = False,
    mood: bool = True,
    not_before: datetime | None = None,
) -> outbox.Message:
    key = dedupe_key(user_id, day) + (":snooze" if snoozed else "")
    return _queued(user_id, KIND, day, checkin_means(day, snoozed, mood), key, not_before)


def followup_message(user_id: int, day: date) -> outbox.Message:
    """The one "how are you today?" the day after a crisis card or a high-risk check-in;
    queued just before that day's check-in (the same dedupe key can't queue it twice)."""
    key = f"checkin-followup:{user_id}:{ymd(day)}"
    return _queued(user_id, FOLLOWUP_KIND, day, {"day": ymd(day)}, key, None)


def weekly_message(
    user_id: int, day: date, figures: dict[str, Any], now: datetime
) -> outbox.Message:
    """The Sunday summary, sent with Sunday's check-in (`figures`: summaries.weekly_figures)."""
    key = f"checkinweek:{user_id}:{ymd(day)}"
    return _queued(user_id, WEEKLY_KIND, day, figures, key, now)
