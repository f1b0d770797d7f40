"""End to end over HTTP: the crisis card arrives whatever the participant's safety plan holds,
and a probable signal gets the direct question instead.

`rehearse run` against the Bot API stub, which refuses texts over Telegram's 4,096 characters.
A member whose leader gets crisis alerts writes a plan of six answers of 1,000 characters (the
form's most; 600 were enough to lose the card when the plan rode in it), one of them holding a
lone surrogate (JSON can spell half a UTF-16 pair); then writes crisis words. The card comes
first, then the plan in parts that each fit; the leader's alert is delivered; /safety, the
plan's own view with its "Delete my plan" button, and /mydata all work. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from html import unescape
from pathlib import Path

import pytest

from bot.services import CONSENT_VERSION
from state import groups
from state.safety import ASK_AGAIN, ASK_TEXT, SCENE_KEPT, SCENE_STOPPED, SOMEONE_OPENING
from state.store import Store
from stub_api import TOKEN, BotApiStub, Sent, start_bot, stop_bot
from texts import probable_text, probable_theirs_text

LEADER, MEMBER = 9300, 9301
LONE = "\ud83d"  # the first half of 😀, alone


def answers() -> list[str]:
    """Six answers of 1,000 characters, each findable by its opening words."""
    heads = [
        "Warning: I stop answering my phone",
        "Alone: a long walk by the river",
        "Places: the library on Main Street",
        f"Call Dana {LONE}at 555-0100",
        "Clinic: Dr. Okafor, weekdays",
        "Safer: my sister keeps the pills",
    ]
    return [(head + " " + "and then some more words " * 50)[:1000] for head in heads]


async def seed(url: str) -> None:
    """A leader and their group, which MEMBER joined with crisis alerts on (set up directly:
    joining is not what this test is about)."""
    store = await Store.open(url)
    try:

        async def work(uow) -> None:
            await uow.users.set_consent(LEADER, CONSENT_VERSION)
            await groups.set_role(uow, LEADER, groups.LEADER)
            group = await groups.create_group(uow, LEADER, "Tuesday group", "Sam")
            invite = await groups.create_invite(
                uow, kind="group", created_by=LEADER, group_id=group.id
            )
            joined = await groups.join_group(
                uow, invite.code, MEMBER, "Pat", shares=[groups.Share.ALERT]
            )
            assert joined.status == "joined"

        await store.run(None, work)
    finally:
        await store.close()


def texts(stub: BotApiStub, user: int) -> list[str]:
    return [str(s.params.get("text", "")) for s in stub.sent_to(user)]


def wait_text(stub: BotApiStub, user: int, needle: str, after: int = 0) -> Sent:
    def find() -> Sent | None:
        for sent in stub.sent_to(user)[after:]:
            if needle in str(sent.params.get("text", "")):
                return sent
        return None

    return stub.wait_for(find, 30)


def consented_member(stub: BotApiStub, tmp_path: Path, url: str) -> subprocess.Popen:
    """The seeded group, the bot running, and MEMBER having agreed at /start."""
    asyncio.run(seed(url))
    bot = start_bot(stub, tmp_path, url)
    stub.wait_for(lambda: [c for c in stub.calls if c.method == "setMyCommands"], 60)
    stub.send_text(MEMBER, "/start")
    stub.press_button(MEMBER, "I agree")
    return bot


def crisis_card_and_plan(stub: BotApiStub, tmp_path: Path, url: str) -> None:
    bot = consented_member(stub, tmp_path, url)
    try:
        stub.send_text(MEMBER, "/safetyplan")
        stub.press_button(MEMBER, "Start my plan")
        for n, answer in enumerate(answers(), start=1):
            wait_text(stub, MEMBER, f"Step {n} of 6")
            stub.send_text(MEMBER, answer)
        saved = wait_text(stub, MEMBER, "Your plan is saved")
        saved_at = stub.sent_to(MEMBER).index(saved)

        stub.send_text(MEMBER, "I want to kill myself")
        card = wait_text(stub, MEMBER, "988", saved_at)
        assert "Your safety plan" not in card.params["text"]  # the card alone, first
        assert [t for t, _ in card.buttons] == [
            "Chat with 988 (US)",
            "My safety plan",
            "Back to the bot",
        ]
        at = stub.sent_to(MEMBER).index(card)
        last = wait_text(stub, MEMBER, "Safer: my sister keeps the pills", at)
        plan = texts(stub, MEMBER)[at + 1 :]
        assert len(plan) >= 2  # six long answers take two messages or more
        shown = "\n".join(plan)
        for answer in answers():
            assert answer.replace(LONE, "")[:60] in shown  # the surrogate dropped, the rest kept
        assert plan[-1] == last.params["text"]  # nothing after the plan's last part
        alert = wait_text(stub, LEADER, "may need support")
        assert "Pat" in alert.params["text"] and "kill" not in alert.params["text"]

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, "/safety")
        wait_text(stub, MEMBER, "Safer: my sister keeps the pills", before)
        assert "988" in texts(stub, MEMBER)[before]

        stub.send_text(MEMBER, "/safetyplan")
        stub.press_button(MEMBER, "Delete my plan")
        wait_text(stub, MEMBER, "Your safety plan is deleted")

        stub.send_text(MEMBER, "/mydata")
        document = stub.wait_for(lambda: stub.sent_to(MEMBER, "sendDocument"), 30)[-1]
        exported = json.loads(document.params["document"]["content"])
        assert exported["user_id"] == MEMBER
    finally:
        stop_bot(bot)
    assert not any("Sorry" in t for t in texts(stub, MEMBER))
    assert not [c for c in stub.calls if c.method.endswith(":refused")]
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and "kill myself" not in log and "Dana" not in log
    assert TOKEN.split(":")[1] not in log


@pytest.mark.slow
def test_card_then_long_plan(stub, tmp_path, database_url):
    crisis_card_and_plan(stub, tmp_path, database_url)


# ---- the direct question ------------------------------------------------------------------
# A member opens a scenario and types a message the screen reads as probable (not explicit)
# danger. The bot steps out of the role-play and asks; "I'm safe, back to the scene" shows the
# same step again, with buttons that still play; the same kind of message again, then "Yes",
# gives the card, ends the role-play and alerts the leader, saying the member answered yes.


def scene_line(stub: BotApiStub, after: int) -> Sent:
    """The next message carrying the scenario's choice buttons."""

    def find() -> Sent | None:
        for sent in stub.sent_to(MEMBER)[after:]:
            if any(data.startswith("c:") for _, data in sent.buttons):
                return sent
        return None

    return stub.wait_for(find, 30)


