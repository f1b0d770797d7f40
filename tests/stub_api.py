"""A small Telegram Bot API stub served over HTTP on 127.0.0.1, for end-to-end tests and benches.

It speaks enough of the Bot API for python-telegram-bot's real HTTP stack: getMe, getUpdates
with offsets and long polling, sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, sendChatAction, setMyCommands, deleteWebhook, sendDocument, sendPhoto.
Tests play users by queueing updates and read what the bot sent from `calls`. A text over
4,096 characters (a caption over 1,024), counted after HTML parsing, is refused with a 400 as
Telegram refuses it, and recorded as "<method>:refused". `block(user)`
makes a chat answer 403 like a user who blocked the bot; `limits=Limits()` enforces Telegram's
flood limits (30 messages a second overall, one a second per chat), answering 429 and recording
each violation, for the push benchmark.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7000001
BOT_USERNAME = "rehearse_test_bot"


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    message_id: int | None = None
    at: float = field(default_factory=time.monotonic)  # when it was answered
    arrived: float = field(default_factory=time.monotonic)  # when the request came in

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup")
        if not markup:
            return []
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (b["text"], b.get("callback_data") or b.get("url", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]


# The coach's note on a choice (bot/render.py's feedback_text): in the pressed message's edit,
# or in a message of its own when that edit was refused, and always for a typed reply.
FEEDBACK = re.compile(r"<b>(assertive|passive|aggressive|passive-aggressive)</b> — ")


def is_feedback(sent: Sent) -> bool:
    return sent.method in ("sendMessage", "editMessageText") and bool(
        FEEDBACK.search(str(sent.params.get("text", "")))
    )


def distinct_feedback(calls: list[Sent]) -> list[Sent]:
    """Each feedback as the participant sees it, once: an edit repeated (a retry after a
    timeout) changes nothing on screen; a message sent twice is two messages."""
    edited: set[int | None] = set()
    out = []
    for sent in calls:
        if not is_feedback(sent):
            continue
        if sent.method == "editMessageText":
            if sent.message_id in edited:
                continue
            edited.add(sent.message_id)
        out.append(sent)
    return out


@dataclass
class Limits:
    """Telegram's flood limits, enforced: a send over them gets a 429 and is recorded."""

    overall_per_second: int = 30
    per_chat_interval: float = 1.0
    retry_after: int = 1


