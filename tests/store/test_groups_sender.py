"""The outbox sender against the real store (SQLite and PostgreSQL) and PTB's real Bot, with a
scripted wire: what each Telegram answer does to a row, recovery after a crash, pacing per chat
(with a fake clock, no timing asserts), a graceful stop, and two senders sharing one outbox."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from telegram.error import TimedOut
from telegram.ext import ExtBot

from bot.features.group_messages import delivery_text
from bot.http import NotSent
from bot.outbox_sender import RateLimiter, Sender, drain_once, render
from offline import TOKEN, SendWire, make_bot, ok, refused
from state import outbox
from state.db.models import OutboxMessage, utcnow

ERRORS = {
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "bad": (400, "Bad Request: chat not found"),
    "network": (502, "Bad Gateway"),
    "retry": (429, "Too Many Requests: retry after 7"),
    "flood": (429, "Too Many Requests: retry after 1"),
}
RETRY_AFTER = {"retry": 7, "flood": 1}


class Scripted(SendWire):
    """Answers each chat as `answers[chat_id]` says (default: accepted); counts deliveries.

    "timeout": delivered, but the answer never comes (a read timeout); "unsent": no connection
    could be had (the call never left). A list of answers is used up one per call."""

    def __init__(self, answers: dict[int, Any] | None = None) -> None:
        self.answers = answers or {}
        self.delivered: Counter[int] = Counter()
        self.calls: Counter[int] = Counter()
        self.texts: list[str] = []
        self.gate: asyncio.Event | None = None  # when set, calls wait for it
        self.held: set[int] | None = None  # only these chats' calls wait for the gate
        self.entered = asyncio.Event()

    async def send(self, chat: int, params: dict[str, Any]) -> tuple[int, bytes]:
        self.calls[chat] += 1
        self.entered.set()
        if self.gate is not None and (self.held is None or chat in self.held):
            await self.gate.wait()
        answer = self.answers.get(chat)
        if isinstance(answer, list):
            answer = answer.pop(0) if answer else None
        if answer in ERRORS:
            return refused(*ERRORS[answer], retry_after=RETRY_AFTER.get(answer))
        if answer == "unsent":
            raise NotSent("aiohttp.ClientConnectorError")
        if answer == "timeout":
            self.delivered[chat] += 1
            raise TimedOut("Timed out (SocketTimeoutError)")
        self.delivered[chat] += 1
        self.texts.append(str(params.get("text")))
        return ok({"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}})


async def queue(store, *chats: int, users: bool = False) -> None:
    async with store.transaction(None) as uow:
        for i, chat in enumerate(chats):
            if users:
                await uow.users.ensure(chat)
            await outbox.enqueue(
                uow,
                chat_id=chat,
                user_id=chat if users else None,
                kind="test",
                text=f"<b>m{i}</b> to {chat}",
                dedupe_key=f"t:{i}:{chat}",
                buttons=[[{"text": "Open", "callback_data": "s:family/x"}]],
            )


async def rows(store) -> dict[int, OutboxMessage]:
    async with store.transaction(None) as uow:
        found = (await uow.session.scalars(select(OutboxMessage))).all()
    return {r.chat_id: r for r in found}


FAST = {"rate": 0, "per_chat_interval": 0, "backoff": 60}


async def test_each_answer_settles_its_row(store):
    await queue(store, 1, 2, 3, 4, 5, users=True)
    wire = Scripted({2: "blocked", 3: "bad", 4: "network", 5: "retry"})
    sender = Sender(await make_bot(wire), store, **FAST)
    assert await sender.drain() == 5
    by = await rows(store)
    assert by[1].status == "sent" and by[1].sent_at is not None and wire.delivered[1] == 1
    assert (by[2].status, by[2].error) == ("failed", "blocked")
    assert by[3].status == "failed" and by[3].error == "bad-request: Chat not found"
    # network trouble: back in the queue for later, one attempt counted
    assert by[4].status == "queued" and by[4].attempts == 1
    assert by[4].not_before > utcnow() + timedelta(seconds=30)
    # flood control: back in the queue for when Telegram said, not counted as an attempt
    assert by[5].status == "queued" and by[5].attempts == 0
    assert by[5].not_before > utcnow() + timedelta(seconds=5)
    assert sender.stats.rate_limited == 1 and sender.stats.blocked == 1
    async with store.transaction(None) as uow:
        assert (await uow.users.get(2)).active is False
        assert (await uow.users.get(1)).active is True
    assert "<b>m0</b>" in wire.texts[0]


async def test_network_errors_fail_after_max_attempts(store):
    await queue(store, 9)
    wire = Scripted({9: "network"})
    bot = await make_bot(wire)
    for _ in range(3):
        await drain_once(bot, store, rate=0, per_chat_interval=0, backoff=0, max_attempts=3)
    row = (await rows(store))[9]
    assert (row.status, row.error, row.attempts) == ("failed", "network: NetworkError", 3)
    assert wire.delivered[9] == 0


async def test_a_row_left_sending_by_a_crash_is_sent_once_more_then_given_up(store):
    """Its call may or may not have reached Telegram: it is sent once more, never twice more."""
    await queue(store, 1, 2, 3)
    async with store.transaction(None) as uow:
        await uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.chat_id == 1).values(status="sending")
        )
        # chat 3's row was already being sent once more when the sender died again
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == 3)
            .values(status="sending", error="interrupted", attempts=1)
        )
    wire = Scripted()
    sender = Sender(await make_bot(wire), store, lease=0, **FAST)
    assert await sender.recover() == 2
    assert await sender.drain() == 2
    by = await rows(store)
    assert (by[1].status, by[1].error, by[1].attempts) == ("sent", None, 1)
    assert wire.delivered[1] == 1 and wire.delivered[2] == 1
    assert (by[3].status, by[3].error, by[3].attempts) == ("failed", "interrupted", 2)
    assert wire.delivered[3] == 0
    assert sender.stats.interrupted == 2 and sender.stats.by_error == {"interrupted": 1}
    async with store.transaction(None) as uow:
        assert (await outbox.counts(uow)) == {"failed": 1, "sent": 2}


async def test_only_calls_in_flight_are_sending_and_each_answer_is_written_as_it_comes(store):
    """Chat 1 is answered, chats 2 and 3 hang in flight (two slots): in the database 1 is sent
    already, 2 and 3 are 'sending', and 4, never handed over, is still queued."""
    await queue(store, 1, 2, 3, 4)
    wire = Scripted()
    wire.gate, wire.held = asyncio.Event(), {2, 3}
    sender = Sender(await make_bot(wire), store, max_in_flight=2, **FAST)
    sender.start()
    try:
        for _ in range(200):
            if wire.calls[3] and (await rows(store))[1].status == "sent":
                break
            await asyncio.sleep(0.05)
        # read after chat 3's call is seen: a snapshot taken before it could still say queued
        by = await rows(store)
        assert {c: r.status for c, r in by.items()} == {
            1: "sent",
            2: "sending",
            3: "sending",
            4: "queued",
        }
        wire.gate.set()
        for _ in range(200):
            if {r.status for r in (await rows(store)).values()} == {"sent"}:
                break
            await asyncio.sleep(0.05)
    finally:
        wire.gate.set()
        await sender.stop()
    assert {r.status for r in (await rows(store)).values()} == {"sent"}
    assert wire.delivered == Counter({1: 1, 2: 1, 3: 1, 4: 1})


async def test_a_call_without_an_answer_is_sent_once_more_at_most(store):
    """A read timeout: Telegram may have delivered it. Sent once more; if that goes unanswered
    too, failed 'interrupted', never a third copy. A call that never left is retried as usual."""
    await queue(store, 1, 2, 3)
    wire = Scripted({1: ["timeout"], 2: ["timeout", "timeout", "timeout"], 3: ["unsent"] * 2})
    bot = await make_bot(wire)
    sender = Sender(bot, store, rate=0, per_chat_interval=0, backoff=0)
    handled = 0
    while n := await sender.drain():  # backoff 0: each retry is due as soon as it is written
        handled += n
    assert handled == 7
    by = await rows(store)
    assert (by[1].status, by[1].error, by[1].attempts) == ("sent", None, 1)  # two copies
    assert (by[2].status, by[2].error, by[2].attempts) == ("failed", "interrupted", 2)
    assert (by[3].status, by[3].error, by[3].attempts) == ("sent", None, 2)  # one copy
    assert wire.calls == Counter({1: 2, 2: 2, 3: 3})
    assert wire.delivered == Counter({1: 2, 2: 2, 3: 1})
    assert sender.stats.unanswered == 3


async def test_the_senders_429_comes_back_at_once_through_the_bots_rate_limiter(store):
    """The bot's rate limiter waits a 429 out inside the call for handlers; for the sender
    that would hold the row 'sending' for the whole wait. It gets the 429 at once instead,
    puts the row back for then and pauses; a handler's call is still retried."""
    await queue(store, 5)
    wire = Scripted({5: "retry", 6: ["flood", None]})
    bot = ExtBot(
        TOKEN, request=wire, get_updates_request=wire, rate_limiter=RateLimiter(max_retries=3)
    )
    await bot.initialize()
    try:
        started = asyncio.get_running_loop().time()
        sender = Sender(bot, store, **FAST)
        assert await sender.drain() == 1
        assert asyncio.get_running_loop().time() - started < 3
        row = (await rows(store))[5]
        assert (row.status, row.attempts) == ("queued", 0)
        assert row.not_before > utcnow() + timedelta(seconds=5)
        assert wire.calls[5] == 1 and sender.stats.rate_limited == 1
        await bot.send_message(6, "a reply from a handler")  # 429 once, then retried: sent
        assert wire.calls[6] == 2 and wire.delivered[6] == 1
    finally:
        await bot.shutdown()


