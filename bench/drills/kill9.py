"""Drill: participants play while the bot is killed with SIGKILL at random moments.

    .venv/bin/python -m bench.drills.kill9 [--users 200] [--kills 5] [--seed 1] [--db URL]

`rehearse run` (long polling; a SQLite file by default, `--db` for PostgreSQL, in a private
schema dropped afterwards) plays against tests/stub_api.py's Bot API stub over HTTP. Every
participant plays `family/birthday-or-group` to its debrief, pressing the newest button it
received; a press is pressed again when nothing came back for `--timeout` seconds (not even
the button's toast), or for 3 × `--timeout` when the toast came but no message. When the process
died after committing a step but before replying, the old keyboard is still the newest: its
re-press gets the toast "That button has expired." and a message "That button has expired.
Here is where you are now." with the current lines and a fresh keyboard, which the participant
simply presses ("recovered"). Only when an expired toast brings no message for 3 × `--timeout`
seconds (the run already ended with the lost step, or the bot died again before replying) does
the participant open the scenario again ("reopened").
Meanwhile the bot gets SIGKILL `--kills` times, 2–6 s apart, and is started again each time.

Then the drill reads the database (runs, turns, processed_updates through state.store.Store) and
the stub's record. Each feedback is attributed to the keyboard it answers. It comes in the edit
of the pressed message (its buttons and the words written under it give run, node and choice),
or, when the edit was refused, as a message quoting the choice (the newest keyboard before it
offering that choice). An edit repeated by a retry is one feedback: it looks the same.
Lost = a feedback the participant saw whose step is not stored; duplicate = a second
feedback for the same (chat, run step). Stored steps whose feedback never arrived (killed between
commit and reply) are counted too: that is the honest cost of a crash, not lost progress (the
"where you are now" message re-sends the current step, not the lost feedback).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.report import write_section  # noqa: E402
from state.db.models import ProcessedUpdate, Turn  # noqa: E402
from state.db.session import make_engine  # noqa: E402
from state.store import Store  # noqa: E402
from stub_api import BotApiStub, Sent, distinct_feedback  # noqa: E402
from stub_api import start_bot as launch_bot  # noqa: E402

SCENARIO = "family/birthday-or-group"
CHOICES = [  # (button label, words the feedback quotes)
    ("Tomorrow is my group night", "Mom, tomorrow is Thursday"),
    ("I feel torn, and group matters", "I hear that this matters to you"),
    ("My recovery is for us too", "My recovery matters to me and to us"),
    ("I'll take Dana to lunch Saturday", "Tell her I love her"),
]
CHOSEN = re.compile(r"➜ <i>(.*?)</i>")  # what was said, under the message it answered
SORRY = "Sorry, something went wrong"
RECOVERY = "That button has expired. Here is where you are now."
COMMAND = ".venv/bin/python -m bench.drills.kill9 --users 200"


class RecordingStub(BotApiStub):
    """BotApiStub that also indexes every delivered message by chat, in order."""

    def __init__(self) -> None:
        # Flood limits off, as when these figures were measured: the drill is about faults.
        super().__init__(limits=None)
        self.by_chat: dict[int, list[Sent]] = defaultdict(list)
        self.edits_by_chat: dict[int, list[Sent]] = defaultdict(list)  # delivered edits
        self.answers: dict[str, str] = {}  # callback query id -> the toast text it got
        self.pressed_at: dict[str, float] = {}  # callback query id -> when it was pressed
        self.pressed_by: dict[str, int] = {}  # callback query id -> who pressed it
        self.acted_at: dict[int, list[float]] = defaultdict(list)  # user -> each press or text

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = super().push(kind, payload)
        with self.cond:
            self.acted_at[int(payload["from"]["id"])].append(time.monotonic())
        return update_id

    def press_query(self, user_id: int, data: str, message: Sent | None) -> str:
        """Press a button; the callback query's id, to see later whether it was answered."""
        update_id = self.press(user_id, data, message)
        with self.cond:
            update = next(u for u in reversed(self.updates) if u["update_id"] == update_id)
            query = str(update["callback_query"]["id"])
            self.pressed_at[query] = time.monotonic()
            self.pressed_by[query] = user_id
        return query

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = super().answer(method, params)
        if method == "answerCallbackQuery" and status == 200:
            with self.cond:
                self.answers[str(params.get("callback_query_id"))] = str(params.get("text") or "")
        if method == "sendMessage" and status == 200:
            message_id = body["result"]["message_id"]
            with self.cond:
                sent = next(
                    c
                    for c in reversed(self.calls)
                    if c.message_id == message_id and c.method == method
                )
                self.by_chat[int(params["chat_id"])].append(sent)
        if method == "editMessageText" and status == 200:
            edit = Sent(method, params, int(params["message_id"]))
            with self.cond:
                self.edits_by_chat[int(params["chat_id"])].append(edit)
        return status, body


