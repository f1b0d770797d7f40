"""Two bot workers behind a webhook, sharing one PostgreSQL: one user's updates sent to both.

Each worker is `rehearse run` in webhook mode (its own process and port) against the Bot API
stub. The database's row lock per user serialises them: a redelivered update is applied once,
a button pressed twice (one press to each worker) advances the run once, and a sequence of
presses alternating between workers is applied in full, each answered exactly once.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from stub_api import BotApiStub, start_bot

SECRET = "worker-test-secret"
USER = 5151


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_worker(stub: BotApiStub, db_url: str, port: int, tmp_path: Path) -> subprocess.Popen:
    return start_bot(
        stub,
        tmp_path,
        db_url,
        log=f"worker-{port}.log",
        WEBHOOK_URL=f"https://bot.example.org/{port}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )


def post(port: int, update: dict) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "worker exited early"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"worker on {port} did not start")


class User:
    def __init__(self, stub: BotApiStub) -> None:
        self.stub = stub
        self.next_id = 1

    def _id(self) -> int:
        self.next_id += 1
        return 10_000 + self.next_id

    def text(self, text: str, update_id: int | None = None) -> dict:
        message = {
            "message_id": self._id(),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "W"},
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return {"update_id": update_id or self._id(), "message": message}

    def press(self, data: str, message_id: int = 1) -> dict:
        return {
            "update_id": self._id(),
            "callback_query": {
                "id": str(self._id()),
                "chat_instance": "ci",
                "data": data,
                "from": {"id": USER, "is_bot": False, "first_name": "W"},
                "message": {
                    "message_id": message_id,
                    "date": 0,
                    "text": "…",
                    "chat": {"id": USER, "type": "private"},
                },
            },
        }


def button(stub: BotApiStub, label: str) -> tuple[str, int]:
    """(data, message id) of the newest button labelled `label`: a press names its message."""

    def find():
        for sent in reversed(stub.sent_to(USER)):
            for text, data in sent.buttons:
                if text.startswith(label):
                    return data, sent.message_id
        return None

    return stub.wait_for(find, 30)


def you_count(stub: BotApiStub) -> int:
    return len(stub.feedback_to(USER))


@pytest.mark.slow
def test_two_workers_one_user(postgres_url, tmp_path):
    stub = BotApiStub().start()
    ports = [free_port(), free_port()]
    workers = [start_worker(stub, postgres_url, p, tmp_path) for p in ports]
    try:
        for port, proc in zip(ports, workers, strict=True):
            wait_listening(port, proc)
        user = User(stub)
        start = user.text("/start", update_id=777)
        assert post(ports[0], start) == 200
        stub.wait_for(lambda: stub.sent_to(USER))
        time.sleep(0.5)  # the first worker has answered and marked it
        assert post(ports[1], start) == 200  # the same update, redelivered to the other worker
        time.sleep(1.0)
        welcomes = [s for s in stub.sent_to(USER) if "Welcome" in str(s.params.get("text"))]
        assert len(welcomes) == 1, "a redelivered update is applied once across workers"

        post(ports[1], user.press(*button(stub, "I agree")))
        stub.wait_for(
            lambda: any("Thank you" in str(s.params.get("text")) for s in stub.sent_to(USER))
        )
        post(ports[0], user.press("s:family/birthday-or-group"))
        data, message_id = button(stub, "Tomorrow is my group night")
        # the same button pressed twice, once to each worker, at the same time
        post(ports[0], user.press(data, message_id))
        post(ports[1], user.press(data, message_id))
        stub.wait_for(lambda: you_count(stub) >= 1)
        time.sleep(1.5)
        assert you_count(stub) == 1, "one press applied, the other expired"

        for i, label in enumerate(
            (
                "I feel torn, and group matters",
                "My recovery is for us too",
                "I'll take Dana to lunch Saturday",
            )
        ):
            post(ports[i % 2], user.press(*button(stub, label)))
            stub.wait_for(lambda n=i + 2: you_count(stub) >= n)
        stub.wait_for(
            lambda: any("Debrief" in str(s.params.get("text")) for s in stub.sent_to(USER))
        )
        assert you_count(stub) == 4
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        stub.stop()
    for port in ports:
        log = (tmp_path / f"worker-{port}.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-2000:]
