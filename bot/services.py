"""What the handlers share: settings, store, library, and the onboarding, practice, safety,
live, groups and check-ins services."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from telegram.ext import ContextTypes

from bot.settings import Settings
from scenarios.library import Library
from state.checkin_items import Program
from state.checkins import Checkins
from state.groups.service import Groups
from state.live import Live
from state.onboarding import Onboarding
from state.practice.service import Practice
from state.safety import Resource
from state.safety.service import Safety
from state.store import Store

CONSENT_VERSION = "2026-11"


@dataclass
class Services:
    settings: Settings
    store: Store
    library: Library
    practice: Practice
    resources: tuple[Resource, ...]
    onboarding: Onboarding = field(init=False)
    safety: Safety = field(init=False)
    live: Live = field(init=False)
    groups: Groups = field(init=False)
    checkin_program: Program = field(init=False)
    checkins: Checkins = field(init=False)

    def __post_init__(self) -> None:
        self.onboarding = Onboarding(self.store)
        self.safety = Safety(self.store)
        self.live = Live(self.store, self.library, self.settings.admin_user_ids)
        # The admins as the settings say at each call: a link dies with the admin who made it.
        self.groups = Groups(self.store, lambda: self.settings.admin_user_ids)
        self.checkin_program = replace(
            self.settings.checkin_program(), try_this_week=self._try_this_week
        )
        self.checkins = Checkins(self.store, self.checkin_program)

    def _try_this_week(self, scenario_id: str, node: str) -> str | None:
        """The practice a finished scenario's ending suggested (for the check-in to ask)."""
        scenario = self.library.get(scenario_id)
        step = scenario.nodes.get(node) if scenario else None
        return step.ending.try_this_week if step and step.ending else None


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]
