"""Check-ins bench: finding who is due and queueing them, with 100,000 participants stored.

    .venv/bin/python -m bench.checkins [--users 100000] [--due 2000,20000,100000] [--repeats 3]

1. Time: the database holds N participants with check-in settings (a mix of ten zones, times
   spread over the day); D of them are due. `state.checkins.run_due` finds them through the
   index on `next_due_at`, queues D outbox rows and moves D `next_due_at` on, one transaction
   per batch of 1,000. One in ten of the due ones had a crisis card yesterday (`crisis_on`,
   the diary card's follow-up, #19), so the same run also queues their "how are you today?".
   Each repeat first puts the same D rows back to due and empties the outbox (not timed).
   Median of the repeats. Goal: under one second for 2,000 due of 100,000.
2. Memory: a fresh process opens the store holding 1,000 or 100,000 participants and runs the
   job for the same number of due ones; its RSS (`/proc/self/status`) after opening, after the
   run and at peak. Goal: flat in the number stored.

SQLite (a temp file) always; PostgreSQL too when TEST_DATABASE_URL is set or 127.0.0.1:5432/test
answers (a fresh schema each time, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import delete, select, text, update

from bench import common
from bench.report import write_section
from state import checkins
from state.db.checkins import CheckinSettings
from state.db.models import OutboxMessage, User
from state.db.session import make_engine, normalize_url
from state.store import Store

COMMAND = ".venv/bin/python -m bench.checkins"
SECTION = "Check-ins: finding who is due"
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
    "UTC+05:30",
)
NOW = datetime(2026, 6, 1, 12, 0, 30, tzinfo=UTC)
FOLLOWUP_EVERY = 10  # one due participant in ten had a crisis yesterday: a follow-up too


async def populate(url: str, users: int) -> None:
    """N consented users with active check-in settings, in bulk; none due yet."""
    await common.bulk_load(
        url,
        users,
        lambda ids: [
            (User, [{"id": i, "created_at": NOW, "consented_at": NOW} for i in ids]),
            (
                CheckinSettings,
                [
                    {
                        "user_id": i,
                        "local_time": clock_time(i % 24, (i * 7) % 60),
                        "timezone": ZONES[i % len(ZONES)],
                        "active": True,
                        # Spread over the next day, never due before `reset` says so.
                        "next_due_at": NOW + timedelta(minutes=5 + i % 1400),
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for i in ids
                ],
            ),
        ],
    )


async def reset(url: str, due: int, users: int) -> None:
    """Make `due` participants (evenly spread ids) due at NOW, and empty the outbox."""
    step = max(1, users // due)
    eng = make_engine(url)
    try:
        async with eng.begin() as conn:
            await conn.execute(delete(OutboxMessage))
            await conn.execute(
                update(CheckinSettings)
                .where(CheckinSettings.next_due_at <= NOW + timedelta(minutes=1))
                .values(next_due_at=NOW + timedelta(days=2))
            )
            ids = list(range(1, users + 1, step))[:due]
            for lo in range(0, len(ids), common.CHUNK):
                await conn.execute(
                    update(CheckinSettings)
                    .where(CheckinSettings.user_id.in_(ids[lo : lo + common.CHUNK]))
                    .values(next_due_at=NOW - timedelta(seconds=20))
                )
            crisis = ids[::FOLLOWUP_EVERY]
            for lo in range(0, len(crisis), common.CHUNK):
                await conn.execute(
                    update(CheckinSettings)
                    .where(CheckinSettings.user_id.in_(crisis[lo : lo + common.CHUNK]))
                    .values(crisis_on=NOW.date() - timedelta(days=1))
                )
    finally:
        await eng.dispose()
    if eng.dialect.name == "sqlite":
        # Fold the reset's writes into the database file now, so the timed run does not pay
        # for checkpointing them.
        path = normalize_url(url).database
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()


async def plan(url: str) -> str:
    """How the database finds who is due (it should name the next_due_at index)."""
    eng = make_engine(url)
    stmt = (
        select(CheckinSettings.user_id)
        .where(CheckinSettings.next_due_at <= NOW, CheckinSettings.active.is_(True))
        .order_by(CheckinSettings.next_due_at)
        .limit(1000)
    )
    try:
        async with eng.connect() as conn:
            compiled = stmt.compile(conn.sync_engine, compile_kwargs={"literal_binds": True})
            prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
            rows = (await conn.execute(text(prefix + str(compiled)))).all()
    finally:
        await eng.dispose()
    return " / ".join(str(r[-1]).strip() for r in rows)


async def time_due(url: str, due: int, users: int, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        await reset(url, due, users)
        store = await Store.open(url, upgrade=False)
        try:
            await store.run(None, lambda uow: uow.session.execute(select(1)))  # warm pool
            t0 = time.perf_counter()
            result = await checkins.run_due(store, NOW)
            times.append(time.perf_counter() - t0)
        finally:
            await store.close()
        assert result.queued == due, (result, due)
        assert result.followups == len(range(0, due, FOLLOWUP_EVERY)), result
    return statistics.median(times), times


async def child(url: str) -> dict[str, int]:
    store = await Store.open(url, upgrade=False)
    try:
        opened = common.rss_kib()["VmRSS"]
        result = await checkins.run_due(store, NOW)
        return {"queued": result.queued, **common.rss_since(opened)}
    finally:
        await store.close()


async def bench(
    users: int, dues: list[int], repeats: int, mem_sizes: list[int], mem_due: int
) -> str:
    measured = await common.backends()
    rows_time, rows_mem, plans = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend, pg in measured:
            async with common.fresh_database(Path(tmp), pg, "time") as url:
                t0 = time.perf_counter()
                await populate(url, users)
                load = time.perf_counter() - t0
                plans[backend] = await plan(url)
                for due in dues:
                    med, times = await time_due(url, due, users, repeats)
                    rows_time.append((backend, users, due, load, med, min(times), max(times)))
                    print(f"{backend} {due}/{users}: median {med * 1000:.0f} ms", file=sys.stderr)

            for size in mem_sizes:
                async with common.fresh_database(Path(tmp), pg, f"mem{size}") as url:
                    await populate(url, size)
                    runs = []
                    for _ in range(repeats):
                        await reset(url, min(mem_due, size), size)
                        runs.append(common.run_child("bench.checkins", url))
                mem = common.median_of(runs)
                rows_mem.append((backend, size, mem))
                print(f"{backend} memory {size}: {mem}", file=sys.stderr)

    lines = [
        "Goal: with 100,000 participants stored, finding who is due and queueing them takes "
        "under one second, and memory stays flat in the number stored. One repeating job asks "
        "the database (index on `checkin_settings.next_due_at`); one transaction per batch of "
        f"{checkins.BATCH:,} queues the outbox rows and moves `next_due_at` on. One due "
        f"participant in {FOLLOWUP_EVERY} had a crisis card the day before, so the same run "
        "queues their one follow-up too (the diary card's, #19).",
        "",
        f"**Time** — `state.checkins.run_due` with N stored, D due; median of {repeats} runs "
        "(each starts from the same D due rows and an empty outbox).",
        "",
        "| database | stored | due | bulk load (s) | run_due median (ms) | min | max | "
        "µs per due |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, n, due, load, med, lo, hi in rows_time:
        lines.append(
            f"| {backend} | {n:,} | {due:,} | {load:.1f} | {med * 1000:.0f} | {lo * 1000:.0f} | "
            f"{hi * 1000:.0f} | {med * 1e6 / due:.0f} |"
        )
    lines += ["", "Query plan for the due query:"]
    for backend, text_ in plans.items():
        lines.append(f"- {backend}: `{text_}`")
    lines += [
        "",
        f"**Memory** — a fresh process opens the store and runs the job for {mem_due:,} due "
        f"participants; median of {repeats} processes.",
        "",
        "| database | stored | RSS after open (MiB) | RSS after run (MiB) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for backend, size, mem in rows_mem:
        lines.append(f"| {backend} | {size:,} | {common.rss_cells(mem)} |")
    if len(measured) == 1:
        lines += ["", common.NO_PG]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--due", default="2000,20000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mem-sizes", default="1000,100000")
    parser.add_argument("--mem-due", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, don't write BENCHMARKS.md")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child))))
        return
    body = asyncio.run(
        bench(
            args.users,
            [int(d) for d in args.due.split(",")],
            args.repeats,
            [int(s) for s in args.mem_sizes.split(",")],
            args.mem_due,
        )
    )
    print(body)
    if not args.no_write:
        write_section(SECTION, COMMAND, body)


if __name__ == "__main__":
    main()
