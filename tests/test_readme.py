"""The README's promises: its two commands are what CI runs, and its example scenario is valid."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from scenarios.library import load_library
from shipped import shipped_library
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


def visible(html_text: str) -> str:
    """What a phone shows of a message: the text after Telegram parses its HTML."""
    import html

    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def quoted_after(heading: str) -> list[str]:
    """The ```text blocks of the README section `heading`, in order."""
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    return [b.strip("\n") for b in re.findall(r"```text\n(.*?)```", section, re.S)]


def test_what_people_read_is_what_the_code_sends():
    from datetime import UTC, datetime

    from bot.features.checkins.schedule import zone_said_back
    from bot.features.groups.reports import group_text
    from bot.render import HEAVY_LEGEND, LEVEL_LEGEND, feedback_text
    from state.engine import Feedback
    from state.group_report import GroupReport, MemberLine, PushLine
    from state.groups import Delivery, GroupRecord, MemberRecord, PushRecord
    from state.places import Place

    feedback, levels, clock, leader = quoted_after("### What people read")
    choice = next(
        c
        for c in shipped_library().get("family/birthday-or-group").nodes["call"].choices
        if c.id == "facts"
    )
    note = Feedback(choice.id, choice.says, choice.style, tuple(choice.skills), choice.feedback)
    assert visible(feedback_text(note, quote=False)) == feedback
    assert visible(f"{LEVEL_LEGEND}.\n{HEAVY_LEGEND}") == levels
    tuesday = datetime(2026, 12, 1, 16, 57, tzinfo=UTC)  # 10:42 pm in Kathmandu
    assert visible(zone_said_back(Place("Asia/Kathmandu", "Kathmandu, Nepal"), tuesday).text) == (
        clock
    )
    group = GroupRecord(1, "Tuesday group", 9, "Dr. Lee", tuesday)
    member = MemberRecord(1, 5, "Sam R.", tuesday, None, False, False)
    push = PushRecord(1, 1, "family/birthday-or-group", 9, tuesday, None)
    report = GroupReport(
        group,
        [MemberLine(member, 1, 1, {"assertive": 4, "passive": 1, "aggressive": 1})],
        [PushLine(push, Delivery(sent=1), 1, 1)],
        {},
        {},
        [],
    )
    view = visible(group_text(report, shipped_library()))
    members, pushed = leader.rsplit("\n", 1)
    assert members in view
    assert pushed.startswith("On its way: ")  # the push itself: tests/bot/test_groups.py
