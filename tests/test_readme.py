"""The README's promises: its two commands are what CI runs, and its example scenario is valid."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from scenarios.library import load_library
from state.engine import Choose, start, step

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_two_commands_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "exec make test"


def test_example_scenario_validates_strictly_and_plays(tmp_path):
    example = re.search(r"```yaml\n(.*?)```", README, re.S)
    assert example, "the README shows an example scenario"
    path = tmp_path / "recovery" / "barbecue.yaml"
    path.parent.mkdir()
    path.write_text(example.group(1), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--strict", str(path)])
    assert result.exit_code == 0, result.output
    scenario = load_library([path]).scenarios["recovery/barbecue"]
    state, _ = start(scenario, seed=1)
    state, outputs = step(scenario, state, Choose("no-first"))
    assert state.status == "ended" and outputs[-1].title == "Soda in hand"
