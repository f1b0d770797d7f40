"""`rehearse list`, `graph` and the no-subcommand default."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
SCENARIO = "family/birthday-or-group"


def test_list_json_has_the_fields():
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)
    row = next(r for r in rows if r["id"] == SCENARIO)
    assert row["context"] == "family" and row["difficulty"] == 3
    assert "dear-man" in row["skills"] and row["nodes"] > 5


def test_graph_mermaid_names_every_node_and_choice(tmp_path):
    result = runner.invoke(app, ["graph", SCENARIO])
    assert result.exit_code == 0
    text = result.output
    assert text.startswith("flowchart TD")
    assert "n_call" in text and "n_good_end" in text
    assert "Tomorrow is my group night (assertive)" in text
    out = tmp_path / "g.mmd"
    assert runner.invoke(app, ["graph", SCENARIO, "-o", str(out)]).exit_code == 0
    assert out.read_text() == text


def test_graph_svg_uses_dot_or_says_it_is_missing(tmp_path):
    out = tmp_path / "g.svg"
    result = runner.invoke(app, ["graph", SCENARIO, "--format", "svg", "-o", str(out)])
    if shutil.which("dot"):
        assert result.exit_code == 0 and out.read_text().lstrip().startswith("<?xml")
    else:
        assert result.exit_code == 1
        assert "Graphviz" in result.output and "mermaid" in result.output
        assert not out.exists()


def test_graph_unknown_scenario_is_a_kind_error():
    result = runner.invoke(app, ["graph", "family/nope"])
    assert result.exit_code == 1
    assert "no valid scenario" in result.output


def test_default_without_token_plays_in_the_terminal(monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [], input="")
    assert result.exit_code == 0
    assert "starting the terminal player" in result.output
    assert "What would you like to practice?" in result.output


def test_bad_setting_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("ADMIN_USER_IDS", "alice")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [])
    assert result.exit_code == 1
    assert "ADMIN_USER_IDS" in result.output and "Traceback" not in result.output


def test_leaders_remove_closes_their_groups_and_says_so(tmp_path):
    import asyncio

    from state import groups
    from state.store import Store

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["leaders", "add", "2000", "--url", url]).exit_code == 0

    async def seed() -> None:
        async with await Store.open(url) as store, store.transaction(2000) as uow:
            group = await groups.create_group(uow, 2000, "Tuesday", "Dr. Lee")
            link = await groups.create_invite(uow, kind="group", created_by=2000, group_id=group.id)
            await groups.join_group(uow, link.code, 3001, "Ann", shares=[groups.Share.ALERT])

    asyncio.run(seed())
    result = runner.invoke(app, ["leaders", "remove", "2000", "--url", url])
    assert result.exit_code == 0, result.output
    assert "1 group(s) closed, 1 member(s) taken out" in result.output
    assert "1 link(s) revoked" in result.output
    again = runner.invoke(app, ["leaders", "remove", "2000", "--url", url])
    assert "was not a group leader" in again.output
    unknown = runner.invoke(app, ["leaders", "remove", "99999", "--url", url])
    assert "was not a group leader" in unknown.output
