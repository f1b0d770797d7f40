"""End to end over HTTP: `rehearse leaders add`, then `rehearse run` against the Bot API stub,
with one leader and three participants.

The leader creates a group and gets a link; three participants join by it; one blocks the bot;
the leader pushes a scenario; the two others receive it once each (through the outbox sender
inside the bot process) and the blocked one doesn't; the delivery report says so; two finish
the scenario and /group shows it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from stub_api import TOKEN, BotApiStub, bot_env, stop_bot

REPO = Path(__file__).resolve().parents[2]
LEADER = 9000
P1, P2, P3 = 9101, 9102, 9103
PLAY = (
    "Tomorrow is my group night",
    "I feel torn, and group matters",
    "My recovery is for us too",
    "I'll take Dana to lunch Saturday",
)


def environment(stub: BotApiStub, tmp_path: Path) -> dict[str, str]:
    return bot_env(stub, f"sqlite+aiosqlite:///{tmp_path / 'groups.db'}", ADMIN_USER_IDS="")


def text_to(stub: BotApiStub, user: int, needle: str) -> str:
    def find():
        for sent in reversed(stub.sent_to(user)):
            if needle in str(sent.params.get("text", "")):
                return str(sent.params["text"])
        return None

    return stub.wait_for(find)


def count(stub: BotApiStub, user: int, needle: str) -> int:
    return sum(needle in str(s.params.get("text", "")) for s in stub.sent_to(user))


@pytest.mark.slow
def test_leader_and_three_participants(stub, tmp_path):
    env = environment(stub, tmp_path)
    added = subprocess.run(
        [sys.executable, "-m", "bot.cli", "leaders", "add", str(LEADER)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0 and "now a group leader" in added.stdout, added.stderr
    with open(tmp_path / "bot.log", "ab") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        stub.send_text(LEADER, "/start")
        stub.press_button(LEADER, "I agree")
        stub.send_text(LEADER, "/newgroup Tuesday group")
        link = text_to(stub, LEADER, "?start=g_")
        code = re.search(r"\?start=g_([A-Za-z0-9_-]+)", link)[1]
        stub.wait_for(lambda: stub.sent_to(LEADER, "sendPhoto"))  # the QR code

        for p in (P1, P2, P3):
            stub.send_text(p, f"/start g_{code}")
            stub.press_button(p, "I agree")
            assert "will see" in text_to(stub, p, "Join “Tuesday group”?")
            stub.press_button(p, "Join Tuesday group")
            text_to(stub, p, "You've joined")

        stub.block(P3)
        stub.send_text(LEADER, "/push")
        text_to(stub, LEADER, "What would you like <b>Tuesday group</b> to practice?")
        # The newest "Family" button: the push's, not /practice's.
        stub.press_button(LEADER, "Family")
        text_to(stub, LEADER, "which one?")
        stub.press_button(LEADER, "The birthday on group night")
        stub.press_button(LEADER, "Send it")
        assert " to all 3 members of " in text_to(stub, LEADER, "On its way")

        for p in (P1, P2):
            text_to(stub, p, "would like you to practice")
        stub.wait_for(lambda: stub.sent_to(P3, "sendMessage:blocked"))
        report = text_to(stub, LEADER, "<b>Delivery</b>")
        assert "✅ sent 2" in report and "🚫 blocked the bot 1" in report
        assert "⏳ pending 0" in report

        for p in (P1, P2):
            stub.press_button(p, "▶ Start")
            for label in PLAY:
                stub.press_button(p, label)
            text_to(stub, p, "Debrief")

        stub.send_text(LEADER, "/group")
        view = text_to(stub, LEADER, "Pushed scenarios")
        assert "sent 2, blocked 1 · started 2/3 · finished 2/3" in view
        assert f"User{P1}: started 1/1, finished 1/1" in view
        assert f"User{P3} 🚫 blocked the bot" in view
    finally:
        stop_bot(bot)
    for p in (P1, P2):
        assert count(stub, p, "would like you to practice") == 1  # once, never repeated
    assert count(stub, P3, "would like you to practice") == 0
    assert count(stub, LEADER, "<b>Delivery</b>") == 1
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log
