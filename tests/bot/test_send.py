"""Replies survive a flaky Bot API: transient failures are retried, refusals are not."""

from __future__ import annotations

import json
import logging

import pytest

from bot import send
from bot.app import build_application
from bot.services import Services
from offline import Chat, RecordingRequest


class Flaky(RecordingRequest):
    """Answers the next `failures` sendMessage calls with HTTP `status`, then behaves."""

    def __init__(self, failures: int, status: int) -> None:
        super().__init__()
        self.failures, self.status = failures, status
        self.attempts: list[int] = []  # HTTP status of every sendMessage attempt

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        if url.endswith("/sendMessage"):
            if self.failures > 0:
                self.failures -= 1
                self.attempts.append(self.status)
                body = {"ok": False, "error_code": self.status, "description": "flaky"}
                return self.status, json.dumps(body).encode()
            self.attempts.append(200)
        return await super().do_request(url, method, request_data, *args, **kwargs)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(send, "RETRY_PAUSE", 0.001)


async def send_help(bot_env, failures: int, status: int, caplog) -> tuple[Flaky, list[str]]:
    """/help through an app whose network is `Flaky`; returns it and the app's error lines."""
    base, _, store = bot_env
    svc: Services = base.bot_data["services"]
    flaky = Flaky(failures, status)
    app = build_application(
        svc.settings, svc, request=flaky, updates_request=RecordingRequest(), rate_limit=False
    )
    app.bot_data["owns_store"] = False
    await app.initialize()
    try:
        caplog.set_level(logging.INFO)
        await Chat(app, flaky, user_id=777).send("/help")
    finally:
        await app.shutdown()
    return flaky, [r.getMessage() for r in caplog.records if r.name == "bot.app"]


async def test_a_5xx_is_retried_and_the_reply_arrives_once(bot_env, caplog):
    flaky, errors = await send_help(bot_env, failures=2, status=500, caplog=caplog)
    assert flaky.attempts == [500, 500, 200]
    assert len(flaky.sent()) == 1 and "How this works" in flaky.texts()[0]
    assert not errors


async def test_a_refusal_is_not_retried(bot_env, caplog):
    flaky, errors = await send_help(bot_env, failures=1, status=400, caplog=caplog)
    assert flaky.attempts == [400, 200]  # the reply, refused once; then the apology
    assert "something went wrong" in flaky.texts()[0]
    assert any("failed" in e for e in errors)


async def test_retries_are_bounded(bot_env, caplog):
    flaky, errors = await send_help(bot_env, failures=99, status=502, caplog=caplog)
    assert len(flaky.attempts) == send.SEND_ATTEMPTS + 1  # the reply's tries, one apology
    assert any("failed" in e for e in errors)
