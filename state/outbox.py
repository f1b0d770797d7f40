"""Queueing messages in the outbox, inside the transaction that decided to send them.

The sender (bot/outbox_sender.py) drains it within Telegram's limits. A payload is plain data:
{"text": str (HTML), "buttons": [[{"text": str, "callback_data": str} | {"text", "url"}]],
 "photo": optional, ...}; channels render it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from state.db.models import OutboxMessage, utcnow
from state.store import UnitOfWork

Buttons = list[list[dict[str, str]]]


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
) -> bool:
    """Queue one message; False when a message with this dedupe key was already queued.

    INSERT … ON CONFLICT DO NOTHING, so two workers deciding the same message at once still
    queue one, without an error that would roll back the deciding transaction.
    """
    payload: dict[str, Any] = {"text": text, "buttons": buttons or []}
    if extra:
        payload.update(extra)
    values: dict[str, Any] = {
        "user_id": user_id,
        "chat_id": chat_id,
        "kind": kind,
        "ref": ref,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": "queued",
        "attempts": 0,
        "not_before": not_before or utcnow(),
        "created_at": utcnow(),
    }
    dialect = uow.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await uow.session.execute(stmt)
    return bool(result.rowcount)


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
