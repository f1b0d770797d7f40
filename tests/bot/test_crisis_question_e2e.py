"""End to end over HTTP: a probable signal gets the direct question, not the card.

`rehearse run` against the Bot API stub. A member whose leader gets crisis alerts opens a
scenario and types a message the screen reads as probable (not explicit) danger. The bot steps
out of the role-play and asks; "I'm safe, back to the scene" shows the same step again, with
buttons that still play; the same kind of message again, then "Yes", gives the card, ends the
role-play and alerts the leader, saying that the member answered the question.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from html import unescape

import pytest

from state.crisis import ASK
from state.safety import ASK_TEXT, SCENE_STOPPED, screen_text
from stub_api import BotApiStub, Sent, start_bot
from test_crisis_e2e import LEADER, MEMBER, seed, texts, wait_text

# Messages a person might type mid-scene; the test uses the first the shipped model puts in the
# question band, so it tests the flow and not one model's reading of one sentence.
PROBABLE = [
    "honestly what's even the point of any of this anymore",
    "i just dont see a way out of this",
    "everyone would be fine without me around",
    "i dont want to be here anymore",
    "some nights i think about just not being around",
    "i'm so tired of everything, i want it all to stop",
    "i keep thinking about disappearing for good",
    "sometimes i wonder if anyone would notice if i was gone",
]


def probable_text() -> str:
    asked = [t for t in PROBABLE if screen_text(t).action == ASK]
    assert asked, "none of the probable messages reaches the question: review PROBABLE"
    return asked[0]


def scene_line(stub: BotApiStub, after: int) -> Sent:
    """The next message carrying the scenario's choice buttons."""

    def find() -> Sent | None:
        for sent in stub.sent_to(MEMBER)[after:]:
            if any(data.startswith("c:") for _, data in sent.buttons):
                return sent
        return None

    return stub.wait_for(find, 30)


def question_flow(stub: BotApiStub, tmp_path, url: str) -> None:
    text = probable_text()
    asyncio.run(seed(url))
    bot = start_bot(stub, tmp_path, url)
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        stub.send_text(MEMBER, "/start")
        stub.press_button(MEMBER, "I agree")
        stub.press_button(MEMBER, "Family")
        stub.press_button(MEMBER, "●●○ The birthday on group night")
        first = scene_line(stub, 0)
        first_buttons = first.buttons

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, text)
        asked = wait_text(stub, MEMBER, "are you thinking about ending your life", before)
        assert [t for t, _ in asked.buttons] == [
            "Yes",
            "I'm safe, back to the scene",
            "Show me support numbers",
        ]
        assert "988" not in asked.params["text"]  # a question, not the card

        before = len(stub.sent_to(MEMBER))
        stub.press_button(MEMBER, "I'm safe, back to the scene")
        again = scene_line(stub, before)
        assert again.buttons == first_buttons  # the same step, the same choices
        edits = [c for c in stub.calls if c.method == "editMessageText"]
        assert any("You answered: I'm safe" in unescape(str(c.params.get("text"))) for c in edits)

        before = len(stub.sent_to(MEMBER))
        stub.press(MEMBER, again.buttons[0][1], again)  # the redrawn buttons still play
        scene_line(stub, before)

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, text)
        wait_text(stub, MEMBER, "are you thinking about ending your life", before)
        stub.press_button(MEMBER, "Yes")
        card = wait_text(stub, MEMBER, "988", before)
        assert SCENE_STOPPED in unescape(card.params["text"])
        alert = wait_text(stub, LEADER, "may need support")
        assert "answered yes when the bot asked" in alert.params["text"]
        assert "Pat" in alert.params["text"]
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(20)
        except subprocess.TimeoutExpired:
            bot.kill()
    assert not any("Sorry" in t for t in texts(stub, MEMBER))
    assert sum(ASK_TEXT in t for t in texts(stub, MEMBER)) == 2
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and text not in log


@pytest.mark.slow
def test_question_then_safe_then_yes_sqlite(stub, tmp_path):
    question_flow(stub, tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'question.db'}")


@pytest.mark.slow
def test_question_then_safe_then_yes_postgresql(stub, tmp_path, postgres_url):
    question_flow(stub, tmp_path, postgres_url)
