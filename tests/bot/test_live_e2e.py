"""End to end over HTTP: a live rehearsal in a group's Telegram chat.

`rehearse run` against the Bot API stub, with a leader, three members of their group and the
group's Telegram chat (a supergroup). A member's /live there gets nothing, in the chat or in
private; the leader's links the chat and offers the scenarios. The group plays "The birthday on
group night" to its debrief: every vote is a native anonymous poll; a member can't close it;
the leader closes each, the group sees the chart and the feedback for every option, and the
story follows the most votes, except once when the leader shows another option. Meanwhile one
member says it their way and the leader shows that line to the group, without a name; another
types crisis words as their line, gets the card in private, and nothing of it reaches the
group or the leader beyond the usual opted-in alert. On SQLite and PostgreSQL.

A second test, in a forum topic, restarts the bot mid-run: an open vote goes on (votes cast
while it was down count), a vote whose posting a crash interrupted is posted again, and a timer
that ran out while the bot was down closes the vote when it is back.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.features.live import TICK
from bot.services import CONSENT_VERSION
from state import groups
from state.db.live import LiveLine, LiveRun, LiveStep
from state.db.models import utcnow
from state.store import Store
from stub_api import TOKEN, BotApiStub, Sent, start_bot, stop_bot

LEADER = 9400
M1, M2, M3 = 9401, 9402, 9403
CHAT = -1001234567890
TOPIC = 7  # a forum topic of CHAT
SCENARIO = "family/birthday-or-group"
POSTING = ("sendMessage", "sendPhoto", "sendPoll", "sendDocument")


async def seed(url: str) -> None:
    """The leader and their group, which three members joined; M3 turned crisis alerts on."""
    store = await Store.open(url)
    try:

        async def work(uow) -> None:
            await uow.users.set_consent(LEADER, CONSENT_VERSION)
            await groups.set_role(uow, LEADER, groups.LEADER)
            group = await groups.create_group(uow, LEADER, "Tuesday group", "Sam")
            invite = await groups.create_invite(
                uow, kind="group", created_by=LEADER, group_id=group.id
            )
            for member, name in ((M1, "Pat"), (M2, "Robin"), (M3, "Casey")):
                await uow.users.set_consent(member, CONSENT_VERSION)
                joined = await groups.join_group(
                    uow,
                    invite.code,
                    member,
                    name,
                    shares=[groups.Share.ALERT] if member == M3 else [],
                )
                assert joined.status == "joined"

        await store.run(None, work)
    finally:
        await store.close()


async def db(url: str, fn):
    store = await Store.open(url)
    try:
        return await store.run(None, fn)
    finally:
        await store.close()


def texts(stub: BotApiStub, chat: int) -> list[str]:
    """What the bot posted in the chat (text, caption or question), entities decoded."""
    with stub.cond:
        return [
            unescape(
                str(c.params.get("text") or c.params.get("caption") or c.params.get("question"))
            )
            for c in stub.calls
            if c.chat_id == chat and c.method in POSTING
        ]


def posts(stub: BotApiStub, chat: int) -> int:
    with stub.cond:
        return sum(1 for c in stub.calls if c.chat_id == chat and c.method in POSTING)


def wait_text(stub: BotApiStub, chat: int, needle: str, after: int = 0) -> str:
    def find() -> str | None:
        return next((t for t in texts(stub, chat)[after:] if needle in t), None)

    return stub.wait_for(find, 60)


def toasts(stub: BotApiStub) -> list[str]:
    with stub.cond:
        return [
            str(c.params.get("text") or "") for c in stub.calls if c.method == "answerCallbackQuery"
        ]


def wait_toast(stub: BotApiStub, needle: str, after: int = 0) -> None:
    stub.wait_for(lambda: any(needle in t for t in toasts(stub)[after:]), 30)


def polls(stub: BotApiStub) -> list[Sent]:
    return stub.sent_to(CHAT, "sendPoll")


def new_poll(stub: BotApiStub, count: int) -> Sent:
    """The poll after the first `count` ones, once it is out."""
    return stub.wait_for(lambda: polls(stub)[count] if len(polls(stub)) > count else None, 60)


def option(poll: Sent, text: str) -> int:
    options = poll.params["options"]
    options = json.loads(options) if isinstance(options, str) else options
    return [o["text"] if isinstance(o, dict) else o for o in options].index(text)


def stopped(stub: BotApiStub) -> list[Sent]:
    return [c for c in stub.calls if c.method == "stopPoll" and c.chat_id == CHAT]


def close_and_read(stub: BotApiStub, poll: Sent, votes: int) -> str:
    """The leader closes the vote; the chart's caption and the feedback that follow."""
    before = posts(stub, CHAT)
    n = len(stopped(stub))
    stub.press_in(CHAT, LEADER, data_of(poll, "🗳 Close the vote"), poll)
    stub.wait_for(lambda: len(stopped(stub)) > n)
    caption = wait_text(stub, CHAT, "how the group voted", before)
    assert f"{votes} vote" in caption
    chart = stub.sent_to(CHAT, "sendPhoto")[-1].params["photo"]
    assert chart["content"].startswith(b"\x89PNG\r\n\x1a\n") and chart["size"] > 5000
    feedback = wait_text(stub, CHAT, "what each option does", before)
    assert posts(stub, CHAT) - before == 2  # the chart, the feedback: no more
    return feedback


