"""A command that writes marks its update (the exactly-once record) in its own transaction, as
a step does, instead of the gate's second write after it."""

from __future__ import annotations

import asyncio

import pytest

from offline import Chat, text_message
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


async def test_progress_is_marked_after_its_reply_so_a_crash_before_it_loses_nothing(
    consented, bot_env, begins
):
    """/progress only reads: it claims nothing in its own transaction, and the gate marks it
    once the reply went. A crash between its read and its reply (the task cancelled, as when the
    process stops) leaves it unmarked, and a redelivery answers; after that, one is skipped."""
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
    assert begins == ["BEGIN", "BEGIN", "BEGIN IMMEDIATE"]  # the gate's read, /progress's, the mark
    assert await seen(store, 777001, chat.user_id)
    chat.request.clear()
    await chat.feed(update)  # once answered and marked, a redelivery is skipped
    assert chat.request.texts() == []
