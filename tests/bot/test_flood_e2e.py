"""End to end over HTTP: one user's flood doesn't hold up another user's crisis card.

`rehearse run` against the Bot API stub answering in 50 ms. User A sends 1,000 messages at
once (forwarding 100 is one action in Telegram), crisis words among them; then user B writes
crisis words. B's card comes within seconds (it took 80 s when each of A's updates held one of
the 256 shared slots while it waited for A's turn); A's own crisis words get the card although
they came past A's cap; A is told once to slow down, and most of the flood is skipped.
`python -m bench.flood` measures the delay (BENCHMARKS.md).
"""

from __future__ import annotations

import time

import pytest

from bot.pipeline.flood import SLOW_DOWN
from stub_api import BotApiStub, Sent, start_bot, stop_bot

A, B = 9400, 9401
FLOOD = 1000
CRISIS_AT = 600  # well past A's cap: A's first updates are still being answered


def first_text(stub: BotApiStub, user: int, needle: str, timeout: float) -> Sent:
    def find() -> Sent | None:
        return next((s for s in stub.sent_to(user) if needle in str(s.params["text"])), None)

    return stub.wait_for(find, timeout)


@pytest.mark.slow
def test_a_flood_from_one_user_does_not_delay_anothers_card(tmp_path):
    stub = BotApiStub(latency=0.05).start()
    bot = start_bot(stub, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'flood.db'}")
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        for user in (A, B):
            stub.send_text(user, "/start")
            stub.press_button(user, "I agree")
            first_text(stub, user, "Thank you", 30)
        for i in range(FLOOD):
            stub.send_text(A, "i want to kill myself" if i == CRISIS_AT else f"message {i}")
        asked = time.monotonic()
        stub.send_text(B, "I want to kill myself")
        card = first_text(stub, B, "988", 15)  # 80 s before the processor took turns first
        first_text(stub, A, "988", 15)
        stub.wait_for(lambda: not stub.updates, 30)  # the flood has been read
        time.sleep(2)
    finally:
        stop_bot(bot)
        stub.stop()
    print(f"B's card {card.at - asked:.2f} s after B wrote")
    to_a = [str(s.params["text"]) for s in stub.sent_to(A)]
    assert to_a.count(SLOW_DOWN) >= 1
    assert len(to_a) < FLOOD // 4  # most of the flood was skipped, not answered
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and "kill myself" not in log
