"""bot/http.py's aiohttp transport, through PTB's real Bot against the stub over HTTP."""

from __future__ import annotations

import asyncio
import socket
import traceback

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.http import AiohttpRequest, NotSent
from bot.outbox_sender import may_have_arrived
from stub_api import TOKEN, BotApiStub, Limits


def make_bot(api: BotApiStub, **kw: float) -> Bot:
    return Bot(TOKEN, base_url=api.base_url, request=AiohttpRequest(4, **kw))


async def test_a_message_and_its_keyboard_arrive_as_form_fields(stub):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="c:1")]])
    async with make_bot(stub) as bot:
        sent = await bot.send_message(42, "Grüße <b>ünïcode</b> ✓", reply_markup=markup)
    assert sent.text == "Grüße <b>ünïcode</b> ✓"
    [call] = stub.sent_to(42)
    assert call.params["text"] == "Grüße <b>ünïcode</b> ✓"
    assert call.buttons == [("Yes", "c:1")]


async def test_a_photo_goes_up_as_multipart_with_its_bytes(stub):
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    async with make_bot(stub) as bot:
        await bot.send_photo(42, image, caption="chart")
    [call] = stub.sent_to(42, "sendPhoto")
    assert call.params["caption"] == "chart"
    assert call.params["photo"]["content"] == image


async def test_a_slow_answer_is_timed_out():
    api = BotApiStub(latency=1.0).start()
    try:
        bot = make_bot(api, read_timeout=0.2)  # not initialised: its getMe would time out too
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(42, "hello")
        # it went out and no answer came: the outbox sender sends it once more at most
        assert not isinstance(caught.value, NotSent) and may_have_arrived(caught.value)
        await bot.request.shutdown()
    finally:
        api.stop()


async def test_waiting_for_a_busy_pool_times_out_without_the_token_in_the_traceback():
    api = BotApiStub(latency=1.0).start()
    request = AiohttpRequest(1, connect_timeout=0.1, pool_timeout=0.1)
    bot = Bot(TOKEN, base_url=api.base_url, request=request)
    try:
        first = asyncio.create_task(bot.send_message(42, "holds the only connection"))
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(43, "waits for it")
        assert isinstance(caught.value, NotSent) and not may_have_arrived(caught.value)
        # aiohttp's own error names the URL, and the URL holds the token: none of it comes along.
        text = "".join(traceback.format_exception(caught.value))
        assert TOKEN.split(":")[1] not in text
        await first
    finally:
        await request.shutdown()
        api.stop()


async def test_a_refused_connection_is_a_network_error_not_a_timeout():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(42, "hello")
    assert not isinstance(caught.value, TimedOut)
    assert isinstance(caught.value, NotSent) and not may_have_arrived(caught.value)
    assert "ClientConnectorError" in str(caught.value)
    assert TOKEN.split(":")[1] not in "".join(traceback.format_exception(caught.value))
    await request.shutdown()


async def test_a_connection_dropped_after_the_request_went_out_may_have_arrived():
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)  # the request arrived; the server goes away before answering
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(42, "hello")
        assert may_have_arrived(caught.value), repr(caught.value)
        assert TOKEN.split(":")[1] not in "".join(traceback.format_exception(caught.value))
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()


async def test_flood_control_still_reaches_ptb_as_retry_after():
    api = BotApiStub(
        limits=Limits(per_chat_burst=1, per_chat_per_second=1 / 60, retry_after=7)
    ).start()
    try:
        async with make_bot(api) as bot:
            await bot.send_message(42, "first")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(42, "second, too soon")
        assert "Retry in 7 seconds" in str(caught.value)
    finally:
        api.stop()


async def test_it_refuses_to_work_after_shutdown(stub):
    bot = make_bot(stub)
    async with bot:
        pass
    with pytest.raises(NetworkError, match="shut down"):
        await bot.send_message(42, "late")
