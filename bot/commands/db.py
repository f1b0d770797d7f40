"""`rehearse db …`: database commands (registered as a sub-app by bot/cli.py)."""

from __future__ import annotations

import asyncio

import typer

from state.db import migrate
from state.db.session import default_url, normalize_url, safe_url

app = typer.Typer(help="Database commands", no_args_is_help=True)

URL_HELP = (
    "Database URL (default: DATABASE_URL from the environment or .env, else state/rehearse.db)."
)


def _target(url: str | None) -> str:
    if url:
        return url
    try:
        from bot.settings import load_settings

        configured = load_settings().database_url
    except Exception:  # noqa: BLE001 - a bad unrelated setting must not block migrations
        configured = None
    return configured or default_url()


@app.command()
def upgrade(
    url: str | None = typer.Option(None, "--url", help=URL_HELP),
    revision: str = typer.Option("heads", help="Alembic revision to upgrade to."),
) -> None:
    """Apply the database migrations (create or update the tables)."""
    target = _target(url)
    typer.echo(f"Database: {safe_url(target)}")
    try:
        asyncio.run(migrate.upgrade(target, revision))
        now = asyncio.run(migrate.current(target))
    except Exception as exc:  # noqa: BLE001 - one readable line, never the password
        message = (str(exc).splitlines() or [""])[0][:300]
        password = normalize_url(target).password
        if password:
            message = message.replace(str(password), "***")
        typer.echo(f"rehearse: migration failed: {type(exc).__name__}: {message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"At revision {now or 'base'}.")


@app.command()
def current(url: str | None = typer.Option(None, "--url", help=URL_HELP)) -> None:
    """Show which migration the database is at."""
    target = _target(url)
    typer.echo(f"Database: {safe_url(target)}")
    typer.echo(f"At revision {asyncio.run(migrate.current(target)) or 'base (empty)'}.")
