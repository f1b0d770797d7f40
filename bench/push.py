"""Push benchmark: a scenario pushed to 2,000 members through the outbox, at Telegram's limits.

    .venv/bin/python -m bench.push [--members 2000] [--latency 0.05]

A group of N members is stored (SQLite, a temp file) and a push queues one outbox row each
with the real `state.groups.create_push`. The real sender (`bot.outbox_sender.Sender`, PTB's
Bot over HTTP) runs in a worker process, as in the bot, against the Bot API stub enforcing
30 messages a second overall (sliding one-second window) and strictly one a second per chat,
answering 429 and recording every send over a limit, with `--latency` per call.

Three runs:
1. uninterrupted: N members, one worker, stopped with SIGTERM when the queue is empty;
2. graceful restart: N members, the worker gets SIGTERM halfway (it finishes the messages in
   flight and stops claiming), a new worker finishes the queue;
3. crash: N/2 members, the worker gets SIGKILL halfway, a new worker finishes the queue; the
   messages whose call was in flight at the kill are sent once more.

For each: the achieved rate (messages the stub accepted, first to last, and the median of whole
one-second buckets) against the 30/s limit, limit violations, messages lost (never delivered
and not reported failed), duplicates (a chat that got the push twice), and whether the rows
marked sent (what the delivery report counts) match the members who received it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import insert, select

from bench.report import write_section
from state import groups as core
from state.db.groups import Membership
from state.db.models import OutboxMessage, User, utcnow
from state.store import Store

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from stub_api import BotApiStub, Limits  # noqa: E402

TOKEN = "7000001:AAEexampleexampleexampleexampleexam"
LEADER = 10
FIRST_MEMBER = 1_000_000
LIMIT = 30
COMMAND = ".venv/bin/python -m bench.push"
SCENARIO = "family/birthday-or-group"


# ---- the worker: one sender, as inside the bot ---------------------------------------------------


async def worker(db: str, api: str) -> None:
    from telegram import Bot

    from bot.http import AiohttpRequest
    from bot.outbox_sender import Sender

    store = await Store.open(db)
    bot = Bot(TOKEN, base_url=api, request=AiohttpRequest(16))
    await bot.initialize()
    sender = Sender(bot, store, poll_interval=0.2)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(sender.stop()))
    task = sender.start()
    print("ready", flush=True)
    await task
    await bot.shutdown()
    await store.close()
    print(json.dumps(sender.stats.__dict__), flush=True)


def start_worker(db: str, api: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.push", "--worker", db, api],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


# ---- the database ------------------------------------------------------------------------------


async def seed(db: str, members: int, group_name: str) -> int:
    """A group with `members` members, and one push to them; returns the push id."""
    store = await Store.open(db)
    try:
        ids = list(range(FIRST_MEMBER, FIRST_MEMBER + members))
        async with store.transaction(LEADER) as uow:
            await core.set_role(uow, LEADER, core.LEADER)
            group = await core.create_group(uow, LEADER, group_name, "Leader")
            now = utcnow()
            await uow.session.execute(
                insert(User).prefix_with("OR IGNORE"), [{"id": i} for i in ids]
            )
            await uow.session.execute(
                insert(Membership),
                [
                    {"group_id": group.id, "user_id": i, "display_name": f"M{i}", "joined_at": now}
                    for i in ids
                ],
            )
        async with store.transaction(LEADER) as uow:
            result = await core.create_push(
                uow, group, SCENARIO, title="The birthday", summary="S", created_by=LEADER
            )
        assert result.push is not None and result.queued == members
        return result.push.id
    finally:
        await store.close()


async def outcome(db: str, push_id: int) -> dict[int, tuple[str, str | None]]:
    """Each member's row: (status, error)."""
    store = await Store.open(db)
    try:
        async with store.transaction(None) as uow:
            rows = (
                await uow.session.execute(
                    select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.error).where(
                        OutboxMessage.ref == str(push_id)
                    )
                )
            ).all()
    finally:
        await store.close()
    return {chat: (status, error) for chat, status, error in rows}


def unsettled(db: str, push_id: int) -> int:
    """Rows still to send, read with plain sqlite3: cheap, so the stub's threads keep the GIL."""
    path = db.split(":///", 1)[1]
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM outbox WHERE ref = ? AND status IN ('queued', 'sending')",
            (str(push_id),),
        ).fetchone()
    return int(n)


# ---- one run -----------------------------------------------------------------------------------


