"""Queueing messages in the outbox, inside the transaction that decided to send them.

The sender (bot/outbox_sender.py) drains it within Telegram's limits. A payload is plain data:
{"text": str (HTML), "buttons": [[{"text": str, "callback_data": str} | {"text", "url"}]],
 "photo": optional, ...}; channels render it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from state.db.models import OutboxMessage, utcnow
from state.store import Store, UnitOfWork

Buttons = list[list[dict[str, str]]]


@dataclass(frozen=True, slots=True)
class Message:
    """One message to queue: what `enqueue` takes as keywords, for `enqueue_many`."""

    chat_id: int
    kind: str
    text: str
    dedupe_key: str
    buttons: Buttons | None = None
    user_id: int | None = None
    ref: str | None = None
    not_before: datetime | None = None
    extra: dict[str, Any] | None = None
    subject_id: int | None = None  # whom it is about, when not its recipient (see the model)

    def row(self, now: datetime) -> dict[str, Any]:
        """The outbox row, as the sender (bot/outbox_sender.py) reads it."""
        payload: dict[str, Any] = {"text": self.text, "buttons": self.buttons or []}
        if self.extra:
            payload.update(self.extra)
        return {
            "user_id": self.user_id,
            "subject_id": self.subject_id,
            "chat_id": self.chat_id,
            "kind": self.kind,
            "ref": self.ref,
            "payload": payload,
            "dedupe_key": self.dedupe_key,
            "status": "queued",
            "attempts": 0,
            "not_before": self.not_before or now,
            "created_at": now,
        }


def meaning(
    means: dict[str, Any],
    *,
    chat_id: int,
    dedupe_key: str,
    user_id: int | None = None,
    subject_id: int | None = None,
    ref: str | None = None,
    not_before: datetime | None = None,
) -> Message:
    """A message that holds what it means (`means["kind"]` and its arguments), never text or
    button data: the bot's drawer for that kind writes them when it is sent."""
    return Message(
        chat_id=chat_id,
        kind=str(means["kind"]),
        text="",
        dedupe_key=dedupe_key,
        user_id=user_id,
        subject_id=subject_id,
        ref=ref,
        not_before=not_before,
        extra={"means": means},
    )


def meaning_to_each(
    means: dict[str, Any],
    user_ids: Iterable[int],
    *,
    ref: str,
    key: Callable[[int], str],
    not_before: datetime | None = None,
) -> list[Message]:
    """The same meaning to each of `user_ids` in their private chat, `key(user_id)` its
    dedupe key (a group's push, a closed group's notice)."""
    return [
        meaning(means, chat_id=u, user_id=u, ref=ref, dedupe_key=key(u), not_before=not_before)
        for u in user_ids
    ]


async def enqueue(
    uow: UnitOfWork,
    *,
    chat_id: int,
    kind: str,
    text: str,
    dedupe_key: str,
    buttons: Buttons | None = None,
    user_id: int | None = None,
    ref: str | None = None,
    not_before: datetime | None = None,
    extra: dict[str, Any] | None = None,
    subject_id: int | None = None,
) -> bool:
    """Queue one message; False when a message with this dedupe key was already queued.

    The same statement as `enqueue_many`, so one message and a batch are queued alike.
    """
    message = Message(
        chat_id, kind, text, dedupe_key, buttons, user_id, ref, not_before, extra, subject_id
    )
    return await enqueue_many(uow, [message]) == 1


async def enqueue_many(
    uow: UnitOfWork, messages: Sequence[Message], *, now: datetime | None = None
) -> int:
    """Queue messages in one statement; how many were new (the others were already queued).

    INSERT … ON CONFLICT (dedupe_key) DO NOTHING, so two workers deciding the same message at
    once still queue one, without an error that would roll back the deciding transaction. One
    statement for the whole list: a statement per row costs ~2.5 ms, mostly building it.
    `now` (default: the clock) is each row's created_at, and its not_before unless it has one.
    """
    if not messages:
        return 0
    now = now or utcnow()
    # A Core statement does not autoflush: flush pending ORM rows (the push or user a message
    # refers to) first, as the ORM would.
    await uow.session.flush()
    table = OutboxMessage.__table__
    insert = pg_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    result = await uow.session.execute(stmt, [m.row(now) for m in messages])
    return len(result.all())


async def counts(
    uow: UnitOfWork, ref: str | None = None, kind: str | None = None
) -> dict[str, int]:
    """How many messages are in each status (for a push, `ref` is its id)."""
    stmt = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if ref is not None:
        stmt = stmt.where(OutboxMessage.ref == ref)
    if kind is not None:
        stmt = stmt.where(OutboxMessage.kind == kind)
    rows = (await uow.session.execute(stmt)).all()
    return {status: n for status, n in rows}


async def set_reachable(store: Store, user_id: int, reachable: bool) -> None:
    """The user blocked the bot (False) or is back (True): nothing is sent to them meanwhile."""

    async def work(uow: UnitOfWork) -> None:
        await uow.users.set_active(user_id, reachable)

    await store.run(user_id, work)


async def queued_depth(store: Store, attempts: int = 2) -> int:
    """How many messages wait to be sent: the gauge and health probe's read (few retries, so a
    monitor notices a database that stopped answering)."""

    async def work(uow: UnitOfWork) -> int:
        stmt = select(func.count()).select_from(OutboxMessage)
        return int(await uow.session.scalar(stmt.where(OutboxMessage.status == "queued")) or 0)

    return await store.run(None, work, attempts=attempts)


async def purge_settled(
    uow: UnitOfWork, before: datetime
) -> list[tuple[str, str | None, str, str | None]]:
    """Erase sent and failed messages settled before `before` (a message is settled when it
    was sent, or, failing, when it was queued); queued and sending ones are never touched.

    Returns (kind, ref, status, error) of each row this transaction erased, so a caller can
    keep the counts it needs (a push's delivery) without the rows. DELETE … RETURNING: two
    workers purging at once each count only the rows they erased.
    """
    table = OutboxMessage.__table__
    settled_at = func.coalesce(table.c.sent_at, table.c.created_at)
    result = await uow.session.execute(
        delete(table)
        .where(table.c.status.in_(("sent", "failed")), settled_at < before)
        .returning(table.c.kind, table.c.ref, table.c.status, table.c.error)
    )
    return [(r.kind, r.ref, r.status, r.error) for r in result]
