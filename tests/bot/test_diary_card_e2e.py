"""End to end over HTTP (#19): the check-in as a diary card, against the Bot API stub.

One participant, two days. Day one: a check-in with every item (a scenario finished the day
before brings the practice question), where thoughts of suicide at 3 reach the safety flow (the
direct question; Yes brings the card) and an urge of 5 not acted on is named as a win; /week
sends the card as a picture and then as a PDF. The bot is then restarted with its clock moved a
day on (tests/clock_shift.py: injected, not waited for) and a program's shorter item list: the
next day's due scan brings one "how are you today?" before the check-in, "Still struggling"
brings the lines, and the check-in asks only the program's items.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.services import CONSENT_VERSION
from state.db.models import Run
from state.engine import RunState
from state.store import Store
from stub_api import BotApiStub, Sent, bot_env, stop_bot

USER = 7171
SCENARIO, ENDING = "recovery/late-night-craving", "good-end"
LAUNCHER = Path(__file__).resolve().parent.parent / "clock_shift.py"


def launch(stub: BotApiStub, cwd: Path, url: str, shift: timedelta, **extra: str):
    """`rehearse run` with its clock moved by `shift`, its output appended to cwd/bot.log."""
    env = bot_env(
        stub,
        url,
        CHECKIN_INTERVAL_SECONDS="1",
        CLOCK_SHIFT_SECONDS=str(shift.total_seconds()),
        PYTHONPATH=os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")]),
        **extra,
    )
    with open(cwd / "bot.log", "ab") as out:
        return subprocess.Popen(
            [sys.executable, str(LAUNCHER)], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def seed(url: str) -> None:
    """Consent, and a scenario finished yesterday (its "try this week" is asked about)."""
    store = await Store.open(url)
    try:

        async def work(uow) -> None:
            await uow.users.set_consent(USER, CONSENT_VERSION)
            state = RunState(scenario_id=SCENARIO, content_hash="h", node=ENDING, step=9, seed=1)
            run_id = await uow.runs.create(USER, state)
            await uow.session.execute(
                update(Run)
                .where(Run.id == run_id)
                .values(status="ended", ended_at=datetime.now(UTC) - timedelta(days=1))
            )

        await store.run(USER, work)
    finally:
        await store.close()


def newest(stub: BotApiStub, needle: str, after: int = 0, method: str = "sendMessage") -> Sent:
    def find():
        for sent in reversed(stub.sent_to(USER, method)[after:]):
            if needle in str(sent.params.get("text", sent.params.get("caption", ""))):
                return sent
        return None

    return stub.wait_for(find, 30)


def count(stub: BotApiStub) -> int:
    return len(stub.sent_to(USER))


def press(stub: BotApiStub, data: str) -> None:
    """Press a button by its data, from the newest message that carries it (or, for a button
    an edit put there, the newest message with buttons), as Telegram sends it back."""
    with stub.cond:
        sent = [c for c in stub.calls if c.chat_id == USER and c.buttons]
    carrier = next((m for m in reversed(sent) if data in dict(m.buttons).values()), None)
    stub.press(USER, data, carrier or sent[-1])


def answer(stub: BotApiStub, data: str, expect: str) -> Sent:
    """Press a button (by its data) and wait for the message that comes after it."""
    before = count(stub)
    press(stub, data)
    return newest(stub, expect, before)


@pytest.mark.slow
def test_diary_card_two_days(stub, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'diary.db'}"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env=bot_env(stub, url),
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    asyncio.run(seed(url))
    at = datetime.now(UTC) - timedelta(minutes=2)  # passed today: the first comes tomorrow
    bot = launch(stub, tmp_path, url, timedelta(0))
    try:
        stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
        stub.send_text(USER, "/checkin")
        press(stub, stub.wait_button(USER, "Set up daily check-ins")[1])
        newest(stub, "Which time zone")
        stub.send_text(USER, "UTC")
        newest(stub, "What time should")
        stub.send_text(USER, f"{at:%H:%M}")
        press(stub, stub.wait_button(USER, "No quiet hours")[1])
        press(stub, stub.wait_button(USER, "Yes")[1])  # track urges
        newest(stub, "All set")

        stub.send_text(USER, "/checkin")
        d = f"{datetime.now(UTC):%Y%m%d}"
        newest(stub, "Every day at")
        before = count(stub)
        press(stub, "cinow")
        newest(stub, "How has your mood been today", before)
        answer(stub, f"ci:{d}-1", "Which feelings were strong today")
        press(stub, f"ciemo:{d}-pick-sad")
        stub.wait_for(lambda: stub.sent_to(USER, "editMessageReplyMarkup"), 30)
        press(stub, f"ciemo:{d}-sad-4")
        answer(stub, f"ciemo:{d}-done", "urge to use")
        answer(stub, f"ciurge:{d}-5", "Did you act on it")
        answer(stub, f"ciact:{d}-n", "urge to hurt yourself")
        answer(stub, f"cish:{d}-1", "thoughts of suicide")
        ask = answer(stub, f"cisui:{d}-3", "I want to ask directly")
        assert [t for t, _ in ask.buttons] == [
            "Yes",
            "Not right now, go on",
            "Show me support numbers",
        ]
        before = count(stub)
        stub.send_text(USER, "yes i am")  # typed, not pressed: the same as Yes
        card = newest(stub, "988", before)
        assert "Crisis Text Line" in card.params["text"]
        answer(stub, f"cicont:{d}", "skip group or quit treatment")
        answer(stub, f"ciquit:{d}-0", "medication as prescribed")
        sleep = answer(stub, f"cimeds:{d}-yes", "hours did you sleep")
        assert len(sleep.buttons) == 13  # the number pad, 0 to 12+
        answer(stub, f"cisleep:{d}-5", "HALT")
        press(stub, f"cihalt:{d}-tired")
        answer(stub, f"cihalt:{d}-done", "skills did you use in real life")
        press(stub, f"ciskill:{d}-urge-surfing")
        answer(stub, f"ciskill:{d}-done", "0-7")
        practice = answer(stub, f"cirate:{d}-5", "Did you try the practice")
        assert "<i>" in practice.params["text"]  # the scenario's own "try this week"
        answer(stub, f"cipract:{d}-y", "Anything you'd like to note")
        saved = answer(stub, f"cinote:{d}-skip", "Check-in saved")
        text = saved.params["text"]
        assert "A strong urge you rode out is a win" in text and "answering the hard" in text
        assert any(t.startswith("Practice:") for t, _ in saved.buttons)

        stub.send_text(USER, "/week")
        [photo] = stub.wait_for(lambda: stub.sent_to(USER, "sendPhoto"), 30)
        assert photo.params["photo"]["content"].startswith(b"\x89PNG")
        assert "rode out in the last two weeks: <b>1</b>" in photo.params["caption"]
        press(stub, dict(photo.buttons)["Send as a PDF"])
        [pdf] = stub.wait_for(lambda: stub.sent_to(USER, "sendDocument"), 30)
        assert pdf.params["document"]["content"].startswith(b"%PDF")
    finally:
        stop_bot(bot)

    # The next day, by the clock: a program that asks only the mood, sleep and a note.
    before = count(stub)
    bot = launch(stub, tmp_path, url, timedelta(days=1), CHECKIN_ITEMS="mood, sleep, note")
    try:
        followup = newest(stub, "How are you today?", before)
        assert [t for t, _ in followup.buttons] == ["Okay", "Still struggling"]
        checkin = newest(stub, "How has your mood been today", before)
        tomorrow = f"{datetime.now(UTC) + timedelta(days=1):%Y%m%d}"
        assert ("2 😐", f"ci:{tomorrow}-2") in checkin.buttons
        lines = answer(stub, dict(followup.buttons)["Still struggling"], "988")
        assert "988" in lines.params["text"]
        answer(stub, f"ci:{tomorrow}-2", "hours did you sleep")  # no feelings, no urges
        answer(stub, f"cisleep:{tomorrow}-8", "Anything you'd like to note")
        answer(stub, f"cinote:{tomorrow}-skip", "Check-in saved")
    finally:
        stop_bot(bot)
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log
    assert len([s for s in stub.sent_to(USER) if "How are you today?" in str(s.params)]) == 1
