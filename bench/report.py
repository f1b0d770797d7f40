"""Write a benchmark's figures into its own section of BENCHMARKS.md.

Each script owns one section, delimited by HTML comments, so scripts can be rerun in any
order without clobbering each other's figures.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = (
    "# Benchmarks\n\nFigures written by the scripts under `bench/`; "
    "rerun a script to refresh its section.\n"
)


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}"


def write_section(name: str, command: str, body: str, path: Path = BENCHMARKS) -> None:
    """Replace (or append) the section called `name` with `body`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"{start}\n## {name}\n\n`{command}` — {stamp}, {machine()}\n\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def median_seconds(fn: Callable[[], object], repeats: int = 7) -> float:
    """Median wall time of `fn` over `repeats` runs: the machines are noisy."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
