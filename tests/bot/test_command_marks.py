"""A command that writes marks its update (the exactly-once record) in its own transaction, as
a step does, instead of the gate's second write after it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot import callbacks
from offline import Chat, text_message
from state import groups
from state.db.models import ProcessedUpdate
from state.errors import AlreadyApplied


async def seen(store, update_id: int, user_id: int) -> bool:
    async with store.transaction(None) as uow:
        return (await uow.updates.gate(update_id, user_id))[0]


@pytest.mark.parametrize("command", ["/stop", "/delete"])
async def test_the_command_and_its_mark_are_one_write(consented, bot_env, begins, command):
    chat, store = consented, bot_env[2]
    begins.clear()
    update = await chat.send(command)
    assert chat.request.texts()  # answered as before
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]  # the gate's read; the command, marked
    assert await seen(store, update.update_id, chat.user_id)


async def test_a_newcomers_start_keeps_the_id_and_the_mark_together(bot_env, begins):
    app, request, store = bot_env
    newcomer = Chat(app, request, user_id=4242)
    update = await newcomer.send("/start")
    assert "Do you agree?" in request.texts()[-1]
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    assert await seen(store, update.update_id, 4242)


async def test_a_command_already_applied_is_not_applied_again(consented, bot_env):
    """The gate skips a redelivery it can see; the command's own mark catches one it can't
    (two workers at once, or the gate's read skipped while the database was unreachable)."""
    chat, svc = consented, bot_env[0].bot_data["services"]
    update = await chat.send("/delete")
    with pytest.raises(AlreadyApplied):
        await svc.practice.stop(chat.user_id, update_id=update.update_id)
    with pytest.raises(AlreadyApplied):
        await svc.onboarding.meet(chat.user_id, update_id=update.update_id)


async def test_progress_is_a_read_never_marked_so_a_crash_before_its_reply_loses_nothing(
    consented, bot_env, begins
):
    """/progress only reads: it claims nothing, and the gate's `after` marks nothing either
    (`reading`): no write lock taken for it. A crash between its read and its reply (the task
    cancelled, as when the process stops) leaves nothing behind, and a redelivery answers; so
    does the one after that (the same answer twice, harmless for a read)."""
    chat, store = consented, bot_env[2]
    update = {
        "update_id": 777001,
        "message": text_message(777001, chat.chat, chat.user, "/progress"),
    }
    real = chat.request.answer

    async def crash_at_the_reply(name, params):
        if name == "sendMessage":
            raise asyncio.CancelledError
        return await real(name, params)

    chat.request.answer = crash_at_the_reply  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await chat.feed(update)
    chat.request.answer = real  # type: ignore[method-assign]
    assert not await seen(store, 777001, chat.user_id)

    begins.clear()
    await chat.feed(update)  # the redelivery: answered
    assert "Nothing yet" in chat.request.texts()[-1]
    assert begins == ["BEGIN", "BEGIN"]  # the gate's read, /progress's: no mark after
    assert not await seen(store, 777001, chat.user_id)
    chat.request.clear()
    await chat.feed(update)  # a read answers a redelivery again
    assert "Nothing yet" in chat.request.texts()[-1]


READS = ["/help", "/skills", "/progress", "/practice", "/week", "/checkin", "/mygroups"]
LEADER_READS = ["/group", "/export"]


async def processed(store) -> int:
    count = select(func.count()).select_from(ProcessedUpdate)
    return await store.read(lambda uow: uow.session.scalar(count))


@pytest.mark.parametrize("command", READS + LEADER_READS)
async def test_a_command_that_only_reads_writes_nothing(consented, bot_env, begins, command):
    """No write lock taken, no processed update kept: the gate's read and the command's own
    reads only."""
    chat, store = consented, bot_env[2]
    if command in LEADER_READS:
        await store.run(None, lambda uow: groups.set_role(uow, chat.user_id, groups.LEADER))
        await chat.send("/newgroup Tuesday")
    before = await processed(store)
    begins.clear()
    chat.request.clear()
    await chat.send(command)
    assert chat.request.calls  # answered
    assert begins and "BEGIN IMMEDIATE" not in begins, begins
    assert await processed(store) == before


@pytest.mark.parametrize("press", ["menu", "wkshow", "wkpdf", "wksend"])
async def test_a_button_that_only_reads_writes_nothing(consented, bot_env, begins, press):
    """The topics ("Back to the bot", "Another scenario") and the week's card as a picture, a
    PDF, or the question of which leader it goes to."""
    chat, store = consented, bot_env[2]
    before = await processed(store)
    begins.clear()
    chat.request.clear()
    await chat.press(callbacks.action(press))
    assert [c for c in chat.request.calls if c.method != "answerCallbackQuery"]  # answered
    assert begins and "BEGIN IMMEDIATE" not in begins, begins
    assert await processed(store) == before
