"""What the check-in says back when it is saved, worded for Telegram.

The core decides what fits the answers (state/checkin_replies.py `closing`: which of SAVED,
SAFETY_ACK, LAPSE… and in what order); this module words them, in the scenarios' voice (kind,
plain, non-punitive), with the streak and a pointer to /week and /progress after them.
"""

from __future__ import annotations

from state.checkin_replies import (
    HARD_MOOD,
    HARD_SLEEP,
    LAPSE,
    LAPSE_SAFETY,
    RODE_OUT,
    SAFETY_ACK,
    SAVED,
    Closing,
)

WORDS = {
    SAVED: "✅ <b>Check-in saved.</b> Thank you for taking the minute.",
    RODE_OUT: (
        "💪 <b>A strong urge you rode out is a win.</b> An urge of {urge} that you didn't act "
        "on takes real skill. If it comes back tonight, you could text your support person, or "
        "practice the late-night craving scenario."
    ),
    LAPSE: (
        "Thank you for being honest. <b>A lapse is information, not failure:</b> it shows what "
        "to plan for next, and you can start again right now. Would it help to tell your "
        "counselor or sponsor today? /week makes a card you can send them."
    ),
    LAPSE_SAFETY: (
        "If you used after a break, your body may not handle what it used to: don't use alone, "
        "go slow, and keep naloxone near. /safety has the numbers, any hour."
    ),
    SAFETY_ACK: (
        "Thank you for answering the hard questions honestly. /safety and your plan are there "
        "any time."
    ),
    HARD_MOOD: (
        "The last few days look heavy. One skill that can help when feelings run high is TIPP: "
        "cold water on your face, a fast walk, then slow breathing. Or rehearse asking someone "
        "for support: /practice."
    ),
    HARD_SLEEP: (
        "You've slept little for a few nights now. Short sleep makes everything harder, urges "
        "included. It may be worth telling your counselor; tonight, try winding down at the "
        "same time and putting the phone away."
    ),
}
POINTER = "/week shows your diary card; /progress your last two weeks."


def closing_text(closing: Closing) -> str:
    """The saved message's HTML: what the core said, in its order, then the streak and where
    to look back."""
    paragraphs = [WORDS[name].format(urge=closing.urge) for name in closing.said]
    if closing.streak_days:
        n = closing.streak_days
        paragraphs.append(f"Check-in streak: {n} day{'s' if n != 1 else ''}.")
    paragraphs.append(POINTER)
    return "\n\n".join(paragraphs)
