"""Privacy: export and erase everything stored about one user, and keep typed replies or not;
one transaction per user action.

The export walks the SQLAlchemy metadata for columns that reference `users.id` (`export`), and
so does erasing (`Users.delete_everything`), so a table added by a later migration is covered
without touching this package (a test checks every table).

Erasing is asked for, then confirmed: `ask_to_erase` issues a nonce that the confirmation's
buttons carry, and `confirm_erase` erases only for that nonce, within ERASE_CONFIRM_TTL, once.
A "keep it", a newer request or the time running out makes the old buttons do nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from state.db.models import Base, utcnow
from state.privacy.export import ABOUT_TABLES, export_rows
from state.privacy.summary import DataSummary, summarise_export
from state.store import Store, UnitOfWork

ERASE_CONFIRM_TTL = timedelta(minutes=5)


async def export_user(store: Store, user_id: int) -> dict[str, Any]:
    data, _ = await export_and_summary(store, user_id)
    return data


async def export_and_summary(store: Store, user_id: int) -> tuple[dict[str, Any], DataSummary]:
    """The complete export (every row, each table explained) and its readable summary, read in
    one transaction so the two agree."""

    async def work(uow: UnitOfWork) -> tuple[dict[str, Any], dict[int, str]]:
        tables = await export_rows(uow, user_id)
        ids = {int(m["group_id"]) for m in tables.get("memberships", [])}
        names: dict[int, str] = {}
        groups = Base.metadata.tables.get("groups")
        if ids and groups is not None:
            rows = await uow.session.execute(
                select(groups.c.id, groups.c.name).where(groups.c.id.in_(ids))
            )
            names = {int(i): str(n) for i, n in rows}
        return tables, names

    tables, names = await store.run(None, work)
    data = {
        "about": "Everything this bot stores about you, table by table.",
        "about_tables": {name: ABOUT_TABLES[name] for name in tables if name in ABOUT_TABLES},
        "exported_at": datetime.now().astimezone().isoformat(),
        "user_id": user_id,
        "tables": tables,
    }
    return data, summarise_export(tables, user_id, names)


async def delete_user(store: Store, user_id: int) -> int:
    async def work(uow: UnitOfWork) -> int:
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(None, work)
    await store.checkpoint()  # the erased rows' old pages leave SQLite's WAL too
    return deleted


async def keeps_typed_text(store: Store, user_id: int) -> bool:
    """Whether the user chose to keep their typed replies (off unless they turned it on)."""

    async def work(uow: UnitOfWork) -> bool:
        record = await uow.users.get(user_id)
        return bool(record and record.keep_typed_text)

    return await store.read(work)


async def keep_typed_text(
    store: Store, user_id: int, keep: bool, *, update_id: int | None = None
) -> None:
    """Keep typed replies from now on, or stop and erase every one kept so far, at once."""

    async def work(uow: UnitOfWork) -> None:
        await uow.users.set_keep_typed_text(user_id, keep)
        if not keep:
            await uow.turns.forget_typed_text(user_id)

    await store.run(user_id, work, update_id=update_id)


async def ask_to_erase(
    store: Store, user_id: int, now: datetime | None = None, *, update_id: int | None = None
) -> str:
    """Issue the nonce for a new erase confirmation (an older one stops working), marking
    `update_id` (the /delete's) in the same transaction: `AlreadyApplied` when it already was."""
    nonce = secrets.token_urlsafe(12)
    asked = now or utcnow()

    async def work(uow: UnitOfWork) -> str:
        await uow.users.set_erase_request(user_id, nonce, asked)
        return nonce

    return await store.run(user_id, work, update_id=update_id)


async def cancel_erase(
    store: Store, user_id: int, nonce: str, *, update_id: int | None = None
) -> bool:
    """ "Keep it": that confirmation can no longer erase. False if it was not the current one."""

    async def work(uow: UnitOfWork) -> bool:
        return await uow.users.withdraw_erase_request(user_id, nonce)

    return await store.run(user_id, work, ensure_user=False, update_id=update_id)


async def confirm_erase(
    store: Store, user_id: int, nonce: str, now: datetime | None = None
) -> int | None:
    """Erase everything if `nonce` is the confirmation last issued and still fresh: the number
    of rows erased; None (nothing changes) for an old, cancelled, expired or forged one."""
    now = now or utcnow()

    async def work(uow: UnitOfWork) -> int | None:
        issued = await uow.users.erase_request(user_id)
        if issued is None:
            return None
        current, asked = issued
        if not secrets.compare_digest(current.encode(), (nonce or "").encode()):
            return None
        if not now - ERASE_CONFIRM_TTL <= asked <= now:
            return None
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(user_id, work, ensure_user=False)
    if deleted is not None:
        await store.checkpoint()
    return deleted
