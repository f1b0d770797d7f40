"""Offline handler tests the way PTB tests itself: a BaseRequest that records and answers.

Updates are built from dicts with `Update.de_json`, and go through `Application.process_update`,
so the real handlers, filters and (de)serialisation run; only the network is replaced.
`OfflineRequest` is that replacement, and `SendWire` its form for the outbox sender's tests.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAEexampleexampleexampleexampleexam"
ME = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Rehearse",
    "username": "rehearse_test_bot",
    "can_join_groups": False,
}


def ok(result: Any) -> tuple[int, bytes]:
    """A successful Bot API answer."""
    return 200, json.dumps({"ok": True, "result": result}).encode()


def refused(code: int, description: str, retry_after: int | None = None) -> tuple[int, bytes]:
    """A Bot API error as Telegram words it; `retry_after` makes it flood control (429)."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return code, json.dumps(body).encode()


class OfflineRequest(BaseRequest):
    """A BaseRequest without a network: subclasses only say how each Bot API method answers."""

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kw: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        return await self.answer(name, params)

    async def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """(HTTP status, body) for the Bot API method `name` called with `params`."""
        raise NotImplementedError


class SendWire(OfflineRequest):
    """For the outbox sender: answers getMe, and every send with `send(chat_id, params)`."""

    async def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        if name == "getMe":
            return ok(ME)
        return await self.send(int(params["chat_id"]), params)

    async def send(self, chat: int, params: dict[str, Any]) -> tuple[int, bytes]:
        raise NotImplementedError


class Sent(SendWire):
    """Accepts every send and keeps its parameters."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, chat: int, params: dict[str, Any]) -> tuple[int, bytes]:
        self.sent.append(params)
        return ok({"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}})


async def make_bot(wire: BaseRequest) -> Bot:
    """PTB's real Bot over an offline wire, initialised (getMe answered) and ready to send."""
    bot = Bot(TOKEN, request=wire, get_updates_request=wire)
    await bot.initialize()
    return bot


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class RecordingRequest(OfflineRequest):
    calls: list[Call] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(100))
    fail: dict[str, tuple[int, dict]] = field(default_factory=dict)

    async def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        self.calls.append(Call(name, params))
        if name in self.fail:
            status, body = self.fail[name]
            return status, json.dumps(body).encode()
        return ok(self.result(name, params))

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return ME
        if name in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto"):
            chat_id = int(params.get("chat_id", 1))
            msg: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
            }
            if "text" in params:
                msg["text"] = params["text"]
            if "reply_markup" in params:
                markup = params["reply_markup"]
                markup = json.loads(markup) if isinstance(markup, str) else markup
                if "inline_keyboard" in markup:  # Telegram echoes inline buttons only
                    msg["reply_markup"] = markup
            if name == "sendDocument":
                msg["document"] = {"file_id": "f1", "file_unique_id": "u1"}
            return msg
        if name == "getUpdates":
            return []
        return True

    # ---- what tests read ----------------------------------------------------------------

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent()]

    def clear(self) -> None:
        self.calls.clear()


