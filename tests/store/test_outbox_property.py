"""Property: crash the outbox sender anywhere, restart it, and every message ends up sent or
marked failed, never lost in the queue, and delivered twice at most: only a message whose call
was in flight at a crash (or whose answer was not yet written) is sent once more, and only once.

The sender runs for real (PTB's Bot, the real store on SQLite and PostgreSQL); only the wire
is scripted. "Telegram" counts every message it accepted, by the marker in its text. A crash is
either the wire dying before or after Telegram accepted a message (the process dies with the
call in flight), or the whole sender being cancelled after a random number of event-loop turns
(anywhere: inside a claim, between claim and send, while marking a row sent). Either way
nothing else of that process runs, as in a SIGKILL, and a fresh sender starts on the same
database.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from telegram import Bot

from bot.outbox_sender import Sender
from offline import SendWire, make_bot, ok, refused
from state import outbox
from state.db.models import OutboxMessage
from state.store import Store

ACTIONS = ("crash-before", "crash-after", "network", "retry", "blocked", "bad")


class Crash(BaseException):
    """The process died: nothing after this point of it runs."""


class Wire(SendWire):
    def __init__(self, plan: dict[int, str]) -> None:
        self.plan = plan
        self.calls = 0
        self.delivered: Counter[str] = Counter()
        self.dead = False

    async def send(self, chat: int, params: dict[str, Any]) -> tuple[int, bytes]:
        if self.dead:
            raise Crash
        action = self.plan.get(self.calls, "ok")
        self.calls += 1
        await asyncio.sleep(0)  # a real call yields to the loop
        if action == "crash-before":
            self.dead = True
            raise Crash
        if action == "network":
            return refused(502, "Bad Gateway")
        if action == "retry":
            return refused(429, "Too Many Requests: retry after 0", retry_after=0)
        if action == "blocked":
            return refused(403, "Forbidden: bot was blocked")
        if action == "bad":
            return refused(400, "Bad Request: chat not found")
        self.delivered[str(params.get("text"))] += 1
        if action == "crash-after":
            self.dead = True
            raise Crash
        return ok(
            {
                "message_id": self.calls,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": params.get("text"),
            }
        )


async def kill(sender: Sender, task: asyncio.Task) -> None:
    """SIGKILL, in-process: cancel the loop and every send in flight, run nothing else."""
    for t in [task, *sender._in_flight]:
        t.cancel()
    for t in [task, *list(sender._in_flight)]:
        with contextlib.suppress(BaseException):
            await t


async def unsettled(store: Store) -> int:
    async with store.transaction(None) as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status.in_(("queued", "sending")))
        )
        return len(rows.all())


async def run_until_settled(
    store: Store, bot: Bot, wire: Wire, cancel_after: int | None, in_flight: int
) -> int:
    """Start senders until one finishes the queue; returns how many times it was restarted."""
    restarts = 0
    while True:
        wire.dead = False
        sender = Sender(
            bot,
            store,
            rate=0,
            per_chat_interval=0,
            backoff=0,
            max_attempts=3,
            max_in_flight=in_flight,
            poll_interval=0.005,
            lease=0,
        )
        task = asyncio.create_task(sender.run())
        turns = 0
        while True:
            await asyncio.sleep(0)
            turns += 1
            if wire.dead or (restarts == 0 and cancel_after is not None and turns > cancel_after):
                await kill(sender, task)
                break
            if turns % 20 == 0 and not sender._in_flight and await unsettled(store) == 0:
                await sender.stop()
                return restarts
            assert not task.done() or task.cancelled(), task.exception()
        restarts += 1
        assert restarts < 30


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chats=st.lists(st.integers(1, 4), min_size=1, max_size=10),
    plan=st.dictionaries(st.integers(0, 25), st.sampled_from(ACTIONS), max_size=6),
    cancel_after=st.none() | st.integers(0, 300),
    in_flight=st.integers(1, 4),
)
def test_every_message_ends_sent_once_or_failed(db_url, chats, plan, cancel_after, in_flight):
    asyncio.run(example(db_url, chats, plan, cancel_after, in_flight))


async def example(
    url: str, chats: list[int], plan: dict[int, str], cancel_after: int | None, in_flight: int
) -> None:
    store = await Store.open(url)
    try:
        run = uuid.uuid4().hex[:8]
        async with store.transaction(None) as uow:
            await uow.session.execute(delete(OutboxMessage))
            for i, chat in enumerate(chats):
                await outbox.enqueue(
                    uow, chat_id=chat, kind="test", text=f"m{i}", dedupe_key=f"{run}:{i}"
                )
        wire = Wire(plan)
        bot = await make_bot(wire)
        restarts = await run_until_settled(store, bot, wire, cancel_after, in_flight)
        async with store.transaction(None) as uow:
            rows = (
                await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            ).all()
        assert len(rows) == len(chats)
        twice = 0
        for row in rows:
            delivered = wire.delivered[row.payload["text"]]
            assert delivered <= 2, (row.payload["text"], "delivered three times")
            twice += delivered == 2
            if row.status == "sent":
                assert delivered >= 1, row.payload["text"]
            else:
                assert row.status == "failed", row.status
                assert row.error is not None
                if row.error != "interrupted":  # refused: only an interrupted copy arrived
                    assert delivered <= 1, (row.payload["text"], row.error)
        # Only calls in flight at a crash are repeated: at most `in_flight` per crash.
        assert twice <= restarts * in_flight
    finally:
        await store.close()
