"""What a participant is told when an update's own transaction finds it already applied."""

from __future__ import annotations

from types import SimpleNamespace

from telegram import Update

from bot.app import UNCONFIRMED, on_error
from offline import RecordingRequest, make_bot, text_message
from state.errors import AlreadyApplied, AppliedUnconfirmed

CHAT = 5151


def _update(bot) -> Update:
    person = {"id": CHAT, "is_bot": False, "first_name": "P"}
    message = text_message(3, {"id": CHAT, "type": "private"}, person, "/newgroup")
    return Update.de_json({"update_id": 9, "message": message}, bot)


async def test_a_retry_whose_commit_landed_unseen_is_told_it_is_done() -> None:
    wire = RecordingRequest()
    bot = await make_bot(wire)
    await on_error(_update(bot), SimpleNamespace(bot=bot, error=AppliedUnconfirmed(9)))
    sent = [c.params for c in wire.calls if c.method == "sendMessage"]
    assert [int(p["chat_id"]) for p in sent] == [CHAT] and sent[0]["text"] == UNCONFIRMED


async def test_a_plain_redelivery_is_answered_with_nothing() -> None:
    wire = RecordingRequest()
    bot = await make_bot(wire)
    await on_error(_update(bot), SimpleNamespace(bot=bot, error=AlreadyApplied(9)))
    assert [c.method for c in wire.calls if c.method != "getMe"] == []