def start_bot(stub: BotApiStub, url: str, workdir: Path) -> subprocess.Popen:
    """`rehearse run` against the stub (tests/stub_api.py's launcher), without metrics."""
    return launch_bot(stub, workdir, url, METRICS_PORT="")


def stop_bot(bot: subprocess.Popen) -> None:
    bot.send_signal(signal.SIGTERM)
    try:
        bot.wait(30)
    except subprocess.TimeoutExpired:
        bot.kill()
        bot.wait(10)


@dataclass
class Participant:
    """Presses the newest button it received; presses again when nothing comes back."""

    user_id: int
    rng: random.Random
    started: bool = False
    done: bool = False
    pressed_kb: int | None = None  # message id of the keyboard last pressed
    query: str | None = None  # id of the last press's callback query
    pressed_at: float = 0.0
    last_activity: float = 0.0
    seen: int = 0
    think_until: float = 0.0
    presses: int = 0
    retries: int = 0
    reopened: int = 0
    reopened_at_end: int = 0  # of which the dead keyboard was the last choice's
    reopens: list[tuple[float, float]] = field(default_factory=list)  # (expired press, reopen)
    recovered: int = 0  # fresh keyboards pressed after a "Here is where you are now"
    recovery_at: int | None = None  # index of the newest such message not yet gone on from

    def act(self, stub: RecordingStub, now: float, timeout: float, think: float) -> None:
        if self.done:
            return
        with stub.cond:
            received = list(stub.by_chat.get(self.user_id, ()))
            toast = stub.answers.get(self.query or "")
        if len(received) > self.seen:
            for i in range(self.seen, len(received)):
                if str(received[i].params.get("text", "")).startswith(RECOVERY):
                    self.recovery_at = i
            self.seen, self.last_activity = len(received), now
            self.think_until = now + self.rng.uniform(0, think)
        if any("Debrief:" in str(s.params.get("text", "")) for s in received):
            self.done = True
            return
        if now < self.think_until:
            return
        if not self.started:
            stub.send_text(self.user_id, "/start")
            self.started, self.last_activity = True, now
            return
        at, kb = -1, None
        for i in range(len(received) - 1, -1, -1):  # the newest keyboard
            if received[i].buttons:
                at, kb = i, received[i]
                break
        if kb is None:  # /start not answered yet
            if now - self.last_activity > timeout:
                stub.send_text(self.user_id, "/start")
                self.retries += 1
                self.last_activity = now
            return
        if kb.message_id != self.pressed_kb:
            if self.recovery_at is not None and at >= self.recovery_at:
                self.recovered += 1  # goes on from where the bot said it is
                self.recovery_at = None
            self._press(stub, kb, button_for(kb), now)
            self.presses += 1
            return
        quiet = now - max(self.last_activity, self.pressed_at)
        if toast is not None and "expired" in toast and quiet > 3 * timeout:
            # Expired, and no fresh keyboard came after it (the toast is immediate; the message
            # may wait in the bot's send queue, so as patient as with any answered press).
            self.reopened += 1
            self.reopened_at_end += any(t.startswith(CHOICES[-1][0]) for t, _ in kb.buttons)
            self.reopens.append((self.pressed_at, now))
            self._press(stub, kb, f"s:{SCENARIO}", now)
        elif (toast is None and quiet > timeout) or quiet > 3 * timeout:
            self.retries += 1  # no answer at all: press the newest keyboard again
            self._press(stub, kb, button_for(kb), now)

    def _press(self, stub: RecordingStub, kb: Sent, data: str, now: float) -> None:
        self.query = stub.press_query(self.user_id, data, kb)
        self.pressed_kb, self.pressed_at = kb.message_id, now