def data_of(sent: Sent, label: str) -> str:
    return next(data for text, data in sent.buttons if text.startswith(label))


def go_on(stub: BotApiStub, label: str) -> int:
    """The leader presses a button of the newest results; how many posts the group had."""
    message, data = stub.wait_button_in(CHAT, label)
    before = posts(stub, CHAT)
    stub.press_in(CHAT, LEADER, data, message)
    return before


def ready(stub: BotApiStub, after: int = 0) -> None:
    stub.wait_for(lambda: [c for c in stub.calls[after:] if c.method == "setMyCommands"], 60)


def clean_log(tmp_path: Path) -> None:
    log = (tmp_path / "bot.log").read_text(errors="replace")
    assert "Traceback" not in log
    assert TOKEN.split(":")[1] not in log
    for typed in ("kill myself", "birthday dinner Saturday"):
        assert typed not in log


def play(stub: BotApiStub, tmp_path: Path, url: str) -> None:
    asyncio.run(seed(url))
    bot = start_bot(stub, tmp_path, url)
    try:
        ready(stub)
        # A member's /live: nothing in the chat, nothing private (their /help, after it in
        # their own order of updates, shows the /live was handled).
        stub.group_text(CHAT, M1, "/live")
        stub.group_text(CHAT, M1, f"/live {SCENARIO}")
        stub.send_text(M1, "/help")
        stub.wait_for(lambda: stub.sent_to(M1))
        assert posts(stub, CHAT) == 0
        assert len(stub.sent_to(M1)) == 1

        # The leader links the chat; a member's press of the link button changes nothing.
        stub.group_text(CHAT, LEADER, "/live")
        wait_text(stub, CHAT, "Which of your groups meets in this chat?")
        link, data = stub.wait_button_in(CHAT, "Tuesday group")
        seen = len(toasts(stub))
        stub.press_in(CHAT, M1, data, link)
        wait_toast(stub, "Only the group's leader", seen)
        stub.press_in(CHAT, LEADER, data, link)
        stub.wait_for(
            lambda: any(
                c.method == "editMessageText" and "rehearses together" in c.params.get("text", "")
                for c in stub.calls
            )
        )
        # Picking from the topics and scenarios edits that one message.
        stub.press_button_in(CHAT, LEADER, "Family")
        before = posts(stub, CHAT)
        stub.press_button_in(CHAT, LEADER, "●●● The birthday on group night")
        poll = new_poll(stub, 0)
        opening = wait_text(stub, CHAT, "Live rehearsal: The birthday on group night", before)
        assert "anonymously" in opening and "<b>Mom:</b>" in opening
        assert posts(stub, CHAT) - before == 2  # the scene, the poll
        assert poll.params["is_anonymous"] in (True, "true", "True")
        assert poll.params["question"].startswith("Step 1")

        # Step 1: three votes; a member can't close it.
        for member, text in (
            (M1, "Tomorrow is my group night"),
            (M2, "Tomorrow is my group night"),
            (M3, "Um, maybe, I'll see…"),
        ):
            stub.vote(poll, member, option(poll, text))
        seen = len(toasts(stub))
        stub.press_in(CHAT, M2, data_of(poll, "🗳 Close the vote"), poll)
        wait_toast(stub, "Only the group's leader", seen)
        # A group button pressed in a private chat (forged) is refused, even the leader's.
        stub.press(LEADER, data_of(poll, "🗳 Close the vote"))
        wait_toast(stub, "That button has expired", seen)
        assert not stopped(stub)

        # Say it your way: M2's line goes to the leader without a name; the leader shows it.
        say = next(url for text, url in poll.buttons if text.startswith("💬 Say it your way"))
        payload = re.search(r"start=(lv_\d+)", say)[1]
        stub.send_text(M2, f"/start {payload}")
        stub.wait_for(lambda: any("Say it your way" in t for t in texts(stub, M2)))
        stub.send_text(
            M2,
            "Mom, I love Dana, and Tuesday is my group. "
            "Can we do her birthday dinner Saturday instead?",
        )
        wait_text(stub, M2, "Sent to your leader, without your name")
        copy = wait_text(stub, LEADER, "A line from Tuesday group")
        assert "birthday dinner Saturday" in copy and "Coach's reading" in copy
        assert "Robin" not in copy and str(M2) not in copy
        # The leader's private button pressed in the group (forged) acts on nothing there.
        seen = len(toasts(stub))
        stub.press_in(CHAT, LEADER, stub.wait_button(LEADER, "Show it to the group")[1], poll)
        wait_toast(stub, "I only answer in a private chat", seen)
        before = posts(stub, CHAT)
        stub.press_button(LEADER, "Show it to the group")
        shown = wait_text(stub, CHAT, "Someone in the group would say", before)
        assert "birthday dinner Saturday" in shown and "Robin" not in shown

        # A crisis line from M3: the card in private, the usual alert to the leader, and
        # nothing of it in the group chat or in the leader's copy of lines.
        stub.send_text(M3, f"/start {payload}")
        stub.wait_for(lambda: any("Say it your way" in t for t in texts(stub, M3)))
        stub.send_text(M3, "I want to kill myself")
        wait_text(stub, M3, "988")
        wait_text(stub, LEADER, "may need support")
        stub.send_text(M3, "thanks, that helps")  # after the card: not taken as a line
        wait_text(stub, M3, "I read what you type during a role-play")

        feedback = close_and_read(stub, poll, 3)
        assert "The story follows “Tomorrow is my group night”, with the most votes" in feedback
        for text in ("What's the plan for it?", "Um, maybe, I'll see…", "You know I have group!"):
            assert text in feedback  # the feedback for every option

        # Step 2: most vote to apologise; the leader shows where another option leads.
        before = go_on(stub, "▶ Go on: Tomorrow is my group night")
        poll = new_poll(stub, 1)
        assert posts(stub, CHAT) - before == 2
        for member in (M1, M2):
            stub.vote(poll, member, option(poll, "I'm so sorry, I'm a bad kid"))
        stub.vote(poll, M3, option(poll, "I feel torn, and group matters"))
        close_and_read(stub, poll, 3)
        before = go_on(stub, "Instead: I feel torn, and group matters")
        scene = wait_text(stub, CHAT, "On with “I feel torn, and group matters”", before)
        assert "(the leader's pick, to see where it leads)" in scene and "<b>Mom:</b>" in scene

        # Steps 3 and 4, to the ending.
        for n, text in ((2, "My recovery is for us too"), (3, "I'll take Dana to lunch Saturday")):
            poll = new_poll(stub, n)
            stub.vote(poll, M1, option(poll, text))
            close_and_read(stub, poll, 1)
            before = go_on(stub, f"▶ Go on: {text}")
        debrief = wait_text(stub, CHAT, "Group debrief", before)
        assert posts(stub, CHAT) - before == 2  # the ending, the debrief
        assert "1. 🟢 “Tomorrow is my group night”: 2 of 3 votes" in debrief
        assert (
            "the leader's pick to see where it leads (most votes: “I'm so sorry, I'm a bad kid”)"
            in debrief
        )
        assert "How the group voted" in debrief and "(8 votes in all)" in debrief
        assert "Skills shown" in debrief and "Try this week, everyone" in debrief
        replay = stub.wait_button_in(CHAT, "▶ Replay it on my own")[1]
        assert replay.endswith("?start=p_family_birthday-or-group")

        # Counts only in the chat: no member's name, id or words but the line the leader chose.
        group_chat = "\n".join(texts(stub, CHAT))
        for private in ("Pat", "Robin", "Casey", str(M1), str(M2), str(M3)):
            assert private not in group_chat
        copies = "\n".join(texts(stub, LEADER))
        for typed in ("kill myself", "that helps"):
            assert typed not in group_chat and typed not in copies
        assert not [c for c in stub.calls if c.method.endswith(":refused")]
    finally:
        stop_bot(bot, 30)

    async def stored(uow):
        run = await uow.session.scalar(select(LiveRun))
        steps = list(await uow.session.scalars(select(LiveStep).order_by(LiveStep.step)))
        lines = await uow.session.scalar(select(func.count()).select_from(LiveLine))
        return run, steps, lines

    run, steps, lines = asyncio.run(db(url, stored))
    assert run.status == "ended" and run.scenario_id == SCENARIO
    assert [s.chosen_by for s in steps] == ["votes", "leader", "votes", "votes"]
    assert [sum(s.votes.values()) for s in steps] == [3, 3, 1, 1]
    assert [(s.lines, s.lines_shown) for s in steps][0] == (1, 1)
    assert lines == 0  # the members' lines went with their vote
    clean_log(tmp_path)