def keyboard(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of every button in a sent message."""
    markup = params.get("reply_markup")
    if markup is None:
        return []
    if isinstance(markup, str):
        markup = json.loads(markup)
    if hasattr(markup, "to_dict"):
        markup = markup.to_dict()
    return [
        (b["text"], b.get("callback_data") or b.get("url", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def text_message(
    message_id: int, chat: dict[str, Any], user: dict[str, Any], text: str | None, **extra: Any
) -> dict[str, Any]:
    """A message update's `message`: `text` from `user` in `chat`, a command marked as one."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 0,
        "chat": chat,
        "from": user,
        **extra,
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return message


def button_press(
    query_id: str,
    chat: dict[str, Any],
    user: dict[str, Any],
    data: str,
    buttons: list[tuple[str, str]] | None = None,
    message_text: str = "…",
) -> dict[str, Any]:
    """A callback_query update's query: `user` pressing `data` under a bot message in `chat`
    that carries `buttons` (by default, that one button alone)."""
    rows = [[{"text": t, "callback_data": d}] for t, d in (buttons or [("b", data)])]
    markup = {"inline_keyboard": rows}
    return {
        "id": query_id,
        "from": user,
        "chat_instance": "ci",
        "data": data,
        "message": {
            "message_id": 555,
            "date": 0,
            "chat": chat,
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
            "text": message_text,
            "reply_markup": markup,
        },
    }


class Chat:
    """One participant talking to the bot: builds updates, keeps ids increasing."""

    _update_ids = itertools.count(1)

    def __init__(
        self,
        app: Application,
        request: RecordingRequest,
        user_id: int = 42,
        chat_type: str = "private",
    ) -> None:
        self.app, self.request, self.user_id = app, request, user_id
        self.chat = {"id": user_id if chat_type == "private" else -100123, "type": chat_type}
        self.user = {"id": user_id, "is_bot": False, "first_name": "Pat"}
        self.last_update_id = 0

    def _next_id(self) -> int:
        self.last_update_id = next(self._update_ids)
        return self.last_update_id

    async def feed(self, data: dict[str, Any]) -> Update:
        update = Update.de_json(data, self.app.bot)
        await self.app.process_update(update)
        return update

    async def send(self, text: str | None = None, **extra: Any) -> Update:
        message = text_message(next(self._update_ids), self.chat, self.user, text, **extra)
        return await self.feed({"update_id": self._next_id(), "message": message})

    async def edit(self, text: str) -> Update:
        message = {
            "message_id": 1,
            "date": 0,
            "edit_date": 1,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        return await self.feed({"update_id": self._next_id(), "edited_message": message})

    async def press(
        self,
        data: str,
        message_text: str = "…",
        buttons: list[tuple[str, str]] | None = None,
        update_id: int | None = None,
    ) -> Update:
        query = button_press(
            str(next(self._update_ids)), self.chat, self.user, data, buttons, message_text
        )
        uid = update_id if update_id is not None else self._next_id()
        return await self.feed({"update_id": uid, "callback_query": query})

    def last_buttons(self) -> list[tuple[str, str]]:
        """The newest keyboard sent (remembered across `request.clear()`)."""
        for params in reversed(self.request.sent()):
            buttons = keyboard(params)
            if buttons:
                self._keyboard = buttons
                return buttons
        return getattr(self, "_keyboard", [])

    async def skip_prelude(self) -> int:
        """Press Skip on every step before the scene (a worked example, the frame question, a
        thought check, an anxiety rating, a prediction), so a test can press the scene's first
        choice whatever a scenario asks first. Returns how many steps were skipped."""
        skipped = 0
        while True:
            buttons = self.last_buttons()
            skip = next(
                (d for t, d in buttons if d.startswith("p:") and t.startswith("Skip")), None
            )
            if skip is None:
                return skipped
            await self.press(skip, buttons=buttons)
            skipped += 1

    async def press_button(self, label_start: str) -> Update:
        buttons = self.last_buttons()
        for text, data in buttons:
            if text.startswith(label_start):
                return await self.press(data, buttons=buttons)
        raise AssertionError(f"no button starting {label_start!r} in {buttons}")


@asynccontextmanager
async def offline_app(
    settings: Any, library: Any, request: RecordingRequest | None = None
) -> AsyncIterator[tuple[Application, RecordingRequest, Any]]:
    """The bot as `rehearse run` builds it, over a fresh store, talking to `request` (offline).

    Yields (app, request, store); the app is initialised, and shut down with the store after.
    """
    from bot.app import build_application
    from bot.services import Services
    from state.coach import match_reply
    from state.practice.service import Practice
    from state.safety import DEFAULT_RESOURCES
    from state.store import Store

    store = await Store.open(settings.database_url)
    practice = Practice(store, library, match_reply)
    services = Services(settings, store, library, practice, DEFAULT_RESOURCES)
    request = request or RecordingRequest()
    app = build_application(
        settings, services, request=request, updates_request=RecordingRequest(), rate_limit=False
    )
    app.bot_data["owns_store"] = False
    await app.initialize()
    try:
        yield app, request, store
    finally:
        await app.shutdown()
        await store.close()
