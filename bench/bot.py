"""Bot benchmark: how many updates the Telegram adapter handles, offline and against a slow API.

    .venv/bin/python -m bench.bot [--offline-updates 200] [--users 1000] [--sequential-users 30]

(a) Offline: scenario steps through `Application.process_update`, each committed to SQLite,
    against a bare PTB echo handler in the same run, both through the offline RecordingRequest
    of tests/offline.py (no network). Goal: the bot at least half the echo's rate.
(b) Against a Bot API that takes 100 ms per call (tests/stub_api.py over real HTTP on
    127.0.0.1): 1,000 users who each have an active run press a choice button at once; the real
    Application polls the stub and handles them; updates per second until every user has had
    their whole reply. Goal: >= 300 updates/s. Baselines in the same run: PTB's sequential
    processing (`concurrent_updates(False)`'s equivalent, one update at a time) on fewer users,
    and the concurrent bot WITH the AIORateLimiter, which caps everything at ~30 messages/s.

Writes the section "Bot: update throughput" of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, TypeHandler, filters
from telegram.request import HTTPXRequest

from bench.report import write_section
from bot import callbacks
from bot.app import build_application
from bot.services import CONSENT_VERSION, Services
from bot.settings import Settings
from scenarios.library import Library, load_library
from state import engine
from state.coach import match_reply
from state.engine import Ask
from state.practice import Practice
from state.safety import DEFAULT_RESOURCES
from state.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from offline import BOT_ID, TOKEN, RecordingRequest, keyboard  # noqa: E402
from stub_api import BotApiStub, Sent  # noqa: E402

COMMAND = "python -m bench.bot"
SECTION = "Bot: update throughput"
SCENARIO = "family/birthday-or-group"
LATENCY = 0.1
GOAL_RATIO = 0.5
GOAL_RATE = 300.0
FIRST_USER = 10_000_001
TABLE_HEAD = (
    "| processing | users | rate limiter | seconds | updates/s | bot CPU ms per update "
    "| API calls per update | replied |\n|---|---:|---|---:|---:|---:|---:|---:|"
)
COUNTER_GROUP = 1_000_000  # after every group bot.app uses (the gate's "after" is 100)


def settings_for(db: Path, base_url: str | None = None, file_url: str | None = None) -> Settings:
    extra: dict[str, Any] = {}
    if base_url and file_url:
        extra = {"telegram_api_base_url": base_url, "telegram_api_file_base_url": file_url}
    return Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=f"sqlite+aiosqlite:///{db}",
        webhook_url=None,
        log_level="WARNING",
        **extra,
    )


async def open_services(settings: Settings, library: Library) -> Services:
    store = await Store.open(settings.database_url)
    practice = Practice(store, library, match_reply)
    return Services(settings, store, library, practice, DEFAULT_RESOURCES)


# ---- (a) offline: the bot against a bare echo handler ----------------------------------------


class Users:
    """Participants sharing one RecordingRequest; updates built as tests/offline.py's Chat does."""

    def __init__(self, app: Application, request: RecordingRequest, ids: list[int]) -> None:
        self.app, self.request, self.ids = app, request, ids
        self.update_ids = iter(range(1, 1 << 40))
        self.keyboards: dict[int, list[tuple[str, str]]] = {}
        self.seen = 0

    def _user(self, uid: int) -> dict[str, Any]:
        return {"id": uid, "is_bot": False, "first_name": "Pat"}

    async def feed(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))
        calls = self.request.calls
        for call in calls[self.seen :]:  # remember each chat's newest keyboard
            if call.method == "sendMessage":
                buttons = keyboard(call.params)
                if buttons:
                    self.keyboards[int(call.params["chat_id"])] = buttons
        self.seen = len(calls)
        if self.seen > 50_000:
            calls.clear()
            self.seen = 0

    async def send(self, uid: int, text: str) -> None:
        message: dict[str, Any] = {
            "message_id": next(self.update_ids),
            "date": 0,
            "chat": {"id": uid, "type": "private"},
            "from": self._user(uid),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        await self.feed({"update_id": next(self.update_ids), "message": message})

    async def press(self, uid: int, data: str) -> None:
        buttons = self.keyboards.get(uid, [("b", data)])
        query = {
            "id": str(next(self.update_ids)),
            "from": self._user(uid),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 555,
                "date": 0,
                "chat": {"id": uid, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
                "text": "…",
                "reply_markup": {
                    "inline_keyboard": [[{"text": t, "callback_data": d}] for t, d in buttons]
                },
            },
        }
        await self.feed({"update_id": next(self.update_ids), "callback_query": query})

    def choose(self, uid: int, rng: random.Random) -> str:
        """A random choice button, or "Try again" at a debrief (a new run: also one commit)."""
        buttons = self.keyboards[uid]
        choices = [d for _, d in buttons if d.startswith("c:")]
        if choices:
            return rng.choice(choices)
        return next(d for t, d in buttons if t == "Try again")


async def offline_bot(library: Library, tmp: Path, users: int, updates: int, repeats: int) -> dict:
    settings = settings_for(tmp / "offline.db")
    services = await open_services(settings, library)
    request = RecordingRequest()
    app = build_application(
        settings, services, request=request, updates_request=RecordingRequest(), rate_limit=False
    )
    app.bot_data["owns_store"] = False
    await app.initialize()
    try:
        people = Users(app, request, [FIRST_USER + i for i in range(users)])
        for uid in people.ids:  # consent, then open the scenario
            await people.send(uid, "/start")
            await people.press(uid, callbacks.action("consent"))
            await people.press(uid, callbacks.scenario(SCENARIO))
        rng = random.Random(0)

        async def presses(n: int) -> float:
            t0 = time.perf_counter()
            for i in range(n):
                uid = people.ids[i % len(people.ids)]
                await people.press(uid, people.choose(uid, rng))
            return n / (time.perf_counter() - t0)

        await presses(users)  # warm-up: statements prepared, pages cached
        store_run = services.store.run
        in_store = {"seconds": 0.0, "calls": 0}

        async def timed_run(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await store_run(*a, **kw)
            finally:
                in_store["seconds"] += time.perf_counter() - t0
                in_store["calls"] += 1

        services.store.run = timed_run  # type: ignore[method-assign]
        c0 = time.process_time()
        rates = [await presses(updates) for _ in range(repeats)]
        cpu = (time.process_time() - c0) / (updates * repeats)
        store_ms = in_store["seconds"] / (updates * repeats) * 1000
        transactions = in_store["calls"] / (updates * repeats)
        calls_per_update = await count_calls(people, rng)
        return {
            "rate": statistics.median(rates),
            "rates": rates,
            "calls": calls_per_update,
            "cpu_ms": cpu * 1000,
            "store_ms": store_ms,
            "transactions": transactions,
        }
    finally:
        await app.shutdown()
        await services.store.close()


async def count_calls(people: Users, rng: random.Random, n: int = 100) -> float:
    people.request.calls.clear()
    people.seen = 0
    for i in range(n):
        uid = people.ids[i % len(people.ids)]
        await people.press(uid, people.choose(uid, rng))
    return len(people.request.calls) / n


async def offline_echo(users: int, updates: int, repeats: int) -> float:
    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    request = RecordingRequest()
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(request)
        .get_updates_request(RecordingRequest())
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    try:
        people = Users(app, request, [FIRST_USER + i for i in range(users)])

        async def messages(n: int) -> float:
            t0 = time.perf_counter()
            for i in range(n):
                await people.send(people.ids[i % users], f"hello number {i}")
            return n / (time.perf_counter() - t0)

        await messages(users)
        return statistics.median([await messages(updates) for _ in range(repeats)])
    finally:
        await app.shutdown()


# ---- (b) against a Bot API stub that answers in 100 ms --------------------------------------


@dataclass
class Online:
    users: int
    seconds: float
    calls_per_update: float
    failed: int
    cpu: float  # seconds of this process's CPU (bot and stub threads) while handling

    @property
    def rate(self) -> float:
        return self.users / self.seconds


class Stub(BotApiStub):
    """tests/stub_api.py's stub without two artefacts of Python's http.server under load.

    Its handler writes the headers and the body in two sends; with Nagle's algorithm on, the body
    waits for the client's delayed ACK, adding ~40 ms to every call on top of the stub's
    `latency`, which Telegram does not do. And socketserver listens with a backlog of 5, so a
    burst of new connections is reset. Both are fixed here so the 100 ms is the only delay.
    """

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(latency)
        self.server.socket.listen(1024)

    def _handler(self):  # noqa: ANN202 - the stub's own handler class, subclassed
        class Handler(super()._handler()):
            disable_nagle_algorithm = True

        return Handler


def serve_stub(conn: Connection, latency: float) -> None:
    """The stub in its own process, driven over a pipe.

    In the bot's process its threads (one per connection) would take the GIL from the bot's
    event loop and be counted as the bot's work; Telegram runs elsewhere too.
    """
    api = Stub(latency=latency).start()
    conn.send((api.base_url, api.file_url))
    while True:
        command, arg = conn.recv()
        if command == "press":
            for uid, data, message in arg:
                api.press(uid, data, message)
            conn.send(None)
        elif command == "mark":
            with api.cond:
                conn.send(len(api.calls))
        elif command == "since":
            with api.cond:
                calls = [c for c in api.calls[arg:] if c.method != "getUpdates"]
            replied = {c.chat_id for c in calls if c.method == "sendMessage" and c.buttons}
            conn.send((len(calls), replied))
        elif command == "stop":
            api.stop()
            conn.send(None)
            return


class StubProcess:
    def __init__(self, latency: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve_stub, args=(child, latency), daemon=True)
        self.process.start()
        self.base_url, self.file_url = self.conn.recv()

    def ask(self, command: str, arg: Any = None) -> Any:
        self.conn.send((command, arg))
        return self.conn.recv()

    def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.ask("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


async def prepare_runs(services: Services, ids: list[int]) -> dict[int, tuple[str, Sent]]:
    """Consent and an active run for each user; the button each will press, on its message."""
    store = services.store

    async def consent(uow: Any) -> None:
        for uid in ids:
            await uow.users.set_consent(uid, CONSENT_VERSION)

    await store.run(None, consent)
    starts: dict[int, tuple[int, Any]] = {}
    scenario = services.library.get(SCENARIO)
    assert scenario is not None

    async def begin_all(uow: Any) -> None:
        # What Practice.begin does for each user, in one transaction rather than 1,000.
        for i, uid in enumerate(ids):
            state, outputs = engine.start(scenario, seed=i)
            starts[uid] = (await uow.runs.create(uid, state), outputs)

    await store.run(None, begin_all)
    buttons: dict[int, tuple[str, Sent]] = {}
    for i, uid in enumerate(ids):
        run_id, outputs = starts[uid]
        ask = next(o for o in outputs if isinstance(o, Ask))
        option = ask.options[i % len(ask.options)]
        data = callbacks.choice(run_id, 0, ask.node, option.id)
        rows = [
            [{"text": o.text, "callback_data": callbacks.choice(run_id, 0, ask.node, o.id)}]
            for o in ask.options
        ]
        markup = {"inline_keyboard": rows}
        message = Sent("sendMessage", {"chat_id": uid, "text": "…", "reply_markup": markup}, 1 + i)
        buttons[uid] = (data, message)
    return buttons


async def online(
    library: Library,
    tmp: Path,
    name: str,
    users: int,
    *,
    sequential: bool,
    rate_limit: bool,
    concurrency: int = 256,
) -> Online:
    api = StubProcess(LATENCY)
    settings = settings_for(tmp / f"{name}.db", api.base_url, api.file_url)
    services = await open_services(settings, library)
    ids = [FIRST_USER + i for i in range(users)]
    try:
        buttons = await prepare_runs(services, ids)
        concurrency = 1 if sequential else concurrency
        app = build_application(settings, services, rate_limit=rate_limit, concurrency=concurrency)
        app.bot_data["owns_store"] = False
        done = asyncio.Event()
        handled = 0
        finished_at = 0.0

        async def count(update: object, context: Any) -> None:
            # The last group: runs once every other handler has awaited all it sent and wrote.
            nonlocal handled, finished_at
            handled += 1
            if handled == users:
                finished_at = time.perf_counter()
                done.set()

        app.add_handler(TypeHandler(Update, count), group=COUNTER_GROUP)
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        before = api.ask("mark")
        presses = [(uid, *buttons[uid]) for uid in ids]
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.to_thread(api.ask, "press", presses)
        await asyncio.wait_for(done.wait(), timeout=600)
        seconds, cpu = finished_at - t0, time.process_time() - c0
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        calls, replied = api.ask("since", before)
        failed = len(set(ids) - replied)
        return Online(users, seconds, calls / users, failed, cpu)
    finally:
        await services.store.close()
        api.stop()


async def http_cost(calls: int, concurrency: int) -> tuple[float, float]:
    """(process CPU ms, wall ms) per Bot API call through PTB's HTTPXRequest, `concurrency` at once.

    httpcore's pool walks all its connections on every request (encode/httpcore#1035), so the
    CPU a call costs grows with the connections a big pool keeps open.
    """
    api = StubProcess(LATENCY)
    request = HTTPXRequest(connection_pool_size=concurrency, pool_timeout=30)
    bot = Bot(TOKEN, base_url=api.base_url, request=request)
    try:
        await bot.initialize()
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                await bot.send_message(FIRST_USER + i, "hello")

        await asyncio.gather(*(one(i) for i in range(concurrency)))  # connections opened
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(calls)))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return cpu / calls * 1000, wall / calls * 1000
    finally:
        await bot.shutdown()
        api.stop()


# ---- report --------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> str:
    library = load_library()
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmpdir:
        tmp = Path(tmpdir)
        started = time.perf_counter()
        bot = await offline_bot(
            library, tmp, args.offline_users, args.offline_updates, args.repeats
        )
        echo = await offline_echo(args.offline_users, args.offline_updates * 5, args.repeats)
        print(f"(a) bot {bot['rate']:.0f} updates/s, echo {echo:.0f}/s", flush=True)
        concurrent = await online(
            library, tmp, "concurrent", args.users, sequential=False, rate_limit=False
        )
        print(f"(b) concurrent {concurrent.rate:.1f}/s", flush=True)
        sequential = await online(
            library, tmp, "sequential", args.sequential_users, sequential=True, rate_limit=False
        )
        print(f"(b) sequential {sequential.rate:.1f}/s", flush=True)
        limited = await online(
            library, tmp, "limited", args.limited_users, sequential=False, rate_limit=True
        )
        print(f"(b) rate-limited {limited.rate:.1f}/s", flush=True)
        http_one = await http_cost(30, 1)
        http_many = await http_cost(600, 256)
        print(f"http CPU per call: {http_one[0]:.2f} ms alone, {http_many[0]:.2f} ms", flush=True)
        elapsed = time.perf_counter() - started
    return report(args, bot, echo, concurrent, sequential, limited, http_one, http_many, elapsed)


def report(
    args: argparse.Namespace,
    bot: dict,
    echo: float,
    concurrent: Online,
    sequential: Online,
    limited: Online,
    http_one: tuple[float, float],
    http_many: tuple[float, float],
    elapsed: float,
) -> str:
    ratio = bot["rate"] / echo
    a_met = "**met**" if ratio >= GOAL_RATIO else "**not met**"
    b_met = "**met**" if concurrent.rate >= GOAL_RATE and not concurrent.failed else "**not met**"
    rows = [
        ("concurrent: the bot as built (per-user locks, 256 at once)", concurrent, "off"),
        ("sequential: one update at a time, PTB's default", sequential, "off"),
        ("concurrent, with `AIORateLimiter` as deployed", limited, "on, 30 msg/s"),
    ]
    table = "\n".join(
        f"| {label} | {r.users:,} | {limit} | {r.seconds:.1f} | {r.rate:,.1f} "
        f"| {r.cpu / r.users * 1000:.0f} | {r.calls_per_update:.1f} "
        f"| {r.users - r.failed:,}/{r.users:,} |"
        for label, r, limit in rows
    )
    rates = ", ".join(f"{r:.0f}" for r in bot["rates"])
    cpu_online = concurrent.cpu / concurrent.users * 1000
    return f"""
Goals: (a) a scenario step through the whole bot at least {GOAL_RATIO} of a bare echo handler's \
rate: {a_met} ({ratio:.2f}). (b) at least {GOAL_RATE:.0f} updates/s from 1,000 users against a \
Bot API that answers in {LATENCY * 1000:.0f} ms: {b_met} ({concurrent.rate:,.1f}/s, rate \
limiter off, see below). Both are bound by CPU, not by waiting: see "Where the time goes".

**(a) Offline, one update at a time through `Application.process_update`**, with \
tests/offline.py's RecordingRequest answering every Bot API call at once and a SQLite file \
(WAL). The bot: {args.offline_users} consented users take turns pressing a random offered \
choice of `{SCENARIO}` ("Try again" at a debrief); each press is {bot["transactions"]:.1f} \
committed transactions (the update gate's read, then the step) and {bot["calls"]:.1f} Bot API \
calls (answerCallbackQuery, editMessageText, a sendMessage per line). The echo: an Application \
with one MessageHandler replying with the same text. Median of {args.repeats} passes.

| handler | updates per pass | updates/s (median) | ms per update | of which in `Store.run` |
|---|---:|---:|---:|---:|
| the bot, a scenario step | {args.offline_updates} | {bot["rate"]:,.0f} ({rates}) \
| {1000 / bot["rate"]:.1f} | {bot["store_ms"]:.1f} ms |
| bare PTB echo | {args.offline_updates * 5} | {echo:,.0f} | {1000 / echo:.1f} | — |
| ratio bot/echo | | **{ratio:.2f}** | | |

**(b) Against a slow Bot API**: `BotApiStub(latency={LATENCY})` from tests/stub_api.py over \
HTTP on 127.0.0.1, in a child process (its threads would otherwise take the GIL from the bot), \
with TCP_NODELAY and a listen backlog of 1,024 so that the 100 ms is the only delay (`Stub` in \
bench/bot.py says why). The bot is built by `build_application` (httpx pool = concurrency) and \
polls the stub with `start_polling`, in this process. Each user already has an active run \
(consent, then what `Practice.begin` does, in one transaction beforehand, not timed); \
all presses are queued at once and the clock stops when the last update's handlers have \
awaited everything they sent and wrote; \
"replied" counts users whose next keyboard reached the stub.

{TABLE_HEAD}
{table}

Concurrent vs sequential: **{concurrent.rate / sequential.rate:,.1f}×** (sequential is \
`build_application(concurrency=1)`: PTB's `concurrent_updates(False)` is the same processor \
with one slot). **The main figure has the rate limiter off**: PTB's `AIORateLimiter` holds \
every message to a chat to Telegram's ~30 per second overall, so with it a reply of \
{limited.calls_per_update:.0f} calls caps the bot near {limited.rate:.0f} updates/s whatever \
its own concurrency. It stays on in deployment, where it keeps the bot inside Telegram's flood \
limits; (b) measures the bot's own concurrency.

**Where the time goes.** Handling a press costs the bot's process about {cpu_online:.0f} ms of \
CPU against the stub ({bot["cpu_ms"]:.0f} ms offline), so one event loop tops out near \
{1000 / cpu_online:.0f} updates/s however many updates wait on the network; {GOAL_RATE:.0f}/s \
needs under {1000 / GOAL_RATE:.1f} ms. The two big parts: the database, \
{bot["store_ms"]:.1f} ms of wall time per update inside `Store.run` offline, where the whole \
process used {bot["cpu_ms"]:.0f} ms of CPU per update (SQLAlchemy's async ORM over aiosqlite: \
each statement, BEGIN and COMMIT is a hand-off to aiosqlite's worker thread, which on a busy \
2-core machine waits for a core), and the HTTP calls: a Bot API call through \
PTB's `HTTPXRequest` costs {http_one[0]:.1f} ms of CPU alone and {http_many[0]:.1f} ms with 256 \
in flight on a 256-connection pool (httpcore 1.0's pool scans every connection on each request, \
encode/httpcore#1035). Neither is in the files this bench may change (bot/processor.py, \
bot/send.py, `build_application`): the per-user processor admits 256 updates at once and is \
not the limit. SQLite's single writer is not the limit either at this rate (offline, one \
transaction costs a few ms of Python for well under 1 ms of SQLite).

The bot's CPU in (b) also counts the repeating jobs other features register (group reports, \
check-ins, outbox). Whole run {elapsed:.0f} s. The machine is shared with other work \
(2 cores, often 3-6 runnable processes while this ran), which inflates every CPU figure here.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline-users", type=int, default=50)
    parser.add_argument("--offline-updates", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--sequential-users", type=int, default=30)
    parser.add_argument("--limited-users", type=int, default=60)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Other features' repeating jobs say when a run is skipped under load; not this bench's news.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    body = asyncio.run(run(args))
    print(body.strip())
    if not args.no_write:
        write_section(SECTION, COMMAND, body)


if __name__ == "__main__":
    main()