async def test_recovery_leaves_another_workers_fresh_claims_alone(store):
    await queue(store, 1)
    async with store.transaction(None) as uow:
        await uow.session.execute(
            update(OutboxMessage).values(status="sending", not_before=utcnow())
        )
    sender = Sender(await make_bot(Scripted()), store, lease=120, **FAST)
    assert await sender.recover() == 0
    assert (await rows(store))[1].status == "sending"


async def test_one_message_per_chat_per_interval(store):
    await queue(store, 1, 1, 2)
    now = [1000.0]
    wire = Scripted()
    sender = Sender(
        await make_bot(wire), store, rate=0, per_chat_interval=1.0, clock=lambda: now[0]
    )
    assert await sender.drain() == 2  # chat 1 once, chat 2 once; chat 1's second waits
    assert wire.delivered == Counter({1: 1, 2: 1})
    assert await sender.drain() == 0
    now[0] += 1.0
    assert await sender.drain() == 1
    assert wire.delivered == Counter({1: 2, 2: 1})
    assert sender._next_chat.keys() == {1}  # the map is pruned as chats cool down


async def test_stop_finishes_the_message_in_flight_and_claims_no_more(store):
    await queue(store, 1, 2, 3)
    wire = Scripted()
    wire.gate = asyncio.Event()
    sender = Sender(await make_bot(wire), store, max_in_flight=1, **FAST)
    sender.start()
    await asyncio.wait_for(wire.entered.wait(), 10)
    stopping = asyncio.create_task(sender.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done()  # waiting for the message in flight
    wire.gate.set()
    await asyncio.wait_for(stopping, 10)
    by = await rows(store)
    assert sorted(r.status for r in by.values()) == ["queued", "queued", "sent"]
    assert sum(wire.delivered.values()) == 1


async def test_two_senders_share_one_outbox_without_duplicates(store):
    chats = list(range(1, 41))
    await queue(store, *chats)
    wire = Scripted()
    bot = await make_bot(wire)
    a, b = (Sender(bot, store, max_in_flight=4, **FAST) for _ in range(2))
    handled = await asyncio.gather(a.drain(), b.drain())
    assert sum(handled) == 40
    assert wire.delivered == Counter({c: 1 for c in chats})
    assert all(r.status == "sent" for r in (await rows(store)).values())


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "hi", "buttons": []},
        {"text": "hi", "buttons": [[{"text": "Go", "url": "https://example.org"}]]},
    ],
)
def test_render_payload(payload):
    text, markup = render(payload)
    assert text == "hi"
    if payload["buttons"]:
        assert markup.inline_keyboard[0][0].url == "https://example.org"
    else:
        assert markup is None


