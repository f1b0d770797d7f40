"""An hourly job that enforces TYPED_TEXT_RETENTION_DAYS and OUTBOX_RETENTION_DAYS, and
prunes old update ids."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram.ext import Application, BaseHandler, ContextTypes

from bot.services import services
from state.privacy import purge_expired

log = logging.getLogger(__name__)


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    purged = await purge_expired(
        svc.store,
        datetime.now(UTC),
        svc.settings.typed_text_retention_days,
        outbox_days=svc.settings.outbox_retention_days,
    )
    if any(purged):
        log.info(
            "retention: erased %d typed replies and %d sent messages, forgot %d update ids",
            purged.typed_text,
            purged.messages,
            purged.update_ids,
        )


def handlers() -> list[BaseHandler]:
    return []  # a job, no handlers


def setup(app: Application) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(purge_job, interval=3600, first=60, name="retention")
