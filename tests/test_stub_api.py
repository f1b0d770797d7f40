"""The Bot API stub (tests/stub_api.py) refuses what Telegram refuses, in Telegram's words:
lengths counted after entity parsing, malformed HTML, buttons, and the flood limits. Checked
through python-telegram-bot's real Bot over HTTP, as the bot calls it."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from bot.http import AiohttpRequest
from stub_api import TOKEN, BotApiStub, EntityError, Limits, parse_html


def make_bot(api: BotApiStub) -> Bot:
    return Bot(TOKEN, base_url=api.base_url, request=AiohttpRequest(4))


@pytest.fixture
def strict():
    api = BotApiStub().start()
    yield api
    api.stop()


async def refused(api: BotApiStub, send) -> str:
    """Telegram's description of the refusal `send(bot)` met (PTB re-words its copy)."""
    before = len(api.refusals())
    async with make_bot(api) as bot:
        with pytest.raises(BadRequest):
            await send(bot)
    [call] = api.refusals()[before:]
    return str(call.error)


async def accepted(api: BotApiStub, send) -> None:
    async with make_bot(api) as bot:
        await send(bot)


# ---- HTML as Telegram parses it ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "visible"),
    [
        ("<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code>", "bold it u s c"),
        ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>", "abcde"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ('<span class="tg-spoiler">hidden</span><tg-spoiler>too</tg-spoiler>', "hiddentoo"),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
        ("<blockquote>quote</blockquote>", "quote"),
        ("<B>case</B>", "case"),
        ("&lt;b&gt; &amp; &quot;q&quot; &#128512; &#x1F600;", '<b> & "q" 😀 😀'),
        ("fish & chips, x > y, a &unknown; b", "fish & chips, x > y, a &unknown; b"),
        ("no tags at all", "no tags at all"),
    ],
)
def test_html_telegram_accepts(html, visible):
    assert parse_html(html) == visible


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),  # offsets in UTF-8 bytes
        ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>', "Unclosed start tag at byte offset 0"),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ("&#xD83D;", "Text contains invalid Unicode characters after decoding HTML entities"),
    ],
)
def test_html_telegram_refuses(html, error):
    with pytest.raises(EntityError) as caught:
        parse_html(html)
    assert str(caught.value).startswith(error)


async def test_malformed_html_is_a_400_that_cannot_parse_entities(strict):
    error = await refused(
        strict, lambda bot: bot.send_message(1, "<b>unclosed", parse_mode=ParseMode.HTML)
    )
    assert error == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    # without parse_mode the same text is plain text, and fine
    await accepted(strict, lambda bot: bot.send_message(1, "<b>unclosed"))
    assert [c.params["text"] for c in strict.sent_to(1)] == ["<b>unclosed"]


# ---- lengths, counted after entity parsing -------------------------------------------------------


async def test_a_message_may_hold_4096_characters_after_entity_parsing(strict):
    html = ParseMode.HTML
    for text in ("x" * 4096, "<b>" + "x" * 4096 + "</b>", "&lt;" * 4096, "😀" * 4096):
        await accepted(strict, lambda bot, t=text: bot.send_message(1, t, parse_mode=html))
    for text in ("x" * 4097, "<b>" + "x" * 4097 + "</b>", "&lt;" * 4097, "😀" * 4097):
        error = await refused(strict, lambda bot, t=text: bot.send_message(1, t, parse_mode=html))
        assert error == "Bad Request: message is too long"
    assert len(strict.sent_to(1)) == 4  # the refused ones never reached the chat


async def test_an_edit_is_held_to_the_same_length(strict):
    async def edit(bot: Bot, text: str):
        return await bot.edit_message_text(text, chat_id=1, message_id=5, parse_mode="HTML")

    await accepted(strict, lambda bot: edit(bot, "y" * 4096))
    error = await refused(strict, lambda bot: edit(bot, "y" * 4097))
    assert error == "Bad Request: message is too long"


async def test_an_empty_text_is_refused(strict):
    for text in ("", "   ", "<b></b>"):
        error = await refused(
            strict, lambda bot, t=text: bot.send_message(1, t, parse_mode=ParseMode.HTML)
        )
        assert error == "Bad Request: message text is empty"


async def test_a_caption_may_hold_1024_characters_after_entity_parsing(strict):
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    await accepted(
        strict,
        lambda bot: bot.send_photo(1, png, caption="<i>" + "c" * 1024 + "</i>", parse_mode="HTML"),
    )
    error = await refused(
        strict, lambda bot: bot.send_photo(1, png, caption="c" * 1025, parse_mode="HTML")
    )
    assert error == "Bad Request: message caption is too long"
    error = await refused(strict, lambda bot: bot.send_document(1, png, caption="d" * 1025))
    assert error == "Bad Request: message caption is too long"


# ---- inline keyboards ----------------------------------------------------------------------------


