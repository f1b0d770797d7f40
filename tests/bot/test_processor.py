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
    processor = PerUserUpdateProcessor(64, max_pending=20)  # all 20 of each user's in turn
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


async def test_a_user_waiting_for_their_turn_holds_no_slot():
    """A's first update hangs (a slow reply); A's next ones wait for A's turn. They must not
    take the shared slots meanwhile: B is handled at once. (Before, each took a slot and then
    waited for A's lock, so four of A's updates left B no slot until A's first finished.)"""
    processor = PerUserUpdateProcessor(4)
    release = asyncio.Event()
    b_done = asyncio.Event()

    async def a_update(first: bool) -> None:
        if first:
            await release.wait()

    async def b_update() -> None:
        b_done.set()

    async with processor:
        a = [
            asyncio.create_task(processor.process_update(message_update(i, 1), a_update(i == 0)))
            for i in range(6)
        ]
        b = asyncio.create_task(processor.process_update(message_update(99, 2), b_update()))
        try:
            await asyncio.wait_for(b_done.wait(), 2)
        finally:
            release.set()
            await asyncio.gather(*a, b)
    assert processor.held_locks == 0


async def test_updates_past_a_users_cap_run_at_once_flagged_first_of_burst():
    """One user's 25 updates while their first hangs: 10 are taken in turn, the 15 others run
    at once, flagged as excess (the handlers screen them and skip them, bot/pipeline/flood.py);
    only the first excess is flagged as the one to answer."""
    processor = PerUserUpdateProcessor(256, max_pending=10)
    release = asyncio.Event()
    flags: dict[int, bool | None] = {}

    async def handle(update: Update) -> None:
        flags[update.update_id] = processor.excess(update)
        if update.update_id == 0:
            await release.wait()

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(u, handle(u)))
            for u in (message_update(i, 1) for i in range(25))
        ]
        for _ in range(100):  # the excess ones don't wait for the first to finish
            await asyncio.sleep(0)
        assert sorted(flags) == [0, *range(10, 25)]
        release.set()
        await asyncio.gather(*tasks)
    assert [i for i, f in flags.items() if f is None] == list(range(10))
    assert [i for i, f in flags.items() if f] == [10]
    assert processor.held_locks == 0
    assert processor.excess(message_update(0, 1)) is None


def test_updates_without_a_user_are_not_keyed():
    assert update_key(Update(update_id=1)) is None
    assert update_key("not an update") is None
