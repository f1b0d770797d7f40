"""Per-user serialisation with concurrency across users.

PTB runs updates one at a time by default (about 10 a second against a slow Bot API) or all at
once (one user's button presses could race). We take a lock per user: different users run
concurrently, one user's updates run in arrival order. Locks are reference-counted and dropped
when no update of that user is waiting, so memory does not grow with the number of users.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def update_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @property
    def held_locks(self) -> int:
        """Locks currently alive; zero when idle (tests check there is no leak)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            await coroutine
            return
        lock, waiters = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, waiters + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock_now, count = self._locks[key]
            if count <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock_now, count - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
