"""The due job: every CHECKIN_INTERVAL_SECONDS (default 30; a hidden setting tests use) it asks
the check-ins service who is due and queues their messages in the outbox; the outbox sender
(bot/outbox_sender.py) delivers them."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from telegram.ext import ContextTypes

from bot.logs import error_summary
from bot.outbox_sender import notify
from bot.services import services

log = logging.getLogger(__name__)


def interval_seconds() -> float:
    try:
        return max(0.5, float(os.environ.get("CHECKIN_INTERVAL_SECONDS", "30")))
    except ValueError:
        return 30.0


async def due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue every check-in that has come due (the outbox sender delivers them)."""
    try:
        result = await services(context).checkins.run_due(datetime.now(UTC))
    except Exception as exc:  # the next run tries again; never let the job die
        log.error("check-in job failed: %s", error_summary(exc))
        return
    if result.queued or result.weekly or result.followups:
        notify(context.application)
    if result.queued or result.skipped or result.weekly or result.followups:
        log.info(
            "check-ins: queued %d, skipped %d, weekly summaries %d, follow-ups %d",
            result.queued,
            result.skipped,
            result.weekly,
            result.followups,
        )
