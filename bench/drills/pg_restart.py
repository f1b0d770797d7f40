"""Drill: the bot's PostgreSQL restarts while participants play; the bot must recover alone.

    .venv/bin/python -m bench.drills.pg_restart [--users 100] [--restart-after 8] [--seed 1]

Starts a PRIVATE PostgreSQL (initdb into a temp dir, a free port on 127.0.0.1, its socket in the
temp dir; run as the `postgres` user when we are root) so the machine's shared server is never
touched. `rehearse run` plays against it and tests/stub_api.py's Bot API stub, with the
participants of bench/drills/kill9.py (newest button, re-press after a timeout). In the middle,
`pg_ctl restart -m fast` drops every connection of the bot's pool. Then: are presses after the
restart answered, is every step whose feedback was seen stored, does a traceback reach anyone?
Presses during the outage may get the bot's "Sorry, something went wrong" — counted.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.drills.kill9 import (
    SCENARIO,
    SORRY,
    Participant,
    RecordingStub,
    play,
    start_bot,
    stop_bot,
    verify,
)
from bench.report import write_section
from state.outbox import enqueue
from state.store import Store

COMMAND = ".venv/bin/python -m bench.drills.pg_restart"
PROBE_CHAT = 399_999
OUTBOX_DIED = """\
**Not recovered without an operator: the outbox sender.** A message queued around the restart
was never delivered. `Sender.run` (bot/outbox_sender.py) is meant to wait out a database that
is down (DBAPIError, OSError, StoreBusy) and carry on; look in the log for what ended its task."""


def exit_traceback(logged: str) -> str:
    """Where the last traceback in the log passed through our code, and what it raised."""
    if "Traceback" not in logged:
        return ""
    tail = logged.rsplit("Traceback", 1)[1]
    ours = re.findall(r'File "[^"]*/((?:bot|state)/[^"]+)", line (\d+), in (\w+)', tail)
    last = [line for line in tail.splitlines() if re.match(r"[\w.]+(Error|Exception)\b", line)]
    where = " -> ".join(f"{f}:{n} {fn}" for f, n, fn in ours)
    return f"{last[-1].split(':')[0] if last else '?'} via {where}"


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of our own: initdb, start, restart, stop, delete."""

    def __init__(self) -> None:
        self.bin = bindir()
        self.root = Path(tempfile.mkdtemp(prefix="pgdrill-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:  # the server refuses to run as root
            shutil.chown(self.root, "postgres", "postgres")
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", action, "-D", str(self.data), "-o", options, "-l", log, "-w", *extra)

    def start(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self._ctl("start")
        return self

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


async def _enqueue(url: str, chat_id: int, key: str) -> None:
    store = await Store.open(url, upgrade=False)
    try:

        async def fn(uow: Any) -> None:
            await enqueue(uow, chat_id=chat_id, kind="drill", text=key, dedupe_key=key)

        await store.run(None, fn)
    finally:
        await store.close()


def outbox_probe(stub: RecordingStub, url: str, chat_id: int, key: str) -> bool:
    """Queue one outbox message from outside the bot: does its sender still deliver it?"""
    asyncio.run(_enqueue(url, chat_id, key))
    try:
        stub.wait_for(
            lambda: any(key == s.params.get("text") for s in stub.by_chat.get(chat_id, ())), 15
        )
        return True
    except TimeoutError:
        return False


def drill(args: argparse.Namespace) -> dict[str, Any]:
    pg = PrivatePostgres().start()
    workdir = Path(tempfile.mkdtemp(prefix="pgdrill-bot-"))
    stub = RecordingStub().start()
    people = [
        Participant(300_000 + i, random.Random(args.seed * 1000 + i)) for i in range(args.users)
    ]
    outage: dict[str, float] = {}
    stop = threading.Event()

    def restarter() -> None:
        wait = args.restart_after
        for _ in range(args.restarts):
            if stop.wait(wait):
                return
            outage.setdefault("start", time.monotonic())
            t0 = time.monotonic()
            pg.restart()
            outage["end"] = time.monotonic()
            outage["down"] = outage.get("down", 0.0) + outage["end"] - t0
            outage["count"] = outage.get("count", 0) + 1
            wait = 4.0

    bot = start_bot(stub, pg.url, workdir)
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 120)
        probes = {"before": outbox_probe(stub, pg.url, PROBE_CHAT, "outbox probe before")}
        thread = threading.Thread(target=restarter, daemon=True)
        thread.start()
        elapsed = play(stub, people, args.timeout, args.think, 60.0, time.monotonic() + 200)
        stop.set()
        thread.join()
        time.sleep(2)
        probes["after"] = outbox_probe(stub, pg.url, PROBE_CHAT, "outbox probe after")
        stop_bot(bot)
        found = verify(stub, people, pg.url)
    finally:
        stop.set()
        if bot.poll() is None:
            stop_bot(bot)
        stub.stop()
        pg.stop()
    end = outage.get("end", float("inf"))
    with stub.cond:
        pressed = dict(stub.pressed_at)
        answered = set(stub.answers)
        # each error reply answers its chat's latest press (or text) before it: when was that?
        sorry_to = [
            max((t for t in stub.acted_at.get(chat, ()) if t < s.at), default=s.at)
            for chat, sent in stub.by_chat.items()
            for s in sent
            if SORRY in str(s.params.get("text", ""))
        ]
    after = [q for q, at in pressed.items() if at > end]
    logged = (workdir / "bot.log").read_text(errors="replace")
    errors = Counter(
        m.group(1) for m in re.finditer(r"ERROR bot\.app: update \S+ failed: (.+)", logged)
    )
    return {
        **found,
        "users": args.users,
        "finished": sum(p.done for p in people),
        "presses": sum(p.presses for p in people),
        "retries": sum(p.retries for p in people),
        "reopened": sum(p.reopened for p in people),
        "recovered": sum(p.recovered for p in people),
        "outage": outage.get("down", 0.0),
        "restarts": int(outage.get("count", 0)),
        "restarted": "end" in outage,
        "presses after": len(after),
        "answered after": sum(q in answered for q in after),
        "sorry during": sum(t <= end for t in sorry_to),
        "sorry after": sum(t > end for t in sorry_to),
        "errors": errors,
        "log tracebacks": logged.count("Traceback"),
        "outbox before": probes["before"],
        "outbox after": probes["after"],
        "exit traceback": exit_traceback(logged),
        "seconds": elapsed,
        "log": str(workdir / "bot.log"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--restart-after", type=float, default=8.0, help="seconds into the play")
    parser.add_argument("--restarts", type=int, default=3, help="restarts, 4 s apart")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a re-press")
    parser.add_argument("--think", type=float, default=2.0, help="max pause before acting, s")
    parser.add_argument("--no-write", action="store_true", help="don't touch BENCHMARKS.md")
    args = parser.parse_args()
    print(
        f"PostgreSQL restart drill: {args.users} participants, private cluster restarted "
        f"(-m fast) {args.restarts}x from {args.restart_after:g} s into the play, "
        f"seed {args.seed}",
        flush=True,
    )
    r = drill(args)
    errors = "; ".join(f"{n}× {e}" for e, n in r["errors"].most_common()) or "none"
    outbox = (
        f"outbox message queued before the restart delivered: {r['outbox before']}, "
        f"queued after it: {r['outbox after']}"
    )
    exited = r["exit traceback"] or "none"
    print(
        f"did: {r['restarts']} restart(s) ({r['outage']:.1f} s down in all), "
        f"{r['presses']} presses ({r['retries']} re-presses, {r['recovered']} recovered from "
        f"'where you are now', {r['reopened']} reopens), "
        f"{r['updates handled']} updates handled; {r['seconds']:.0f} s"
    )
    print(
        f"found: finished {r['finished']}/{r['users']}, presses after the restart answered "
        f"{r['answered after']}/{r['presses after']}, feedback seen {r['feedback seen']}, steps "
        f"stored {r['steps stored']}, messages lost {r['lost']}, duplicates {r['duplicates']}, "
        f"stored without reply {r['stored without reply']}, "
        f"'{SORRY}' {r['sorry during']} during / {r['sorry after']} after the outage, "
        f"tracebacks to users {r['tracebacks to users']} (log: {r['log tracebacks']} "
        f"tracebacks); handler errors: {errors}"
    )
    print(f"found: {outbox}; traceback in the log: {exited}")
    if args.no_write:
        return
    body = f"""\
A private PostgreSQL cluster (initdb in a temp dir, its own port; never the shared server) under
`rehearse run` (polling) and the Bot API stub; {r["users"]} participants play `{SCENARIO}` to its
debrief (newest button; re-press after {args.timeout:g} s without an answer). {args.restart_after:g} s
into the play, `pg_ctl restart -m fast` drops every pooled connection; {r["restarts"]} restarts 4 s
apart ({r["outage"]:.1f} s down in all, seed {args.seed}). Presses "after" are those made after
the last restart ended; an error reply counts "during" when the press (or text) it answers, the
chat's latest before it, was made before the last restart ended, "after" otherwise. (The
reply itself can come seconds later: python-telegram-bot's rate limiter holds the bot to 30
messages a second overall, and the error reply waits behind the other participants' replies.)
"Recovered" and "reopened" are as in the kill -9 drill (a re-press of the step just applied
brings "Here is where you are now" and a fresh keyboard; reopened = an expired button and
nothing else).

| participants | finished | presses after restart answered | feedback seen | steps stored | messages lost | duplicates | stored, reply lost | recovered | reopened | "Sorry, something went wrong" (during / after) | tracebacks to users | wall time |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| {r["users"]} | {r["finished"]} | {r["answered after"]}/{r["presses after"]} | {r["feedback seen"]} | {r["steps stored"]} | {r["lost"]} | {r["duplicates"]} | {r["stored without reply"]} | {r["recovered"]} | {r["reopened"]} | {r["sorry during"]} / {r["sorry after"]} | {r["tracebacks to users"]} | {r["seconds"]:.0f} s |

Handler errors logged (type and stack, never the message): {errors}.

Outbox (check-ins, group pushes): a message queued from outside the bot before the restart was
delivered: **{r["outbox before"]}**; one queued after the restart: **{r["outbox after"]}**.
Traceback in the bot's log: {exited}.
{OUTBOX_DIED if not r["outbox after"] else ""}

The engine pings a pooled connection before handing it out (`pool_pre_ping=True` for
PostgreSQL in state/db/session.py), so connections killed by the restart are replaced instead of
failing the next update; a press that arrives while the server is down gets the error handler's
"Sorry, that couldn't be saved …" (until issue 16 it said "your progress is saved"), and its
re-press goes through.
"""  # noqa: E501
    write_section("Drills: PostgreSQL restart", COMMAND, body)


if __name__ == "__main__":
    main()
