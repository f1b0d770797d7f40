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
- **A row is 'sending' only around its own call.** Each row is claimed alone
  (`status='sending'`, `not_before` = the claim time) in a committed transaction just before its
  rate token comes up and its HTTP call is made; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so
  several bot workers can drain one outbox. Telegram's answer (`sent`, `failed`, back to
  `queued`) is written as soon as it comes, in one transaction with any other answers that came
  meanwhile (and with the next claim when one is under way): a row whose answer arrived is never
  left 'sending'. A graceful stop lets the calls in flight finish and be recorded. A claim whose
  commit landed but whose answer was lost (the connection dropped during COMMIT) is re-run by
  the store and takes its own row back.
- **Calls without an answer: sent once more, never twice more.** A row found in 'sending' at
  start-up (the sender died during its call, or just before it) and a call that timed out or lost
  its connection after going out may or may not have reached Telegram. The Bot API has no
  idempotency key, so no client can make that exactly-once. Such a row is queued again and sent
  once more (marked `error='interrupted'` while it waits): a crisis alert or a push lost without
  a trace is worse than one shown twice, and the delivery report then counts what Telegram
  confirmed. If that second call goes unanswered too, the row is failed `interrupted`: at most
  one duplicate per message. A call that never left (no connection could be had) is retried
  like any network error. (On PostgreSQL start-up recovery takes only rows claimed more than
  `lease` seconds ago, so one worker's start-up never takes over another's messages in flight;
  it checks again every minute.)
- **Errors.** `RetryAfter`: pause all sending for the time asked and put the row back in the
  queue for then (not counted as an attempt); the sender's calls bypass the retries of PTB's
  rate limiter (`RateLimiter`), which would wait a 429 out inside the call with the row
  'sending'. `Forbidden` (blocked, deactivated, never started): failed `blocked`, and the user is
  marked inactive. `BadRequest`: failed. Other network errors (a 5xx, no connection): back to
  the queue with exponential backoff, failed after `max_attempts`.
- **Stopping.** `stop()` stops claiming, lets the messages in flight finish and be marked, and
  returns; `install(app)` wires that to the Application's stop (SIGTERM, Ctrl-C).

The claim, settle and recovery SQL is state/outbox/delivery.py; this module keeps the pacing
and the Bot API calls. `install(app)` runs one `Sender` as an asyncio task inside the bot
process, started in `post_init` and stopped in `post_stop` (both chained onto whatever the
Application already has); any feature may call it, it installs once. Tests and benches use
`Sender` or `drain_once` directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application

from bot.features import checkin_messages, group_messages, live_messages
from bot.http import NoAnswer, NotSent
from state.errors import UNAVAILABLE
from state.outbox import delivery
from state.outbox.delivery import INTERRUPTED, Claimed, Outcome
from state.store import Store, utcnow

log = logging.getLogger(__name__)

RATE = 28.5  # evenly spaced: at most 29 in any one-second window, one under Telegram's 30
GUARD = 0.95  # the limiter: at most 30/s even if the pacing went wrong (see _token)
PER_CHAT_INTERVAL = 1.0
RECOVER_EVERY = 60.0
NO_RETRY = "outbox-sender"  # the sender's `rate_limit_args`: see RateLimiter


@dataclass
class Stats:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    requeued: int = 0  # network trouble: queued again with backoff
    rate_limited: int = 0  # RetryAfter answers
    interrupted: int = 0  # found in `sending` at start-up: queued once more, or failed
    unanswered: int = 0  # calls that went out and got no answer (a timeout, a dropped line)
    by_error: dict[str, int] = field(default_factory=dict)


# Rows that hold what they mean (`payload["means"]`, by its kind) are drawn by their feature.
DRAWERS: dict[str, Callable[[dict[str, Any]], tuple[str, InlineKeyboardMarkup | None]]] = {
    **checkin_messages.DRAWERS,
    **group_messages.DRAWERS,
    **live_messages.DRAWERS,
}


