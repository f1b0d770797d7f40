"""The `rehearse` command line: run the bot, play in a terminal, and work on scenarios."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.settings import SettingsError, load_settings

app = typer.Typer(
    name="rehearse",
    help="Rehearse hard conversations: a Telegram bot and a terminal player.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_subapps() -> None:
    for module, name in (("bot.commands.db", "db"), ("bot.commands.leaders", "leaders")):
        try:
            mod = __import__(module, fromlist=["app"])
        except ImportError:
            continue
        app.add_typer(mod.app, name=name)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"rehearse: {message}", err=True)
    return typer.Exit(code)


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command: run the bot when a token is configured, else the terminal player."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None
    if settings.token:
        ctx.invoke(run)
    else:
        typer.echo("No TELEGRAM_BOT_TOKEN configured: starting the terminal player.", err=True)
        ctx.invoke(play, scenario_id=None, seed=None)


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders")] = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Check scenario files; exit 1 on errors (and on warnings with --strict)."""
    from scenarios.library import load_library
    from scenarios.loader import PACKAGE_ROOT

    targets = paths or [PACKAGE_ROOT]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}", 2)
    lib = load_library(targets)
    failed = bool(lib.errors) or (strict and bool(lib.warnings))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": not failed,
                    "scenarios": sorted(lib.scenarios),
                    "errors": len(lib.errors),
                    "warnings": len(lib.warnings),
                    "problems": [p.as_dict() for p in lib.problems],
                },
                indent=2,
            )
        )
    else:
        for p in lib.problems:
            typer.echo(str(p))
        typer.echo(
            f"{len(lib.scenarios)} scenario(s) valid, {len(lib.errors)} error(s), "
            f"{len(lib.warnings)} warning(s)"
        )
    raise typer.Exit(1 if failed else 0)


@app.command("list")
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """List the scenario library."""
    from rich.console import Console
    from rich.table import Table

    from scenarios.library import load_library

    lib = load_library()
    rows = [
        {
            "id": s.id,
            "context": s.context,
            "title": s.title,
            "difficulty": s.difficulty,
            "skills": list(s.skills),
            "nodes": len(s.nodes),
        }
        for s in sorted(lib.scenarios.values(), key=lambda s: (s.context, s.difficulty, s.id))
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "context", "title", "difficulty", "skills", "nodes")
    for r in rows:
        table.add_row(
            r["id"],
            r["context"],
            r["title"],
            str(r["difficulty"]),
            ", ".join(r["skills"]),
            str(r["nodes"]),
        )
    Console().print(table)
    if lib.errors:
        typer.echo(
            f"{len(lib.errors)} file(s) have errors and are left out: run `rehearse validate`.",
            err=True,
        )


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


@app.command()
def graph(
    scenario_id: Annotated[str, typer.Argument(help="e.g. family/birthday-or-group")],
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f")] = GraphFormat.mermaid,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Draw a scenario as a diagram (Mermaid needs nothing; svg/png use Graphviz's dot)."""
    from scenarios.graph import to_dot, to_mermaid
    from scenarios.library import load_library

    scenario = load_library().get(scenario_id)
    if scenario is None:
        raise fail(
            f"no valid scenario {scenario_id!r}: see `rehearse list` and `rehearse validate`"
        )
    if fmt in (GraphFormat.mermaid, GraphFormat.dot):
        text = to_mermaid(scenario) if fmt is GraphFormat.mermaid else to_dot(scenario)
        if output:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"wrote {output}")
        else:
            typer.echo(text, nl=False)
        return
    dot = shutil.which("dot")
    if dot is None:
        raise fail(
            "svg and png need Graphviz's `dot`, which is not installed "
            "(apt-get install graphviz); `--format mermaid` needs nothing"
        )
    result = subprocess.run(
        [dot, f"-T{fmt.value}"], input=to_dot(scenario).encode(), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise fail(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    if output:
        output.write_bytes(result.stdout)
        typer.echo(f"wrote {output}")
    else:
        sys.stdout.buffer.write(result.stdout)


@app.command()
def play(
    scenario_id: Annotated[str | None, typer.Argument(help="Scenario to play")] = None,
    seed: Annotated[int | None, typer.Option(help="Fix the wording variants")] = None,
) -> None:
    """Play scenarios in the terminal; reads choices from piped input too."""
    from bot.terminal import run_player

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(run_player(settings, scenario_id, seed))


@app.command()
def analyze(
    text: Annotated[
        str | None, typer.Argument(help="A message; omit to read lines from stdin")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (the default)")] = True,
) -> None:
    """Print what the core makes of a message: crisis check and coaching analysis."""
    from state.analysis import analyse_message

    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        typer.echo(json.dumps(analyse_message(line), ensure_ascii=False))


@app.command()
def run() -> None:
    """Run the Telegram bot (long polling, or a webhook when WEBHOOK_URL is set)."""
    try:
        settings = load_settings()
        settings.check_token()
    except SettingsError as exc:
        raise fail(str(exc)) from None
    try:
        from bot.app import run_bot
    except ImportError as exc:  # pragma: no cover - only before the bot lands
        raise fail(f"the Telegram bot is not available: {exc}") from None
    raise typer.Exit(run_bot(settings))


_register_subapps()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
