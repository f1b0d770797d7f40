"""How updates reach the bot: `rehearse run` as a subprocess against the Bot API stub over HTTP.

A token Telegram refuses is one line, without the token. An update python-telegram-bot can't
read is skipped, by polling and by webhook, with a log line holding its id and type only, and
what comes after it is handled. Only the update types the bot handles are asked for. The
webhook refuses a request without the secret before reading its body, and a body over 1 MB.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.intake import ALLOWED_UPDATES, MAX_WEBHOOK_BODY, SECRET_HEADER
from stub_api import TOKEN, BotApiStub, bot_env, start_bot, stop_bot

SECRET = "intake-test-secret"
PRIVATE = "my sister Rosalind knows about my relapse"
CRISIS = "I want to kill myself"
A, B = 6101, 6102


def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"


def unreadable(update_id: int, user_id: int, text: str) -> dict:
    """A message whose chat lacks a field PTB requires: Bot API drift, or a PTB bug."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "chat": {"id": user_id},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ros"},
            "text": text,
        },
    }


def text_update(update_id: int, user_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
            "text": text,
        },
    }


def crisis_card_to(stub: BotApiStub, user_id: int) -> bool:
    return any("988" in str(s.params.get("text", "")) for s in stub.sent_to(user_id))


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
@pytest.mark.slow
def test_a_refused_token_is_one_line_without_the_token(tmp_path, webhook):
    stub = BotApiStub().start()
    stub.answer = lambda method, params: (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    extra = (
        {"WEBHOOK_URL": "https://bot.example.org", "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": "1"}
        if webhook
        else {}
    )
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=bot_env(stub, db_url(tmp_path), **extra),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stub.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert TOKEN.split(":")[1] not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [
        "rehearse: Telegram refused the token (401 Unauthorized): check TELEGRAM_BOT_TOKEN"
    ], output


@pytest.mark.slow
def test_polling_skips_an_update_it_cannot_read_and_handles_the_rest(stub, tmp_path):
    # One getUpdates batch: a readable message, one PTB can't read, a crisis from someone else.
    stub.send_text(A, "/help")
    bad_id = stub.push("message", unreadable(0, A, PRIVATE)["message"])
    stub.send_text(B, CRISIS)
    bot = start_bot(stub, tmp_path, db_url(tmp_path))
    try:
        stub.wait_for(lambda: crisis_card_to(stub, B), 60)
        stub.wait_for(lambda: stub.sent_to(A), 30)
        stub.send_text(A, "/help")  # and polling goes on after it
        stub.wait_for(lambda: len(stub.sent_to(A)) >= 2, 30)
    finally:
        stop_bot(bot)
    polls = [c for c in stub.calls if c.method == "getUpdates"]
    assert polls and all(
        json.loads(c.params["allowed_updates"]) == list(ALLOWED_UPDATES) for c in polls
    )
    assert stub.confirmed_offset > bad_id
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert f"update {bad_id} (message) skipped" in log
    assert "Rosalind" not in log and "relapse" not in log and "kill myself" not in log
    assert "CRITICAL" not in log and "Traceback" not in log


# ---- the webhook -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the bot exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


def status_after_headers(port: int, length: int, secret: str | None, body: bytes = b"") -> int:
    """Send a POST's headers announcing `length` bytes (and `body`, maybe less), then read the
    answer's status; a server that waits for the rest of the body answers nothing (-1)."""
    head = [
        "POST /telegram HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if secret is not None:
        head.append(f"{SECRET_HEADER}: {secret}")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        s.settimeout(3)
        try:
            answer = s.recv(200)
        except TimeoutError:
            return -1
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else -2


def post(port: int, data: bytes, secret: str = SECRET) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=data,
        headers={"Content-Type": "application/json", SECRET_HEADER: secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.slow
def test_webhook_checks_the_secret_first_caps_the_body_and_skips_what_it_cannot_read(
    stub, tmp_path
):
    port = free_port()
    bot = start_bot(
        stub,
        tmp_path,
        db_url(tmp_path),
        WEBHOOK_URL="https://bot.example.org/hook",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    try:
        wait_listening(port, bot)
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setWebhook"], 30)
        # 100 MB announced, no secret: refused at once, before a byte of the body is sent.
        assert status_after_headers(port, 100_000_000, None) == 403
        assert status_after_headers(port, 100_000_000, "wrong") == 403
        # With the secret, a body over the cap is refused before it is read.
        big = json.dumps(text_update(90, A, "x" * (MAX_WEBHOOK_BODY + 10))).encode()
        assert status_after_headers(port, len(big), SECRET, big[:1000]) == 413
        assert post(port, big) == 413
        # An update PTB can't read is skipped (and answered 200, or Telegram resends it)...
        assert post(port, json.dumps(unreadable(91, A, PRIVATE)).encode()) == 200
        assert post(port, b"not json") == 400
        # ...and the next one is handled.
        assert post(port, json.dumps(text_update(92, B, CRISIS)).encode()) == 200
        stub.wait_for(lambda: crisis_card_to(stub, B), 30)
    finally:
        stop_bot(bot)
    (hook,) = [c for c in stub.calls if c.method == "setWebhook"]
    assert hook.params["url"] == "https://bot.example.org/hook/telegram"
    assert hook.params["secret_token"] == SECRET
    assert json.loads(hook.params["allowed_updates"]) == list(ALLOWED_UPDATES)
    assert stub.sent_to(A) == []  # the oversized and the unreadable update did nothing
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "update 91 (message) skipped" in log
    assert "Rosalind" not in log and "kill myself" not in log and "xxxxxxxx" not in log
    assert "CRITICAL" not in log and "Traceback" not in log


def test_a_logged_traceback_that_quotes_the_token_is_redacted():
    """The second line of defence: a library's traceback in the log never shows the token."""
    import io
    import logging

    from telegram.error import InvalidToken

    from bot.logs import RedactToken

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactToken([TOKEN]))
    logger = logging.getLogger("test_intake.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
        except InvalidToken:
            logger.exception("Network Retry Loop: Invalid token. Aborting retry loop.")
    finally:
        logger.removeHandler(handler)
    assert "Traceback" in out.getvalue() and "<token>" in out.getvalue()
    assert TOKEN.split(":")[1] not in out.getvalue()
