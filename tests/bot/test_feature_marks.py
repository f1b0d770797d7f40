"""A feature's command or button that writes (check-ins, groups) marks its update (the
exactly-once record) in the transaction that does its work, as the core's commands do
(tests/bot/test_command_marks.py), instead of the gate's second write after it."""

from __future__ import annotations

import re

import pytest

from bot import callbacks
from offline import Chat
from state import groups as core
from state.errors import AlreadyApplied

LEADER, MEMBER = 2000, 3001


# the handlers answer every update here without an error reaching bot/app.py's on_error
pytestmark = pytest.mark.usefixtures("no_errors")


async def seen(store, update_id: int, user_id: int) -> bool:
    async with store.transaction(None) as uow:
        return (await uow.updates.gate(update_id, user_id))[0]


async def one_write(chat: Chat, begins: list[str], store, act) -> object:
    """`act()`'s update is the gate's read, then one write that does the work and marks it."""
    begins.clear()
    update = await act()
    writes = [b for b in begins if b == "BEGIN IMMEDIATE"]
    assert writes == ["BEGIN IMMEDIATE"], begins
    assert begins[0] == "BEGIN"  # the gate's read came first
    assert await seen(store, update.update_id, chat.user_id)
    return update


async def again_unseen(bot_env, monkeypatch, update) -> list:
    """Deliver `update` again with the gate's read failing (the database away for it, or a
    second worker): what was sent for it."""
    app, request, _ = bot_env

    async def away(*_a, **_k):
        raise TimeoutError

    monkeypatch.setattr(app.bot_data["services"].onboarding, "admit", away)
    request.clear()
    await app.process_update(update)
    monkeypatch.undo()
    return [c for c in request.calls if c.method != "answerCallbackQuery"]


async def set_up(chat: Chat) -> None:
    await chat.send("/checkin")
    await chat.press_button("Set up daily check-ins")
    await chat.send("Europe/Paris")
    await chat.send("8:30")
    await chat.press_button("No quiet hours")
    await chat.press_button("No")


@pytest.mark.parametrize(
    "button", ["Set up daily check-ins", "Pause 1 day", "Stop check-ins", "Weekly summary"]
)
async def test_a_checkin_menu_button_and_its_mark_are_one_write(
    consented, bot_env, begins, monkeypatch, button
):
    chat, store = consented, bot_env[2]
    if button != "Set up daily check-ins":
        await set_up(chat)
    await chat.send("/checkin")
    update = await one_write(chat, begins, store, lambda: chat.press_button(button))
    assert await again_unseen(bot_env, monkeypatch, update) == []  # applied once, said once


async def test_week_is_a_read_never_marked(consented, bot_env, begins, monkeypatch):
    """/week only reads: the gate's read and the card's, and no mark after (a mark made first,
    in the read, would lose the card to a crash before it; one after it is a write lock taken
    for nothing). A redelivery draws the card again: harmless, for a read."""
    chat, store = consented, bot_env[2]
    begins.clear()
    update = await chat.send("/week")
    assert chat.request.sent("sendPhoto")
    assert begins == ["BEGIN", "BEGIN"]
    assert not await seen(store, update.update_id, chat.user_id)
    chat.request.clear()
    await chat.feed(update.to_dict())
    assert [c.method for c in chat.request.calls] == ["sendPhoto"]
    assert [c.method for c in await again_unseen(bot_env, monkeypatch, update)] == ["sendPhoto"]


async def test_a_checkin_answer_already_applied_is_not_applied_again(consented, bot_env):
    chat, svc = consented, bot_env[0].bot_data["services"]
    await chat.send("/checkin")
    update = await chat.press_button("Check in now")  # marked by the gate after it
    await chat.press_button("3")
    with pytest.raises(AlreadyApplied):
        await svc.checkins.stop(chat.user_id, update_id=update.update_id)
    assert await svc.checkins.settings(chat.user_id) is None  # nothing was set up or stopped


async def leader_and_member(bot_env) -> tuple[Chat, Chat]:
    app, request, store = bot_env
    await store.run(None, lambda uow: core.set_role(uow, LEADER, core.LEADER))
    leader, member = Chat(app, request, LEADER), Chat(app, request, MEMBER)
    for chat in (leader, member):
        await chat.send("/start")
        await chat.press_button("I agree")
    return leader, member


def link_code(texts: list[str]) -> str:
    found = next(m for t in reversed(texts) if (m := re.search(r"\?start=g_([\w-]+)", t)))
    return found[1]


async def test_group_commands_and_buttons_are_one_write_each(bot_env, begins, monkeypatch):
    """/newgroup, a join, a sharing switch and leaving: each the gate's read and one write
    that marks the update; delivered again unseen by the gate, each does and says nothing."""
    store = bot_env[2]
    leader, member = await leader_and_member(bot_env)
    made = await one_write(leader, begins, store, lambda: leader.send("/newgroup Tuesday"))
    code = link_code(leader.request.texts())
    assert await again_unseen(bot_env, monkeypatch, made) == []
    await member.send(f"/start g_{code}")
    joined = await one_write(member, begins, store, lambda: member.press_button("Join"))
    assert await again_unseen(bot_env, monkeypatch, joined) == []
    await member.send("/mygroups")
    await one_write(member, begins, store, lambda: member.press_button("Turn crisis alerts on"))
    await member.send("/leave")
    left = await one_write(member, begins, store, lambda: member.press_button("Leave Tuesday"))
    assert await again_unseen(bot_env, monkeypatch, left) == []
    svc = bot_env[0].bot_data["services"]
    mine = await svc.groups.member_groups(MEMBER)
    assert mine == []  # left once; the join wasn't applied again
    async with store.transaction(None) as uow:
        assert len(await core.leader_groups(uow, LEADER)) == 1  # made once


async def test_live_linking_a_chat_and_unlinking_it_are_one_write_each(
    bot_env, begins, monkeypatch
):
    """In the group's chat: the leader's press that links it, and /live unlink."""
    app, request, store = bot_env
    leader, _ = await leader_and_member(bot_env)
    await leader.send("/newgroup Tuesday")
    here = Chat(app, request, LEADER, chat_type="supergroup")
    await here.send("/live")  # a read: which of the leader's groups rehearses here?
    linked = await one_write(here, begins, store, lambda: here.press_button("Tuesday"))
    assert "rehearses together" in request.sent("editMessageText")[-1]["text"]
    assert await again_unseen(bot_env, monkeypatch, linked) == []
    unlinked = await one_write(here, begins, store, lambda: here.send("/live unlink"))
    assert "no longer linked" in request.texts()[-1]
    assert await again_unseen(bot_env, monkeypatch, unlinked) == []


@pytest.mark.parametrize(
    "press", ["planstart", "planpause", "plandel", "typed:off", "keep:x"], ids=str
)
async def test_a_plan_or_privacy_button_and_its_mark_are_one_write(
    consented, bot_env, begins, monkeypatch, press
):
    """The safety plan's buttons that write, and the privacy switches ("keep" my data, typed
    replies kept or not)."""
    chat, store = consented, bot_env[2]
    name, _, arg = press.partition(":")
    data = callbacks.action(name, arg or None)
    update = await one_write(chat, begins, store, lambda: chat.press(data))
    assert await again_unseen(bot_env, monkeypatch, update) == []


async def test_agreeing_and_its_mark_are_one_write(chat, bot_env, begins, monkeypatch):
    await chat.send("/start")
    update = await one_write(chat, begins, bot_env[2], lambda: chat.press_button("I agree"))
    assert await again_unseen(bot_env, monkeypatch, update) == []
