"""The typed context: every handler of one update gets the same BotContext, carrying what the
gate read (consent), so later handlers don't ask the database again."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.context import BotContext

SEEN_GROUP = 50  # after the handlers, before the gate's `after` (100)


async def test_handlers_get_the_gates_reading_on_a_typed_context(consented, bot_env):
    app = bot_env[0]
    seen: list[tuple[BotContext, bool | None, object]] = []

    async def look(update: Update, context: BotContext) -> None:
        seen.append((context, context.consented, context.services))

    app.add_handler(TypeHandler(Update, look), group=SEEN_GROUP)
    try:
        await consented.send("/help")
    finally:
        app.remove_handler(app.handlers[SEEN_GROUP][0], group=SEEN_GROUP)
    ((context, consent, services),) = seen
    assert isinstance(context, BotContext)
    assert consent is True
    assert services is app.bot_data["services"]
