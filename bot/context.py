"""The context every handler gets for one update: PTB's CallbackContext, typed, with what the
gate found (python-telegram-bot's examples/contexttypesbot.py shows the pattern).

PTB builds one context per update and hands the same one to every handler group, so the gate
(group -10) can leave here what later handlers need without asking the database again.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

if TYPE_CHECKING:
    from bot.services import Services


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application, chat_id, user_id)
        # Whether the user has consented, as the gate read it; None when it did not read.
        self.consented: bool | None = None
        # What typed text answers, as the gate read it (state.onboarding's PLAN, CHECKINS, LIVE:
        # the last two are feature modules' names); None when it did not read.
        self.awaiting: tuple[str, ...] | None = None
        # Whether the crisis card would stop a role-play, as the gate read it (for typed text
        # and the direct question's "Yes" or numbers); None when it did not read.
        self.scene_to_stop: bool | None = None
        # Whether the check-in waits for the answer a press gives, as the gate read it (for a
        # check-in answer that brings the safety question); None when it did not read.
        self.checkin_in_turn: bool | None = None
        # Whether the gate found the store unavailable: the card then asks it nothing more.
        self.store_down = False
        # Whether a handler already recorded this update's id (a step, or a command or button
        # that writes, does in its own transaction: `applying`), so the gate's `after` need not.
        self.marked = False
        # Whether the handler only read (`reading`): nothing to mark, so the gate's `after`
        # writes nothing.
        self.read_only = False

    @property
    def services(self) -> Services:
        return self.bot_data["services"]

    @property
    def features(self) -> tuple[ModuleType, ...]:
        """The feature modules in handler-table order (bot/app.py's FEATURES, left in bot_data
        by `add_handlers`): typed text asks here which feature's it is, because importing
        bot/app.py, which imports them all, would make a cycle."""
        return self.bot_data.get(FEATURES_KEY, ())


def applying(update: Update, context: CallbackContext) -> int | None:
    """This update's id, for a service action that marks it in the transaction doing its work
    (`update_id=`, `Store.run`): the update is then applied exactly once with that work, and the
    gate's `after` writes nothing. None when something this update did already marked it (the
    work is then done unmarked, within the same update). A redelivery the action finds already
    applied raises `AlreadyApplied` (state/errors.py), which bot/app.py's `on_error` answers
    with nothing."""
    if getattr(context, "marked", False):
        return None
    context.marked = True  # type: ignore[attr-defined]
    return update.update_id


def reading(update: Update, context: CallbackContext) -> None:
    """This update only reads (/help, /progress, /week...): the gate's `after` marks nothing
    for it, so it takes no write lock. A redelivery (after a crash, or one the gate did not
    see) answers the same thing again, which is harmless for a read; a read never claims its
    update in its own transaction, since the mark would then come before the reply and a
    crash between them would lose the reply for good. Call it only where nothing in the
    update writes unmarked (a write through `applying` still marks the update)."""
    context.read_only = True  # type: ignore[attr-defined]


FEATURES_KEY = "features"  # the bot_data key of the feature modules


CONTEXT_TYPES: ContextTypes[Any, Any, Any, Any] = ContextTypes(context=BotContext)
