"""A database that refuses writes (a full disk): the participant is told it wasn't saved, and
/healthz fails while writes fail, through the real handlers (offline, see offline.py).

The refusal is the database's own. SQLite: `PRAGMA max_page_count` at the file's size, with
its last page filled, so the next new row gets SQLITE_FULL ("database or disk is full"), as on a
full disk. PostgreSQL: triggers that raise SQLSTATE 53100 (disk_full) on every write. Reads go
on working in both, which is why the health check, reading only, stayed healthy.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from bot.features.observability import STALE_AFTER
from bot.settings import Settings
from offline import TOKEN, Chat, offline_app
from pg import fresh_schema
from shipped import shipped_library
from state.db.models import Base
from state.store import Store

LIBRARY = shipped_library()
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
NEWCOMER = 6_000_000  # above every id the filling used


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else []))
async def database(request, tmp_path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'full.db'}"
        return
    assert TEST_DATABASE_URL
    async with fresh_schema(TEST_DATABASE_URL) as url:
        yield url


class Disk:
    """Fill the database's disk, and free it again, with the database's own refusals."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sqlite = store.engine.dialect.name == "sqlite"
        self.limit: int | None = None

    def _limit(self, dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count = {self.limit}")
        cursor.close()

    async def fill(self) -> None:
        if self.sqlite:
            pages = await self.store.read(lambda uow: uow.session.scalar(text("PRAGMA page_count")))
            self.limit = int(pages)
            event.listen(self.store.engine.sync_engine, "connect", self._limit)
            await self.store.engine.dispose()  # every connection from now on has the limit
            user = 5_000_000
            while True:  # new users until the last page is full
                try:
                    await self.store.run(user, lambda uow, u=user: uow.users.ensure(u))
                except DBAPIError:
                    break
                user += 1
            assert user < NEWCOMER
        else:
            async with self.store.engine.begin() as conn:
                await conn.execute(
                    text(
                        "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on "
                        "device' USING ERRCODE = 'disk_full'; END $$"
                    )
                )
                for table in Base.metadata.sorted_tables:
                    await conn.execute(
                        text(
                            f'CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE OR DELETE ON "'
                            f'{table.name}" FOR EACH STATEMENT EXECUTE FUNCTION disk_full()'
                        )
                    )
        self.store.refused_at = self.store.refused = None  # what the filling itself met

    async def free(self) -> None:
        if self.sqlite:
            event.remove(self.store.engine.sync_engine, "connect", self._limit)
            await self.store.engine.dispose()
        else:
            async with self.store.engine.begin() as conn:
                await conn.execute(text("DROP FUNCTION disk_full() CASCADE"))


@pytest.fixture
async def bot(database, tmp_path) -> AsyncIterator[tuple]:
    """(chat with a newcomer, the recording request, the store, GET /healthz, the disk)."""
    port = free_port()
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=database,
        metrics_port=port,
    )

    def healthz() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    async with offline_app(settings, LIBRARY) as (app, request, store):
        server = app.bot_data["metrics_server"]
        try:
            yield Chat(app, request, user_id=NEWCOMER), request, store, healthz, Disk(store)
        finally:
            server.shutdown()
            server.server_close()


async def test_a_refused_write_is_told_as_not_saved(bot):
    chat, request, _, _, disk = bot
    await disk.fill()
    await chat.send("/start")  # a new user: their row can't be written
    told = request.texts()[-1]
    assert "couldn't be saved" in told and "is saved" not in told
    await disk.free()
    request.clear()
    await chat.send("/start")
    assert "Do you agree" in request.texts()[-1]  # writes work again


async def test_healthz_fails_while_writes_fail(bot):
    chat, request, store, healthz, disk = bot
    assert healthz()[0] == 200
    await disk.fill()
    assert healthz()[0] == 200  # reads work, and nobody has tried to write yet
    await chat.send("/start")
    status, body = healthz()
    assert status == 503, body
    assert body.startswith("unhealthy: the database refused a write")
    assert "SQLITE_FULL" in body or "SQLSTATE 53100" in body
    await disk.free()
    await chat.send("/start")
    assert "Do you agree" in request.texts()[-1]
    assert healthz()[0] == 503  # for a while after the last refusal (nothing says it's over)
    store.refused_at -= STALE_AFTER + 1
    assert healthz()[0] == 200


async def test_safety_shows_the_card_while_writes_fail(bot):
    """/safety sends the card before it reads the plan (that read can't run: a newcomer's row
    can't be written), and says nothing else: the card's button shows the plan later."""
    chat, request, _, _, disk = bot
    await disk.fill()
    await chat.send("/safety")
    texts = request.texts()
    assert len(texts) == 1 and "988" in texts[0]
