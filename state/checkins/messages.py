"""What the queued check-in messages say: the day's check-in (its first question on it), the
follow-up the day after a crisis, and their outbox kinds and dedupe keys.

Button data written into queued messages (the bot parses it with `bot.callbacks.parse`):
`ci:<yyyymmdd>-<mood>` answers the first question and so starts the day's check-in;
`cisnz:<yyyymmdd>` asks for it again an hour later; `cifu:<yyyymmdd>-ok|hard` answers the
follow-up the day after a crisis (queued by the due job, see `settings.mark_crisis`).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from state import outbox
from state.checkins.records import ymd

KIND = "checkin"
WEEKLY_KIND = "checkin-week"
FOLLOWUP_KIND = "checkin-followup"
MOOD_FACES = ("😞", "🙁", "😐", "🙂", "😊", "😄")
FOLLOWUP_TEXT = "💛 Yesterday was hard, and I showed you where to find support. How are you today?"


@lru_cache(maxsize=64)
def checkin_message(
    day: date, snoozed: bool = False, mood: bool = True
) -> tuple[str, outbox.Buttons]:
    """The text and buttons of a queued check-in: its first question is on it already (the
    mood, or a Start button where the program doesn't ask it).

    Cached (the due job asks for the same day thousands of times): treat the result as
    read-only."""
    d = ymd(day)
    if mood:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "How has your mood been today, overall? 0 is very low, 5 is very good.\n"
            "<i>About a minute: a tap per question.</i>"
        )
        buttons: outbox.Buttons = [
            [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(3)],
            [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(3, 6)],
        ]
    else:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "<i>About a minute: a tap per question.</i>"
        )
        buttons = [[{"text": "Start", "callback_data": f"ci:{d}-go"}]]
    if not snoozed:
        buttons.append([{"text": "⏰ In an hour", "callback_data": f"cisnz:{d}"}])
    return text, buttons


def dedupe_key(user_id: int, day: date) -> str:
    return f"checkin:{user_id}:{ymd(day)}"


def followup_message(user_id: int, day: date) -> outbox.Message:
    """The one "how are you today?" the day after a crisis card or a high-risk check-in;
    queued just before that day's check-in (the same dedupe key can't queue it twice)."""
    d = ymd(day)
    return outbox.Message(
        chat_id=user_id,
        user_id=user_id,
        kind=FOLLOWUP_KIND,
        ref=d,
        text=FOLLOWUP_TEXT,
        buttons=[
            [
                {"text": "Okay", "callback_data": f"cifu:{d}-ok"},
                {"text": "Still struggling", "callback_data": f"cifu:{d}-hard"},
            ]
        ],
        dedupe_key=f"checkin-followup:{user_id}:{d}",
    )
