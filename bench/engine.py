"""Engine benchmark: one step on the largest scenario, and loading the whole library.

    .venv/bin/python -m bench.engine [--steps 20000] [--repeats 25]

1. A step: `state.engine.step` on the shipped scenario with the most nodes, walked with a seeded
   random choice among the offered options and restarted at each ending. The walk is recorded
   first, so only the steps themselves are timed; median per step over several repeats.
2. The baseline a naive bot would be: a `transitions.Machine` built for the same scenario on
   every step (one per user/run, rebuilt per message), then the same step. The ratio is why
   the engine shares one machine per scenario (DESIGN.md, "The engine is a pure step").
3. Loading and validating every YAML file: `scenarios.library.load_library()`, median of runs.

Goal: a step under 50 µs. Writes the section "Engine: step and library load" of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import statistics
import time
import tracemalloc

import yaml
from transitions import Machine

from bench.report import median_seconds, write_section
from scenarios.library import load_library
from scenarios.loader import PACKAGE_ROOT, ScenarioLoader, find_files
from scenarios.model import Scenario
from state import engine
from state.engine import Ask, Choose, RunState

COMMAND = "python -m bench.engine"
SECTION = "Engine: step and library load"
GOAL_US = 50.0


def record_walk(scenario: Scenario, steps: int, seed: int = 0) -> list[tuple[RunState, Choose]]:
    """(state, input) pairs of a seeded random walk, restarting at endings. Scene steps only:
    the steps before the scene (a worked example, ratings) are skipped, as a live group does."""
    rng = random.Random(seed)
    trace: list[tuple[RunState, Choose]] = []
    state, outputs = engine.start(scenario, seed=rng.randrange(1 << 30), with_prelude=False)
    while len(trace) < steps:
        if state.status == "ended":
            state, outputs = engine.start(scenario, seed=rng.randrange(1 << 30), with_prelude=False)
            continue
        ask = next(o for o in outputs if isinstance(o, Ask))
        inp = Choose(rng.choice(ask.options).id)
        trace.append((state, inp))
        state, outputs = engine.step(scenario, state, inp)
    return trace


def time_steps(scenario: Scenario, trace: list[tuple[RunState, Choose]]) -> tuple[float, float]:
    """(wall, CPU) seconds per step on the shared machine, which is what the bot does."""
    step = engine.step
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    for state, inp in trace:
        step(scenario, state, inp)
    return (time.perf_counter() - t0) / len(trace), (time.process_time() - c0) / len(trace)


class _RunModel:
    """What a naive bot hands to its per-run machine: an object carrying the run's state."""

    def __init__(self, node: str) -> None:
        self.state = node


