"""Run Alembic from code: no `alembic.ini` on disk is needed by callers.

`alembic_config(url)` builds the configuration in memory with `script_location` pointing at
`state/migrations`. `upgrade(url)` / `downgrade(url, rev)` run the migrations on a connection
of our own engine (so the SQLite pragmas apply), from inside a running event loop.

Adding a migration: copy the newest file in `state/migrations/versions/`, bump `revision` and
`down_revision`, and check that `tests/store/test_store_migrations.py` still finds no drift
between the models and the migrated schema on both databases.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from state.db.session import make_engine, normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_LOCK = 0x72656873  # any fixed 64-bit key: "rehs"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # `%` must be doubled for ConfigParser interpolation.
        rendered = normalize_url(url).render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


async def upgrade(url: str, revision: str = "heads") -> None:
    await _run(url, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(url: str, revision: str = "base") -> None:
    await _run(url, lambda cfg: command.downgrade(cfg, revision))


async def current(url: str) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _run(url: str, action) -> None:  # noqa: ANN001 - a small private callback
    engine: AsyncEngine = make_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_with_connection, url, action)
    finally:
        await engine.dispose()


def _with_connection(connection: Connection, url: str, action) -> None:  # noqa: ANN001
    if connection.dialect.name == "postgresql":
        # Several workers starting at once: the first migrates, the others wait, then see head.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    action(cfg)
    if connection.dialect.name == "sqlite":
        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"migration left rows violating foreign keys: {broken[:5]}")
