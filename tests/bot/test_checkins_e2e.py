"""End to end: `rehearse run` against the Bot API stub over HTTP, with the real clock.

A participant sets a check-in for the current minute; the due job (every second here, through
the hidden CHECKIN_INTERVAL_SECONDS) queues it and the outbox sender delivers it in that
minute; the participant answers with buttons and a typed note; /progress and /mydata show it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from stub_api import BotApiStub, start_bot, stop_bot

USER = 5151
NOTE = "Walked with a friend after work."


def message_with(stub: BotApiStub, needle: str, after: int = 0):
    """The newest message to USER containing `needle`, among those after the first `after`."""

    def find():
        for sent in reversed(stub.sent_to(USER)[after:]):
            if needle in str(sent.params.get("text", "")):
                return sent
        return None

    return stub.wait_for(find, 30)


def press(stub: BotApiStub, message, label: str) -> None:
    data = next(d for t, d in message.buttons if t.startswith(label))
    stub.press(USER, data, message)


@pytest.mark.slow
def test_check_in_arrives_at_its_minute_and_shows_in_progress_and_mydata(stub, tmp_path):
    bot = start_bot(
        stub,
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}",
        CHECKIN_INTERVAL_SECONDS="1",
        CHECKIN_ITEMS="mood,emotions,urge,halt,note",  # the timing is the point, not the card
    )
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        stub.send_text(USER, "/start")
        press(stub, message_with(stub, "Do you agree"), "I agree")
        message_with(stub, "Thank you.")
        stub.send_text(USER, "/checkin")
        press(stub, message_with(stub, "one-minute diary card"), "Set up daily check-ins")
        message_with(stub, "Which time zone")
        stub.send_text(USER, "UTC")
        message_with(stub, "What time should")
        # Leave room to finish the setup inside the minute we name.
        if datetime.now(UTC).second >= 40:
            time.sleep(61 - datetime.now(UTC).second)
        minute = datetime.now(UTC).replace(second=0, microsecond=0)
        stub.send_text(USER, f"{minute:%H:%M}")
        press(stub, message_with(stub, "Quiet hours"), "No quiet hours")
        press(stub, message_with(stub, "track urges"), "Yes")
        assert "The first one comes today" in message_with(stub, "All set").params["text"]

        checkin = message_with(stub, "How has your mood been today")
        arrived = datetime.now(UTC)
        assert len(checkin.buttons) == 7 and checkin.buttons[-1][0] == "⏰ In an hour"
        press(stub, checkin, "4")
        feelings = message_with(stub, "Which feelings were strong")
        press(stub, feelings, "Calm")
        stub.wait_for(lambda: stub.sent_to(USER, "editMessageReplyMarkup"), 30)
        stub.press(USER, f"ciemo:{minute:%Y%m%d}-calm-2", feelings)
        stub.press(USER, f"ciemo:{minute:%Y%m%d}-done", feelings)
        press(stub, message_with(stub, "How strong was any urge"), "1")
        press(stub, message_with(stub, "Did you act on it"), "No")
        halt = message_with(stub, "HALT: are you")
        edits = len(stub.sent_to(USER, "editMessageReplyMarkup"))
        press(stub, halt, "Tired")
        stub.wait_for(lambda: len(stub.sent_to(USER, "editMessageReplyMarkup")) > edits, 30)
        press(stub, halt, "None of these")  # the same button data as "Done"
        message_with(stub, "Anything you'd like to note")
        stub.send_text(USER, NOTE)
        message_with(stub, "Check-in saved")

        count = len(stub.sent_to(USER))
        stub.send_text(USER, "/progress")
        progress = message_with(stub, "Daily check-ins", count).params["text"]
        assert "Mood: average 4.0" in progress and "Urges: average 1.0" in progress
        [photo] = stub.wait_for(lambda: stub.sent_to(USER, "sendPhoto"), 30)
        assert photo.params["photo"]["content"].startswith(b"\x89PNG")

        stub.send_text(USER, "/mydata")
        [doc] = stub.wait_for(lambda: stub.sent_to(USER, "sendDocument"), 30)
        data = json.loads(doc.params["document"]["content"])
        [answer] = data["tables"]["checkins"]
        assert (answer["mood"], answer["emotion"], answer["urge"], answer["acted"]) == (
            4,
            "calm",
            1,
            False,
        )
        assert answer["halt"] == ["tired"] and answer["note"] == NOTE
        assert data["tables"]["checkin_settings"][0]["timezone"] == "UTC"
    finally:
        stop_bot(bot)

    # Delivered by the outbox sender, once, in the minute it was set for.
    db = sqlite3.connect(tmp_path / "e2e.db")
    rows = db.execute(
        "SELECT dedupe_key, status, created_at, sent_at FROM outbox WHERE kind = 'checkin'"
    ).fetchall()
    db.close()
    assert [(k, s) for k, s, _, _ in rows] == [(f"checkin:{USER}:{minute:%Y%m%d}", "sent")]
    assert rows[0][2].startswith(f"{minute:%Y-%m-%d %H:%M}")
    assert arrived.replace(second=0, microsecond=0) == minute
    assert len([s for s in stub.sent_to(USER) if "How has your mood" in str(s.params)]) == 1
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and NOTE not in log