def naive_machine(scenario: Scenario, compiled: engine.Compiled_, node: str) -> Machine:
    """The scenario's machine built anew for one run at `node`, as a bot without sharing would."""
    shared = compiled.machine
    transitions = [
        {
            "trigger": name,
            "source": source,
            "dest": t.dest,
            "conditions": [c.func for c in t.conditions],
        }
        for name, event in shared.events.items()
        for source, ts in event.transitions.items()
        for t in ts
    ]
    return Machine(
        model=_RunModel(node),
        states=list(scenario.nodes),
        transitions=transitions,
        initial=node,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


def time_naive_steps(
    scenario: Scenario, trace: list[tuple[RunState, Choose]]
) -> tuple[float, float]:
    """(wall, CPU) seconds per step when each step first builds its own machine and runs on it."""
    compiled = engine.prepare(scenario)
    private = scenario.__pydantic_private__
    gc.collect()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        for state, inp in trace:
            machine = naive_machine(scenario, compiled, state.node)
            private["_compiled"] = dataclasses.replace(compiled, machine=machine)
            engine.step(scenario, state, inp)
        return (time.perf_counter() - t0) / len(trace), (time.process_time() - c0) / len(trace)
    finally:
        private["_compiled"] = compiled


def machine_kib(scenario: Scenario, count: int = 200) -> float:
    """Memory held by one per-run machine, in KiB (tracemalloc, mean over `count` kept alive)."""
    compiled = engine.prepare(scenario)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [naive_machine(scenario, compiled, scenario.start) for _ in range(count)]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / count / 1024


def compose_seconds(load_repeats: int) -> tuple[float, float]:
    """Composing every shipped file with the loader's YAML class, and with libyaml's."""
    files = [p.read_text(encoding="utf-8") for p in find_files([PACKAGE_ROOT])]

    class CLoader(yaml.CSafeLoader):
        yaml_implicit_resolvers = ScenarioLoader.yaml_implicit_resolvers

    def compose(cls: type) -> None:
        for text in files:
            loader = cls(text)
            try:
                loader.get_single_node()
            finally:
                loader.dispose()

    return (
        median_seconds(lambda: compose(ScenarioLoader), load_repeats),
        median_seconds(lambda: compose(CLoader), load_repeats),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20000, help="steps, split over passes")
    parser.add_argument("--naive-steps", type=int, default=40, help="steps per naive pass")
    parser.add_argument("--repeats", type=int, default=25, help="interleaved passes")
    parser.add_argument("--load-repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    lib = load_library()
    scenario = max(lib.scenarios.values(), key=lambda s: (len(s.nodes), s.choice_count, s.id))
    trace = record_walk(scenario, args.steps)
    restarts = sum(1 for (s, _) in trace if s.step == 0)
    time_steps(scenario, trace[:2000])  # warm-up
    # Short passes, interleaved: the median then shrugs off bursts of other work on the machine,
    # and both engines see the same conditions.
    shared, naive = [], []
    for i in range(args.repeats):
        chunk = trace[i * args.steps // args.repeats : (i + 1) * args.steps // args.repeats]
        shared.append(time_steps(scenario, chunk))
        naive.append(time_naive_steps(scenario, chunk[: args.naive_steps]))
    kib = machine_kib(scenario)
    load = median_seconds(load_library, args.load_repeats)

    step_us, naive_us = (statistics.median(t[0] for t in times) * 1e6 for times in (shared, naive))
    cpu_us, naive_cpu_us = (
        statistics.median(t[1] for t in times) * 1e6 for times in (shared, naive)
    )
    fastest, slowest = min(t[0] for t in shared) * 1e6, max(t[0] for t in shared) * 1e6
    python_yaml, c_yaml = compose_seconds(load_repeats=args.load_repeats)
    met = "**met**" if cpu_us < GOAL_US else "**not met**"
    body = f"""
Goal: one engine step under {GOAL_US:.0f} µs — {met}: median {cpu_us:.1f} µs of CPU per step \
({step_us:.1f} µs wall-clock, which also counts time this process waited for a core).

**A step** — `state.engine.step` on `{scenario.id}`, the largest shipped scenario \
({len(scenario.nodes)} nodes, {scenario.choice_count} choices), along a seeded random walk \
among the offered options that restarts at each ending ({len(trace):,} steps, {restarts:,} \
runs). The walk is recorded first, so only the steps are timed; median per step over \
{args.repeats} passes of {len(trace) // args.repeats:,} steps (wall-clock: fastest pass \
{fastest:.1f} µs, slowest {slowest:.1f} µs).

**Baseline: a `transitions.Machine` per user/run** — the same steps, but each first builds \
the scenario's machine for that run, as a bot without a shared machine does on every message \
({args.naive_steps} steps per pass, median of {args.repeats}, each pass right after a \
shared-machine pass).

| engine | CPU µs per step (median) | wall µs per step (median) | ratio (CPU) |
|---|---:|---:|---:|
| one shared machine per scenario (the engine) | {cpu_us:.1f} | {step_us:.1f} | 1× |
| a machine built per user/run | {naive_cpu_us:,.0f} | {naive_us:,.0f} \
| {naive_cpu_us / cpu_us:.0f}× |

A per-run machine also holds about {kib:.0f} KiB while alive (tracemalloc, mean of 200 kept); \
the shared machine costs nothing per run.

**Loading the library** — `scenarios.library.load_library()` (read, compose YAML with line \
numbers, pydantic, validate; {len(lib.scenarios)} scenarios, {len(lib.errors)} errors): \
median {load * 1000:,.0f} ms over {args.load_repeats} runs. Of that, composing the YAML with \
the loader's pure-Python `yaml.SafeLoader` takes {python_yaml * 1000:,.0f} ms; the same \
files compose in {c_yaml * 1000:,.0f} ms with libyaml's `yaml.CSafeLoader` (installed here), \
which keeps the line marks the problems need.

The machine is shared with other work (2 cores); figures are medians and move by ±30 % \
between runs.
"""
    print(body.strip())
    if not args.no_write:
        write_section(SECTION, COMMAND, body)


if __name__ == "__main__":
    main()