def render(payload: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The payload's HTML text and inline keyboard: drawn from what it means, or, for a row
    that holds them, its text and buttons (`callback_data` or `url`). ValueError for a meaning
    this bot can't draw."""
    means = payload.get("means")
    if isinstance(means, dict):
        draw = DRAWERS.get(str(means.get("kind")))
        if draw is None:
            raise ValueError(f"no drawer for {means.get('kind')!r}")
        return draw(means)
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


def may_have_arrived(exc: NetworkError) -> bool:
    """The call went out and no answer came back (a read timeout, a connection dropped
    mid-call): Telegram may have delivered the message. Not when it never left (bot/http.py's
    `NotSent`), nor when Telegram answered with an error (a 5xx: nothing was delivered)."""
    return isinstance(exc, (TimedOut, NoAnswer)) and not isinstance(exc, NotSent)


class RateLimiter(AIORateLimiter):
    """PTB's `AIORateLimiter` for the whole bot, except that the outbox sender's calls
    (`rate_limit_args=NO_RETRY`) get a 429 back at once instead of having it waited out inside
    the call and retried: that wait would keep the row 'sending' (and, were the process killed
    during it, unanswered) while the sender went on claiming other rows. The sender handles
    `RetryAfter` itself: it pauses all sending and puts the row back in the queue for then. Its
    calls still share the limiter's pacing and its pause after another call's 429.

    `_run_request` is the limiter's own step without the retry loop (PTB 22); the sender's
    tests go through this class, so a PTB release that changes it fails them.
    """

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        if rate_limit_args != NO_RETRY:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = (
            chat_id
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else False
        )
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=False,
            callback=callback,
            args=args,
            kwargs=kwargs,
        )


