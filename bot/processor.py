"""Per-user serialisation with concurrency across users, and a cap on what one user has pending.

PTB runs updates one at a time by default (about 10 a second against a slow Bot API) or all at
once (one user's button presses could race). We take a lock per user: different users run
concurrently, one user's updates run in arrival order. Locks are reference-counted and dropped
when no update of that user is waiting, so memory does not grow with the number of users.

The user's turn comes before one of the shared slots (`max_concurrent_updates`): an update
waiting for its own user's earlier ones holds no slot, so one user's burst (a forward of 100
messages is one action in Telegram) can't keep everyone else waiting. And one user may have at
most `max_pending` updates waiting or running; each update past that is "excess": it runs at
once, outside the user's turn, and the handlers only screen it for crisis words and say once
per burst that the rest was skipped (bot/pipeline/flood.py). A burst ends when the user's last
admitted update has run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_PENDING = 10  # updates of one user waiting or running; a person tapping fast has two or three


def update_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


@dataclass
class _Line:
    """One user's updates: their turn, how many are admitted, whether the burst was told."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0
    told: bool = False


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256, max_pending: int = MAX_PENDING) -> None:
        super().__init__(max_concurrent_updates)
        self.max_pending = max_pending
        self._lines: dict[int, _Line] = {}
        self._excess: dict[int, bool] = {}  # id() of an excess update being handled -> first?

    @property
    def held_locks(self) -> int:
        """Users with updates in hand; zero when idle (tests check there is no leak)."""
        return len(self._lines)

    def excess(self, update: object) -> bool | None:
        """None for an update handled in its user's turn; for one past the user's cap, whether
        it is the first of its burst (the one that says so)."""
        return self._excess.get(id(update))

    async def process_update(  # type: ignore[misc] - PTB marks it final; the order is the point
        self, update: object, coroutine: Awaitable[Any]
    ) -> None:
        """The user's turn, then a slot (PTB's own `process_update` takes the slot first)."""
        key = update_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        line = self._lines.setdefault(key, _Line())
        if line.pending >= self.max_pending:
            self._excess[id(update)] = not line.told
            line.told = True
            try:
                await super().process_update(update, coroutine)
            finally:
                del self._excess[id(update)]
            return
        line.pending += 1
        try:
            async with line.lock:
                await super().process_update(update, coroutine)
        finally:
            line.pending -= 1
            if line.pending == 0:
                del self._lines[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
