"""What the handlers share: settings, store, library, and the practice and live services."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import ContextTypes

from bot.settings import Settings
from scenarios.library import Library
from state.live import Live
from state.practice import Practice
from state.safety import Resource
from state.store import Store

CONSENT_VERSION = "2026-11"


@dataclass
class Services:
    settings: Settings
    store: Store
    library: Library
    practice: Practice
    resources: tuple[Resource, ...]
    live: Live = field(init=False)

    def __post_init__(self) -> None:
        self.live = Live(self.store, self.library, self.settings.admin_user_ids)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]