def button_for(kb: Sent) -> str:
    """What this participant presses on a keyboard: consent, its next choice, or the scenario."""
    for text, data in kb.buttons:
        if text.startswith("I agree"):
            return data
    for label, _ in CHOICES:
        for text, data in kb.buttons:
            if text.startswith(label):
                return data
    return f"s:{SCENARIO}"


def parse_choice(data: str) -> tuple[int, str, str] | None:
    """(run id, node, choice id) from `c:{run36}.{step36}:{node}/{choice}`."""
    if not data.startswith("c:"):
        return None
    ids, _, rest = data[2:].partition(":")
    run36, _, _ = ids.partition(".")
    node, _, choice = rest.rpartition("/")
    return int(run36, 36), node, choice


def seen_feedback(messages: list[Sent], edits: list[Sent]) -> list[Sent]:
    """The feedback a participant saw, each once, in the order it arrived (stub_api)."""
    return distinct_feedback(sorted([*messages, *edits], key=lambda s: s.at))


def attribute_feedback(messages: list[Sent], edits: list[Sent]) -> list[tuple[int, str, str]]:
    """The (run, node, choice) each feedback answers, in the order they arrived.

    Feedback comes in the edit of the pressed message, whose keyboard and the words written
    under it name the step; or, when that edit was refused, as a message of its own quoting
    what was said, answering the newest earlier keyboard with that choice.
    """
    by_id = {m.message_id: m for m in messages}
    out = []
    for sent in seen_feedback(messages, edits):
        text = str(sent.params.get("text", ""))
        key = None
        if sent.method == "editMessageText":
            chosen = CHOSEN.search(text)
            said = html.unescape(chosen[1]) if chosen else ""
            label = next((lab for lab, words in CHOICES if words in said), None)
            pressed = by_id.get(sent.message_id)
            buttons = pressed.buttons if pressed and label else []
            data = next((d for t, d in buttons if t.startswith(label or "\0")), None)
            key = parse_choice(data) if data else None
        else:
            label = next((lab for lab, said in CHOICES if said in text), None)
            for earlier in reversed([m for m in messages if m.at <= sent.at]):
                data = next((d for t, d in earlier.buttons if label and t.startswith(label)), None)
                if data is not None:
                    key = parse_choice(data)
                    break
        out.append(key or (-1, "?", text[:40]))
    return out


async def read_database(url: str) -> dict[str, Any]:
    store = await Store.open(url, upgrade=False)
    try:

        async def fn(uow: Any) -> dict[str, Any]:
            rows = (
                await uow.session.execute(
                    select(Turn.user_id, Turn.run_id, Turn.node, Turn.choice_id, Turn.created_at)
                )
            ).all()
            handled = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
            return {
                "turns": [tuple(r[:4]) for r in rows],
                "committed": {tuple(r[:4]): wall_clock(r[4]) for r in rows},
                "handled": int(handled or 0),
            }

        return await store.run(None, fn)
    finally:
        await store.close()


