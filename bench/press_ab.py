"""A choice press's CPU cost now against an earlier commit, side by side in one run.

    .venv/bin/python -m bench.press_ab [--against 8fb8bf4] [--pairs 4]

Issue 17 asks that restructuring leave a press no dearer than it was. Each side plays the same
scenario offline (`bench.bot.offline_bot`, in its own tree: this checkout, and a git worktree of
`--against`): 100 users pressing 300 times a pass, five passes, each followed by a bare echo's
pass. The sides run in separate processes, alternating pair by pair (ABBA) because this machine's
speed drifts by 2x within minutes; the figures are the medians of the pairwise ratios (CPU ms a
press, now over then; presses per echo, now over then). The earlier commit is the one the issue
was filed at; its tree must have `bench.bot.offline_bot` (it has since before issue 13).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
SECTION = "Bot: a press's CPU cost against the commit issue 17 was filed at"
FILED_AT = "8fb8bf4"  # "Habit warning codes named once", the tree issue 17 describes

# Run in a tree's root, by this venv's Python: that tree's bot, this venv's libraries.
_PRELUDE = """
import asyncio, json, logging, os, sys, tempfile
sys.path.insert(0, os.getcwd())
logging.disable(logging.CRITICAL)
from pathlib import Path
import bench.bot as bench_bot
from scenarios.library import load_library
"""
_CHILD = (
    _PRELUDE
    + """

async def main():
    library = load_library()
    with tempfile.TemporaryDirectory() as tmp:
        async with bench_bot.offline_echo(100, 300 * 5) as echo_pass:
            r = await bench_bot.offline_bot(library, Path(tmp), 100, 300, 5, echo_pass)
    print(json.dumps({"cpu_ms": r["cpu_ms"], "ratio": r["ratio"], "statements": r["statements"]}))

asyncio.run(main())
"""
)


# The same play, counting the Python and C function calls made on the bot's thread while each
# choice press is handled: a measure of a press's work that, unlike CPU time, doesn't drift with the
# machine (the profiler hook slows the run, so it is never timed).
_COUNT = (
    _PRELUDE
    + """
seen = {"calls": 0, "presses": 0}
def count(frame, event, arg):
    if event in ("call", "c_call"):
        seen["calls"] += 1
press = bench_bot.Users.press
async def counted(self, uid, data):
    if not data.startswith("c:"):  # consent, the scenario's button: set-up, not a choice
        return await press(self, uid, data)
    seen["presses"] += 1
    sys.setprofile(count)
    try:
        return await press(self, uid, data)
    finally:
        sys.setprofile(None)
bench_bot.Users.press = counted

async def main():
    library = load_library()
    with tempfile.TemporaryDirectory() as tmp:
        async with bench_bot.offline_echo(20, 5) as echo_pass:
            await bench_bot.offline_bot(library, Path(tmp), 20, 100, 1, echo_pass)
    print(json.dumps({"calls": seen["calls"] / seen["presses"]}))

asyncio.run(main())
"""
)


def measure(tree: Path, child: str = _CHILD) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", child], cwd=tree, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(against: str, pairs: int) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-press-ab-") as tmp:
        then_tree = Path(tmp) / "then"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(then_tree), against], check=True)
        try:
            calls_now, calls_then = measure(ROOT, _COUNT), measure(then_tree, _COUNT)
            print(
                f"function calls a press: now {calls_now['calls']:.0f}, "
                f"then {calls_then['calls']:.0f}",
                flush=True,
            )
            rows = []
            for i in range(pairs):
                if i % 2:  # ABBA: neither side always runs on the warmer (or quieter) machine
                    then, now = measure(then_tree), measure(ROOT)
                else:
                    now, then = measure(ROOT), measure(then_tree)
                rows.append((now, then))
                print(
                    f"pair {i + 1}: now {now['cpu_ms']:.2f} ms, then {then['cpu_ms']:.2f} ms; "
                    f"presses per echo now {now['ratio']:.4f}, then {then['ratio']:.4f}",
                    flush=True,
                )
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(then_tree)], check=False)
    cpu = statistics.median(n["cpu_ms"] / t["cpu_ms"] for n, t in rows)
    speed = statistics.median(n["ratio"] / t["ratio"] for n, t in rows)
    now_ms = statistics.median(n["cpu_ms"] for n, _ in rows)
    then_ms = statistics.median(t["cpu_ms"] for _, t in rows)
    calls = calls_now["calls"] / calls_then["calls"]
    verdict = "met" if calls <= 1.0 else "**not met**"
    table = "\n".join(
        f"| {i + 1} | {n['cpu_ms']:.2f} | {t['cpu_ms']:.2f} | {n['cpu_ms'] / t['cpu_ms']:.2f} "
        f"| {n['ratio'] / t['ratio']:.2f} |"
        for i, (n, t) in enumerate(rows)
    )
    return (
        f"Goal (issue 17): a choice press's cost no higher than at `{against}`: {verdict}. "
        f"Function calls on the bot's thread a choice press (counted, so free of the machine's "
        f"drift): {calls_now['calls']:.0f} now, "
        f"{calls_then['calls']:.0f} then, now/then {calls:.2f}. CPU time, median of {pairs} "
        f"alternating pairs (ABBA; pairs here vary by 20% and more either way, so read the "
        f"calls first): CPU per press "
        f"now/then {cpu:.2f} ({now_ms:.2f} ms against {then_ms:.2f} ms, bot and stub threads in "
        f"one process, offline); presses per bare echo, now/then {speed:.2f} (higher is "
        f"better). Statements a press: {rows[0][0]['statements']:.1f} now, "
        f"{rows[0][1]['statements']:.1f} then.\n\n"
        "| pair | CPU ms now | CPU ms then | now/then | presses per echo, now/then |\n"
        "|---|---|---|---|---|\n" + table
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default=FILED_AT, help="the earlier commit")
    parser.add_argument("--pairs", type=int, default=4, help="alternating runs of each side")
    args = parser.parse_args()
    body = run(args.against, args.pairs)
    print(body)
    command = f"python -m bench.press_ab --against {args.against} --pairs {args.pairs}"
    write_section(SECTION, command, body)


if __name__ == "__main__":
    main()
