"""Past a user's cap of pending updates, through the real handlers (offline, see offline.py).

The updates go through the Application's own update processor, as polling hands them over, so
the cap applies. The user's first reply hangs (a slow Bot API), which keeps their updates
pending; what comes past the cap is screened for crisis words and otherwise skipped with one
"slow down" for the burst.
"""

from __future__ import annotations

import asyncio
import itertools

from telegram import Update

from bot.pipeline.flood import SLOW_DOWN
from bot.processor import MAX_PENDING

USER = 42
_ids = itertools.count(10_000)


def text_update(app, text: str) -> Update:
    chat = {"id": USER, "type": "private"}
    message = {
        "message_id": next(_ids),
        "date": 0,
        "chat": chat,
        "from": {"id": USER, "is_bot": False, "first_name": "Pat"},
        "text": text,
    }
    return Update.de_json({"update_id": next(_ids), "message": message}, app.bot)


async def test_past_the_cap_crisis_words_get_the_card_at_once_the_rest_one_slow_down(
    consented, bot_env
):
    app, request, _ = bot_env
    processor = app.update_processor
    release = asyncio.Event()
    answer = request.answer

    async def slow(name, params):
        if name == "sendMessage" and not release.is_set() and "988" not in params.get("text", ""):
            await release.wait()  # every reply but the card hangs until released
        return await answer(name, params)

    request.answer = slow

    def feed(text: str) -> asyncio.Task:
        update = text_update(app, text)
        return asyncio.create_task(processor.process_update(update, app.process_update(update)))

    tasks = [feed(f"message number {i}") for i in range(MAX_PENDING)]  # taken in turn
    await asyncio.sleep(0.2)
    tasks += [feed(f"more, number {i}") for i in range(5)]  # past the cap
    tasks.append(feed("i can't anymore, i want to kill myself"))
    tasks.append(feed("/help"))

    async def sent(needle: str) -> list[str]:
        return [t for t in request.texts() if needle in t]

    async def card_arrived() -> None:
        while not await sent("988"):
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(card_arrived(), 5)  # while the user's first reply still hangs
    finally:
        release.set()
        await asyncio.gather(*tasks)
    texts = request.texts()
    assert sum("988" in t for t in texts) == 1
    assert texts.count(SLOW_DOWN) == 1  # once for the burst
    in_turn = [t for t in texts if t.startswith("I read what you type")]
    assert len(in_turn) == MAX_PENDING  # the ten in turn got their answers, in order
    assert len(texts) == 2 * MAX_PENDING + 2  # (each with the menu); the rest got nothing more
    assert processor.held_locks == 0