def run_once(
    stub: BotApiStub, db: str, members: int, stop: str | None, name: str
) -> dict[str, object]:
    push_id = asyncio.run(seed(db, members, name))
    chats = set(range(FIRST_MEMBER, FIRST_MEMBER + members))
    start_calls, start_violations = len(stub.accepted), len(stub.violations)
    proc = start_worker(db, stub.base_url)
    restarted_at = None
    if stop is not None:
        while len(stub.accepted) - start_calls < members // 2:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM if stop == "sigterm" else signal.SIGKILL)
        proc.wait(60)
        restarted_at = time.monotonic()
        proc = start_worker(db, stub.base_url)
    while unsettled(db, push_id):
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    stats = json.loads(out.strip().splitlines()[-1])  # the last worker's Sender.stats

    accepted = [(t, c) for t, c in stub.accepted[start_calls:] if c in chats]
    per_chat = Counter(c for _, c in accepted)
    rows = asyncio.run(outcome(db, push_id))
    times = [t for t, _ in accepted]
    segments = [times]
    if restarted_at is not None:
        segments = [[t for t in times if t < restarted_at], [t for t in times if t >= restarted_at]]
    sending_time = sum(s[-1] - s[0] for s in segments if len(s) > 1)
    rate = (len(times) - len(segments)) / sending_time if sending_time else 0.0
    buckets = Counter(int(t - times[0]) for t in times)
    whole = [n for second, n in buckets.items() if 0 < second < max(buckets)]
    sent = {c for c, (status, _) in rows.items() if status == "sent"}
    failed = {c for c, (status, _) in rows.items() if status == "failed"}
    delivered = set(per_chat)
    return {
        "run": name,
        "members": members,
        "delivered": len(delivered),
        "sent_rows": len(sent),
        "report_true": sent == delivered,
        "resent": stats["interrupted"],
        "unconfirmed": sum(e == "interrupted" for s, e in rows.values() if s == "failed"),
        "lost": len(chats - delivered - failed),
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "violations": len(stub.violations) - start_violations,
        "rate": rate,
        "median_per_second": statistics.median(whole) if whole else float(len(times)),
        "ratio": rate / LIMIT,
    }


def table(results: list[dict[str, object]], latency: float) -> str:
    head = (
        "| run | members | delivered | rows sent (= delivered) | resent after the kill | "
        "unconfirmed | lost | duplicates | limit violations | rate (msg/s) | median msg/s | "
        "rate / limit |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = "".join(
        f"| {r['run']} | {r['members']:,} | {r['delivered']:,} | {r['sent_rows']:,} "
        f"({'yes' if r['report_true'] else 'no'}) | {r['resent']} | {r['unconfirmed']} | "
        f"{r['lost']} | {r['duplicates']} | {r['violations']} | "
        f"{r['rate']:.1f} | {r['median_per_second']:.0f} | {100 * r['ratio']:.0f}% |\n"
        for r in results
    )
    return (
        f"Bot API stub enforcing {LIMIT} messages/s overall (sliding 1 s window) and 1/s per "
        f"chat, {latency * 1000:.0f} ms latency per call; SQLite outbox; the sender in a worker "
        "process as in the bot (paced at 28.5/s evenly spaced, each row claimed alone just "
        "before its call and its answer written as it comes, up to 8 calls in flight).\n\n"
        + head
        + rows
        + "\nRate: messages the stub accepted, first to last (a restart's gap left out); median: "
        "messages in each whole second. *Rows sent (= delivered)*: the rows marked sent, which "
        "the delivery report counts, and whether they are exactly the members the stub "
        "delivered to. *Lost*: never delivered and not marked failed. A SIGKILL leaves only the "
        "calls in flight unanswered (their rows 'sending'); the restarted worker sends those "
        "once more (*resent*): Telegram may already have delivered them, so each can be a "
        "*duplicate*, never a loss; one whose second call also goes unanswered would be failed "
        "*unconfirmed*. A SIGTERM finishes the calls in flight first."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--worker", nargs=2, metavar=("DB", "API"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(*args.worker))
        return
    limits = Limits(overall_per_second=LIMIT, per_chat_burst=1)  # strictly one a second per chat
    stub = BotApiStub(latency=args.latency, limits=limits).start()
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite+aiosqlite:///{Path(tmp) / 'push.db'}"
            for name, members, stop in (
                ("uninterrupted", args.members, None),
                ("SIGTERM halfway, restarted", args.members, "sigterm"),
                ("SIGKILL halfway, restarted", args.members // 2, "sigkill"),
            ):
                t0 = time.perf_counter()
                result = run_once(stub, db, members, stop, name)
                results.append(result)
                print(
                    json.dumps({**result, "seconds": round(time.perf_counter() - t0, 1)}),
                    flush=True,
                )
    finally:
        stub.stop()
    body = table(results, args.latency)
    print(body)
    write_section("Push: outbox delivery", COMMAND, body)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