@pytest.mark.slow
def test_live_rehearsal(stub, tmp_path, database_url):
    play(stub, tmp_path, database_url)


async def link_directly(url: str) -> None:
    from state.live.repo import LiveRepo

    async def work(uow) -> None:
        group = (await groups.leader_groups(uow, LEADER))[0]
        await LiveRepo(uow).link(CHAT, group.id, LEADER, utcnow())

    await db(url, work)


@pytest.mark.slow
def test_restart_mid_run(stub, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    asyncio.run(seed(url))
    asyncio.run(link_directly(url))
    bot = start_bot(stub, tmp_path, url)
    try:
        ready(stub)
        stub.group_text(CHAT, LEADER, f"/live {SCENARIO}", thread_id=TOPIC)  # a forum topic
        poll = new_poll(stub, 0)
        stub.vote(poll, M1, 0)
        stub.vote(poll, M2, 0)
    finally:
        stop_bot(bot, 30)
    stub.vote(poll, M3, 2)  # while the bot is down
    calls = len(stub.calls)
    bot = start_bot(stub, tmp_path, url)
    try:
        ready(stub, calls)
        time.sleep(3 * TICK)  # the look at what the restart left over has run
        assert len(polls(stub)) == 1  # the open vote goes on: nothing posted again
        feedback = close_and_read(stub, poll, 3)
        assert "2 votes" in feedback
        go_on(stub, "▶ Go on")
        poll = new_poll(stub, 1)
    finally:
        stop_bot(bot, 30)

    # A crash between posting step 2's poll and recording it: the bot can't know it went out.
    async def lose_the_poll(uow) -> None:
        await uow.session.execute(
            update(LiveStep)
            .where(LiveStep.step == 1)
            .values(status="posting", poll_id=None, poll_message_id=None)
        )

    asyncio.run(db(url, lose_the_poll))
    calls = len(stub.calls)
    bot = start_bot(stub, tmp_path, url)
    try:
        ready(stub, calls)
        again = new_poll(stub, 2)
        wait_text(stub, CHAT, "Here is this vote again")
        stub.vote(again, M1, 1)
        close_and_read(stub, again, 1)
        go_on(stub, "▶ Go on")
        timed = new_poll(stub, 3)
        stub.vote(timed, M2, 0)
    finally:
        stop_bot(bot, 30)

    # The leader's timer ran out while the bot was down: back, it closes the vote at once.
    async def time_up(uow) -> None:
        await uow.session.execute(
            update(LiveStep).where(LiveStep.step == 2).values(closes_at=utcnow())
        )

    asyncio.run(db(url, time_up))
    calls = len(stub.calls)
    bot = start_bot(stub, tmp_path, url)
    try:
        ready(stub, calls)
        stub.wait_for(lambda: len(stopped(stub)) >= 3, 30)
        wait_text(stub, CHAT, "Step 3: how the group voted")
        wait_text(stub, CHAT, "Step 3: what each option does")
        assert len(polls(stub)) == 4
        assert not [c for c in stub.calls if c.method.endswith(":refused")]
    finally:
        stop_bot(bot, 30)
    in_chat = [c for c in stub.calls if c.chat_id == CHAT and c.method in POSTING]
    assert in_chat and all(int(c.params["message_thread_id"]) == TOPIC for c in in_chat)
    clean_log(tmp_path)
