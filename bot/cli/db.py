"""`rehearse db …`: database commands (a sub-app of bot/cli).

`upgrade`/`current` run the migrations; `backup`/`restore` copy a SQLite database safely while
the bot runs (PostgreSQL has pg_dump/pg_restore, which we point to); `health` is the check a
service manager or a monitor runs: the database answers and the Bot API knows the token.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from state.db import migrate
from state.db.session import (
    BUSY_TIMEOUT_MS,
    create_private,
    default_url,
    make_engine,
    normalize_url,
    safe_url,
)

app = typer.Typer(help="Database commands", no_args_is_help=True)

URL_HELP = (
    "Database URL (default: DATABASE_URL from the environment or .env, else state/rehearse.db)."
)
Url = Annotated[str | None, typer.Option("--url", help=URL_HELP)]  # every command's --url


def _target(url: str | None) -> str:
    if url:
        return url
    try:
        from bot.settings import load_settings

        configured = load_settings().database_url
    except Exception:  # noqa: BLE001 - a bad unrelated setting must not block migrations
        configured = None
    return configured or default_url()


async def revisions(url: str) -> str | None:
    """The revision(s) the database is at, e.g. "0004+0005" when feature branches of the
    migrations are both applied (alembic's single `current` refuses to answer then)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            heads = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_heads())
    finally:
        await engine.dispose()
    return "+".join(sorted(heads)) or None


@app.command()
def upgrade(
    url: Url = None,
    revision: str = typer.Option("heads", help="Alembic revision to upgrade to."),
) -> None:
    """Apply the database migrations (create or update the tables)."""
    target = _target(url)
    typer.echo(f"Database: {safe_url(target)}")
    try:
        asyncio.run(migrate.upgrade(target, revision))
        now = asyncio.run(revisions(target))
    except Exception as exc:  # noqa: BLE001 - one readable line, never the password
        message = (str(exc).splitlines() or [""])[0][:300]
        password = normalize_url(target).password
        if password:
            message = message.replace(str(password), "***")
        typer.echo(f"rehearse: migration failed: {type(exc).__name__}: {message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"At revision {now or 'base'}.")


@app.command()
def current(url: Url = None) -> None:
    """Show which migration the database is at."""
    target = _target(url)
    typer.echo(f"Database: {safe_url(target)}")
    typer.echo(f"At revision {asyncio.run(revisions(target)) or 'base (empty)'}.")


# ---- backup and restore (SQLite) -------------------------------------------------------------


def _sqlite_path(target: str) -> Path | None:
    """The database file of a SQLite URL, or None for another database."""
    url = normalize_url(target)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")


def _postgres_hint(target: str, tool: str) -> str:
    """The pg_dump/pg_restore line to use instead, for a libpq URL (password masked)."""
    url = normalize_url(target).set(drivername="postgresql")
    url = url.difference_update_query(["search_path"])
    shown = url.render_as_string(hide_password=True)
    if tool == "pg_dump":
        return f"pg_dump --format=custom --file=rehearse-$(date +%Y%m%d-%H%M).dump '{shown}'"
    return f"pg_restore --clean --if-exists --no-owner --dbname='{shown}' FILE.dump"


def _check_sqlite(path: Path) -> dict[str, int]:
    """Integrity-check a SQLite file and count its users and runs; raise if it isn't ours."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise ValueError(f"integrity check failed: {result[:200]}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "users" not in tables:
            raise ValueError("not a rehearse database (no users or alembic_version table)")
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("users",)}
    finally:
        conn.close()


def sqlite_backup(source: Path, output: Path) -> dict[str, int]:
    """Copy a live SQLite database with SQLite's online backup API.

    One backup step copies every page inside one read transaction, so the copy is a consistent
    snapshot even while the bot writes (WAL lets the writers go on meanwhile). The copy is
    written beside `output` (created 0600, like the database) and renamed into place, and
    switched out of WAL so it is one self-contained file.
    """
    if not source.is_file():
        raise FileNotFoundError(f"no database file at {source}")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    _copy_pages(
        sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000), sqlite3.connect(partial), "DELETE"
    )
    try:
        counts = _check_sqlite(partial)
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, output)
    return counts


def sqlite_restore(backup: Path, target: Path) -> Path | None:
    """Replace `target`'s content with `backup`'s, keeping the old content beside it.

    Also through the backup API (backup → target), so the target's WAL and any open readers
    stay consistent; returns the path of the copy of what was there before (None if nothing).
    """
    _check_sqlite(backup)
    kept = None
    if target.is_file():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
        sqlite_backup(target, kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    create_private(target)
    _copy_pages(
        sqlite3.connect(f"file:{backup}?mode=ro", uri=True),
        sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000),
        "WAL",
    )
    _check_sqlite(target)
    return kept


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection, journal_mode: str) -> None:
    """Every page of `src` into `dst` in one backup step, then `dst` in `journal_mode`; both
    connections closed after."""
    try:
        src.backup(dst, pages=-1)
        dst.execute(f"PRAGMA journal_mode = {journal_mode}")
    finally:
        dst.close()
        src.close()


def _sqlite_or_exit(url: str | None, refusal: str, tool: str) -> Path:
    """The SQLite file behind `url`, or exit 2 pointing a PostgreSQL operator to `tool`."""
    target = _target(url)
    path = _sqlite_path(target)
    if path is None:
        typer.echo(f"rehearse: {refusal}:\n  {_postgres_hint(target, tool)}", err=True)
        raise typer.Exit(2)
    return path


@app.command()
def backup(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Backup file (default: beside it, timestamped)."),
    ] = None,
    url: Url = None,
) -> None:
    """Back up the SQLite database while the bot runs (PostgreSQL: use pg_dump)."""
    path = _sqlite_or_exit(
        url, "`db backup` copies SQLite files; for PostgreSQL use its own tool", "pg_dump"
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = output or path.with_name(f"{path.stem}-backup-{stamp}{path.suffix or '.db'}")
    try:
        counts = sqlite_backup(path, output)
    except (OSError, sqlite3.Error, ValueError) as exc:
        typer.echo(f"rehearse: backup failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    size = output.stat().st_size
    typer.echo(f"Backed up {path} to {output} ({size:,} bytes, {counts['users']} users).")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `rehearse db backup`.")],
    yes: bool = typer.Option(False, "--yes", help="Really replace the database."),
    url: Url = None,
) -> None:
    """Replace the SQLite database with a backup (stop the bot first; the old one is kept)."""
    path = _sqlite_or_exit(
        url, "`db restore` is for SQLite; for PostgreSQL restore a pg_dump file", "pg_restore"
    )
    try:
        counts = _check_sqlite(file)
    except (OSError, sqlite3.Error, ValueError) as exc:
        typer.echo(f"rehearse: {file} can't be restored: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    if not yes:
        typer.echo(
            f"This replaces {path} with {file} ({counts['users']} users); the current database "
            "is kept beside it. Stop the bot first, then run again with --yes.",
            err=True,
        )
        raise typer.Exit(1)
    try:
        kept = sqlite_restore(file, path)
    except (OSError, sqlite3.Error, ValueError) as exc:
        typer.echo(f"rehearse: restore failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Restored {path} from {file} ({counts['users']} users).")
    if kept:
        typer.echo(f"The previous database is kept as {kept}.")
    typer.echo("Start the bot again; it applies any newer migrations on start.")


# ---- health ----------------------------------------------------------------------------------


async def _database_health(target: str, timeout: float) -> str:
    path = _sqlite_path(target)
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"no database file at {path}")
    engine = make_engine(target)
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        revision = await asyncio.wait_for(revisions(target), timeout)
    finally:
        await engine.dispose()
    if revision is None:
        raise RuntimeError("the database has no tables yet: run `rehearse db upgrade`")
    return f"database ok (revision {revision})"


async def _telegram_health(timeout: float) -> str:
    from telegram import Bot

    from bot.http import AiohttpRequest
    from bot.settings import load_settings

    settings = load_settings()
    token = settings.check_token()
    request = AiohttpRequest(connect_timeout=timeout, read_timeout=timeout)
    bot = Bot(
        token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_base_url,
        request=request,
        get_updates_request=AiohttpRequest(),
    )
    try:
        async with asyncio.timeout(timeout * 2):
            me = await bot.get_me()
    finally:
        await request.shutdown()  # the bot was never initialised, so it won't close it
    return f"telegram ok (@{me.username})"


def check_health(target: str, telegram: bool = True, timeout: float = 5.0) -> tuple[bool, str]:
    """(healthy, one line) for the database at `target` and, unless told not to, the Bot API."""
    parts: list[str] = []
    checks = [("database", lambda: _database_health(target, timeout))]
    if telegram:
        checks.append(("telegram", lambda: _telegram_health(timeout)))
    for name, check in checks:
        try:
            parts.append(asyncio.run(check()))
        except Exception as exc:  # noqa: BLE001 - every failure becomes the one line
            message = (str(exc).splitlines() or [""])[0][:200] or "no answer in time"
            for secret in (normalize_url(target).password, _token()):
                if secret:
                    message = message.replace(str(secret), "***")
            return False, f"{name}: {type(exc).__name__}: {message}"
    return True, ", ".join(parts)


def _token() -> str | None:
    try:
        from bot.settings import load_settings

        return load_settings().token
    except Exception:  # noqa: BLE001 - no token, nothing to hide
        return None


@app.command()
def health(
    url: Url = None,
    telegram: bool = typer.Option(True, help="Also ask the Bot API who the bot is (getMe)."),
    timeout: float = typer.Option(5.0, help="Seconds to wait for each check."),
) -> None:
    """Exit 0 when the database answers and the Bot API knows the token; else 1, one line."""
    target = _target(url)
    ok, line = check_health(target, telegram, timeout)
    if ok:
        typer.echo(f"healthy: {line}")
        return
    typer.echo(f"rehearse: unhealthy: {line}", err=True)
    raise typer.Exit(1)
