"""Live rehearsal in a group's own Telegram chat: the whole group plays one scenario together.

Handlers (`handlers`; `setup` starts the job):

- `/live` in a group chat (leaders of the group linked there; anyone else gets silence):
  alone, it links the chat to one of the leader's groups, then offers scenarios, or picks a
  running rehearsal up where it is; `/live SCENARIO [SECONDS]` starts one (each vote closing by
  itself after SECONDS), `/live stop` ends it, `/live unlink` unlinks the chat.
- `/live` in a private chat: where to send it.
- Buttons (`ACTIONS`): link, pick, close the vote, a one-minute timer, go on with an option (the
  leader's, in the group; anyone else's press gets a private toast and changes nothing); and in
  private chats a member's "take it back" and "never mind", the leader's "show it to the group".
- `poll` updates (PollHandler): the latest counts of an open vote, kept in case stopPoll fails.
- Typed text (`on_text`, after the crisis check): a member's own line, when they asked to send
  one through the vote's "Say it your way" link (`/start lv_<run>`, which
  bot/features/onboarding.py follows here).
- A job every `TICK` seconds closes votes whose timer ran out and, once after start-up, finishes
  what a restart interrupted (state/live/service.py says what).

Every decision is in `state.live`; this package parses, calls it, renders and sends. In the
group chat it shows counts only: never a name, progress, check-in or alert. Each leader action
posts at most three messages there (Telegram allows a group about 20 a minute; PTB's rate
limiter paces the rest).

The handlers are in `commands` (/live), `buttons` (every button), `lines` (members' own
lines), `posting` (what goes to the group chat) and `render` (how it looks); this module is
what bot/app.py sees, with the poll updates and the job.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    PollHandler,
    filters,
)

from bot.features.live.buttons import ACTIONS, GROUP_ACTIONS, PRIVATE_ACTIONS, on_action
from bot.features.live.commands import live_command, live_private
from bot.features.live.lines import on_text, open_line
from bot.features.live.posting import carry_on, finish_close
from bot.logs import error_summary
from bot.outbox_sender import install
from bot.routes import action
from bot.services import services

__all__ = [
    "ACTIONS",
    "COMMANDS",
    "GROUP_ACTIONS",
    "PRIVATE_ACTIONS",
    "TICK",
    "handlers",
    "on_action",
    "on_text",
    "open_line",
    "setup",
]

log = logging.getLogger(__name__)


COMMANDS: list = []  # /live belongs to group chats: nothing for the private menu
TICK = 2.0  # seconds between looks for votes whose timer ran out
STARTED = "live-started"  # bot_data: when this process started (what a restart left over)


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote's new counts (anonymous: counts only, never who)."""
    poll = update.poll
    if poll is not None:
        await services(context).live.poll_state(poll.id, [o.voter_count for o in poll.options])


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Close votes whose timer ran out; first, once, finish what a restart interrupted."""
    live, bot = services(context).live, context.bot
    try:
        if not context.bot_data.get(STARTED + ":done"):
            context.bot_data[STARTED + ":done"] = True
            started = context.bot_data.get(STARTED) or datetime.now(UTC)
            for run_id, step in await live.interrupted(started):
                out = await live.pick_up(run_id, step)
                log.info("live run %s: carrying on with step %s (%s)", run_id, step, out.phase)
                await carry_on(bot, live, out)
        for run_id, step in await live.due():
            out = await live.close(None, run_id, step)
            if out.status == "ok" and out.closing is not None:
                await finish_close(bot, live, out.closing)
    except Exception as exc:  # the next tick tries again; never let the job die
        log.error("live timers: %s", error_summary(exc))


def handlers() -> list[BaseHandler]:
    """/live in a group chat and in a private one, the buttons (the group chat's are let
    through by the table's check of where a press comes from: `GROUP_ACTIONS`), the votes'
    counts."""
    return [
        CommandHandler("live", live_command, filters=filters.ChatType.GROUPS),
        CommandHandler("live", live_private, filters=filters.ChatType.PRIVATE),
        action(on_action, *GROUP_ACTIONS),
        action(on_action, *PRIVATE_ACTIONS),
        PollHandler(on_poll),
    ]


def setup(app: Application) -> None:
    """The outbox sender (members' lines to their leader), and the timers' job."""
    install(app)  # the outbox sender delivers members' lines to their leader
    app.bot_data[STARTED] = datetime.now(UTC)
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick, interval=TICK, first=TICK, name="live")