class BotApiStub:
    def __init__(self, latency: float = 0.0, limits: Limits | None = None) -> None:
        self.latency = latency
        self.limits = limits
        self.accepted: list[tuple[float, int]] = []  # (arrival, chat) of messages let through
        self.violations: list[str] = []  # every send that broke a limit (answered 429)
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[int, float] = {}
        self.calls: list[Sent] = []
        self.updates: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self.blocked: set[int] = set()
        self.confirmed_offset = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a killed client is part of the drill
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---- lifecycle ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> BotApiStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        with self.cond:
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # ---- playing users --------------------------------------------------------------------

    def block(self, user_id: int) -> None:
        """The user blocks the bot: from now on every call to their chat gets a 403."""
        with self.cond:
            self.blocked.add(user_id)

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        with self.cond:
            update_id = next(self._update_ids)
            self.updates.append({"update_id": update_id, kind: payload})
            self.cond.notify_all()
            return update_id

    def send_text(self, user_id: int, text: str) -> int:
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self.push("message", message)

    def press(self, user_id: int, data: str, message: Sent | None = None) -> int:
        query: dict[str, Any] = {
            "id": str(next(self._ids)),
            "from": self._user(user_id),
            "chat_instance": "ci",
            "data": data,
        }
        if message is not None and message.message_id is not None:
            query["message"] = {
                "message_id": message.message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
                "text": message.params.get("text", ""),
            }
            if message.params.get("reply_markup"):
                markup = message.params["reply_markup"]
                query["message"]["reply_markup"] = (
                    json.loads(markup) if isinstance(markup, str) else markup
                )
        return self.push("callback_query", query)

    # ---- reading what the bot did ---------------------------------------------------------

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[Sent]:
        with self.cond:
            return [c for c in self.calls if c.method == method and c.chat_id == chat_id]

    def feedback_to(self, chat_id: int) -> list[Sent]:
        """The feedback the chat has seen, each once (see `distinct_feedback`)."""
        with self.cond:
            calls = [c for c in self.calls if c.chat_id == chat_id]
        return distinct_feedback(calls)

    def wait_for(self, predicate, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the bot did not do what was expected in time")
                self.cond.wait(min(remaining, 0.2))

    def last_keyboard(self, chat_id: int) -> Sent | None:
        for c in reversed(self.sent_to(chat_id)):
            if c.buttons:
                return c
        return None

    def wait_button(self, chat_id: int, label: str) -> tuple[Sent, str]:
        """(message, data) of the newest button sent to the chat whose text starts with label."""

        def find() -> tuple[Sent, str] | None:
            for sent in reversed(self.sent_to(chat_id)):
                for text, data in sent.buttons:
                    if text.startswith(label):
                        return sent, data
            return None

        return self.wait_for(find)

    def press_button(self, user_id: int, label: str) -> int:
        """Press the newest button labelled `label` in the user's chat, once it has arrived."""
        message, data = self.wait_button(user_id, label)
        return self.press(user_id, data, message)

    # ---- the HTTP side --------------------------------------------------------------------

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                params = stub._parse(self.headers.get("Content-Type", ""), body)
                method = self.path.rsplit("/", 1)[-1]
                status, result = stub.answer(method, params)
                data = json.dumps(result).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        return Handler

    @staticmethod
    def _parse(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if content_type.startswith("application/json"):
            return json.loads(body)
        if content_type.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP_POLICY).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
            )
            out: dict[str, Any] = {}
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if part.get_filename():
                    out[name] = {
                        "filename": part.get_filename(),
                        "size": len(payload or b""),
                        "content": payload,
                    }
                else:
                    out[name] = (payload or b"").decode()
            return out
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        arrived = time.monotonic()
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if self.limits is not None and method.startswith("send") and method != "sendChatAction":
            refused = self._over_limit(int(params.get("chat_id") or 0))
            if refused is not None:
                return 429, refused
        if self.latency:
            time.sleep(self.latency)
        refusal = self._refusal(method, params)
        if refusal is not None:
            with self.cond:
                self.calls.append(Sent(method + ":refused", params))
                self.cond.notify_all()
            return 400, {"ok": False, "error_code": 400, "description": refusal}
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked:
            with self.cond:
                self.calls.append(Sent(method + ":blocked", params))
                self.cond.notify_all()
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        result: Any = True
        message_id = None
        if method == "getMe":
            result = {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Rehearse",
                "username": BOT_USERNAME,
                "can_join_groups": False,
            }
        elif method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText"):
            message_id = int(params.get("message_id") or next(self._ids))
            result = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(chat_id or 0), "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
            }
            if "text" in params:
                result["text"] = params["text"]
            if method == "sendDocument":
                result["document"] = {"file_id": "doc", "file_unique_id": "doc"}
            if method == "sendPhoto":
                result["photo"] = [
                    {"file_id": "ph", "file_unique_id": "ph", "width": 1, "height": 1}
                ]
        elif method in ("getMyCommands",):
            result = []
        with self.cond:
            self.calls.append(Sent(method, params, message_id, arrived=arrived))
            self.cond.notify_all()
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _refusal(method: str, params: dict[str, Any]) -> str | None:
        """Telegram's answer to a text or caption over its limit, counted after parsing."""
        for key, limit, name in (("text", 4096, "message"), ("caption", 1024, "message caption")):
            value = params.get(key)
            if not isinstance(value, str):
                continue
            if params.get("parse_mode") == "HTML":
                value = html.unescape(re.sub(r"<[^>]*>", "", value))
            if len(value) > limit:
                return f"Bad Request: {name} is too long"
        return None

    def _over_limit(self, chat_id: int) -> dict[str, Any] | None:
        """Count a message against the limits at its arrival; the 429 body if it broke one."""
        assert self.limits is not None
        now = time.monotonic()
        with self.cond:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            broke = None
            if len(self._recent) >= self.limits.overall_per_second:
                broke = f"overall: {len(self._recent) + 1} messages within one second"
            last = self._last_in_chat.get(chat_id)
            if broke is None and last is not None and now - last < self.limits.per_chat_interval:
                broke = f"chat {chat_id}: two messages {now - last:.3f} s apart"
            if broke is not None:
                self.violations.append(broke)
                return {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {self.limits.retry_after}",
                    "parameters": {"retry_after": self.limits.retry_after},
                }
            self._recent.append(now)
            self._last_in_chat[chat_id] = now
            self.accepted.append((now, chat_id))
            return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        with self.cond:
            self.calls.append(Sent("getUpdates", params))
            if offset:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.updates[:100])


TOKEN = f"{BOT_ID}:AAEexampleexampleexampleexampleexam"


def bot_env(stub: BotApiStub, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `rehearse run` subprocess that talks to `stub`."""
    import os

    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": stub.base_url,
        "TELEGRAM_API_FILE_BASE_URL": stub.file_url,
        "DATABASE_URL": database_url,
        "TYPING_PAUSE": "0",
        "WEBHOOK_URL": "",
        **extra,
    }


def start_bot(stub: BotApiStub, cwd: Any, database_url: str, log: str = "bot.log", **extra: str):
    """`rehearse run` as a subprocess against `stub`, its output appended to cwd/log."""
    import subprocess
    import sys
    from pathlib import Path

    with open(Path(cwd) / log, "ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            cwd=cwd,
            env=bot_env(stub, database_url, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
