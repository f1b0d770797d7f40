"""/delete and /mydata in the store, on SQLite and PostgreSQL: an erase happens only on the
confirmation last issued, while it is fresh, and only once; it takes the messages about the
user that went to someone else; and on SQLite the erased words leave the files."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from state import groups as core
from state.db.checkins import Checkin
from state.db.models import OutboxMessage, SafetyPlan, Turn, User, utcnow
from state.engine import start
from state.privacy import (
    ERASE_CONFIRM_TTL,
    ask_to_erase,
    cancel_erase,
    confirm_erase,
    delete_user,
    export_user,
    purge_expired,
)
from state.store import Store

U = 4242
LEADER, MEMBER, OTHER = 4300, 4301, 4302


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


async def _group_with_alerts(store: Store):
    async with store.transaction(LEADER) as uow:
        await core.set_role(uow, LEADER, core.LEADER)
        group = await core.create_group(uow, LEADER, "Tuesday group", "Dr. Lee")
        invite = await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
    for m, name in ((MEMBER, "Zedekiah Quixote"), (OTHER, "Olga Other")):
        async with store.transaction(m) as uow:
            await core.join_group(uow, invite.code, m, name, shares=[core.Share.ALERT])
    return group


async def _outbox(store: Store) -> list[OutboxMessage]:
    async with store.transaction(None) as uow:
        return list((await uow.session.scalars(select(OutboxMessage))).all())


async def test_delete_takes_the_alerts_about_them_that_went_to_their_leader(store):
    """The review's finding: after /delete, a crisis alert naming the member stayed in the
    leader's outbox row for ever, and /mydata didn't show it."""
    await _group_with_alerts(store)
    now = utcnow()
    assert await core.alert_leaders(store, MEMBER, now - timedelta(hours=1)) == 1
    assert await core.alert_leaders(store, MEMBER, now) == 1
    assert await core.alert_leaders(store, OTHER, now) == 1

    async def sent(uow):  # the first one has gone out; the others wait
        row = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == core.ALERT_KIND).limit(1)
        )
        row.status, row.sent_at = "sent", now

    await store.run(None, sent)
    exported = json.dumps(await export_user(store, MEMBER), ensure_ascii=False)
    # both alerts about them, as stored: what they mean, with their name
    assert exported.count('"member": "Zedekiah Quixote"') == 2
    assert "Olga" not in exported
    await delete_user(store, MEMBER)
    rows = await _outbox(store)
    assert "Zedekiah" not in json.dumps([r.payload for r in rows], ensure_ascii=False)
    assert not [r for r in rows if f":{MEMBER}:" in r.dedupe_key]
    assert [r.subject_id for r in rows] == [OTHER]  # the other member's alert is untouched


async def test_erased_words_leave_the_sqlite_files(tmp_path: Path, real_library):
    """secure_delete, and a checkpoint after /delete and the purge: the words are gone from
    the database file and its write-ahead log, not just from the tables."""
    path = tmp_path / "erase.db"
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    words = {
        "plan": "PLANWORDS call my sponsor Dana",
        "typed": "TYPEDWORDS my sister Rosalind",
        "note": "NOTEWORDS a hard day at work",
        "kept": "KEPTWORDS another user typed",
    }
    state, _ = start(real_library.scenarios["family/birthday-or-group"], seed=1)
    old = utcnow() - timedelta(days=60)

    async def seed(uow, user_id, typed, note=None):
        await uow.users.set_consent(user_id, "v1")
        run_id = await uow.runs.create(user_id, state)
        turn_id = await uow.turns.add(run_id, user_id, 1, "a", "b", "assertive", [], typed)
        (await uow.session.get(Turn, turn_id)).created_at = old
        if note:
            uow.session.add(SafetyPlan(user_id=user_id, answers={"warning": words["plan"]}))
            uow.session.add(Checkin(user_id=user_id, local_date=old.date(), step="done", note=note))

    try:
        await store.run(U, lambda uow: seed(uow, U, words["typed"], words["note"]))
        await store.run(OTHER, lambda uow: seed(uow, OTHER, words["kept"]))

        def on_disk() -> bytes:
            return b"".join(p.read_bytes() for p in tmp_path.glob("erase.db*"))

        assert all(w.encode() in on_disk() for w in words.values())
        await delete_user(store, U)
        left = on_disk()
        for key in ("plan", "typed", "note"):
            assert words[key].encode() not in left, key
        assert await purge_expired(store, utcnow(), typed_text_days=30) == (1, 0, 0)
        assert words["kept"].encode() not in on_disk()
    finally:
        await store.close()