class Sender:
    def __init__(
        self,
        bot: Bot,
        store: Store,
        *,
        rate: float = RATE,
        per_chat_interval: float = PER_CHAT_INTERVAL,
        max_in_flight: int = 8,
        max_attempts: int = 5,
        backoff: float = 2.0,
        poll_interval: float = 1.0,
        lease: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.store = store
        self.per_chat_interval = per_chat_interval
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
        self._outcomes: list[Outcome] = []  # answers not yet written
        self._writing = asyncio.Lock()  # one answer-writing transaction at a time
        self._paused_until = 0.0
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._postgres = store.engine.dialect.name == "postgresql"
        limiter = getattr(bot, "rate_limiter", None)
        # A 429 must come straight back to the sender, not be waited out inside the call.
        self._send_options = (
            {"rate_limit_args": NO_RETRY} if isinstance(limiter, RateLimiter) else {}
        )

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
        """Rows a dead sender left in 'sending': queued to be sent once more, or failed
        'interrupted' when this was already their one more try. How many were found.

        At start-up on SQLite (one process) every such row is orphaned. Otherwise only rows
        claimed more than `lease` seconds ago (default 120) by someone else are.
        """
        default = 0.0 if startup and not self._postgres else 120.0
        lease = self.lease if self.lease is not None else default
        cutoff = utcnow() - timedelta(seconds=lease)
        mine = list(self._claimed)
        given_up, again = await delivery.recover(self.store, cutoff, mine)
        if given_up or again:
            self.stats.interrupted += given_up + again
            self.stats.failed += given_up
            if given_up:
                self.stats.by_error[INTERRUPTED] = (
                    self.stats.by_error.get(INTERRUPTED, 0) + given_up
                )
            log.warning(
                "outbox: %d message(s) interrupted by a crash: %d queued to be sent once more, "
                "%d failed (their one more try was interrupted too)",
                given_up + again,
                again,
                given_up,
            )
        return given_up + again

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
        """Take a slot, claim the next due row, wait for its rate token and start sending it."""
        await self._slots.acquire()
        try:
            # Stopped while waiting for a slot: claim nothing more.
            row = None if self._stopping.is_set() else await self._claim()
            if row is not None:
                # The claim's database time overlaps the wait for the rate token; a claimed row
                # is sent even if a stop comes in meanwhile.
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
        await self._flush()

    def _cooling(self) -> list[int]:
        now = self.clock()
        for chat in [c for c, t in self._next_chat.items() if t <= now]:
            del self._next_chat[chat]
        return list(self._next_chat)

    async def _claim(self) -> Claimed | None:
        """In one transaction: record the answers not yet written, and claim the next due row
        (none for a chat still cooling down)."""
        cooling = self._cooling()
        now = utcnow()
        outcomes, self._outcomes = self._outcomes, []
        try:
            claimed = await delivery.claim(
                self.store, outcomes, now, cooling, skip_locked=self._postgres
            )
        except BaseException:
            self._outcomes[:0] = outcomes  # not written: keep them for the next transaction
            raise
        self._settled(outcomes)
        if claimed is not None:
            self._claimed.add(claimed.id)
        return claimed

    async def _record(self, outcome: Outcome) -> None:
        """Write an answer as soon as it comes (with any others waiting), so that a crash
        afterwards never sends its row again. Left for the next transaction if the database
        is unavailable."""
        self._outcomes.append(outcome)
        async with self._writing:  # answers that came during the last write go in one more
            try:
                await self._flush()
            except UNAVAILABLE as exc:
                log.warning("outbox: answer not recorded yet (%s)", type(exc).__name__)

    async def _flush(self) -> None:
        """Write the answers received so far."""
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, []

        try:
            await delivery.settle(self.store, outcomes)
        except BaseException:
            self._outcomes[:0] = outcomes
            raise
        self._settled(outcomes)

    def _settled(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self._claimed.discard(o.row.id)

    # ---- sending -----------------------------------------------------------------------------

    async def _deliver(self, row: Claimed) -> None:
        await self._record(await self._send(row))

    async def _send(self, row: Claimed) -> Outcome:
        """Hand the row to Telegram; what its answer (or the lack of one) means for the row."""
        try:
            text, markup = render(row.payload)
        except (ValueError, KeyError, TypeError) as exc:  # a row this bot can't draw
            return self._fail(row, "undrawable: " + type(exc).__name__)
        try:
            if isinstance(row.payload.get("card"), dict):  # a diary card a member sent
                await self._send_card(row, text)
            else:
                await self.bot.send_message(
                    row.chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    disable_web_page_preview=True,
                    **self._send_options,
                )
        except RetryAfter as exc:
            wait = _retry_seconds(exc)
            self.stats.rate_limited += 1
            self._paused_until = max(self._paused_until, self.clock() + wait)
            self._next_chat[row.chat_id] = self.clock() + max(wait, self.per_chat_interval)
            log.warning("outbox: Telegram asked to wait %.1f s", wait)
            return Outcome(row, "queued", delay=wait)
        except Forbidden:
            return self._fail(row, "blocked", deactivate=True)
        except BadRequest as exc:
            return self._fail(row, "bad-request: " + _reason(exc))
        except NetworkError as exc:
            if may_have_arrived(exc):
                self.stats.unanswered += 1
                if row.unanswered:  # its one more try went unanswered too: never a third
                    return self._fail(row, INTERRUPTED)
                self.stats.requeued += 1
                delay = self.backoff * 2**row.attempts
                return Outcome(row, "queued", INTERRUPTED, delay=delay, attempt=True)
            if row.attempts + 1 >= self.max_attempts:
                return self._fail(row, "network: " + type(exc).__name__)
            self.stats.requeued += 1
            delay = self.backoff * 2**row.attempts
            return Outcome(row, "queued", delay=delay, attempt=True)
        except TelegramError as exc:
            return self._fail(row, "telegram: " + type(exc).__name__)
        self.stats.sent += 1
        return Outcome(row, "sent")

    async def _send_card(self, row: Claimed, caption: str) -> None:
        """The row's diary card, drawn now as a PDF (the row holds what it says)."""
        from bot.charts import diary_card

        pdf = await asyncio.to_thread(diary_card, row.payload["card"], "pdf")
        await self.bot.send_document(
            row.chat_id,
            InputFile(pdf, filename="diary-card.pdf"),
            caption=caption,
            parse_mode=ParseMode.HTML,
            **self._send_options,
        )

    def _fail(self, row: Claimed, error: str, *, deactivate: bool = False) -> Outcome:
        if error == "blocked":
            self.stats.blocked += 1
        else:
            self.stats.failed += 1
        key = error.split(":", 1)[0]
        self.stats.by_error[key] = self.stats.by_error.get(key, 0) + 1
        log.info("outbox: message %d not delivered (%s)", row.id, key)
        return Outcome(row, "failed", error=error, deactivate=deactivate)


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
