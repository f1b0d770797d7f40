"""Operating the bot: SQLite backup and restore, the health check, Prometheus metrics.

Backups run against a real SQLite file while another connection keeps writing; metrics are
read from prometheus-client's registry after real updates went through the offline app, and
over HTTP from the server METRICS_PORT starts.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from typer.testing import CliRunner

from bot import metrics
from bot.app import build_application
from bot.cli import app as cli
from bot.features import observability
from bot.services import Services
from bot.settings import Settings
from offline import TOKEN, Chat, RecordingRequest
from state.coach import match_reply
from state.outbox import enqueue
from state.practice.service import Practice
from state.safety import DEFAULT_RESOURCES
from state.store import Store
from stub_api import BotApiStub

runner = CliRunner()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_database(path: Path, users: int) -> None:
    async def fill() -> None:
        store = await Store.open(sqlite_url(path))
        try:
            for user_id in range(1, users + 1):
                await store.run(user_id, lambda uow: asyncio.sleep(0))
        finally:
            await store.close()

    asyncio.run(fill())


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, to compare two databases."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}
    finally:
        conn.close()


# ---- backup and restore ------------------------------------------------------------------


def test_backup_while_another_connection_writes_then_restore(tmp_path):
    db = tmp_path / "live.db"
    make_database(db, users=50)
    setup = sqlite3.connect(db)
    setup.execute("CREATE TABLE ticks (n INTEGER PRIMARY KEY)")
    setup.commit()
    setup.close()

    started, stop = threading.Event(), threading.Event()
    written: list[int] = []

    def writer() -> None:
        conn = sqlite3.connect(db, timeout=30)
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("INSERT INTO ticks (n) VALUES (?)", (n,))
            conn.commit()
            written.append(n)
            if n == 200:
                started.set()
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(30)
        before = len(written)
        backup = tmp_path / "backups" / "copy.db"
        result = runner.invoke(cli, ["db", "backup", "--url", sqlite_url(db), "-o", str(backup)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and "50 users" in result.output

    copied = rows(backup)
    ticks = [n for (n,) in copied["ticks"]]
    # A consistent snapshot: everything committed before the backup, in one unbroken prefix.
    assert ticks == list(range(1, len(ticks) + 1))
    assert before <= len(ticks) <= len(written)
    assert len(copied["users"]) == 50
    check = sqlite3.connect(backup)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    check.close()

    # Restore into a database that has moved on: the backup's content comes back exactly.
    make_database(db, users=60)
    result = runner.invoke(cli, ["db", "restore", str(backup), "--url", sqlite_url(db), "--yes"])
    assert result.exit_code == 0, result.output
    assert rows(db) == copied
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and len(rows(kept[0])["users"]) == 60


def test_restore_asks_for_yes_and_refuses_what_is_not_a_backup(tmp_path):
    db = tmp_path / "live.db"
    make_database(db, users=3)
    before = rows(db)
    backup = tmp_path / "b.db"
    assert (
        runner.invoke(cli, ["db", "backup", "--url", sqlite_url(db), "-o", str(backup)]).exit_code
        == 0
    )
    result = runner.invoke(cli, ["db", "restore", str(backup), "--url", sqlite_url(db)])
    assert result.exit_code == 1 and "--yes" in result.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(cli, ["db", "restore", str(junk), "--url", sqlite_url(db), "--yes"])
    assert result.exit_code == 1 and "can't be restored" in result.output
    assert "Traceback" not in result.output
    assert rows(db) == before


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_its_wal_and_backups_are_private_whatever_the_umask(tmp_path, umask):
    """`make run` keeps the shell's umask (often 022): nothing here may be world-readable."""

    def mode(path: Path) -> int:
        return path.stat().st_mode & 0o777

    db = tmp_path / "private.db"
    previous = os.umask(umask)
    try:

        async def write_while_open() -> dict[str, int]:
            store = await Store.open(sqlite_url(db))
            try:
                await store.run(1, lambda uow: asyncio.sleep(0))
                wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
                return {"db": mode(db), "wal": mode(wal), "shm": mode(shm)}
            finally:
                await store.close()

        live = asyncio.run(write_while_open())
        backup = tmp_path / "backups" / "copy.db"
        result = runner.invoke(cli, ["db", "backup", "--url", sqlite_url(db), "-o", str(backup)])
        assert result.exit_code == 0, result.output
        default = runner.invoke(cli, ["db", "backup", "--url", sqlite_url(db)])
        assert default.exit_code == 0, default.output
        fresh = tmp_path / "restored.db"
        result = runner.invoke(
            cli, ["db", "restore", str(backup), "--url", sqlite_url(fresh), "--yes"]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            cli, ["db", "restore", str(backup), "--url", sqlite_url(db), "--yes"]
        )
        assert result.exit_code == 0, result.output
    finally:
        os.umask(previous)
    assert live == {"db": 0o600, "wal": 0o600, "shm": 0o600}
    made = [
        backup,
        fresh,
        *tmp_path.glob("private-backup-*.db"),
        *tmp_path.glob("*before-restore*"),
    ]
    assert len(made) == 4
    assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}


