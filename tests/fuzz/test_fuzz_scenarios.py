"""Fuzzing the scenario loader with mutated copies of the shipped files.

Authors edit YAML by hand, so the loader meets every kind of broken file: lines lost or doubled,
indentation off by one, a list where a string belongs, bytes that aren't UTF-8, a file cut in
half, a target that names no node. Whatever the mutation, `load_library` must not raise, every
problem must point at `path:line:` inside the file, and a file that still validates must play
through the engine (and render for Telegram) without raising.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render import intro_message, turn_messages
from scenarios.library import load_library
from scenarios.limits import MAX_PATH_STEPS
from scenarios.loader import PACKAGE_ROOT
from state.coach import match_reply
from state.engine import Ask, Choose, Reply, start, step

SHIPPED = sorted(PACKAGE_ROOT.rglob("*.yaml"))
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

WRONG_VALUES = [
    "[1, 2]", "{a: 1}", "123", "-7", "1e400", "true", "null", "~", '""', "''", "*nowhere",
    "&anchor x", "!!python/object/apply:os.system ['true']", "!!binary AAAA", "x" * 5000,
    "- item", "|", ">-", "? key", "{", "[", '"unterminated', "@at", "`tick", "%TAG",
    "\t", "\u202e\u0000", "🧪" * 50, "start", "end", "call", "guilt", "warmth + 'a'",
    "warmth / 0", "__import__('os')", "nodes", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
]  # fmt: skip
KEY_VALUE = re.compile(r"^(\s*-?\s*)([A-Za-z_][\w-]*):(\s*)(.*)$")
LINE_ID_KEYS = re.compile(r"^(\s*-?\s*)(target|start|id|speaker|if|set)(:\s*)(.*)$")


def mutate(text: str, ops: list[tuple[str, int, int, int]]) -> bytes:
    """Apply (operation, a, b, c) mutations; a, b, c are raw numbers reduced to valid indexes."""
    lines = text.splitlines(keepends=True)
    data: bytes | None = None
    for op, a, b, c in ops:
        if data is not None:  # after a byte-level mutation only byte-level ones make sense
            if op == "truncate":
                data = data[: a % (len(data) + 1)]
            else:
                pos = a % (len(data) + 1)
                data = data[:pos] + bytes([b % 256, c % 256]) + data[pos:]
            continue
        if not lines:
            lines = ["\n"]
        i, j = a % len(lines), b % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            change = [" ", "  ", "\t", "    "][c % 4]
            line = lines[i]
            if c % 2 and line.startswith(change):
                lines[i] = line[len(change) :]
            else:
                lines[i] = change + line
        elif op == "value":
            m = KEY_VALUE.match(lines[i].rstrip("\n"))
            if m:
                lines[i] = f"{m[1]}{m[2]}: {WRONG_VALUES[c % len(WRONG_VALUES)]}\n"
        elif op == "retarget":
            # Point an id-like key at another line's value (or a made-up one).
            found = [k for k, line in enumerate(lines) if LINE_ID_KEYS.match(line.rstrip("\n"))]
            if found:
                k = found[i % len(found)]
                m = LINE_ID_KEYS.match(lines[k].rstrip("\n"))
                other = LINE_ID_KEYS.match(lines[found[j % len(found)]].rstrip("\n"))
                value = other[4] if other and c % 3 else f"nowhere-{c}"
                lines[k] = f"{m[1]}{m[2]}{m[3]}{value}\n"
        elif op == "tail":  # something left open at the very end
            lines.append(f"{['extra', '  - x', 'nodes'][i % 3]}: {WRONG_VALUES[c % 24]}\n")
        elif op == "cut":  # whole lines kept: the file ends on a newline, mid-structure
            lines = lines[: i + 1]
        elif op == "bytes":
            data = "".join(lines).encode()
            pos = (a * 7919) % (len(data) + 1)
            data = data[:pos] + bytes([b % 256, c % 256]) + data[pos:]
        elif op == "truncate":
            data = "".join(lines).encode()[: (a * 7919) % (len("".join(lines)) + 1)]
    return data if data is not None else "".join(lines).encode()


OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "delete",
                "duplicate",
                "swap",
                "indent",
                "value",
                "retarget",
                "cut",
                "bytes",
                "truncate",
            ]
        ),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=4,
)


def line_count(data: bytes) -> int:
    return max(1, len(data.splitlines()))


def play(scenario, seed: int) -> int:
    """Random choices, sometimes a typed reply, to an ending or the step bound; returns steps."""
    rng = random.Random(seed)
    state, outputs = start(scenario, seed)
    turn_messages(outputs, 1, state.step, scenario.id)
    intro_message(scenario)
    for _ in range(MAX_PATH_STEPS * 2):
        if state.status == "ended":
            break
        asks = [o for o in outputs if isinstance(o, Ask)]
        if rng.random() < 0.2 or not asks or not asks[-1].options:
            inp = Reply(rng.choice(["No thanks.", "I feel hurt when you say that.", "", "ok"]))
        else:
            inp = Choose(rng.choice(asks[-1].options).id)
        state, outputs = step(scenario, state, inp, match_reply)
        turn_messages(outputs, 1, state.step, scenario.id)
    return state.step


@pytest.mark.parametrize("path", SHIPPED[:1], ids=lambda p: p.stem)
def test_the_shipped_file_itself_loads_and_plays(path):
    lib = load_library([path])
    assert not lib.errors, [str(p) for p in lib.errors]
    (scenario,) = lib.scenarios.values()
    assert play(scenario, 1) > 0


def test_mutate_really_breaks_files():
    text = SHIPPED[0].read_text(encoding="utf-8")
    assert mutate(text, [("truncate", 1, 0, 0)]) != text.encode()
    assert b"\xff" in mutate(text, [("bytes", 3, 255, 255)])


@FUZZ
@given(source=st.sampled_from(SHIPPED), ops=OPS, seed=st.integers(0, 2**16))
def test_mutated_scenarios_never_raise_and_point_at_a_line(tmp_path_factory, source, ops, seed):
    text = source.read_text(encoding="utf-8")
    data = mutate(text, ops)
    folder = tmp_path_factory.mktemp("mutants") / source.parent.name
    folder.mkdir()
    path = folder / source.name
    path.write_bytes(data)

    lib = load_library([path])

    lines = line_count(data)
    for problem in lib.problems:
        shown = str(problem)
        assert shown.startswith(f"{path}:{problem.line}: "), shown
        assert 1 <= problem.line <= lines, (shown, lines)
        assert problem.message.strip(), shown
    if lib.errors:
        assert not lib.scenarios, "a file with errors is left out, never half-loaded"
        return
    for scenario in lib.scenarios.values():
        play(scenario, seed)


@pytest.mark.parametrize("text", ["title: x\nnodes: [\n", 'title: "x\n\n\n', "a: {\n  b: [\n"])
def test_a_yaml_error_at_the_end_of_the_file_points_at_its_last_line(tmp_path, text):
    path = tmp_path / "family" / "cut.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    (problem,) = load_library([path]).problems
    assert problem.code == "yaml" and problem.line == len(text.splitlines()), str(problem)


def test_errors_in_a_broken_file_name_its_lines(tmp_path: Path):
    """A sanity anchor for the fuzz above: known mutations, known lines."""
    source = SHIPPED[0]
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.strip().startswith("target:"))
    lines[target] = re.sub(r"target:.*", "target: no-such-node", lines[target])
    path = tmp_path / source.parent.name / source.name
    path.parent.mkdir()
    path.write_text("".join(lines), encoding="utf-8")
    lib = load_library([path])
    assert any(p.line == target + 1 and "no-such-node" in p.message for p in lib.errors), [
        str(p) for p in lib.problems
    ]
