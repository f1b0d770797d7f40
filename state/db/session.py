"""The engine factory: one place that knows how to talk to SQLite and to PostgreSQL.

SQLite (the embedded default, via aiosqlite) gets, on every connection: WAL, a 30 s busy timeout,
foreign keys ON. Its driver's own transaction handling is switched off and every transaction
starts with `BEGIN IMMEDIATE`, the SQLAlchemy-documented recipe
(https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl):
the write lock is taken at the start, so two read-modify-write transactions can never
interleave (the deferred `BEGIN` loses updates or fails with "database is locked" on upgrade).

A SQLite file is created private (0600) whatever the process umask, before SQLite first opens
it; SQLite gives its `-wal` and `-shm` files the same permissions as the database file.

PostgreSQL URLs (`postgresql://`, `postgres://`) are rewritten to use asyncpg. A
`?search_path=name` query parameter puts the tables in that schema (several deployments, or
isolated tests, sharing one database).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

STATE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = STATE_DIR / "rehearse.db"
BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another process's lock
READ_ONLY = "rehearse_read_only"  # execution option for Store.read: deferred BEGIN, no writes


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, but each call runs at once on the event loop's thread.

    SQLite answers a statement in microseconds; a round trip to aiosqlite's worker thread costs
    the loop an iteration, and SQLAlchemy makes about four per statement. Under load (hundreds of
    updates in flight) each iteration is slow, so a transaction held SQLite's one write lock for
    tens of milliseconds and the bot managed ~50 steps a second (`python -m bench.bot`). Store
    makes this process's writers take turns on an asyncio lock, so a call here never waits for
    our own connections; with a busy timeout of 0 it fails at once when another process holds
    the lock, and only then goes to the worker thread to wait (up to BUSY_TIMEOUT_MS), so the
    loop is never frozen by someone else's lock. The worker thread also opens the connection.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)  # busy timeout 0: this never waits for a lock
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
        # Another process (the CLI, a migration) holds the lock: wait for it on aiosqlite's
        # thread, as long as other tools wait, never on the event loop. Nothing was applied.
        return await super()._execute(_waiting, self._conn, fn, *args, **kwargs)


def _waiting(conn: sqlite3.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """`fn` with the long busy timeout, on aiosqlite's worker thread."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        return fn(*args, **kwargs)
    finally:
        conn.execute("PRAGMA busy_timeout = 0")


PRIVATE_FILE_MODE = 0o600  # the database, its -wal/-shm and backups: the service user only


def create_private(path: str | os.PathLike[str]) -> None:
    """Create `path` empty with mode 0600 if it does not exist; leave an existing file alone.

    An empty file is a valid, empty SQLite database. `os.open`'s mode can only be narrowed by
    the umask, so the file is never readable by anyone else, whatever the umask.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def default_url() -> str:
    """`DATABASE_URL` if set, else the SQLite file `state/rehearse.db` beside the package."""
    return os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"


def normalize_url(url: str | URL) -> URL:
    """Pick the async driver: `postgres(ql)://` → asyncpg, `sqlite://` → aiosqlite."""
    if isinstance(url, str):
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        url = make_url(url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    return url


def safe_url(url: str | URL) -> str:
    """The URL for logs and messages, with any password masked."""
    return normalize_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str | URL) -> bool:
    return normalize_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str | URL | None = None, *, foreign_keys: bool = True, **kw: Any
) -> AsyncEngine:
    """An async engine for `url` (default: `default_url()`).

    `foreign_keys=False` is only for migrations on SQLite: a batch migration copies and drops
    tables, and a DROP with foreign keys on would cascade-delete the children.
    """
    url = normalize_url(url or default_url())
    if url.get_backend_name() != "sqlite":
        kw.setdefault("pool_pre_ping", True)
        search_path = url.query.get("search_path")
        if search_path:
            url = url.difference_update_query(["search_path"])
            connect_args = dict(kw.pop("connect_args", {}))
            settings = dict(connect_args.get("server_settings", {}))
            settings["search_path"] = str(search_path)
            connect_args["server_settings"] = settings
            kw["connect_args"] = connect_args
        return create_async_engine(url, **kw)
    database = url.database or ""
    on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")
    if on_disk:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args, connect_kw = SQLiteDialect_aiosqlite().create_connect_args(url)

    async def connect() -> InlineConnection:
        def open_sqlite() -> sqlite3.Connection:
            if on_disk:
                create_private(database)
            return sqlite3.connect(*connect_args, **connect_kw)

        return await InlineConnection(open_sqlite, iter_chunk_size=64)

    engine = create_async_engine(url, async_creator=connect, **kw)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver from issuing its own BEGIN (and COMMIT before DDL); see do_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout = 0")  # waits go to a thread: InlineConnection
            cursor.execute("PRAGMA journal_mode = WAL")
            # Erased rows are overwritten with zeros, not left readable in free space.
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = bool(conn.get_execution_options().get(READ_ONLY))
        # A read refuses writes (query_only) rather than have them vanish at its rollback.
        # The pragma outlives the transaction, so it is set only when the mode changes.
        info = conn.connection.info  # cleared by the pool whenever it reconnects
        if info.get(READ_ONLY, False) != read_only:
            conn.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
            info[READ_ONLY] = read_only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
