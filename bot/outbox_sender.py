"""The one outbox sender: drains queued messages within Telegram's limits, crash-safely.

Every message the bot decides to send later (group pushes, delivery reports, crisis alerts to
leaders, check-ins) is an `outbox` row written in the transaction that decided it. This module
sends them:

- **Pacing.** `rate` (28.5) messages a second overall, evenly spaced with no burst, so no
  one-second window, however it is placed, sees more than 29: one message of headroom under
  Telegram's 30 for network jitter (a full-second token bucket would let 2 × 30 through after
  an idle second). An `aiolimiter.AsyncLimiter` guards the spacing. At most one message a
  second per chat (a small map of when each chat may be written to
  again, pruned as it goes, and passed to the claim query so a busy chat never blocks others).
- **Claim, then send.** A row is claimed (`status='sending'`, `not_before` = the claim time) in
  a committed transaction right before its HTTP call; on PostgreSQL with
  `FOR UPDATE SKIP LOCKED`, so several bot workers can drain one outbox. Telegram's answer
  (`sent`, `failed`, back to `queued`) is written in the same transaction as the next claim, or
  on its own when there is nothing to claim: one writer, and one transaction per few messages
  (SQLite's single write lock and its fsyncs stay far below the sending rate). Rows are claimed
  a few at a time (`batch`, default 4, one per chat) just before their rate tokens come up, so
  only those few and the calls in flight are ever `sending`; a graceful stop puts claimed but
  unsent rows back in the queue. A claim whose commit landed but whose answer was lost (the
  connection dropped during COMMIT) is re-run by the store and takes its own rows back.
- **Crashes.** At start-up, rows left in `sending` by a sender that died are marked
  `failed`/`interrupted`: Telegram may or may not have delivered them, and a message is never
  sent twice. (On PostgreSQL only rows claimed more than `lease` seconds ago are, so one worker's
  start-up never takes over another's messages in flight; it checks again every minute.)
- **Errors.** `RetryAfter`: pause all sending for the time asked and put the row back in the
  queue for then (not counted as an attempt). `Forbidden` (blocked, deactivated, never started):
  failed `blocked`, and the user is marked inactive. `BadRequest`: failed. Network errors and
  timeouts: back to the queue with exponential backoff, failed after `max_attempts`.
- **Stopping.** `stop()` stops claiming, lets the messages in flight finish and be marked, and
  returns; `install(app)` wires that to the Application's stop (SIGTERM, Ctrl-C).

`install(app)` runs one `Sender` as an asyncio task inside the bot process, started in
`post_init` and stopped in `post_stop` (both chained onto whatever the Application already has);
any feature may call it, it installs once. Tests and benches use `Sender` or `drain_once`
directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import or_, select, update
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application

from state.db.models import OutboxMessage, User, utcnow
from state.store import UNAVAILABLE, Store, UnitOfWork

log = logging.getLogger(__name__)

RATE = 28.5  # evenly spaced: at most 29 in any one-second window, one under Telegram's 30
GUARD = 0.95  # the limiter: at most 30/s even if the pacing went wrong (see _token)
PER_CHAT_INTERVAL = 1.0
RECOVER_EVERY = 60.0
CLAIM_BATCH = 4  # rows claimed per transaction: ~140 ms of sending at 28.5/s


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    chat_id: int
    user_id: int | None
    payload: dict[str, Any]
    attempts: int


@dataclass
class Stats:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    requeued: int = 0  # network trouble: queued again with backoff
    rate_limited: int = 0  # RetryAfter answers
    interrupted: int = 0  # found in `sending` at start-up
    by_error: dict[str, int] = field(default_factory=dict)


def render(payload: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The payload's HTML text and inline keyboard (`callback_data` or `url` buttons)."""
    rows = []
    for row in payload.get("buttons") or []:
        buttons = []
        for b in row:
            if b.get("url"):
                buttons.append(InlineKeyboardButton(str(b["text"]), url=str(b["url"])))
            else:
                buttons.append(
                    InlineKeyboardButton(str(b["text"]), callback_data=str(b["callback_data"]))
                )
        if buttons:
            rows.append(buttons)
    return str(payload.get("text") or ""), InlineKeyboardMarkup(rows) if rows else None