def open_birthday(stub: BotApiStub) -> Sent:
    """Open "The birthday on group night" from the menu; its first step."""
    stub.press_button(MEMBER, "Family")
    stub.press_button(MEMBER, "●●● The birthday on group night")
    return scene_line(stub, 0)


def asked_in_scene(stub: BotApiStub, text: str) -> tuple[list, Sent]:
    """Open the scene and type `text` (probable danger): its first step's buttons, and the
    direct question that came instead of the scene's answer."""
    first_buttons = open_birthday(stub).buttons
    before = len(stub.sent_to(MEMBER))
    stub.send_text(MEMBER, text)
    return first_buttons, wait_text(stub, MEMBER, ASK_TEXT, before)


def question_flow(stub: BotApiStub, tmp_path, url: str) -> None:
    text = probable_text()
    bot = consented_member(stub, tmp_path, url)
    try:
        first_buttons, asked = asked_in_scene(stub, text)
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
        stop_bot(bot)
    assert not any("Sorry" in t for t in texts(stub, MEMBER))
    assert sum(ASK_TEXT in t for t in texts(stub, MEMBER)) == 2
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and text not in log


@pytest.mark.slow
def test_question_then_safe_then_yes(stub, tmp_path, database_url):
    question_flow(stub, tmp_path, database_url)


# ---- the direct question, answered in words ---------------------------------------------------
# People type instead of pressing. After the question, a line that answers neither way is not
# played in the scene: the question comes again. "no im safe" shows the same step; the question
# is then closed, so a "yes" typed next is a reply in the scene (no card, no question). The
# probable message again, then "yeah": the card, the scene stopped, the leader alerted.


def typed_answers_flow(stub: BotApiStub, tmp_path, url: str) -> None:
    text = probable_text()
    bot = consented_member(stub, tmp_path, url)
    try:
        first_buttons, _ = asked_in_scene(stub, text)

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, "ok so what do I say to her")
        again = wait_text(stub, MEMBER, "Tap an answer below, or type yes or no", before)
        assert unescape(again.params["text"]) == ASK_AGAIN
        assert [t for t, _ in again.buttons][0] == "Yes"

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, "no im safe")
        assert scene_line(stub, before).buttons == first_buttons  # the same step again

        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, "yes")  # the question is closed: a reply in the scene
        wait_text(stub, MEMBER, "I read that as", before)  # coached as the scene's line
        shown = unescape(" ".join(texts(stub, MEMBER)[before:]))
        assert "988" not in shown and ASK_AGAIN not in shown and ASK_TEXT not in shown

        stub.send_text(MEMBER, text)
        wait_text(stub, MEMBER, ASK_TEXT, before)
        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, "yeah")
        card = wait_text(stub, MEMBER, "988", before)
        assert SCENE_STOPPED in unescape(card.params["text"])
        alert = wait_text(stub, LEADER, "may need support")
        assert "answered yes when the bot asked" in alert.params["text"]
    finally:
        stop_bot(bot)
    assert not any("Sorry" in t for t in texts(stub, MEMBER))
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and text not in log and "what do I say" not in log


@pytest.mark.slow
def test_question_answered_in_words(stub, tmp_path, database_url):
    typed_answers_flow(stub, tmp_path, database_url)


# ---- someone else's danger ----------------------------------------------------------------
# A member writes that a friend may end her life. The question says where help for the friend
# is and still asks the member about their own life; "Show me support numbers" gives the card,
# which says truthfully that the scene waits (a participant trial: the question asked only
# about the writer, who had said "no" and gone back to the scene without the numbers).
@pytest.mark.slow
@pytest.mark.parametrize("answer", ["press", "no it's my brother"])
def test_someone_else_s_danger_is_asked_about_and_gets_the_numbers(
    stub, tmp_path, database_url, answer
):
    """The numbers by the button, or "no, it's my brother" typed (a participant trial: five
    such answers were each asked the question again)."""
    theirs = probable_theirs_text()
    bot = consented_member(stub, tmp_path, database_url)
    try:
        open_birthday(stub)
        before = len(stub.sent_to(MEMBER))
        stub.send_text(MEMBER, theirs)
        asked = wait_text(stub, MEMBER, "worried about someone else", before)
        said = unescape(asked.params["text"])
        assert said.endswith("are you thinking about ending your life or hurting yourself?")
        assert "988" not in said  # a question, not the card
        before = len(stub.sent_to(MEMBER))
        if answer == "press":
            stub.press_button(MEMBER, "Show me support numbers")
        else:
            stub.send_text(MEMBER, answer)
        card = unescape(wait_text(stub, MEMBER, "988", before).params["text"])
        assert SCENE_KEPT in card and SCENE_STOPPED not in card
        assert card.startswith(SOMEONE_OPENING)  # found in the question the press came from
    finally:
        stop_bot(bot)
    assert not any("Sorry" in t for t in texts(stub, MEMBER))
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log and theirs not in log
