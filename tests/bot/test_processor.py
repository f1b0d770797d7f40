"""Per-user serialisation: one user's updates in order, users concurrent, no lock left behind."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.processor import PerUserUpdateProcessor, update_key


def message_update(update_id: int, user_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "text": "x",
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": user_id, "is_bot": False, "first_name": "U"},
            },
        },
        None,
    )


async def test_order_per_user_and_concurrency_across_users():
    processor = PerUserUpdateProcessor(64)
    seen: dict[int, list[int]] = {}
    running = 0
    peak = 0

    async def handle(update: Update) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        user = update_key(update)
        await asyncio.sleep(0.001 * (update.update_id % 3))
        seen.setdefault(user, []).append(update.update_id)
        running -= 1

    updates = [message_update(i, 1 + i % 10) for i in range(200)]
    async with processor:
        await asyncio.gather(*(processor.process_update(u, handle(u)) for u in updates))
    for user, ids in seen.items():
        assert ids == sorted(ids), f"user {user} saw updates out of order"
    assert sum(len(v) for v in seen.values()) == 200
    assert peak > 1  # different users really ran at the same time
    assert processor.held_locks == 0  # nothing leaks per user


async def test_a_failing_update_releases_the_lock():
    processor = PerUserUpdateProcessor(8)

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> str:
        return "ok"

    async with processor:
        results = await asyncio.gather(
            processor.process_update(message_update(1, 5), boom()),
            processor.process_update(message_update(2, 5), fine()),
            return_exceptions=True,
        )
    assert isinstance(results[0], RuntimeError)
    assert processor.held_locks == 0


def test_updates_without_a_user_are_not_keyed():
    assert update_key(Update(update_id=1)) is None
    assert update_key("not an update") is None
