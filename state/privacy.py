"""Export and erase everything stored about one user, table by table.

Both walk the SQLAlchemy metadata for columns that reference `users.id`, so a table added by a
later migration is covered without touching this module (a test checks every table).

Erasing is asked for, then confirmed: `ask_to_erase` issues a nonce that the confirmation's
buttons carry, and `confirm_erase` erases only for that nonce, within ERASE_CONFIRM_TTL, once.
A "keep it", a newer request or the time running out makes the old buttons do nothing.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update

from state.db.models import Base, User, utcnow
from state.store import Store, UnitOfWork
from state.text import clean_value

ERASE_CONFIRM_TTL = timedelta(minutes=5)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return clean_value(value)  # a row stored before text was cleaned must still export


def user_columns():
    """(table, column) pairs that point at a user."""
    for table in Base.metadata.sorted_tables:
        if table.name == User.__tablename__:
            continue
        for column in table.columns:
            if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                yield table, column


async def export_rows(uow: UnitOfWork, user_id: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    users = Base.metadata.tables[User.__tablename__]
    rows = (await uow.session.execute(select(users).where(users.c.id == user_id))).mappings()
    out[users.name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    for table, column in user_columns():
        rows = (await uow.session.execute(select(table).where(column == user_id))).mappings()
        found = [{k: _plain(v) for k, v in r.items()} for r in rows]
        if found:
            out.setdefault(table.name, []).extend(found)
    return out


async def export_user(store: Store, user_id: int) -> dict[str, Any]:
    async def work(uow: UnitOfWork) -> dict[str, Any]:
        return await export_rows(uow, user_id)

    tables = await store.run(None, work)
    return {
        "about": "Everything this bot stores about you, table by table.",
        "exported_at": datetime.now().astimezone().isoformat(),
        "user_id": user_id,
        "tables": tables,
    }


async def delete_user(store: Store, user_id: int) -> int:
    async def work(uow: UnitOfWork) -> int:
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(None, work)
    await store.checkpoint()  # the erased rows' old pages leave SQLite's WAL too
    return deleted


async def ask_to_erase(store: Store, user_id: int, now: datetime | None = None) -> str:
    """Issue the nonce for a new erase confirmation (an older one stops working)."""
    nonce = secrets.token_urlsafe(12)
    asked = now or utcnow()

    async def work(uow: UnitOfWork) -> None:
        await uow.session.execute(
            update(User).where(User.id == user_id).values(erase_nonce=nonce, erase_asked_at=asked)
        )

    await store.run(user_id, work)
    return nonce


async def cancel_erase(store: Store, user_id: int, nonce: str) -> bool:
    """ "Keep it": that confirmation can no longer erase. False if it was not the current one."""

    async def work(uow: UnitOfWork) -> bool:
        result = await uow.session.execute(
            update(User)
            .where(User.id == user_id, User.erase_nonce == nonce)
            .values(erase_nonce=None, erase_asked_at=None)
        )
        return bool(result.rowcount)

    return await store.run(user_id, work, ensure_user=False)


async def confirm_erase(
    store: Store, user_id: int, nonce: str, now: datetime | None = None
) -> int | None:
    """Erase everything if `nonce` is the confirmation last issued and still fresh: the number
    of rows erased; None (nothing changes) for an old, cancelled, expired or forged one."""
    now = now or utcnow()

    async def work(uow: UnitOfWork) -> int | None:
        row = (
            await uow.session.execute(
                select(User.erase_nonce, User.erase_asked_at).where(User.id == user_id)
            )
        ).first()
        if row is None or row.erase_nonce is None or row.erase_asked_at is None:
            return None
        if not secrets.compare_digest(row.erase_nonce.encode(), (nonce or "").encode()):
            return None
        if not now - ERASE_CONFIRM_TTL <= row.erase_asked_at <= now:
            return None
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(user_id, work, ensure_user=False)
    if deleted is not None:
        await store.checkpoint()
    return deleted


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
