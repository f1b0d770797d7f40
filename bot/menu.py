"""The command menu Telegram shows: the core commands, then each feature's `COMMANDS`.

Its own module so that a feature can set a leader's menu without importing bot/app.py, which
imports every feature.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from telegram import BotCommand

COMMANDS = [
    BotCommand("practice", "Rehearse a conversation"),
    BotCommand("progress", "What you've practiced"),
    BotCommand("skills", "The skills behind the feedback"),
    BotCommand("stop", "Leave the current scenario"),
    BotCommand("safety", "Crisis lines, any time"),
    BotCommand("safetyplan", "Build or see your safety plan"),
    BotCommand("mydata", "Download your data"),
    BotCommand("delete", "Erase your data"),
    BotCommand("privacy", "What is kept, and your choices"),
    BotCommand("help", "How this works"),
]


def commands(features: Iterable[ModuleType]) -> list[BotCommand]:
    """Everyone's menu: the core commands, then the features' in their table order."""
    out = list(COMMANDS)
    for module in features:
        out.extend(getattr(module, "COMMANDS", []))
    return out
