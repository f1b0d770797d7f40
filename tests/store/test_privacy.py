"""/delete and /mydata in the store, on SQLite and PostgreSQL: an erase happens only on the
confirmation last issued, while it is fresh, and only once."""

from __future__ import annotations

from datetime import timedelta

from state.db.models import User, utcnow
from state.privacy import ERASE_CONFIRM_TTL, ask_to_erase, cancel_erase, confirm_erase

U = 4242


async def _exists(store, user_id: int = U) -> bool:
    async with store.transaction(None) as uow:
        return await uow.session.get(User, user_id) is not None


async def test_an_erase_needs_the_current_fresh_confirmation(store):
    now = utcnow()
    await store.run(U, lambda uow: uow.users.set_consent(U, "v1"))
    first = await ask_to_erase(store, U, now)
    assert await confirm_erase(store, U, "forged-nonce-xx", now) is None
    assert await confirm_erase(store, U, "", now) is None
    second = await ask_to_erase(store, U, now)  # a newer /delete: the first one is dead
    assert second != first
    assert await confirm_erase(store, U, first, now) is None
    assert await cancel_erase(store, U, second)  # "No, keep it"
    assert await confirm_erase(store, U, second, now) is None  # "Yes" days later: nothing
    assert await confirm_erase(store, U, second, now + timedelta(days=3)) is None
    late = await ask_to_erase(store, U, now)
    too_late = now + ERASE_CONFIRM_TTL + timedelta(seconds=1)
    assert await confirm_erase(store, U, late, too_late) is None
    assert await _exists(store)
    fresh = await ask_to_erase(store, U, now)
    assert await confirm_erase(store, U, fresh, now + timedelta(minutes=1))
    assert not await _exists(store)
    # Once: the same press again finds nobody, and creates no row.
    assert await confirm_erase(store, U, fresh, now + timedelta(minutes=1)) is None
    assert not await cancel_erase(store, U, fresh)
    assert not await _exists(store)
