"""Compact, checked button data (Telegram allows 1-64 bytes per button).

A choice button names the run and the step it was shown at, so a button from an old message or
from another run is recognised as expired; anything that does not parse is treated as forged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scenarios.limits import CALLBACK_DATA_BYTES

_ID = r"[a-z0-9][a-z0-9_-]*"
_CHOICE = re.compile(rf"^c:([0-9a-z]{{1,8}})\.([0-9a-z]{{1,4}}):({_ID})/({_ID})$")
_SCENARIO = re.compile(rf"^s:({_ID}/{_ID})$")
_CONTEXT = re.compile(rf"^x:({_ID})$")
# A step's value is as long as its longest name ("discounting-the-positive", a thinking trap):
# 2 + 8 + 1 + 4 + 1 + 12 + 1 + 32 = 61 bytes at most, within Telegram's 64
_STEP = re.compile(r"^p:([0-9a-z]{1,8})\.([0-9a-z]{1,4}):([a-z]{1,12})/([a-z0-9-]{1,32})$")
_AFTER = re.compile(r"^e:([0-9a-z]{1,8}):([a-z]{1,12})/([a-z0-9-]{1,32})$")
_ARG = r"[A-Za-z0-9_-]{1,40}"

# Each kind's data, as a pattern for PTB's `CallbackQueryHandler(pattern=...)`; a feature's own
# `name[:arg]` buttons are `actions(...)`. A choice press is the hot path, routed first.
CHOICE, STEP, AFTER, SCENARIO, CONTEXT = _CHOICE, _STEP, _AFTER, _SCENARIO, _CONTEXT
_SIMPLE = re.compile(rf"^([a-z]{{1,12}})(?::({_ARG}))?$")


def b36(n: int) -> str:
    if n < 0:
        raise ValueError("negative")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


@dataclass(frozen=True, slots=True)
class ChoiceData:
    run_id: int
    step: int
    node: str
    choice: str


@dataclass(frozen=True, slots=True)
class StepData:
    """A button of a step before the scene (state.practice.prelude): drawn for one run at one
    step."""

    run_id: int
    step: int
    stage: str
    value: str


@dataclass(frozen=True, slots=True)
class AfterData:
    """A button after an exposure run's debrief (state.practice.exposure): drawn for one
    finished run."""

    run_id: int
    stage: str
    value: str


@dataclass(frozen=True, slots=True)
class ScenarioData:
    scenario_id: str


@dataclass(frozen=True, slots=True)
class ContextData:
    context: str


@dataclass(frozen=True, slots=True)
class ActionData:
    action: str  # e.g. "consent", "menu", "retry"
    arg: str | None = None


Parsed = ChoiceData | StepData | AfterData | ScenarioData | ContextData | ActionData


def choice(run_id: int, step: int, node: str, choice_id: str) -> str:
    data = f"c:{b36(run_id)}.{b36(step)}:{node}/{choice_id}"
    if len(data.encode()) > CALLBACK_DATA_BYTES:
        raise ValueError("choice button data over 64 bytes: the validator should have caught it")
    return data


def prelude_step(run_id: int, step: int, stage: str, value: str) -> str:
    return f"p:{b36(run_id)}.{b36(step)}:{stage}/{value}"


def after_step(run_id: int, stage: str, value: str) -> str:
    return f"e:{b36(run_id)}:{stage}/{value}"


def scenario(scenario_id: str) -> str:
    return f"s:{scenario_id}"


def context(name: str) -> str:
    return f"x:{name}"


def action(name: str, arg: str | None = None) -> str:
    return f"{name}:{arg}" if arg else name


def actions(*names: str) -> re.Pattern[str]:
    """What `action(name, arg)` makes for these names, as a pattern for PTB's
    `CallbackQueryHandler(pattern=...)`: a feature routes its own buttons by name."""
    if not names or not all(re.fullmatch(r"[a-z]{1,12}", n) for n in names):
        raise ValueError(f"not action names: {names}")
    if any(n in ("c", "s", "x", "p", "e") for n in names):
        raise ValueError("c, s, x, p and e begin other kinds of button data")
    return re.compile(rf"^(?:{'|'.join(names)})(?::{_ARG})?$")


def parse(data: object) -> Parsed | None:
    """The button's meaning, or None for anything we did not make."""
    if not isinstance(data, str) or not data or len(data.encode()) > CALLBACK_DATA_BYTES:
        return None
    if m := _CHOICE.match(data):
        return ChoiceData(int(m[1], 36), int(m[2], 36), m[3], m[4])
    if m := _STEP.match(data):
        return StepData(int(m[1], 36), int(m[2], 36), m[3], m[4])
    if m := _AFTER.match(data):
        return AfterData(int(m[1], 36), m[2], m[3])
    if m := _SCENARIO.match(data):
        return ScenarioData(m[1])
    if m := _CONTEXT.match(data):
        return ContextData(m[1])
    if m := _SIMPLE.match(data):
        if m[1] in ("c", "s", "x", "p", "e"):
            return None
        return ActionData(m[1], m[2])
    return None
