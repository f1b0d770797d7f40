"""Drill: participants play while the Bot API misbehaves (429s, 500s, timeouts).

    .venv/bin/python -m bench.drills.chaos_stub [--users 200] [--fault-rate 0.1] [--seed 1]

`rehearse run` (long polling, SQLite) plays against tests/stub_api.py's Bot API stub, extended
here to answer a share of sendMessage / answerCallbackQuery / editMessageText / sendChatAction
calls at random with one of:

- 429 with `retry_after: 1` (python-telegram-bot's rate limiter waits and retries),
- 500 (bot/send.py retries a reply a few times with a growing pause),
- a timeout *before* the stub handles the call (it hangs past the bot's 5 s read timeout, then
  answers 504; the message was not delivered, a retry delivers it),
- a timeout *after* the stub handled it (delivered, then it hangs: the bot can't know, and its
  retry delivers the message a second time — the honest cost of retrying; the Bot API has no
  idempotency key, so no client can make this case exactly-once).

Every participant taps through the same scenario (/start, consent, the scenario, four
choices, the debrief). Then the drill counts, per participant: each choice's feedback (in the
edit of the pressed message, where a repeated edit looks the same and counts once, or in a
message of its own if that edit was refused) and the debrief should arrive exactly once
(lost = never, duplicate = more than once), and the steps
stored in the database should equal the choices pressed (no progress lost). Each duplicate is
attributed to how the stub answered the copy delivered just before it: hung after delivery
(timeout-after), or answered in time (no fault).
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from bench.drills.kill9 import CHOICES, SCENARIO, seen_feedback  # noqa: E402
from bench.report import write_section  # noqa: E402
from stub_api import BotApiStub, Sent  # noqa: E402
from stub_api import start_bot as launch_bot  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHAOTIC = {"sendMessage", "answerCallbackQuery", "editMessageText", "sendChatAction"}
HANG = 6.0  # longer than python-telegram-bot's default 5 s read timeout
COMMAND = ".venv/bin/python -m bench.drills.chaos_stub"


class ChaosStub(BotApiStub):
    """BotApiStub whose answers fail at random; keeps what each chat received, indexed."""

    def __init__(self, fault_rate: float, seed: int) -> None:
        # Flood limits off, as when these figures were measured: the drill is about faults.
        super().__init__(limits=None)
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.by_chat: dict[int, list[Sent]] = defaultdict(list)
        self.edits_by_chat: dict[int, list[Sent]] = defaultdict(list)  # delivered edits
        self.requests: Counter[str] = Counter()
        self.hung_after: set[int] = set()  # message ids delivered, then answered too late

    def _fault(self, method: str) -> str | None:
        if method not in CHAOTIC:
            return None
        with self.rng_lock:
            if self.rng.random() >= self.fault_rate:
                return None
            return self.rng.choice(["429", "500", "timeout-before", "timeout-after"])

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests[method] += 1
        fault = self._fault(method)
        if fault is not None:
            with self.rng_lock:
                self.faults[fault] += 1
        if fault == "429":
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        if fault == "500":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if fault == "timeout-before":
            time.sleep(HANG)
            return 504, {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        status, body = super().answer(method, params)
        if method == "sendMessage" and status == 200:
            message_id = body["result"]["message_id"]
            with self.cond:  # other threads append too: find this very message
                sent = next(
                    c
                    for c in reversed(self.calls)
                    if c.message_id == message_id and c.method == method
                )
                self.by_chat[int(params["chat_id"])].append(sent)
                if fault == "timeout-after":
                    self.hung_after.add(message_id)
        if method == "editMessageText" and status == 200:
            edit = Sent(method, params, int(params["message_id"]))
            with self.cond:
                self.edits_by_chat[int(params["chat_id"])].append(edit)
        if fault == "timeout-after":
            time.sleep(HANG)
        return status, body


def start_bot(stub: BotApiStub, db: Path, log: Path) -> subprocess.Popen:
    """`rehearse run` on the SQLite file `db` (tests/stub_api.py's launcher), without metrics."""
    return launch_bot(stub, db.parent, f"sqlite+aiosqlite:///{db}", log.name, METRICS_PORT="")


class Participant:
    """Taps through the scenario as its buttons arrive."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.stage = 0  # 0: /start to send; 1: consent; 2: the menu; 3+k: choice k
        self.pressed = 0  # choice buttons pressed
        self.done = False

    def act(self, stub: ChaosStub) -> bool:
        """Do the next thing if its button has arrived; True when something was done."""
        if self.stage == 0:
            stub.send_text(self.user_id, "/start")
            self.stage = 1
            return True
        with stub.cond:
            received = list(stub.by_chat.get(self.user_id, ()))
        if self.stage in (1, 2):
            label = "I agree" if self.stage == 1 else "Family"
            message = find_button(received, label)
            if message is None:
                return False
            data = next(d for t, d in message.buttons if t.startswith(label))
            stub.press(self.user_id, data if self.stage == 1 else f"s:{SCENARIO}", message)
            self.stage += 1
            return True
        k = self.stage - 3
        if k < len(CHOICES):
            label = CHOICES[k][0]
            message = find_button(received, label)
            if message is None:
                return False
            data = next(d for t, d in message.buttons if t.startswith(label))
            stub.press(self.user_id, data, message)
            self.pressed += 1
            self.stage += 1
            return True
        if any("Debrief:" in str(s.params.get("text", "")) for s in received):
            self.done = True
        return False


def find_button(received: list[Sent], label: str) -> Sent | None:
    for sent in reversed(received):
        if any(text.startswith(label) for text, _ in sent.buttons):
            return sent
    return None


def stored_steps(db: Path) -> dict[int, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT user_id, count(*) FROM turns GROUP BY user_id"))
    finally:
        conn.close()


def drill(users: int, fault_rate: float, seed: int, patience: float) -> dict[str, Any]:
    stub = ChaosStub(fault_rate, seed).start()
    tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
    db, log = tmp / "chaos.db", tmp / "bot.log"
    bot = start_bot(stub, db, log)
    people = [Participant(100_000 + i) for i in range(users)]
    t0 = time.monotonic()
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 120)
        last_progress = time.monotonic()
        while not all(p.done for p in people):
            moved = False
            for p in people:
                if not p.done:
                    moved |= p.act(stub)
            if moved:
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > patience:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        time.sleep(HANG + 1)  # let retries of the last timeouts land before counting
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(30)
        except subprocess.TimeoutExpired:
            bot.kill()
        stub.stop()
    steps = stored_steps(db)
    lost = duplicates = 0
    lost_progress = 0
    after: Counter[str] = Counter()  # duplicates by how the copy before them was answered
    for p in people:
        received = list(stub.by_chat.get(p.user_id, ()))
        feedback = seen_feedback(received, list(stub.edits_by_chat.get(p.user_id, ())))
        for _, said in CHOICES[: p.pressed]:
            # Under the choice in the pressed message's edit (an edit retried is one), or in a
            # message of its own quoting what was said when that edit was refused.
            copies = [s for s in feedback if said in str(s.params.get("text", ""))]
            lost += not copies
            duplicates += max(0, len(copies) - 1)
            for before in copies[:-1]:
                after["timeout-after" if before.message_id in stub.hung_after else "in time"] += 1
        for needle in ["Debrief:"] if p.pressed == len(CHOICES) else []:
            copies = [s for s in received if needle in str(s.params.get("text", ""))]
            lost += not copies
            duplicates += max(0, len(copies) - 1)
            for before in copies[:-1]:
                after["timeout-after" if before.message_id in stub.hung_after else "in time"] += 1
        lost_progress += p.pressed != steps.get(p.user_id, 0)
    logged = log.read_text(errors="replace")
    traceback_lines = logged.count("Traceback")
    handler_errors = logged.count("ERROR bot.app: update ")
    return {
        "users": users,
        "finished": sum(p.done for p in people),
        "presses": sum(p.pressed for p in people),
        "steps stored": sum(steps.values()),
        "lost": lost,
        "duplicates": duplicates,
        "duplicates after": after,
        "hung sends": len(stub.hung_after),
        "lost progress": lost_progress,
        "faults": dict(stub.faults),
        "requests": sum(stub.requests.values()),
        "seconds": elapsed,
        "tracebacks": traceback_lines,
        "handler errors": handler_errors,
        "log": str(log),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--patience", type=float, default=60.0, help="seconds without progress")
    parser.add_argument("--no-write", action="store_true", help="don't touch BENCHMARKS.md")
    args = parser.parse_args()
    print(
        f"chaos drill: {args.users} participants, {args.fault_rate:.0%} of sends failing "
        f"(429 / 500 / timeout before / timeout after), seed {args.seed}",
        flush=True,
    )
    r = drill(args.users, args.fault_rate, args.seed, args.patience)
    faults = ", ".join(f"{k}: {v}" for k, v in sorted(r["faults"].items()))
    hung, in_time = r["duplicates after"]["timeout-after"], r["duplicates after"]["in time"]
    print(
        f"did: {r['users']} participants, {r['presses']} choices pressed, "
        f"{r['requests']} Bot API requests, faults injected: {faults}; {r['seconds']:.0f} s"
    )
    print(
        f"found: finished {r['finished']}/{r['users']}, steps stored {r['steps stored']} "
        f"(pressed {r['presses']}), replies lost {r['lost']}, duplicates {r['duplicates']} "
        f"({hung} after a copy answered with timeout-after, {in_time} after one answered in "
        f"time; {r['hung sends']} sendMessage calls hung after delivery), "
        f"participants with lost progress {r['lost progress']}, handler errors "
        f"{r['handler errors']}, tracebacks {r['tracebacks']}"
    )
    if args.no_write:
        return
    body = f"""\
`rehearse run` (polling, SQLite) against the Bot API stub with {args.fault_rate:.0%} of
sendMessage / answerCallbackQuery / editMessageText / sendChatAction calls failing at random
(seed {args.seed}): 429 `retry_after: 1`, 500, a timeout before the call is handled, or a
timeout after it was handled (delivered, then hung past the bot's 5 s read timeout). Each
participant plays `{SCENARIO}` to its debrief; the feedback of each of the 4 choices and the
debrief are expected exactly once.

| participants | finished | choices pressed | steps stored | replies lost | duplicates | lost progress | handler errors | faults injected | Bot API requests | wall time |
|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|
| {r["users"]} | {r["finished"]} | {r["presses"]} | {r["steps stored"]} | {r["lost"]} | {r["duplicates"]} | {r["lost progress"]} | {r["handler errors"]} | {faults} | {r["requests"]} | {r["seconds"]:.0f} s |

Retries: python-telegram-bot's rate limiter retries a 429 (3 times); bot/send.py retries a
reply after a 5xx, a dropped connection or a timeout (4 attempts, 0.5/1/2 s apart), and the
edit that puts the choice and its feedback under the pressed message the same way (an edit
repeated looks the same, so it cannot duplicate; refused or still failing, the feedback goes
as a message instead); a failed answerCallbackQuery or "typing…" is let go (cosmetic) so it
never costs the reply.

Where the duplicates come from: only from "timeout after delivery". Of the {r["duplicates"]}
duplicates, {hung} follow a copy the stub delivered and then answered too late (timeout-after;
{r["hung sends"]} sendMessage calls in all were hit by it, counting every message, not only the
feedback and debrief counted here) and {in_time} follow a copy answered in time. A 429, a 500
or a timeout *before* delivery delivers nothing, so their retries deliver the message once; an
answer that comes within the 5 s read timeout, however slow, is a success for the bot and is
never retried, so it cannot duplicate. A timeout after Telegram delivered looks exactly like one
before it, and the Bot API has no idempotency key, so no client can make that case
exactly-once: a retry risks a duplicate, not retrying risks losing the reply; the bot retries.
"""  # noqa: E501
    write_section("Drills: chaos Bot API", COMMAND, body)


if __name__ == "__main__":
    main()
