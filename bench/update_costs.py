"""What one update costs the bot, by kind, and the bot against its peer at many stored users.

Run by bench/bot.py (`python -m bench.bot`, or `--part costs` for this part alone), which writes
the section "Bot: cost per update, and the peer" of BENCHMARKS.md.

(c) Per update kind (a choice press, a typed reply in a role-play, crisis words in a role-play,
    a probable signal that gets the direct question, "no" typed or "I'm safe" pressed under
    that question, a check-in answer that gets the safety question and that question's "Not
    right now, go on", a command): database
    transactions (how many took SQLite's write lock), SQL statements and CPU, through
    `Application.process_update` over tests/offline.py's RecordingRequest. `--part kinds`
    runs this part alone and prints it.
(d) Presses per second and memory with 1,000 and 100,000 stored users, the bot (SQLite file)
    side by side with the peer (bench/peer.py: ConversationHandler + PicklePersistence), each
    measured in a fresh child process so one's memory never shows in the other's.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import common
from bench.peer import build_peer, write_stored_users
from bot import callbacks
from bot.services import CONSENT_VERSION
from scenarios.library import Library, load_library
from state import engine
from state.checkins import Checkins, ymd
from state.db.models import Run, User
from state.engine import Ask
from state.schedule import local_today
from state.store import utcnow

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from offline import TOKEN, RecordingRequest, offline_app  # noqa: E402
from texts import probable_text  # noqa: E402

SECTION = "Bot: cost per update, and the peer"
SCENARIO = "family/birthday-or-group"
FIRST_USER = 20_000_001
TYPED = "Mom, I love you, and Thursday is my group night. Can we do lunch on Friday instead?"
CRISIS = "I want to kill myself"
PROBABLE = probable_text()  # a probable signal: the direct question instead of the card
GOAL_AT_1K, GOAL_AT_100K = 1.0, 10.0
WARMUP = 5  # presses before the clock starts (the peer rewrites its whole file for each)


# ---- (c) per update kind ---------------------------------------------------------------------


class Counts:
    """Transactions (and of them writes) and statements the store's engine runs while on."""

    def __init__(self, engine_: AsyncEngine) -> None:
        self.sync = engine_.sync_engine
        self.transactions = self.writes = self.statements = 0
        event.listen(self.sync, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            self.transactions += 1
            self.writes += statement == "BEGIN IMMEDIATE"
        self.statements += 1

    def reset(self) -> None:
        self.transactions = self.writes = self.statements = 0

    def close(self) -> None:
        event.remove(self.sync, "before_cursor_execute", self._count)


async def at_the_suicide_question(checkins: Checkins, uid: int) -> None:
    """Today's check-in answered (through the service, before the clock) up to its thoughts of
    suicide, as tests/bot/test_crisis_marks.py's `checking_in` does with presses."""
    now = utcnow()
    day = local_today("UTC", now)
    for step, value in (("mood", "1"), ("emotion", "done"), ("self_harm", "0")):
        result = await checkins.answer(uid, day, step, value, now)
    assert result.checkin is not None and result.checkin.step == "suicidal", result


def suicide_at_4() -> str:
    """The check-in's button for thoughts of suicide at 4, today's: it brings the safety
    question (bot/features/checkins/conversation.py's `_answer_asking`)."""
    return callbacks.action("cisui", f"{ymd(local_today('UTC', utcnow()))}-4")


async def kind_costs(library: Library, tmp: Path, users: int) -> dict[str, dict[str, float]]:
    """Each kind's mean per update over `users` users, each set up in a role-play beforehand
    (and, for the check-in's answer, today's check-in at its question of suicide, and for its
    "go on" that answer given too, so the safety question waits; for the answers to the
    direct question, the question asked, by a probable signal typed)."""
    from bench.bot import Users, settings_for

    settings = settings_for(tmp / "kinds.db")
    out: dict[str, dict[str, float]] = {}
    async with offline_app(settings, library) as (app, request, store):
        rng = random.Random(1)
        checkin = "a check-in answer of 3+ on suicide (the question)"
        typed_no = 'a typed answer to the direct question ("no")'
        pressed_safe = "the direct question's \"I'm safe\" pressed"
        go_on = "the check-in's question's \"Not right now, go on\" pressed"
        kinds: dict[str, Callable[[int], Awaitable[None]]] = {
            "a choice button pressed": lambda uid: people.press(uid, people.choose(uid, rng)),
            "a typed reply in a role-play": lambda uid: people.send(uid, TYPED),
            "crisis words in a role-play": lambda uid: people.send(uid, CRISIS),
            "a probable signal in a role-play (the question)": lambda uid: people.send(
                uid, PROBABLE
            ),
            typed_no: lambda uid: people.send(uid, "no"),
            pressed_safe: lambda uid: people.press(uid, people.button(uid, "I'm safe")),
            checkin: lambda uid: people.press(uid, suicide_at_4()),
            go_on: lambda uid: people.press(uid, people.button(uid, "Not right now")),
            "a command (/progress)": lambda uid: people.send(uid, "/progress"),
            "a command (/help)": lambda uid: people.send(uid, "/help"),
        }
        people = Users(app, request, [FIRST_USER + i for i in range(users * len(kinds))])
        for uid in people.ids:
            await people.send(uid, "/start")
            await people.press(uid, callbacks.action("consent"))
            await people.press(uid, callbacks.scenario(SCENARIO))
        for asking in (checkin, go_on):
            at = list(kinds).index(asking)
            for uid in people.ids[at * users : (at + 1) * users]:
                await at_the_suicide_question(app.bot_data["services"].checkins, uid)
                if asking == go_on:  # the safety question asked, its buttons remembered
                    await people.press(uid, suicide_at_4())
        for asked in (typed_no, pressed_safe):
            at = list(kinds).index(asked)
            for uid in people.ids[at * users : (at + 1) * users]:
                await people.send(uid, PROBABLE)
        counts = Counts(store.engine)
        try:
            for k, (name, act) in enumerate(kinds.items()):
                ids = people.ids[k * users : (k + 1) * users]
                counts.reset()
                cpu = []
                for uid in ids:
                    c0 = time.process_time()
                    await act(uid)
                    cpu.append(time.process_time() - c0)
                out[name] = {
                    "transactions": counts.transactions / users,
                    "writes": counts.writes / users,
                    "statements": counts.statements / users,
                    "cpu_ms": statistics.median(cpu) * 1000,
                }
        finally:
            counts.close()
    return out


# ---- (d) stored users: the bot and the peer, each in a child process ----------------------


def first_choice(library: Library) -> tuple[str, list[tuple[str, str]]]:
    """The start node's name and its choice buttons (text, choice id), as every user sees it."""
    scenario = library.get(SCENARIO)
    assert scenario is not None
    _, outputs = engine.start(scenario, seed=1)
    ask = next(o for o in outputs if isinstance(o, Ask))
    return ask.node, [(o.text, o.id) for o in ask.options]


async def store_users(url: str, library: Library, users: int) -> None:
    """`users` consented users in a SQLite file, each with an active run at the start (run id =
    user number), loaded in bulk."""
    scenario = library.get(SCENARIO)
    assert scenario is not None
    state, _ = engine.start(scenario, seed=1)
    now = utcnow()
    run = {
        "scenario_id": state.scenario_id,
        "content_hash": state.content_hash,
        "node": state.node,
        "state": state.to_dict(),
        "status": "active",
        "started_at": now,
        "updated_at": now,
    }
    user = {"created_at": now, "consented_at": now, "consent_version": CONSENT_VERSION}
    await common.bulk_load(
        url,
        users,
        lambda ids: [
            (User, [{"id": i, **user} for i in ids]),
            (Run, [{"id": i, "user_id": i, **run} for i in ids]),
        ],
    )


async def presses_per_second(
    app: Any,
    request: RecordingRequest,
    users: int,
    presses: int,
    button: Callable[[int], list[tuple[str, str]]],
    flush: Callable[[], Awaitable[object]] | None = None,
) -> dict[str, float]:
    """`presses` of `users` stored users, drawn at random, each press a choice (after WARMUP to
    warm up); then `flush` (what must run before the presses are on disk), timed with them."""
    from bench.bot import Users

    opened = common.rss_kib()["VmRSS"]
    people = Users(app, request, [])
    sample = random.Random(7).sample(range(1, users + 1), presses + WARMUP)
    for uid in sample:
        people.keyboards[uid] = button(uid)
    for uid in sample[:WARMUP]:
        await people.press(uid, people.keyboards[uid][0][1])
    if flush is not None:
        await flush()
    t0, c0 = time.perf_counter(), time.process_time()
    for uid in sample[WARMUP:]:
        await people.press(uid, people.keyboards[uid][0][1])
    handled = time.perf_counter() - t0
    if flush is not None:
        await flush()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    edits = sum(1 for c in request.calls if c.method == "editMessageText")
    assert edits >= presses, f"only {edits} of {presses + WARMUP} presses were answered"
    return {
        "rate": presses / seconds,
        "handling": presses / handled,
        "cpu_ms": cpu / presses * 1000,
        **common.rss_since(opened),
    }


async def child_bot(db: Path, users: int, presses: int) -> dict[str, float]:
    """In a fresh process: the bot over the stored users (every press committed as it goes)."""
    from bench.bot import settings_for

    library = load_library()
    node, options = first_choice(library)
    async with offline_app(settings_for(db), library) as (app, request, _store):
        return await presses_per_second(
            app,
            request,
            users,
            presses,
            lambda uid: [(t, callbacks.choice(uid, 0, node, c)) for t, c in options],
        )


async def child_peer(path: Path, users: int, presses: int) -> dict[str, float]:
    """In a fresh process: the peer over the stored users; after the presses its persistence
    writes what changed, as its 60-second job would (one flush covers them all)."""
    library = load_library()
    scenario = library.get(SCENARIO)
    assert scenario is not None
    _, options = first_choice(library)
    request = RecordingRequest()
    app = build_peer(scenario, path, request, TOKEN)
    await app.initialize()  # loads every stored user's data and conversation
    return await presses_per_second(
        app, request, users, presses, lambda uid: options, app.update_persistence
    )


def child(kind: str, where: str, users: int, presses: int) -> dict[str, float]:
    run = child_bot if kind == "bot" else child_peer
    return asyncio.run(run(Path(where), users, presses))


async def stored_users(
    library: Library, tmp: Path, sizes: list[int], presses: int
) -> dict[tuple[str, int], dict[str, float]]:
    """Each (bot or peer, stored users): presses/s, CPU and memory from a child process."""
    scenario = library.get(SCENARIO)
    assert scenario is not None
    out: dict[tuple[str, int], dict[str, float]] = {}
    for users in sizes:
        db = tmp / f"stored-{users}.db"
        await store_users(f"sqlite+aiosqlite:///{db}", library, users)
        pickled = tmp / f"peer-{users}.pickle"
        write_stored_users(scenario, pickled, range(1, users + 1))
        for kind, where in (("bot", db), ("peer", pickled)):
            args = (kind, str(where), str(users), str(presses))
            out[(kind, users)] = common.run_child("bench.bot", *args)
            print(f"(d) {kind} at {users:,} users: {out[(kind, users)]}", flush=True)
    return out


# ---- report ---------------------------------------------------------------------------------


def rate(per_second: float) -> str:
    """Whole numbers from 10 up; below, two significant digits (a peer's 0.033 is not 0)."""
    return f"{per_second:,.0f}" if per_second >= 10 else f"{per_second:.2g}"


def kind_table(kinds: dict[str, dict[str, float]]) -> str:
    """(c)'s table: one row per update kind."""
    rows = "\n".join(
        f"| {name} | {k['transactions']:.1f} | {k['writes']:.1f} | {k['statements']:.1f} "
        f"| {k['cpu_ms']:.1f} |"
        for name, k in kinds.items()
    )
    return (
        "| update | transactions | of them writes | statements | CPU ms |\n"
        f"|---|---:|---:|---:|---:|\n{rows}"
    )


def report(
    kinds: dict[str, dict[str, float]],
    stored: dict[tuple[str, int], dict[str, float]],
    sizes: list[int],
    presses: int,
    per_kind: int,
) -> str:
    stored_rows = "\n".join(
        f"| {kind} | {users:,} | {rate(s['rate'])} | {rate(s['handling'])} | {s['cpu_ms']:.2f} "
        f"| {common.rss_cells(s)} |"
        for users in sizes
        for kind in ("bot", "peer")
        for s in [stored[(kind, users)]]
    )
    goals = []
    for users, goal in zip(sizes, (GOAL_AT_1K, GOAL_AT_100K), strict=False):
        ratio = stored[("bot", users)]["rate"] / stored[("peer", users)]["rate"]
        met = "**met**" if ratio >= goal else "**not met**"
        goals.append(
            f"at {users:,} stored users at least {goal:g}× the peer's rate: {met} ({ratio:.2f}×)"
        )
    return f"""
Goals (#17): {"; ".join(goals)}; memory flat in the number of stored users (the bot's \
"opened" column).

**(c) Per update kind**, through `Application.process_update` with tests/offline.py's \
RecordingRequest (no network) and a SQLite file; each row is the mean over {per_kind} users, \
each already consented and inside `{SCENARIO}` before it was counted. A transaction is a \
`BEGIN`; a write is one that took SQLite's write lock (`BEGIN IMMEDIATE`); statements count \
every SQL statement the driver ran, `BEGIN` included. CPU is this process's, median.

{kind_table(kinds)}

**(d) Stored users, the bot beside its peer.** The peer is bench/peer.py: the bot a developer \
writes first with the same library, python-telegram-bot's `ConversationHandler` with \
`PicklePersistence` (its defaults: one file, written by the 60-second job), playing the same \
scenario from the same YAML. Both hold N users already inside the scenario (loaded in bulk); \
{presses} of them, drawn at random, press a choice at the start, one after another, in a \
fresh child process per row. "Presses/s" counts what each needs before the presses are on \
disk: for the bot every press is committed before it answers; the peer's count includes the \
persistence flush its job would run for those users (`Application.update_persistence`, which \
makes `PicklePersistence` rewrite the whole file for every changed user and conversation). \
"Handling only" leaves the flush out. Memory in MiB: RSS once the store or persistence is \
loaded, after the presses, and the peak.

| who | stored users | presses/s | handling only | CPU ms per press | RSS opened | after | peak |
|---|---:|---:|---:|---:|---:|---:|---:|
{stored_rows}

The peer keeps every stored user's data in memory and its file grows with them; the bot keeps \
nothing per user in memory (state lives in the database), so its memory is the same at \
{sizes[0]:,} and {sizes[-1]:,} users. Figures move by ±30 % between runs on this 2-core machine.
"""
