"""Counting what the bot does for Prometheus, and answering /healthz (METRICS_PORT).

Updates are counted by a handler in a group before every other (so a redelivered update that
the gate skips still counts), errors by a second error handler beside the app's own. A
repeating job reads the outbox depth from the database; it doubles as the health probe: the
process is healthy while those reads succeed and no write was refused (a full disk, an I/O
error, a read-only database) in the last STALE_AFTER seconds.
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import Application, BaseHandler, ContextTypes, TypeHandler

from bot import metrics
from bot.services import services
from state.outbox import queued_depth

log = logging.getLogger(__name__)

INTERVAL = 15.0  # seconds between outbox reads
# /healthz turns 503 when the database hasn't answered this long, and for this long after it
# refused a write (nothing else says writes work again: the job only reads).
STALE_AFTER = 3 * INTERVAL + 5
GROUP = -20  # before the gate (group -10) and every handler


class Probe:
    """What /healthz reports: when the database last answered, and the last error if any; and
    unhealthy too while the database refuses writes (a full disk: reads still work)."""

    def __init__(self, bot_data: dict | None = None) -> None:
        self.started = time.monotonic()
        self.ok_at: float | None = None
        self.error: str | None = None
        self.depth = 0
        self.bot_data = bot_data if bot_data is not None else {}  # where the services appear

    def __call__(self) -> tuple[bool, str]:
        now = time.monotonic()
        last = self.ok_at if self.ok_at is not None else self.started
        if now - last > STALE_AFTER:
            return False, f"unhealthy: database not read for {now - last:.0f} s ({self.error})"
        svc = self.bot_data.get("services")
        refused_at = svc.store.refused_at if svc is not None else None
        if refused_at is not None and now - refused_at <= STALE_AFTER:
            return False, (
                f"unhealthy: the database refused a write {now - refused_at:.0f} s ago "
                f"({svc.store.refused})"
            )
        seen = "never yet" if self.ok_at is None else f"{now - self.ok_at:.0f} s ago"
        return True, f"ok: database read {seen}, outbox {self.depth} queued"


async def count_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    metrics.UPDATES.labels(metrics.update_kind(update)).inc()


async def count_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    metrics.ERRORS.labels(type(context.error).__name__ if context.error else "unknown").inc()


async def outbox_depth(context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """Refresh the outbox gauge; None (and a warning) when the database can't be read."""
    bot_data = context.application.bot_data
    probe: Probe = bot_data.setdefault("health_probe", Probe(bot_data))

    try:
        depth = await queued_depth(services(context).store)
    except Exception as exc:  # noqa: BLE001 - a monitor must keep running when the DB doesn't
        probe.error = type(exc).__name__
        log.warning("metrics: could not read the outbox depth: %s", type(exc).__name__)
        return None
    metrics.OUTBOX_DEPTH.set(depth)
    metrics.OUTBOX_CHECKED.set_to_current_time()
    probe.ok_at, probe.error, probe.depth = time.monotonic(), None, depth
    return depth


def handlers() -> list[BaseHandler]:
    return []  # updates are counted before the table's groups (`counter`), not routed here


def counter() -> tuple[TypeHandler, int]:
    """Every update counted, in a group before every other (bot/app.py's table)."""
    return TypeHandler(Update, count_update), GROUP


def setup(app: Application) -> None:
    """The error counter, the outbox gauge's job, and the metrics server if asked for."""
    app.add_error_handler(count_error)
    probe = app.bot_data.setdefault("health_probe", Probe(app.bot_data))
    if app.job_queue is not None:
        app.job_queue.run_repeating(outbox_depth, interval=INTERVAL, first=1, name="metrics")
    settings = app.bot_data.get("settings")
    port = getattr(settings, "metrics_port", None)
    if port:
        app.bot_data["metrics_server"] = metrics.serve(port, settings.metrics_listen, probe)
        log.info("metrics and /healthz on %s:%d", settings.metrics_listen, port)
