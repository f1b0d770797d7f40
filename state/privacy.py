"""Export and erase everything stored about one user, table by table.

Both walk the SQLAlchemy metadata for columns that reference `users.id`, so a table added by a
later migration is covered without touching this module (a test checks every table).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from state.db.models import Base, User
from state.store import Store, UnitOfWork
from state.text import clean_value


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

    return await store.run(None, work)


async def purge_expired(
    store: Store, now: datetime, typed_text_days: int, update_ids_days: int = 7
) -> tuple[int, int]:
    """Erase typed text past its retention, and forget old processed update ids.

    Typed replies are kept only for participants who allowed it, and only this long; update ids
    are needed only while Telegram might redeliver (a day at most), so a week is generous.
    """
    from datetime import timedelta

    from sqlalchemy import delete, update

    from state.db.models import ProcessedUpdate, Turn

    async def work(uow: UnitOfWork) -> tuple[int, int]:
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
        return text.rowcount or 0, ids.rowcount or 0

    return await store.run(None, work)
