"""The queued check-in messages, drawn for Telegram when they are sent.

The core queues what each message means (state/checkins/messages.py: its kind and arguments);
the outbox sender asks `draw` for the text and buttons at send time, so the button grammar
(bot/callbacks.py) and the wording live here, in the bot, and a row queued before a change
is drawn the new way. "Check in now" draws the same check-in (`checkin`).

The check-in's questions by their buttons' action (`STEP_ACTIONS`) are here too, the check-in's
own table, which the update gate reads (`SAFETY_ACTIONS`) without importing the checkins package.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from scenarios.skills import FRAMEWORKS
from state.checkin_items import DEFAULT_PROGRAM, EMOTIONS
from state.checkins import (
    CARD_KIND,
    FOLLOWUP_KIND,
    HALT,
    KIND,
    SAFETY_STEPS,
    WEEKLY_KIND,
    parse_ymd,
    ymd,
)

MOOD_FACES = ("😞", "🙁", "😐", "🙂", "😊", "😄")
FOLLOWUP_TEXT = "💛 Yesterday was hard, and I showed you where to find support. How are you today?"
Drawn = tuple[str, InlineKeyboardMarkup | None]
# The check-in's questions by the action of their answers' buttons (`<action>:<yyyymmdd>-…`):
# the routing table of bot/features/checkins/conversation.py's `on_step`, kept here beside the
# queued check-in's own buttons ("ci", the mood) so that bot/pipeline/gate.py reads it without
# importing bot/features/checkins/ (its conversation imports bot/features/safety.py, which
# imports the gate: a cycle).
STEP_ACTIONS = {
    "ci": "mood",
    "ciemo": "emotion",
    "ciurge": "urge",
    "ciact": "acted",
    "cihalt": "halt",
    "ciskill": "skills",
    "cinote": "note",
    "cish": "self_harm",
    "cisui": "suicidal",
    "ciquit": "quit",
    "cimeds": "meds",
    "cisleep": "sleep",
    "cirate": "skill_rating",
    "cipract": "practice",
}
STEP_ACTION = {step: action for action, step in STEP_ACTIONS.items()}
# The questions whose high answers bring the safety question (state.checkins' SAFETY_STEPS), by
# their buttons' action: the gate reads whether the check-in waits for such an answer.
SAFETY_ACTIONS = {STEP_ACTION[step]: step for step in SAFETY_STEPS}


def _button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def checkin(day: date, snoozed: bool = False, mood: bool = True) -> Drawn:
    """The day's check-in: its first question is on it already (the mood, or a Start button
    where the program doesn't ask it), and "in an hour" unless it was snoozed once."""
    d = ymd(day)
    if mood:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "How has your mood been today, overall? 0 is very low, 5 is very good.\n"
            "<i>About a minute: a tap per question.</i>"
        )
        rows = [
            [_button(f"{n} {MOOD_FACES[n]}", "ci", f"{d}-{n}") for n in range(3)],
            [_button(f"{n} {MOOD_FACES[n]}", "ci", f"{d}-{n}") for n in range(3, 6)],
        ]
    else:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "<i>About a minute: a tap per question.</i>"
        )
        rows = [[_button("Start", "ci", f"{d}-go")]]
    if not snoozed:
        rows.append([_button("⏰ In an hour", "cisnz", d)])
    return text, InlineKeyboardMarkup(rows)


def followup(day: date) -> Drawn:
    """The one "how are you today?" the day after a crisis."""
    d = ymd(day)
    buttons = [_button("Okay", "cifu", f"{d}-ok"), _button("Still struggling", "cifu", f"{d}-hard")]
    return FOLLOWUP_TEXT, InlineKeyboardMarkup([buttons])


def weekly(figures: dict[str, Any]) -> str:
    """The Sunday summary (`state.checkins.weekly_figures`)."""
    if not figures.get("count"):
        return (
            "🗓 <b>Your week</b>\nNo check-ins this week — that's okay. Tomorrow is a fresh start."
        )
    lines = ["🗓 <b>Your week</b>", f"Check-ins: {figures['count']} of 7"]
    if figures.get("mood"):
        average, low, high = figures["mood"]
        lines.append(f"Mood: average {average:.1f} (from {low} to {high})")
    if figures.get("urge") is not None:
        lines.append(f"Urges: average {figures['urge']:.1f}")
    if figures.get("emotion"):
        lines.append(f"Felt most: {escape(EMOTIONS.get(figures['emotion'], ''))}")
    if figures.get("halt") in HALT:
        lines.append(f"HALT most often: {escape(HALT[figures['halt']])}")
    if figures.get("skills"):
        named = (FRAMEWORKS.get(s) or DEFAULT_PROGRAM.skill_label(s) for s in figures["skills"])
        lines.append("Skills used: " + escape(", ".join(named)))
    return "\n".join(lines)


def card_caption(means: dict[str, Any]) -> str:
    """The caption of a diary card a member sent their leader (drawn as a PDF beside it)."""
    return (
        f"🗂 {escape(str(means['member']))} from <b>{escape(str(means['group']))}</b> sent you "
        f"their diary card for {escape(str(means['period']))}."
    )


def _day(means: dict[str, Any]) -> date:
    day = parse_ymd(str(means.get("day", "")))
    if day is None:
        raise ValueError("a queued check-in without its day")
    return day


DRAWERS: dict[str, Callable[[dict[str, Any]], Drawn]] = {
    KIND: lambda m: checkin(_day(m), bool(m.get("snoozed")), bool(m.get("mood", True))),
    FOLLOWUP_KIND: lambda m: followup(_day(m)),
    WEEKLY_KIND: lambda m: (weekly(m), None),
    CARD_KIND: lambda m: (card_caption(m), None),
}