def wall_clock(at: datetime) -> float:
    """A stored timestamp as seconds since the epoch (naive ones are UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def reply_delays(stub: RecordingStub) -> dict[str, float]:
    """Seconds from each press to its chat's next message; messages sent, a second on average."""
    with stub.cond:
        pressed = [(at, stub.pressed_by[q]) for q, at in stub.pressed_at.items()]
        sent = {chat: [s.at for s in msgs] for chat, msgs in stub.by_chat.items()}
        times = sorted(s.at for msgs in stub.by_chat.values() for s in msgs)
    rate = len(times) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    busiest, j = 0, 0  # the most messages in any 10 s
    for i, t in enumerate(times):
        while times[j] < t - 10.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    delays = sorted(
        next(t for t in sent[chat] if t > at) - at
        for at, chat in pressed
        if any(t > at for t in sent.get(chat, ()))
    )
    if not delays:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0, "rate": rate, "busiest": busiest / 10}
    return {
        "p50": delays[len(delays) // 2],
        "p95": delays[int(len(delays) * 0.95)],
        "max": delays[-1],
        "rate": rate,
        "busiest": busiest / 10,
    }


def verify(
    stub: RecordingStub, people: list[Participant], url: str, kills: list[float] | None = None
) -> dict[str, Any]:
    """What the chats and the database say; `kills` (epoch seconds) to time the lost replies."""
    db = asyncio.run(read_database(url))
    stored: dict[int, Counter] = defaultdict(Counter)
    for user_id, run_id, node, choice in db["turns"]:
        stored[user_id][(run_id, node, choice)] += 1
    lost = duplicates = unanswered = sorry = traced = twice = recoveries = 0
    before_kill: list[float | None] = []  # per lost reply: its commit to the next kill, s
    for p in people:
        messages = list(stub.by_chat.get(p.user_id, ()))
        sorry += sum(SORRY in str(s.params.get("text", "")) for s in messages)
        recoveries += sum(str(s.params.get("text", "")).startswith(RECOVERY) for s in messages)
        traced += sum("Traceback" in str(s.params.get("text", "")) for s in messages)
        edits = list(stub.edits_by_chat.get(p.user_id, ()))
        seen = Counter(attribute_feedback(messages, edits))
        lost += sum(1 for key in seen if key not in stored[p.user_id])
        duplicates += sum(n - 1 for n in seen.values())
        silent = [key for key in stored[p.user_id] if key not in seen]
        unanswered += len(silent)
        for run_id, node, choice in silent:
            at = db["committed"][(p.user_id, run_id, node, choice)]
            later = [k - at for k in kills or () if k >= at]
            before_kill.append(min(later) if later else None)
        twice += sum(n - 1 for n in stored[p.user_id].values())
    return {
        "steps stored": len(db["turns"]),
        "feedback seen": sum(
            len(
                seen_feedback(
                    list(stub.by_chat.get(p.user_id, ())),
                    list(stub.edits_by_chat.get(p.user_id, ())),
                )
            )
            for p in people
        ),
        "lost": lost,
        "duplicates": duplicates,
        "stored without reply": unanswered,
        "applied twice": twice,
        "recovery messages": recoveries,
        "commit to kill": before_kill,
        "updates handled": db["handled"],
        "sorry": sorry,
        "tracebacks to users": traced,
    }


def private_schema(url: str | None, tag: str) -> tuple[str, Callable[[], None]]:
    """A fresh database for this drill: a temp SQLite file, or a schema of its own on PostgreSQL."""
    if url is None:
        path = Path(tempfile.mkdtemp(prefix=f"{tag}-")) / "drill.db"
        return f"sqlite+aiosqlite:///{path}", lambda: None
    schema = f"drill_{tag}_{os.getpid()}"

    async def ddl(sql: str) -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql(sql)
        finally:
            await engine.dispose()

    asyncio.run(ddl(f'CREATE SCHEMA "{schema}"'))
    joined = make_url(url).update_query_dict({"search_path": schema})
    return joined.render_as_string(hide_password=False), lambda: asyncio.run(
        ddl(f'DROP SCHEMA "{schema}" CASCADE')
    )


def play(
    stub: RecordingStub,
    people: list[Participant],
    timeout: float,
    think: float,
    patience: float,
    deadline: float,
) -> float:
    """Drive every participant until all finished, nothing moves for `patience` s, or deadline."""
    t0 = last_progress = time.monotonic()
    finished = delivered = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        for p in people:
            p.act(stub, now, timeout, think)
        done = sum(p.done for p in people)
        if done == len(people):
            break
        with stub.cond:
            calls = len(stub.calls)
        if done != finished or calls != delivered:
            finished, delivered, last_progress = done, calls, now
        elif now - last_progress > patience:
            break
        time.sleep(0.05)
    return time.monotonic() - t0


def drill(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    url, drop = private_schema(args.db, "kill9")
    workdir = Path(tempfile.mkdtemp(prefix="kill9-"))
    stub = RecordingStub().start()
    people = [
        Participant(200_000 + i, random.Random(args.seed * 1000 + i)) for i in range(args.users)
    ]
    state: dict[str, Any] = {
        "bot": start_bot(stub, url, workdir),
        "kills": [],
        "killed at": [],
        "up": [],
    }
    stop = threading.Event()

    def killer() -> None:
        for _ in range(args.kills):
            if stop.wait(rng.uniform(2.0, 6.0)):
                return
            bot = state["bot"]
            bot.send_signal(signal.SIGKILL)
            bot.wait(10)
            state["kills"].append(time.monotonic())
            state["killed at"].append(time.time())
            state["bot"] = start_bot(stub, url, workdir)

    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 120)
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        elapsed = play(stub, people, args.timeout, args.think, 60.0, time.monotonic() + args.budget)
        stop.set()
        thread.join()
        time.sleep(2)  # replies still in flight land before counting
    finally:
        stop.set()
        stop_bot(state["bot"])
        stub.stop()
    calls = list(stub.calls)
    survived = sum(
        any(c.method == "sendMessage" and c.at > k for c in calls) for k in state["kills"]
    )
    try:
        found = verify(stub, people, url, state["killed at"])
    finally:
        drop()
    logged = (workdir / "bot.log").read_text(errors="replace")
    return {
        **found,
        "users": args.users,
        "finished": sum(p.done for p in people),
        "presses": sum(p.presses for p in people),
        "retries": sum(p.retries for p in people),
        "reopened": sum(p.reopened for p in people),
        "recovered": sum(p.recovered for p in people),
        "reopened at end": sum(p.reopened_at_end for p in people),
        "reopened after a kill": sum(
            any(pressed < k < reopened for k in state["kills"])
            for p in people
            for pressed, reopened in p.reopens
        ),
        "reply delay": reply_delays(stub),
        "kills": len(state["kills"]),
        "survived": survived,
        "seconds": elapsed,
        "handler errors": logged.count("ERROR bot.app: update "),
        "log tracebacks": logged.count("Traceback"),
        "database": "PostgreSQL" if args.db else "SQLite file",
        "log": str(workdir / "bot.log"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a re-press")
    parser.add_argument("--think", type=float, default=2.0, help="max pause before acting, s")
    parser.add_argument("--budget", type=float, default=200.0, help="seconds of play at most")
    parser.add_argument("--no-write", action="store_true", help="don't touch BENCHMARKS.md")
    args = parser.parse_args()
    print(
        f"kill -9 drill: {args.users} participants, {args.kills} SIGKILLs 2-6 s apart, "
        f"seed {args.seed}, {'PostgreSQL' if args.db else 'SQLite file'}",
        flush=True,
    )
    r = drill(args)
    delay = r["reply delay"]
    gaps = [g for g in r["commit to kill"] if g is not None]
    # a reply still queued may die with the process; one lost without a kill while it could
    # still have been queued (the longest reply delay seen) has another cause: a bug
    window = max(5.0, delay["max"])
    unexplained = sum(g is None or g > window for g in r["commit to kill"])
    latest = f"at most {max(gaps):.2f} s" if gaps else "-"
    reopened = (
        f"{r['reopened']} ({r['reopened at end']} on the last choice's keyboard, "
        f"{r['reopened after a kill']} with the bot killed between the expired press and the "
        "reopen)"
        if r["reopened"]
        else "none this run"
    )
    delays = f"p50 {delay['p50']:.1f} s, p95 {delay['p95']:.1f} s, max {delay['max']:.1f} s"
    print(
        f"did: {r['kills']} kills + restarts, {r['presses']} presses ({r['retries']} re-presses, "
        f"{r['recovered']} recovered from 'where you are now', {r['reopened']} scenario "
        f"reopens: {r['reopened at end']} at the last choice, {r['reopened after a kill']} "
        f"with a kill between the expired press and the reopen), "
        f"{r['updates handled']} updates handled; {r['seconds']:.0f} s"
    )
    print(
        f"found: finished {r['finished']}/{r['users']}, kills survived {r['survived']}/"
        f"{r['kills']}, feedback seen {r['feedback seen']}, steps stored {r['steps stored']}, "
        f"messages lost {r['lost']}, duplicates {r['duplicates']}, steps applied twice "
        f"{r['applied twice']}, stored without reply "
        f"{r['stored without reply']} (committed {latest} before a kill; {unexplained} not "
        f"followed by a kill within {window:.0f} s), 'where you are now' messages "
        f"{r['recovery messages']}, "
        f"error replies {r['sorry']}, tracebacks to users "
        f"{r['tracebacks to users']} (log: {r['log tracebacks']} tracebacks, "
        f"{r['handler errors']} handler errors)"
    )
    print(
        f"found: messages sent {delay['rate']:.1f} a second on average, {delay['busiest']:.1f} "
        f"over the busiest 10 s; a press's chat got its "
        f"next message after {delays}"
    )
    if args.no_write:
        return
    command = COMMAND + (" --db <postgres URL>" if args.db else "")
    body = f"""\
`rehearse run` (polling, {r["database"]}) against the Bot API stub; {r["users"]} participants
play `{SCENARIO}` to its debrief at once (each pauses up to {args.think:g} s before acting,
re-presses the newest keyboard after {args.timeout:g} s without any answer, {3 * args.timeout:g} s when
the toast came but no message) while the bot is killed with SIGKILL {r["kills"]} times, 2–6 s
apart (seed {args.seed}), and started again each time. Each feedback (in the edit of the
pressed message, or a message of its own if that edit was refused) is attributed to the
(run, node, choice) of the keyboard it answers and compared with the `turns` table.

| participants | finished | kills survived | updates handled | presses (re-presses) | feedback seen | steps stored | messages lost | duplicates | stored, reply lost | recovered | reopened | error replies | tracebacks to users | wall time |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| {r["users"]} | {r["finished"]} | {r["survived"]}/{r["kills"]} | {r["updates handled"]} | {r["presses"]} ({r["retries"]}) | {r["feedback seen"]} | {r["steps stored"]} | {r["lost"]} | {r["duplicates"]} | {r["stored without reply"]} | {r["recovered"]} | {r["reopened"]} | {r["sorry"]} | {r["tracebacks to users"]} | {r["seconds"]:.0f} s |

Replies under this load: python-telegram-bot's rate limiter holds the bot to Telegram's 30
messages a second overall (a button's toast is not limited), and {r["users"]} participants
pressing within {args.think:g} s of each reply ask for more, so the drill runs against that
limit ({delay["busiest"]:.1f} messages a second over the busiest 10 s, {delay["rate"]:.1f} on average
with the restarts) and replies queue: a press's chat got its next message after {delays}.

A step and its update's "processed" mark commit in one transaction, so a redelivered update
(the killed process had fetched it but not confirmed the offset) is recognised and not applied
twice, and a re-press of an already-applied button expires instead of advancing.

The price of a crash between the commit and the reply is "stored, reply lost": that step's
feedback is never seen (it is not sent again). Each of these {r["stored without reply"]} steps was
committed {latest} before a kill ({unexplained} without a kill within {window:.0f} s of its commit,
the longest reply delay seen, which would point to something other than the crash). The participant's old keyboard is then still
the newest; its re-press gets the toast "That button has expired." and, being the button of the
step just applied, a message "That button has expired. Here is where you are now." with the
current lines and a fresh keyboard, which the participant presses and goes on from
("recovered": {r["recovered"]}; the bot sent {r["recovery messages"]} such messages). Recovered also
counts a re-press made because the reply was merely late (still queued when the participant's
patience ran out), and a reply that got its feedback out but not the keyboard after it, so it
can exceed "stored, reply lost".

"Reopened" counts an expired toast with no message for {3 * args.timeout:g} s, after which the
participant opens the scenario again: {reopened}. That is left for a lost reply to a run's last
step (the run has ended, so there is no current step to show, and the debrief is not sent
again), for a bot killed again before its recovery reply, and for a recovery reply queued
longer than that.
"""  # noqa: E501
    write_section("Drills: kill -9", command, body)


if __name__ == "__main__":
    main()