def test_a_push_is_drawn_from_what_it_means_with_the_button_the_bot_routes():
    """A queued push holds its meaning; the sender draws its text and a Start button whose
    data the bot's own grammar reads back as that scenario, and a long title is cut."""
    from bot import callbacks
    from state.groups import PUSH_KIND

    means = {
        "kind": PUSH_KIND,
        "group": "Tuesday <IOP>",
        "leader": "Dr. Lee",
        "scenario_id": "family/birthday-or-group",
        "title": "A title " * 12,
        "summary": "Practice saying no & meaning it.",
    }
    text, markup = render({"text": "", "means": means})
    assert "<b>Tuesday &lt;IOP&gt;</b>: Dr. Lee would like you to practice" in text
    assert "Practice saying no &amp; meaning it." in text
    (button,) = markup.inline_keyboard[0]
    parsed = callbacks.parse(button.callback_data)
    assert isinstance(parsed, callbacks.ScenarioData)
    assert parsed.scenario_id == "family/birthday-or-group"
    assert len(button.text) == 60 and button.text.endswith("…")


def test_a_push_queued_before_meanings_still_goes_as_it_was_stored():
    """Rows queued by an older version hold text and button data: they are sent as stored."""
    stored = {
        "text": "📣 <b>Group</b>: old push",
        "buttons": [[{"text": "▶ Start: Birthday", "callback_data": "s:family/birthday-or-group"}]],
    }
    text, markup = render(stored)
    assert text == "📣 <b>Group</b>: old push"
    assert markup.inline_keyboard[0][0].callback_data == "s:family/birthday-or-group"