def _retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB 22 warns on reading it as an int: read it quietly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return max(value.total_seconds() if isinstance(value, timedelta) else float(value), 0.0)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What Telegram said about one claimed row, waiting to be written with the next claim."""

    row: Claimed
    status: str  # 'sent' | 'failed' | 'queued'
    error: str | None = None
    delay: float = 0.0  # for 'queued': seconds until it may be tried again
    attempt: bool = False  # for 'queued': counts towards max_attempts
    deactivate: bool = False  # the user blocked the bot


class Sender:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        rate: float = RATE,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        max_in_flight: int = 8,
        batch: int = CLAIM_BATCH,
        max_attempts: int = 5,
        backoff: float = 2.0,
        poll_interval: float = 1.0,
        lease: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.store = store
        self.per_chat_interval = per_chat_interval
        self.batch = max(1, batch)
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.lease = lease
        self.clock = clock
        self.stats = Stats()
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._limiter = AsyncLimiter(1, GUARD * self._interval) if rate > 0 else None
        self._next_token_at = 0.0
        self._slots = asyncio.Semaphore(max_in_flight)
        self._next_chat: dict[int, float] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._claimed: set[int] = set()  # ids of rows this sender holds in 'sending'
        self._ready: deque[Claimed] = deque()  # claimed, waiting for their rate token
        self._outcomes: list[Outcome] = []
        self._paused_until = 0.0
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._postgres = store.engine.dialect.name == "postgresql"

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="outbox-sender")
        return self._task

    def wake(self) -> None:
        """New rows were queued: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming, let the messages in flight finish and be recorded, then return."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        else:
            await self._finish_in_flight()

    async def run(self) -> None:
        """Drain until stopped; recover orphaned rows first (and, on PostgreSQL, every minute)."""
        recovered = False
        last_recovery = self.clock()
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    if not recovered:  # inside the loop: the database may be down at start
                        await self.recover(startup=True)
                        recovered, last_recovery = True, self.clock()
                    pause = self._paused_until - self.clock()
                    if pause > 0:  # Telegram said RetryAfter: nobody gets a message until then
                        await self._flush()
                        await self._idle(pause)
                        continue
                    if await self._claim_next():
                        failures = 0
                        continue
                    await self._flush()
                    if self._postgres and self.clock() - last_recovery > RECOVER_EVERY:
                        await self.recover()
                        last_recovery = self.clock()
                    failures = 0
                    await self._idle(self.poll_interval)
                except UNAVAILABLE as exc:
                    # The database restarting must not end the sender for good: wait, go on.
                    failures += 1
                    log.warning(
                        "outbox sender: database unavailable (%s), retrying", type(exc).__name__
                    )
                    await self._idle(min(30.0, 0.5 * 2 ** min(failures, 6)))
        finally:
            await self._finish_in_flight()

    async def drain(self) -> int:
        """Send everything due now that the limits allow, wait for the answers; rows handled."""
        handled = 0
        while not self._stopping.is_set() and self._paused_until <= self.clock():
            if not await self._claim_next():
                break
            handled += 1
        await self._finish_in_flight()
        return handled

    # ---- recovery ----------------------------------------------------------------------------

    async def recover(self, *, startup: bool = False) -> int:
        """Rows a dead sender left in `sending`: failed 'interrupted' (never resent).

        At start-up on SQLite (one process) every such row is orphaned. Otherwise only rows
        claimed more than `lease` seconds ago (default 120) by someone else are.
        """
        default = 0.0 if startup and not self._postgres else 120.0
        lease = self.lease if self.lease is not None else default
        cutoff = utcnow() - timedelta(seconds=lease)
        mine = list(self._claimed)

        async def work(uow: UnitOfWork) -> int:
            stmt = (
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.not_before <= cutoff)
                .values(status="failed", error="interrupted")
            )
            if mine:
                stmt = stmt.where(OutboxMessage.id.not_in(mine))
            result = await uow.session.execute(stmt)
            return result.rowcount or 0

        found = await self.store.run(None, work)
        if found:
            self.stats.interrupted += found
            log.warning("outbox: %d message(s) interrupted by a crash marked failed", found)
        return found

    # ---- claiming ----------------------------------------------------------------------------

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _token(self) -> None:
        """Wait for the next send slot: one every 1/rate seconds, never a catch-up burst.

        A deadline keeps the spacing exact; the `AsyncLimiter` (a bucket of one, leaking a
        little faster) is the hard guard behind it. Alone, aiolimiter would lose time: after a
        near miss it sleeps a whole period before looking again.
        """
        if self._limiter is None:
            return
        wait = self._next_token_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        await self._limiter.acquire()
        now = time.monotonic()
        # Keep to the grid when only woken a little late (a sleep always is), so lateness does
        # not add up; when far behind (idle, a slow claim) start a new grid: never catch up.
        on_grid = now - self._next_token_at < self._interval / 4
        self._next_token_at = (self._next_token_at if on_grid else now) + self._interval

    async def _claim_next(self) -> bool:
        """Take a slot and a rate token, claim the next due row and start sending it."""
        await self._slots.acquire()
        try:
            # Stopped while waiting for a slot: claim nothing more.
            if not self._ready and not self._stopping.is_set():
                self._ready.extend(await self._claim())
            row = self._ready.popleft() if self._ready and not self._stopping.is_set() else None
            if row is not None:
                # The claim's database time overlaps the wait for the rate token; a row taken
                # from the batch is sent even if a stop comes in meanwhile.
                await self._token()
        except BaseException:
            self._slots.release()
            raise
        if row is None:
            self._slots.release()
            return False
        if self.per_chat_interval > 0:
            self._next_chat[row.chat_id] = self.clock() + self.per_chat_interval
        task = asyncio.create_task(self._deliver(row))
        self._in_flight.add(task)
        task.add_done_callback(self._done)
        return True

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("outbox: delivery task failed: %s", type(exc).__name__)

    async def _finish_in_flight(self) -> None:
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
        # Claimed but never sent (a stop came first): back to the queue for the next sender.
        while self._ready:
            self._outcomes.append(Outcome(self._ready.popleft(), "queued"))
        await self._flush()

    def _cooling(self) -> list[int]:
        now = self.clock()
        for chat in [c for c, t in self._next_chat.items() if t <= now]:
            del self._next_chat[chat]
        return list(self._next_chat)

    async def _claim(self) -> list[Claimed]:
        """In one transaction: record the answers received so far, and claim the next rows
        (up to `batch`, one per chat, none for a chat still cooling down).

        One writer per sender keeps SQLite's single write lock uncontended (claims and
        answers written from many tasks would queue behind each other); an answer not yet
        written when the process dies leaves its row 'sending', which start-up recovery
        marks failed, exactly as for a crash during the call itself.
        """
        cooling = self._cooling()
        now = utcnow()
        outcomes, self._outcomes = self._outcomes, []

        columns = (
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.user_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        attempts = 0

        async def work(uow: UnitOfWork) -> list[Claimed]:
            nonlocal attempts
            attempts += 1
            await self._apply(uow, outcomes)
            if attempts > 1:
                # Store.run re-runs this when a commit's answer was lost (the connection dropped
                # during COMMIT). If that commit did land, its rows carry this claim's time:
                # take them back, or they would sit in 'sending' until recovery fails them.
                landed = select(*columns).where(
                    OutboxMessage.status == "sending", OutboxMessage.not_before == now
                )
                rows = (await uow.session.execute(landed)).all()
                if rows:
                    return [_claimed(r) for r in rows]
            stmt = select(*columns).where(
                OutboxMessage.status == "queued", OutboxMessage.not_before <= now
            )
            if cooling:
                stmt = stmt.where(OutboxMessage.chat_id.not_in(cooling))
            stmt = stmt.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(4 * self.batch)
            if self._postgres:
                stmt = stmt.with_for_update(skip_locked=True)
            picked, chats = [], set()
            for row in (await uow.session.execute(stmt)).all():
                if row.chat_id not in chats and len(picked) < self.batch:
                    chats.add(row.chat_id)
                    picked.append(row)
            if not picked:
                return []
            await uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in picked]))
                .values(status="sending", not_before=now)
            )
            return [_claimed(r) for r in picked]

        try:
            claimed = await self.store.run(None, work)
        except BaseException:
            self._outcomes[:0] = outcomes  # not written: keep them for the next transaction
            raise
        self._settled(outcomes)
        self._claimed.update(c.id for c in claimed)
        return claimed

    async def _flush(self) -> None:
        """Write the answers received so far (when there is nothing to claim)."""
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []

        async def work(uow: UnitOfWork) -> None:
            await self._apply(uow, outcomes)

        try:
            await self.store.run(None, work)
        except BaseException:
            self._outcomes[:0] = outcomes
            raise
        self._settled(outcomes)

    def _settled(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self._claimed.discard(o.row.id)

    async def _apply(self, uow: UnitOfWork, outcomes: list[Outcome]) -> None:
        sent = [o.row.id for o in outcomes if o.status == "sent"]
        if sent:
            # Also from 'interrupted': a peer's recovery gave up on it, but it did arrive.
            await uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(sent),
                    or_(
                        OutboxMessage.status == "sending",
                        (OutboxMessage.status == "failed") & (OutboxMessage.error == "interrupted"),
                    ),
                )
                .values(status="sent", sent_at=utcnow(), error=None)
            )
        for o in outcomes:
            if o.status == "sent":
                continue
            mine = (OutboxMessage.id == o.row.id, OutboxMessage.status == "sending")
            if o.status == "queued":
                values: dict[str, Any] = {
                    "status": "queued",
                    "not_before": utcnow() + timedelta(seconds=o.delay),
                    "attempts": o.row.attempts + (1 if o.attempt else 0),
                }
            else:
                values = {"status": "failed", "error": (o.error or "")[:200]}
                values["attempts"] = o.row.attempts + 1
            await uow.session.execute(update(OutboxMessage).where(*mine).values(**values))
            if o.deactivate:
                user = o.row.user_id if o.row.user_id is not None else o.row.chat_id
                await uow.session.execute(update(User).where(User.id == user).values(active=False))

    # ---- sending -----------------------------------------------------------------------------

    async def _deliver(self, row: Claimed) -> None:
        text, markup = render(row.payload)
        try:
            await self.bot.send_message(
                row.chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except RetryAfter as exc:
            wait = _retry_seconds(exc)
            self.stats.rate_limited += 1
            self._paused_until = max(self._paused_until, self.clock() + wait)
            self._next_chat[row.chat_id] = self.clock() + max(wait, self.per_chat_interval)
            log.warning("outbox: Telegram asked to wait %.1f s", wait)
            self._outcomes.append(Outcome(row, "queued", delay=wait))
        except Forbidden:
            self._fail(row, "blocked", deactivate=True)
        except BadRequest as exc:
            self._fail(row, "bad-request: " + _reason(exc))
        except NetworkError as exc:  # includes TimedOut
            if row.attempts + 1 >= self.max_attempts:
                self._fail(row, "network: " + type(exc).__name__)
            else:
                delay = self.backoff * 2**row.attempts
                self._outcomes.append(Outcome(row, "queued", delay=delay, attempt=True))
                self.stats.requeued += 1
        except TelegramError as exc:
            self._fail(row, "telegram: " + type(exc).__name__)
        else:
            self._outcomes.append(Outcome(row, "sent"))
            self.stats.sent += 1

    def _fail(self, row: Claimed, error: str, *, deactivate: bool = False) -> None:
        self._outcomes.append(Outcome(row, "failed", error=error, deactivate=deactivate))
        if error == "blocked":
            self.stats.blocked += 1
        else:
            self.stats.failed += 1
        key = error.split(":", 1)[0]
        self.stats.by_error[key] = self.stats.by_error.get(key, 0) + 1
        log.info("outbox: message %d not delivered (%s)", row.id, key)


def _claimed(row: Any) -> Claimed:
    return Claimed(row.id, row.chat_id, row.user_id, dict(row.payload), row.attempts)


def _reason(exc: TelegramError) -> str:
    """Telegram's own description (e.g. "chat not found"): about the request, not the user."""
    return str(exc.message)[:150]


async def drain_once(bot: Bot, store: Store, **options: Any) -> int:
    """Send what is due now with a fresh `Sender` (tests, benches, one-off scripts)."""
    return await Sender(bot, store, **options).drain()


# ---- wiring into the Application ---------------------------------------------------------------

SENDER_KEY = "outbox_sender"


def install(app: Application, **options: Any) -> None:
    """Run one sender inside the bot process: started in post_init, stopped in post_stop."""
    if app.bot_data.get("_outbox_installed"):
        return
    app.bot_data["_outbox_installed"] = True
    previous_init, previous_stop = app.post_init, app.post_stop

    async def post_init(application: Application) -> None:
        if previous_init is not None:
            await previous_init(application)
        store = application.bot_data["services"].store
        sender = Sender(application.bot, store, **options)
        application.bot_data[SENDER_KEY] = sender
        sender.start()

    async def post_stop(application: Application) -> None:
        sender = application.bot_data.pop(SENDER_KEY, None)
        if sender is not None:
            await sender.stop()
        if previous_stop is not None:
            await previous_stop(application)

    app.post_init = post_init
    app.post_stop = post_stop


def notify(app: Application) -> None:
    """Rows were just queued: wake the running sender, if there is one."""
    sender = app.bot_data.get(SENDER_KEY)
    if isinstance(sender, Sender):
        sender.wake()
