"""A hostile scenario file is an error at its line, never a hang, a crash or gigabytes.

YAML aliases that expand without end or refer to themselves, a file that never ends, and
expressions that would build a huge string or number are each refused by `validate`, and the
expression language keeps what it computes at run time small.
"""

from __future__ import annotations

import os
import threading
import time

from scenarios.expr import parse
from scenarios.library import load_library
from scenarios.limits import EXPR_NUMBER_LIMIT, SCENARIO_FILE_BYTES
from texts import MINI


def problems_for(path) -> list[str]:
    return [str(p) for p in load_library([path]).problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_an_alias_bomb_is_refused_at_its_line_at_once(write_scenario):
    # Each level repeats the one before nine times: 9**6 (531,441) values from 400 bytes.
    levels = "laughs:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for k in range(1, 6):
        levels += f"  l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]\n"
    text = MINI.replace("skills: [refusal]\n", "skills: [refusal]\n" + levels, 1)
    path = write_scenario(text)
    start = time.perf_counter()
    problems = problems_for(path)
    assert time.perf_counter() - start < 5
    line = line_of(text, "  l5: &l5")  # the first level past 100,000 values
    assert any(p.startswith(f"{path}:{line}: error: aliases expand") for p in problems), problems


def test_an_alias_inside_its_own_anchor_is_refused_at_its_line(write_scenario):
    text = MINI.replace("skills: [refusal]\n", "skills: [refusal]\ncontent_warnings: &r [*r]\n")
    path = write_scenario(text)
    problems = problems_for(path)
    line = line_of(text, "&r [*r]")
    assert any(
        p.startswith(f"{path}:{line}: error: an alias refers to the anchor that contains it")
        for p in problems
    ), problems


def test_aliases_that_stay_small_are_fine(write_scenario):
    text = MINI.replace(
        "feedback: You asked him to stop.", "feedback: &stop You asked him to stop."
    ).replace("feedback: Giving in.", "feedback: *stop")
    assert problems_for(write_scenario(text)) == []


def test_a_file_that_never_ends_is_read_only_up_to_the_limit(tmp_path):
    """A FIFO that sends more than the limit and then stays open: the loader stops reading."""
    folder = tmp_path / "family"
    folder.mkdir()
    fifo = folder / "endless.yaml"
    os.mkfifo(fifo)
    done = threading.Event()

    def feed() -> None:
        with open(fifo, "wb") as out:
            try:
                out.write(b"title: " + b"x" * (SCENARIO_FILE_BYTES + 10) + b"\n")
                out.flush()
            except BrokenPipeError:
                return
            done.wait(15)  # keeps the file "growing" until the test has its answer

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        start = time.perf_counter()
        problems = problems_for(fifo)
        elapsed = time.perf_counter() - start
    finally:
        done.set()
        writer.join(20)
    assert elapsed < 5
    assert problems == [f"{fifo}:1: error: file is larger than 1,000,000 bytes [too-large]"]


def test_arithmetic_on_text_is_refused_at_its_line(write_scenario):
    for expression in ('\'"x" * 4000000000 == "y"\'', "'-\"x\" == 1'", '\'"a" + "b" == "ab"\''):
        text = MINI.replace("if: pushes >= 1", f"if: {expression}")
        path = write_scenario(text)
        line = line_of(text, "if: " + expression)
        assert any(
            p.startswith(f"{path}:{line}: error: bad expression: ") and "numbers only" in p
            for p in problems_for(path)
        ), expression


def test_numbers_an_expression_makes_stay_within_the_limit():
    square = parse("n * n + 2", {"n": 0})
    n = 2
    for _ in range(12):  # unbounded, 2 squared 12 times has 1,234 digits
        n = square({"n": n}, {})
    assert n == EXPR_NUMBER_LIMIT
    assert parse("0 - n * n", {"n": 0})({"n": n}, {}) == -EXPR_NUMBER_LIMIT
    assert parse("n * 1.0e300 * 1.0e300", {"n": 0})({"n": 1}, {}) == EXPR_NUMBER_LIMIT
    assert parse("99999999999999999999 > 5", {})({}, {}) is True
    # Text that reached a number's variable at run time never takes part in arithmetic.
    assert parse("n * 3", {"n": 0})({"n": "x"}, {}) == 0
    assert parse("-n", {"n": 0})({"n": "x"}, {}) == 0
    assert parse("n + 1", {"n": 0})({"n": 41}, {}) == 42
