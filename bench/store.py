"""Store benchmark: durable scenario steps per second, and memory against stored users.

    .venv/bin/python -m bench.store [--steps 300] [--repeats 3]

1. Throughput: `Practice.act` drives a real scenario (first option each time, restarting it at
   its end); every step is one committed transaction (SQLite: WAL, synchronous=FULL default).
2. Memory: the store is loaded with 1,000 and then 100,000 users (each with an active run),
   then a fresh process opens it and plays one step for each of N different stored users; its
   current and peak RSS are read from /proc/self/status. Goal: memory does not grow with the
   number of stored users.

Runs on SQLite (a file in a temp dir) and on PostgreSQL when TEST_DATABASE_URL is set or
127.0.0.1:5432/test answers (each run in a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import common
from bench.report import write_section
from scenarios.library import Library, load_library
from state import engine
from state.db.models import Run, User, utcnow
from state.engine import Ask, Choose, Feedback
from state.practice.service import Practice
from state.store import Store

SCENARIO = "family/birthday-or-group"
COMMAND = ".venv/bin/python -m bench.store"
WARMUP = 10


def pick_scenario(library: Library) -> str:
    if library.get(SCENARIO) is not None:
        return SCENARIO
    return sorted(library.scenarios)[0]


# ---- 1. throughput --------------------------------------------------------------------------


async def throughput(url: str, steps: int, user_id: int) -> float:
    library = load_library()
    scenario_id = pick_scenario(library)
    store = await Store.open(url)
    try:
        practice = Practice(store, library)
        turn = await practice.begin(user_id, scenario_id, seed=1)

        async def play(n: int) -> None:
            nonlocal turn
            for _ in range(n):
                if turn.ended:
                    turn = await practice.begin(user_id, scenario_id, seed=1)
                ask = next(o for o in reversed(turn.outputs) if isinstance(o, Ask))
                turn = await practice.act(
                    user_id,
                    Choose(ask.options[0].id),
                    expect_run=turn.run_id,
                    expect_step=turn.step,
                )
                assert any(isinstance(o, Feedback) for o in turn.outputs), turn

        await play(WARMUP)  # connections opened, statements prepared
        t0 = time.perf_counter()
        await play(steps)
        return steps / (time.perf_counter() - t0)
    finally:
        await store.close()


# ---- 2. memory against stored users ---------------------------------------------------------


async def populate(url: str, users: int) -> None:
    """Insert `users` users, each with an active run at the scenario's start, in bulk."""
    library = load_library()
    state, _ = engine.start(library.get(pick_scenario(library)), seed=1)
    data = state.to_dict()
    now = utcnow()
    run = {
        "scenario_id": state.scenario_id,
        "content_hash": state.content_hash,
        "node": state.node,
        "state": data,
        "status": "active",
        "started_at": now,
        "updated_at": now,
    }
    await common.bulk_load(
        url,
        users,
        lambda ids: [
            (User, [{"id": i, "created_at": now} for i in ids]),
            (Run, [{"user_id": i, **run} for i in ids]),
        ],
    )


async def child(url: str, users: int, steps: int) -> dict[str, int]:
    """In a fresh process: open the store, one step for each of `steps` stored users."""
    library = load_library()
    scenario = library.get(pick_scenario(library))
    _, outputs = engine.start(scenario, seed=1)
    first = next(o for o in outputs if isinstance(o, Ask)).options[0].id
    store = await Store.open(url)
    try:
        practice = Practice(store, library)
        opened = common.rss_kib()["VmRSS"]
        for uid in random.Random(7).sample(range(1, users + 1), steps):
            turn = await practice.act(uid, Choose(first))
            assert turn.step == 1, turn
        return common.rss_since(opened)
    finally:
        await store.close()


# ---- main -----------------------------------------------------------------------------------


async def bench(steps: int, repeats: int, mem_steps: int, sizes: list[int]) -> str:
    measured = await common.backends()
    rows_tp, rows_mem = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, pg in measured:
            async with common.fresh_database(Path(tmp), pg, "throughput") as url:
                rates = [await throughput(url, steps, 1_000_000 + i) for i in range(repeats)]
            rows_tp.append((backend, statistics.median(rates), min(rates), max(rates)))
            print(f"{backend}: {statistics.median(rates):.0f} steps/s", file=sys.stderr)

            for users in sizes:
                async with common.fresh_database(Path(tmp), pg, f"users{users}") as url:
                    t0 = time.perf_counter()
                    await populate(url, users)
                    load_s = time.perf_counter() - t0
                    args = (url, "--users", str(users), "--steps", str(mem_steps))
                    runs = [common.run_child("bench.store", *args) for _ in range(repeats)]
                    med = common.median_of(runs)
                rows_mem.append((backend, users, load_s, med))
                print(f"{backend} {users}: {med}", file=sys.stderr)

    lines = [
        "Goal: every step is one durable commit (one transaction per user action), and memory "
        "does not grow with the number of stored users (per-user state lives in the database).",
        "",
        f"**Durable steps per second** — `Practice.act` on `{SCENARIO}`, first option each time, "
        f"restarting at the end; {steps} steps per run after {WARMUP} warm-up steps, "
        f"median of {repeats} runs "
        "(SQLite: WAL, synchronous FULL, `BEGIN IMMEDIATE`; PostgreSQL: local server, "
        "`SELECT … FOR UPDATE` on the user row).",
        "",
        "| database | steps/s (median) | min | max | ms per step |",
        "|---|---:|---:|---:|---:|",
    ]
    for backend, med, lo, hi in rows_tp:
        lines.append(f"| {backend} | {med:.0f} | {lo:.0f} | {hi:.0f} | {1000 / med:.2f} |")
    lines += [
        "",
        f"**Memory against stored users** — the database is loaded with N users (each with an "
        f"active run), then a fresh process opens the store and plays one step for each of "
        f"{mem_steps} different stored users; RSS from `/proc/self/status`, median of "
        f"{repeats} processes.",
        "",
        "| database | stored users | bulk load (s) | RSS after open (MiB) | "
        f"RSS after {mem_steps} steps (MiB) | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend, users, load_s, med in rows_mem:
        lines.append(f"| {backend} | {users:,} | {load_s:.1f} | {common.rss_cells(med)} |")
    if len(measured) == 1:
        lines += ["", common.NO_PG]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mem-steps", type=int, default=300)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, don't write BENCHMARKS.md")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, args.users, args.steps))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    body = asyncio.run(bench(args.steps, args.repeats, args.mem_steps, sizes))
    print(body)
    if not args.no_write:
        write_section("Store: durable steps and memory", COMMAND, body)


if __name__ == "__main__":
    main()
