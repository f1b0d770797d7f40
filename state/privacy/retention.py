"""Retention: what is kept only for a while, erased when its time is up (the hourly job,
bot/features/retention.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import update

from state.store import Store, UnitOfWork


class Purged(NamedTuple):
    typed_text: int  # typed replies erased
    update_ids: int  # processed update ids forgotten
    messages: int  # sent or failed outbox messages erased


async def purge_expired(
    store: Store,
    now: datetime,
    typed_text_days: int,
    update_ids_days: int = 7,
    outbox_days: int = 7,
) -> Purged:
    """Erase typed text past its retention, old processed update ids, and settled messages.

    Typed replies are kept only for participants who allowed it, and only this long; update ids
    are needed only while Telegram might redeliver (a day at most), so a week is generous. Sent
    and failed outbox messages (pushes, check-ins, alerts, each with its words) are kept
    `outbox_days` (OUTBOX_RETENTION_DAYS) for a look at what went out, then erased; a push's
    delivery counts are kept on the push. On SQLite the write-ahead log is then folded in, so
    the erased words leave the files too.
    """
    from sqlalchemy import delete

    from state import groups, outbox
    from state.db.models import ProcessedUpdate, Turn

    async def work(uow: UnitOfWork) -> Purged:
        text = await uow.session.execute(
            update(Turn)
            .where(Turn.typed_text.is_not(None))
            .where(Turn.created_at < now - timedelta(days=typed_text_days))
            .values(typed_text=None)
        )
        ids = await uow.session.execute(
            delete(ProcessedUpdate).where(
                ProcessedUpdate.processed_at < now - timedelta(days=update_ids_days)
            )
        )
        erased = await outbox.purge_settled(uow, now - timedelta(days=outbox_days))
        await groups.keep_delivery(uow, erased)
        return Purged(text.rowcount or 0, ids.rowcount or 0, len(erased))

    purged = await store.run(None, work)
    if any(purged):
        await store.checkpoint()
    return purged
