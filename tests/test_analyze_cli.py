"""`rehearse analyze`: one JSON object per message, crisis first, then the coach's reading."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_one_message_as_argument():
    result = runner.invoke(app, ["analyze", "kms", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["crisis"] is True and data["category"] == "suicide"
    assert data["style"] is None  # a crisis message is never coached


def test_lines_from_stdin():
    lines = [
        "this deadline is killing me",
        "No. I'm not drinking tonight, but I'll have a soda.",
        "",
        "you ALWAYS do this, you're pathetic",
    ]
    result = runner.invoke(app, ["analyze"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == len(lines)
    assert [r["crisis"] for r in rows] == [False, False, False, False]
    assert rows[1]["style"] == "assertive" and "refusal-no-first" in rows[1]["markers"]
    assert rows[3]["style"] == "aggressive" and "blame" in rows[3]["markers"]
    for row in rows:
        assert {"crisis", "category", "style", "confidence", "markers"} <= set(row)
        assert 0.0 <= row["confidence"] <= 1.0