def keyboard(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


async def test_callback_data_holds_1_to_64_bytes(strict):
    for data in ("x", "x" * 64, "é" * 32):
        await accepted(
            strict, lambda bot, d=data: bot.send_message(1, "hi", reply_markup=keyboard("Go", d))
        )
    for data in ("x" * 65, "é" * 33):  # 33 characters, 66 bytes
        error = await refused(
            strict, lambda bot, d=data: bot.send_message(1, "hi", reply_markup=keyboard("Go", d))
        )
        assert error == "Bad Request: BUTTON_DATA_INVALID"
    error = await refused(
        strict, lambda bot: bot.send_message(1, "hi", reply_markup=keyboard("Go", ""))
    )
    assert "Text buttons are unallowed in the inline keyboard" in error


async def test_a_button_needs_text_and_an_action(strict):
    error = await refused(
        strict, lambda bot: bot.send_message(1, "hi", reply_markup=keyboard("", "go"))
    )
    assert error == "Bad Request: inline keyboard button text must be non-empty"
    text_only = InlineKeyboardMarkup([[InlineKeyboardButton("Just text")]])
    error = await refused(strict, lambda bot: bot.send_message(1, "hi", reply_markup=text_only))
    assert "Text buttons are unallowed" in error
    url = InlineKeyboardMarkup([[InlineKeyboardButton("Site", url="https://example.org")]])
    await accepted(strict, lambda bot: bot.send_message(1, "hi", reply_markup=url))
    # the keyboard of an edit is checked the same way
    error = await refused(
        strict,
        lambda bot: bot.edit_message_reply_markup(1, 5, reply_markup=keyboard("Go", "x" * 65)),
    )
    assert error == "Bad Request: BUTTON_DATA_INVALID"


# ---- flood limits --------------------------------------------------------------------------------


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that it will become a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


async def at_once(api: BotApiStub, chats: list[int]) -> list[BaseException | None]:
    """Send one message to each of `chats`, all at once (a call takes ~40 ms here)."""
    bot = Bot(TOKEN, base_url=api.base_url, request=AiohttpRequest(len(chats)))
    async with bot:
        results = await asyncio.gather(
            *(bot.send_message(chat, f"m{i}") for i, chat in enumerate(chats)),
            return_exceptions=True,
        )
    return [r if isinstance(r, BaseException) else None for r in results]


async def test_one_chat_gets_a_short_burst_then_about_one_a_second(strict):
    """Telegram's default here: a burst of 20 in a private chat, then one a second."""
    results = await at_once(strict, [7] * 21 + [8])
    floods = [r for r in results if isinstance(r, RetryAfter)]
    assert len(floods) == 1 and retry_seconds(floods[0]) == 1
    assert results[-1] is None  # another chat is not held up
    assert len(strict.sent_to(7)) == 20
    assert strict.violations == ["chat 7: over 1 a second after a burst"]
    async with make_bot(strict) as bot:  # not messages: not counted
        await bot.send_chat_action(7, "typing")
        await bot.answer_callback_query("q1")


async def test_a_chat_refills_at_its_sustained_rate():
    api = BotApiStub(limits=Limits(per_chat_burst=2, per_chat_per_second=1)).start()
    try:
        async with make_bot(api) as bot:
            await bot.send_message(7, "a")
            await bot.send_message(7, "b")
            with pytest.raises(RetryAfter):
                await bot.send_message(7, "c: the burst is spent")
            await asyncio.sleep(1.05)  # one message's worth at one a second
            await bot.send_message(7, "d")
            with pytest.raises(RetryAfter):
                await bot.send_message(7, "e: not two")
    finally:
        api.stop()
    assert [c.params["text"] for c in api.sent_to(7)] == ["a", "b", "d"]


async def test_about_thirty_messages_a_second_overall(strict):
    results = await at_once(strict, list(range(100, 131)))  # 31 chats, one message each
    floods = [r for r in results if isinstance(r, RetryAfter)]
    assert len(floods) == 1 and retry_seconds(floods[0]) == 1
    assert strict.violations == ["overall: 31 messages within one second"]
    first, last = strict.accepted[0][0], strict.accepted[-1][0]
    assert last - first < 1, "this machine was too slow to test the limit"


async def test_twenty_messages_a_minute_in_a_group(strict):
    async with make_bot(strict) as bot:
        for i in range(20):
            await bot.send_message(-1001, f"to the group {i}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-1001, "the twenty-first")
    assert 55 <= retry_seconds(caught.value) <= 60


async def test_flood_limits_can_be_turned_off():
    api = BotApiStub(limits=None).start()
    try:
        async with make_bot(api) as bot:
            for i in range(40):
                await bot.send_message(7, f"m{i}")
    finally:
        api.stop()
    assert len(api.sent_to(7)) == 40 and api.violations == []
