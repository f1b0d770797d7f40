"""Broken scenario files are reported as `file:line: message`, each on the line at fault."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from scenarios.library import load_library
from texts import MINI

runner = CliRunner()


def problems_for(path):
    lib = load_library([path])
    return lib, [str(p) for p in lib.problems]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    count = 0
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            count += 1
            if count == occurrence:
                return i
    raise AssertionError(f"{needle!r} not in text")


def test_mini_is_clean(write_scenario):
    lib, problems = problems_for(write_scenario(MINI))
    assert problems == []
    assert "family/mini" in lib.scenarios


def test_unknown_target_points_at_target_line(write_scenario):
    text = MINI.replace("target: good", "target: nowhere")
    path = write_scenario(text)
    lib, problems = problems_for(path)
    line = line_of(text, "target: nowhere")
    assert any(
        p.startswith(f"{path}:{line}: error") and "unknown node 'nowhere'" in p for p in problems
    ), problems
    assert lib.scenarios == {}


def test_unreachable_node(write_scenario):
    text = (
        MINI
        + """\
  orphan:
    ending:
      outcome: mixed
      title: Nobody comes here
      debrief: Unreachable.
      try_this_week: Nothing.
"""
    )
    path = write_scenario(text)
    _, problems = problems_for(path)
    line = line_of(text, "  orphan:")
    assert any(p.startswith(f"{path}:{line}: error") and "unreachable" in p for p in problems)


def test_missing_feedback(write_scenario):
    text = MINI.replace("        feedback: You asked him to stop.\n", "")
    path = write_scenario(text)
    _, problems = problems_for(path)
    line = line_of(text, "- id: stop")
    assert any(p.startswith(f"{path}:{line}: error") and "feedback" in p for p in problems), (
        problems
    )


def test_yaml_syntax_error(write_scenario):
    text = MINI.replace("title: Mini", "title: [unclosed")
    path = write_scenario(text)
    _, problems = problems_for(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")
    assert "YAML syntax error" in problems[0]
    assert int(problems[0].split(":")[1]) in (1, 2, 3)


def test_id_too_long_for_callback_data(write_scenario):
    long_id = "a-very-long-choice-identifier-that-no-phone-button-can-carry"
    text = MINI.replace("- id: stop", f"- id: {long_id}")
    path = write_scenario(text)
    _, problems = problems_for(path)
    line = line_of(text, long_id)
    assert any(p.startswith(f"{path}:{line}: error") and "64-byte" in p for p in problems)


def test_duplicate_node_key(write_scenario):
    text = (
        MINI
        + """\
  good:
    ending:
      outcome: good
      title: Again
      debrief: Dup.
      try_this_week: Dup.
"""
    )
    path = write_scenario(text)
    _, problems = problems_for(path)
    line = line_of(text, "  good:", 2)
    assert any(
        p.startswith(f"{path}:{line}: error") and "duplicate key 'good'" in p for p in problems
    )


def test_dead_end_and_no_way_out(write_scenario):
    text = (
        MINI.replace(
            """        target: good
""",
            """        target: limbo
""",
        )
        + """\
  limbo:
    choices:
      - id: loop
        text: Loop
        style: passive
        feedback: Going round.
        target: limbo
"""
    )
    path = write_scenario(text)
    _, problems = problems_for(path)
    assert any("no ending can be reached" in p for p in problems)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "skills: [refusal.ask-to-stop]",
            "skills: [refusal.ask-to-stpo]",
            "ask-to-stpo",
            "unknown skill component",
        ),
        (
            'if: visited("again") and pushes >= 1',
            "if: __import__('os')",
            "__import__",
            "bad expression",
        ),
        (
            "style: assertive\n        skills: [refusal.ask-to-stop]",
            "style: bold\n        skills: [refusal.ask-to-stop]",
            "style: bold",
            "style",
        ),
        ("text: Please stop offering", "text: " + "x" * 70, "x" * 70, "button text"),
        (
            "      - speaker: sam\n        text: You sure?",
            "      - speaker: tom\n        text: You sure?",
            "speaker: tom",
            "not in characters",
        ),
    ],
)
def test_other_errors_point_at_their_line(write_scenario, old, new, needle, message):
    assert old in MINI
    text = MINI.replace(old, new)
    path = write_scenario(text)
    _, problems = problems_for(path)
    line = line_of(text, needle)
    assert any(p.startswith(f"{path}:{line}: error") and message in p for p in problems), problems


def test_long_button_is_a_warning_that_strict_fails(write_scenario):
    text = MINI.replace(
        "text: Please stop offering", "text: Please stop offering me drinks, okay, Sam?"
    )
    path = write_scenario(text)
    ok = runner.invoke(app, ["validate", str(path)])
    assert ok.exit_code == 0, ok.output
    assert ": warning: button text" in ok.output
    strict = runner.invoke(app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 1


def test_cli_exit_codes_and_json(write_scenario):
    good = write_scenario(MINI, "family/good")
    bad = write_scenario(MINI.replace("target: good", "target: nowhere"), "family/bad")
    result = runner.invoke(app, ["validate", str(good)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    result = runner.invoke(app, ["validate", "--json", str(bad)])
    data = json.loads(result.output)
    assert data["ok"] is False and data["errors"] >= 1
    assert {"path", "line", "severity", "message", "code"} <= set(data["problems"][0])
    missing = runner.invoke(app, ["validate", "/nonexistent/dir"])
    assert missing.exit_code == 2


def test_not_a_mapping_and_not_utf8(write_scenario, tmp_path):
    path = write_scenario("- just\n- a list\n")
    _, problems = problems_for(path)
    assert problems and "must be a mapping" in problems[0]
    binary = tmp_path / "family" / "bin.yaml"
    binary.write_bytes(b"title: \xff\xfe\n")
    _, problems = problems_for(binary)
    assert problems and "UTF-8" in problems[0]


def test_shipped_library_validates_strictly():
    result = runner.invoke(app, ["validate", "--strict"])
    assert result.exit_code == 0, result.output
