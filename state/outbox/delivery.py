"""The outbox's delivery bookkeeping: claim the next due row, settle Telegram's answers, and
recover rows a dead sender left 'sending'. Each is one committed transaction.

The SQL half of bot/outbox_sender.py, which keeps the pacing and the Bot API calls (its
docstring tells the whole protocol: a row is 'sending' only around its own call; a call without
an answer is sent once more, never twice more).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from state.db.models import OutboxMessage, utcnow
from state.store import Store, UnitOfWork

INTERRUPTED = "interrupted"  # a call of this row went out and no answer came back

_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.chat_id,
    OutboxMessage.user_id,
    OutboxMessage.payload,
    OutboxMessage.attempts,
    OutboxMessage.error,
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    chat_id: int
    user_id: int | None
    payload: dict[str, Any]
    attempts: int
    unanswered: bool = False  # an earlier call went unanswered: this is its one more try


@dataclass(frozen=True, slots=True)
class Outcome:
    """What Telegram said about one claimed row, to be written at once."""

    row: Claimed
    status: str  # 'sent' | 'failed' | 'queued'
    error: str | None = None  # for 'failed': why; for 'queued': INTERRUPTED after no answer
    delay: float = 0.0  # for 'queued': seconds until it may be tried again
    attempt: bool = False  # for 'queued': counts towards max_attempts
    deactivate: bool = False  # the user blocked the bot


def _claimed(row: Any) -> Claimed:
    return Claimed(
        row.id, row.chat_id, row.user_id, dict(row.payload), row.attempts, row.error == INTERRUPTED
    )


async def recover(store: Store, cutoff: datetime, mine: Sequence[int]) -> tuple[int, int]:
    """Rows left 'sending' since before `cutoff` by someone else (not in `mine`): failed when
    this was already their one more try, else queued to be sent once more. (failed, queued)."""

    async def work(uow: UnitOfWork) -> tuple[int, int]:
        orphaned = [OutboxMessage.status == "sending", OutboxMessage.not_before <= cutoff]
        if mine:
            orphaned.append(OutboxMessage.id.not_in(list(mine)))
        attempts = OutboxMessage.attempts + 1
        given_up = await uow.session.execute(
            update(OutboxMessage)
            .where(*orphaned, OutboxMessage.error == INTERRUPTED)
            .values(status="failed", attempts=attempts)
        )
        again = await uow.session.execute(
            update(OutboxMessage)
            .where(*orphaned)
            .values(status="queued", error=INTERRUPTED, not_before=utcnow(), attempts=attempts)
        )
        return given_up.rowcount or 0, again.rowcount or 0

    return await store.run(None, work)


async def claim(
    store: Store,
    outcomes: Sequence[Outcome],
    now: datetime,
    cooling: Sequence[int],
    *,
    skip_locked: bool,
) -> Claimed | None:
    """In one transaction: write `outcomes`, and claim the next due row (none for a chat in
    `cooling`), marking it 'sending' at `now`. `skip_locked` (PostgreSQL) lets several workers
    claim at once."""
    attempts = 0

    async def work(uow: UnitOfWork) -> Claimed | None:
        nonlocal attempts
        attempts += 1
        await _settle(uow, outcomes)
        if attempts > 1:
            # Store.run re-runs this when a commit's answer was lost (the connection dropped
            # during COMMIT). If that commit did land, its row carries this claim's time:
            # take it back, or it would sit in 'sending' until recovery resends it.
            landed = select(*_COLUMNS).where(
                OutboxMessage.status == "sending", OutboxMessage.not_before == now
            )
            found = (await uow.session.execute(landed)).first()
            if found is not None:
                return _claimed(found)
        stmt = select(*_COLUMNS).where(
            OutboxMessage.status == "queued", OutboxMessage.not_before <= now
        )
        if cooling:
            stmt = stmt.where(OutboxMessage.chat_id.not_in(list(cooling)))
        stmt = stmt.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(1)
        if skip_locked:
            stmt = stmt.with_for_update(skip_locked=True)
        picked = (await uow.session.execute(stmt)).first()
        if picked is None:
            return None
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == picked.id)
            .values(status="sending", not_before=now)
        )
        return _claimed(picked)

    return await store.run(None, work)


async def settle(store: Store, outcomes: Sequence[Outcome]) -> None:
    """Write Telegram's answers in one transaction."""

    async def work(uow: UnitOfWork) -> None:
        await _settle(uow, outcomes)

    await store.run(None, work)


async def _settle(uow: UnitOfWork, outcomes: Sequence[Outcome]) -> None:
    sent = [o.row.id for o in outcomes if o.status == "sent"]
    if sent:
        # Also when a peer's recovery took it for lost (queued again or failed
        # 'interrupted'): it did arrive.
        await uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(sent),
                or_(OutboxMessage.status == "sending", OutboxMessage.error == INTERRUPTED),
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
            if o.error:
                values["error"] = o.error
        else:
            values = {"status": "failed", "error": (o.error or "")[:200]}
            values["attempts"] = o.row.attempts + 1
        await uow.session.execute(update(OutboxMessage).where(*mine).values(**values))
        if o.deactivate:
            user = o.row.user_id if o.row.user_id is not None else o.row.chat_id
            await uow.users.set_active(user, False)
