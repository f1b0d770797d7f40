"""Daily check-ins: /checkin (set up, check in now, pause, stop), the button flow, the due job.

Handlers are thin: each parses its button or text, calls the check-ins service
(`services.checkins`, state/checkins/service.py: one transaction per action), renders what it
returns and sends. Every button has its own handler, routed by pattern (`ROUTES`, through
bot/routes.py). The schedule rules live in state/schedule.py. Everything about a check-in in
progress is in the database, so a restart, a second worker or a redelivered update changes
nothing.

This module is the feature's face to bot/app.py (`handlers`, `setup`, `COMMANDS`, `ACTIONS`,
`on_text`);
the handlers are in

- `conversation`: the daily check-in itself, its questions and answers, and the queued
  message's other buttons (snooze, share a note, the day-after follow-up, check in now);
- `menu`: /checkin's menu and what its buttons change (pause, resume, stop, weekly summary,
  which questions);
- `schedule`: the set-up's questions (time zone, time, quiet hours, urges), tapped, typed or
  shared as a location;
- `due`: the job that queues the check-ins that have come due (the outbox sender delivers
  them);
- `buttons`: building the buttons and reading a press back, for all of them;
- `replies`: what a saved check-in says back, worded (state/checkin_replies.py decides it).

The queued messages themselves are drawn by bot/features/checkin_messages.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.consent import require_consent
from bot.features.checkins import conversation, schedule
from bot.features.checkins.conversation import (
    STEP_ACTIONS,
    on_continue,
    on_followup,
    on_now,
    on_share,
    on_snooze,
    on_step,
)
from bot.features.checkins.due import due_job, interval_seconds
from bot.features.checkins.menu import (
    command,
    on_hide,
    on_items,
    on_old_sharing,
    on_pause,
    on_resume,
    on_stop,
    on_weekly,
)
from bot.features.checkins.schedule import SETUP_ACTIONS, on_location, on_setup
from bot.outbox_sender import install
from bot.routes import Routes, action_names, private_actions
from bot.services import services

COMMANDS = [BotCommand("checkin", "Daily check-in: set up, pause or stop")]


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """A typed time zone, time or note, when one was just asked for (crisis check already ran)."""
    user = update.effective_user
    if user is None:
        return False
    now = datetime.now(UTC)
    # A read: most typed text isn't for us.
    settings = await services(context).checkins.settings(user.id)
    awaiting = settings.awaiting_now(now) if settings else None
    if awaiting is None:
        return False
    if awaiting in ("zone", "time"):
        return await schedule.on_typed(update, context, awaiting, text)
    if awaiting.startswith("note:"):
        return await conversation.on_note(update, context, text, now)
    return False


# Which handler takes which button: one CallbackQueryHandler(pattern=...) each (bot/routes.py).
ROUTES: Routes = (
    (on_step, tuple(STEP_ACTIONS)),
    (on_setup, SETUP_ACTIONS),
    (on_now, ("cinow",)),
    (on_snooze, ("cisnz",)),
    (on_share, ("cishare",)),
    (on_pause, ("cipause",)),
    (on_resume, ("ciresume",)),
    (on_stop, ("cistop",)),
    (on_weekly, ("ciweek",)),
    (on_old_sharing, ("ciopt",)),
    (on_followup, ("cifu",)),  # the day-after follow-up: okay, or still struggling
    (on_continue, ("cicont",)),  # go on with the check-in after the safety question
    (on_items, ("ciitems",)),  # which questions I see
    (on_hide, ("cihide",)),
)


ACTIONS = action_names(ROUTES)


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("checkin", command, filters=private),
        *private_actions(ROUTES, require_consent),
        MessageHandler(private & filters.UpdateType.MESSAGE & filters.LOCATION, on_location),
    ]


def setup(app: Application) -> None:
    """The due job, and the outbox sender that delivers what it queues."""
    install(app)  # the one outbox sender delivers what the job queues (installs once)
    if app.job_queue is not None:
        every = interval_seconds()
        app.job_queue.run_repeating(due_job, interval=every, first=min(every, 5), name="checkins")