async def test_the_sender_outlives_a_database_that_stays_busy(store):
    """StoreBusy (the store gave up retrying: a long outage) must not end the sender's task."""
    from state.store import Store, StoreBusy

    class Outage(Store):  # the first calls fail as a database down for a while does
        failures = 2

        async def run(self, *args: Any, **kwargs: Any) -> Any:
            if self.failures:
                self.failures -= 1
                raise StoreBusy("database still busy after 10 attempts")
            return await super().run(*args, **kwargs)

    await queue(store, 7)
    wire = Scripted()
    sender = Sender(await make_bot(wire), Outage(store.engine, store.url), **FAST)
    task = sender.start()
    for _ in range(200):
        if wire.delivered[7]:
            break
        assert not task.done(), task
        await asyncio.sleep(0.05)
    await sender.stop()
    assert wire.delivered[7] == 1


async def test_a_claim_whose_commit_answer_was_lost_is_taken_back(store, monkeypatch):
    """The claim committed, then the connection dropped before COMMIT's answer (a database
    restart): Store.run runs the claim again. Its rows must be sent, not left in 'sending'."""
    await queue(store, 1, 2, 3, 4, 5, 6, users=True)
    wire = Scripted()
    sender = Sender(await make_bot(wire), store, **FAST)
    real, lost = store.transaction, [True]

    @asynccontextmanager
    async def answer_lost(user_id, **kw):
        async with real(user_id, **kw) as uow:
            yield uow
        if lost:  # committed; only the answer goes missing
            lost.clear()
            raise DBAPIError("COMMIT", {}, ConnectionResetError(), connection_invalidated=True)

    monkeypatch.setattr(store, "transaction", answer_lost)
    assert await sender.drain() == 6
    assert not lost  # the fault did happen
    assert wire.delivered == Counter({chat: 1 for chat in range(1, 7)})
    assert {r.status for r in (await rows(store)).values()} == {"sent"}


async def test_a_push_unanswered_twice_is_reported_unconfirmed_not_undelivered(store):
    from state import groups as core

    async with store.transaction(None) as uow:
        for chat in (1, 2, 3):
            await uow.users.ensure(chat)
            await outbox.enqueue(
                uow,
                chat_id=chat,
                user_id=chat,
                kind=core.PUSH_KIND,
                ref="77",
                text="a push",
                dedupe_key=f"push:77:{chat}",
            )
        # chat 1's one more try was in flight when the sender died again
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == 1)
            .values(status="sending", error="interrupted", attempts=1)
        )
    sender = Sender(await make_bot(Scripted({2: "blocked"})), store, lease=0, **FAST)
    await sender.recover()
    await sender.drain()
    async with store.transaction(None) as uow:
        d = (await core.delivery(uow, [77]))[77]
    assert (d.sent, d.blocked, d.failed, d.unconfirmed, d.pending) == (1, 1, 0, 1, 0)
    text = delivery_text("Tuesday group", "The birthday", d)
    assert "❔ unconfirmed 1" in text and "not delivered" not in text
