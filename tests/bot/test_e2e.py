"""End to end: `rehearse run` as a subprocess against the Bot API stub over HTTP.

Plays a scenario with buttons, kills the bot with SIGKILL in the middle, starts it again and
finishes the scenario from the same place, with no step applied twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from stub_api import TOKEN, BotApiStub, start_bot, stop_bot

REPO = Path(__file__).resolve().parents[2]
USER = 4242


def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"


SCENARIO = "family/birthday-or-group"


def count_texts(stub: BotApiStub, needle: str) -> int:
    return sum(needle in str(s.params.get("text", "")) for s in stub.sent_to(USER))


def feedback_says(stub: BotApiStub, needle: str) -> bool:
    return any(needle in str(s.params.get("text", "")) for s in stub.feedback_to(USER))


@pytest.mark.slow
def test_play_kill_restart_finish(stub, tmp_path):
    bot = start_bot(stub, tmp_path, db_url(tmp_path), TYPING_PAUSE="0.05")
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        stub.send_text(USER, "/start")
        stub.press_button(USER, "I agree")
        stub.press_button(USER, "Family")
        stub.press_button(USER, "●●● The birthday on group night")
        stub.press_button(USER, "Tomorrow is my group night")
        stub.wait_for(lambda: feedback_says(stub, "You stuck to the facts"))
        assert stub.sent_to(USER, "sendChatAction"), "lines arrive with a typing pause"
        stub.press_button(USER, "I feel torn, and group matters")
        stub.wait_for(lambda: feedback_says(stub, "spoke from “I”"))
        stub.wait_button(USER, "My recovery is for us too")
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)

    bot = start_bot(stub, tmp_path, db_url(tmp_path), TYPING_PAUSE="0.05")
    try:
        stub.press_button(USER, "My recovery is for us too")
        stub.wait_for(lambda: feedback_says(stub, "in it for them"))
        stub.press_button(USER, "I'll take Dana to lunch Saturday")
        stub.wait_for(lambda: count_texts(stub, "Debrief: Group kept, relationship kept"))
    finally:
        stop_bot(bot)
    assert count_texts(stub, "Debrief") == 1
    # every choice's feedback arrived exactly once, across the kill, under its choice
    feedback = [str(s.params.get("text")) for s in stub.feedback_to(USER)]
    assert len(feedback) == 4
    for said in (
        "Mom, tomorrow is Thursday",
        "I hear that this matters to you",
        "My recovery matters to me and to us",
        "Tell her I love her",
    ):
        assert sum("➜ <i>" in t and said in t for t in feedback) == 1, said
    assert {
        "getMe",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
        "sendChatAction",
        "setMyCommands",
    } <= {c.method for c in stub.calls}
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log


@pytest.mark.slow  # two `rehearse run` processes, each importing the whole bot
def test_missing_and_malformed_token_are_one_line(tmp_path):
    for token in ("", "not-a-token"):
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        }
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr + result.stdout
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0]
        if token:
            assert token not in lines[0]
