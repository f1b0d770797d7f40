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
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert

from bench.report import write_section
from scenarios.library import Library, load_library
from state import engine
from state.db.models import Run, User, utcnow
from state.db.session import make_engine, normalize_url
from state.engine import Ask, Choose, Feedback
from state.practice import Practice
from state.store import Store

SCENARIO = "family/birthday-or-group"
LOCAL_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
COMMAND = ".venv/bin/python -m bench.store"
WARMUP = 10


def rss_kib() -> dict[str, int]:
    """Current (VmRSS) and peak (VmHWM) resident memory of this process, in KiB."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except OSError:
        pass
    out.setdefault("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    out.setdefault("VmRSS", out["VmHWM"])
    return out


def pick_scenario(library: Library) -> str:
    if library.get(SCENARIO) is not None:
        return SCENARIO
    return sorted(library.scenarios)[0]


# ---- databases ------------------------------------------------------------------------------


async def postgres_base() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or LOCAL_PG
    eng = make_engine(url)
    try:
        async with asyncio.timeout(5), eng.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        return url
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("TEST_DATABASE_URL"):
            raise SystemExit(f"TEST_DATABASE_URL is set but unusable: {exc}") from exc
        return None
    finally:
        await eng.dispose()


async def pg_schema(base: str, drop: str | None = None) -> str:
    """Create a fresh schema and return a URL that uses it (or drop `drop`)."""
    eng = make_engine(base)
    try:
        async with eng.begin() as conn:
            if drop:
                await conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{drop}" CASCADE')
                return ""
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        await eng.dispose()
    url = normalize_url(base).update_query_dict({"search_path": schema})
    return url.render_as_string(hide_password=False)


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
    store = await Store.open(url)
    await store.close()
    eng = make_engine(url)
    now = utcnow()
    try:
        for lo in range(1, users + 1, 10_000):
            ids = range(lo, min(lo + 10_000, users + 1))
            async with eng.begin() as conn:
                await conn.execute(insert(User), [{"id": i, "created_at": now} for i in ids])
                await conn.execute(
                    insert(Run),
                    [
                        {
                            "user_id": i,
                            "scenario_id": state.scenario_id,
                            "content_hash": state.content_hash,
                            "node": state.node,
                            "state": data,
                            "status": "active",
                            "started_at": now,
                            "updated_at": now,
                        }
                        for i in ids
                    ],
                )
    finally:
        await eng.dispose()


async def child(url: str, users: int, steps: int) -> dict[str, int]:
    """In a fresh process: open the store, one step for each of `steps` stored users."""
    library = load_library()
    scenario = library.get(pick_scenario(library))
    _, outputs = engine.start(scenario, seed=1)
    first = next(o for o in outputs if isinstance(o, Ask)).options[0].id
    store = await Store.open(url)
    try:
        practice = Practice(store, library)
        opened = rss_kib()["VmRSS"]
        for uid in random.Random(7).sample(range(1, users + 1), steps):
            turn = await practice.act(uid, Choose(first))
            assert turn.step == 1, turn
        after = rss_kib()
    finally:
        await store.close()
    return {"opened": opened, "after": after["VmRSS"], "peak": after["VmHWM"]}


def run_child(url: str, users: int, steps: int) -> dict[str, int]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.store",
            "--child",
            url,
            "--users",
            str(users),
            "--steps",
            str(steps),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- main -----------------------------------------------------------------------------------


async def bench(steps: int, repeats: int, mem_steps: int, sizes: list[int]) -> str:
    pg = await postgres_base()
    backends = ["sqlite"] + (["postgresql"] if pg else [])
    rows_tp, rows_mem = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:

            async def fresh(name: str, backend: str = backend) -> tuple[str, str | None]:
                if backend == "sqlite":
                    return f"sqlite+aiosqlite:///{Path(tmp) / name}.db", None
                url = await pg_schema(pg)
                return url, normalize_url(url).query["search_path"]

            url, schema = await fresh("throughput")
            rates = [await throughput(url, steps, 1_000_000 + i) for i in range(repeats)]
            if schema:
                await pg_schema(pg, drop=schema)
            rows_tp.append((backend, statistics.median(rates), min(rates), max(rates)))
            print(f"{backend}: {statistics.median(rates):.0f} steps/s", file=sys.stderr)

            for users in sizes:
                url, schema = await fresh(f"users{users}")
                t0 = time.perf_counter()
                await populate(url, users)
                load_s = time.perf_counter() - t0
                runs = [run_child(url, users, mem_steps) for _ in range(repeats)]
                if schema:
                    await pg_schema(pg, drop=schema)
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                rows_mem.append((backend, users, load_s, med))
                print(f"{backend} {users}: {med}", file=sys.stderr)

    mib = 1024
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
        lines.append(
            f"| {backend} | {users:,} | {load_s:.1f} | {med['opened'] / mib:.1f} | "
            f"{med['after'] / mib:.1f} | {med['peak'] / mib:.1f} |"
        )
    if not pg:
        lines += ["", "PostgreSQL was not reachable, so only SQLite was measured."]
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