def test_backup_and_restore_point_postgresql_to_its_own_tools():
    url = "postgresql+asyncpg://rehearse:s3cret@db.internal:5432/rehearse"
    result = runner.invoke(cli, ["db", "backup", "--url", url])
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in result.output and "s3cret" not in result.output
    result = runner.invoke(cli, ["db", "restore", "x.dump", "--url", url, "--yes"])
    assert result.exit_code == 2 and "pg_restore" in result.output


# ---- health ------------------------------------------------------------------------------


def test_health_is_zero_with_a_good_database_and_the_bot_api(tmp_path):
    db = tmp_path / "ok.db"
    make_database(db, users=1)
    stub = BotApiStub().start()
    try:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": stub.base_url}
        result = runner.invoke(cli, ["health", "--url", sqlite_url(db)], env=env)
    finally:
        stub.stop()
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert result.output.startswith("healthy: database ok (revision ")
    assert "telegram ok (@rehearse_test_bot)" in result.output
    assert any(c.method == "getMe" for c in stub.calls)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://rehearse:s3cret@127.0.0.1:1/rehearse",  # nothing listens on port 1
        "sqlite+aiosqlite:////nonexistent-dir/rehearse.db",
    ],
)
def test_health_is_one_line_and_one_with_an_unreachable_database(url):
    result = runner.invoke(cli, ["health", "--url", url, "--no-telegram", "--timeout", "3"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rehearse: unhealthy: database: ")
    assert "s3cret" not in result.output and "Traceback" not in result.output


def test_health_fails_when_the_bot_api_refuses_the_token(tmp_path):
    db = tmp_path / "ok.db"
    make_database(db, users=1)
    stub = BotApiStub().start()
    stub.answer = lambda method, params: (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    try:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": stub.base_url}
        result = runner.invoke(cli, ["health", "--url", sqlite_url(db)], env=env)
    finally:
        stub.stop()
    assert result.exit_code == 1
    assert result.output.startswith("rehearse: unhealthy: telegram: InvalidToken")
    assert TOKEN.split(":")[1] not in result.output


# ---- metrics -----------------------------------------------------------------------------


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


async def test_metrics_count_updates_sends_and_errors(bot_env):
    app, request, store = bot_env
    chat = Chat(app, request, user_id=31337)
    messages = sample("rehearse_updates_total", {"kind": "message"})
    presses = sample("rehearse_updates_total", {"kind": "callback_query"})
    sends = sample("rehearse_send_seconds_count", {"method": "sendMessage"})
    await chat.send("/start")
    await chat.press_button("I agree")
    await chat.send("/help")
    assert sample("rehearse_updates_total", {"kind": "message"}) == messages + 2
    assert sample("rehearse_updates_total", {"kind": "callback_query"}) == presses + 1
    assert sample("rehearse_send_seconds_count", {"method": "sendMessage"}) >= sends + 3

    errors = sample("rehearse_update_errors_total", {"error": "BadRequest"})
    failures = sample(
        "rehearse_send_failures_total", {"method": "sendMessage", "error": "BadRequest"}
    )
    request.fail["sendMessage"] = (400, {"ok": False, "error_code": 400, "description": "Bad"})
    await chat.send("/help")
    assert sample("rehearse_update_errors_total", {"error": "BadRequest"}) == errors + 1
    assert (
        sample("rehearse_send_failures_total", {"method": "sendMessage", "error": "BadRequest"})
        >= failures + 1
    )


class _Context:
    """The part of a job's context that the outbox job reads."""

    def __init__(self, app) -> None:
        self.application = app


async def test_outbox_depth_gauge_reads_queued_messages(bot_env):
    app, _, store = bot_env

    async def queue(uow):
        for n in range(3):
            await enqueue(uow, chat_id=7, kind="test", text="hi", dedupe_key=f"gauge-{n}")

    await store.run(None, queue)
    assert await observability.outbox_depth(_Context(app)) == 3
    assert sample("rehearse_outbox_depth") == 3
    ok, line = app.bot_data["health_probe"]()
    assert ok and "outbox 3 queued" in line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_metrics_port_serves_metrics_and_healthz(tmp_path, library):
    port = free_port()
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=sqlite_url(tmp_path / "m.db"),
        metrics_port=port,
    )
    store = await Store.open(settings.database_url)
    services = Services(
        settings, store, library, Practice(store, library, match_reply), DEFAULT_RESOURCES
    )
    app = build_application(
        settings, services, request=RecordingRequest(), updates_request=RecordingRequest()
    )
    server = app.bot_data["metrics_server"]
    try:

        def get(path: str) -> tuple[int, str]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read().decode()

        status, body = await asyncio.to_thread(get, "/metrics")
        assert status == 200
        for name in (
            "rehearse_updates_total",
            "rehearse_outbox_depth",
            "rehearse_send_seconds_bucket",
            "rehearse_update_errors_total",
        ):
            assert name in body or name.removesuffix("_total") in body, name
        status, body = await asyncio.to_thread(get, "/healthz")
        assert status == 200 and body.startswith("ok:")
        app.bot_data["health_probe"].started -= 3600  # the database hasn't answered for an hour
        status, body = await asyncio.to_thread(get, "/healthz")
        assert status == 503 and body.startswith("unhealthy:")
    finally:
        server.shutdown()
        server.server_close()
        await store.close()
    assert metrics.update_kind(object()) == "object"
