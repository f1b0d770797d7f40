"""A small Telegram Bot API stub served over HTTP on 127.0.0.1, for end-to-end tests and benches.

It speaks enough of the Bot API for python-telegram-bot's real HTTP stack: getMe, getUpdates
with offsets and long polling, sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, sendChatAction, setMyCommands, deleteWebhook, sendDocument, sendPhoto.
Tests play users by queueing updates and read what the bot sent from `calls`. `block(user)`
makes a chat answer 403 like a user who blocked the bot.

It refuses what Telegram refuses, in Telegram's words, so end-to-end tests meet the same
refusals as production (`refusal` below): a 400 for a text over 4,096 characters or a caption
over 1,024 (counted after HTML entity parsing), malformed HTML ("can't parse entities"), an
empty text, a button without text, callback data outside 1-64 bytes; and, with `limits` (on by
default, `Limits`), a 429 with `retry_after` for a message over the flood limits. Refused calls
are kept in `calls` as "sendMessage:refused" with the reason in `error` (`refusals()`).
"""

from __future__ import annotations

import itertools
import json
import math
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


def chat_of(chat_id: int, *, forum: bool = False) -> dict[str, Any]:
    """A chat as Telegram describes it: private for a user's id, a supergroup for a negative
    id (a forum when it has topics)."""
    if chat_id >= 0:
        return {"id": chat_id, "type": "private"}
    chat: dict[str, Any] = {"id": chat_id, "type": "supergroup", "title": f"Group {-chat_id}"}
    if forum:
        chat["is_forum"] = True
    return chat


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    message_id: int | None = None
    at: float = field(default_factory=time.monotonic)  # when it was answered
    arrived: float = field(default_factory=time.monotonic)  # when the request came in
    error: str | None = None  # for a refused call: Telegram's description

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
# The four styles, or a listening, exposure or coping move (named instead of a style).
FEEDBACK = re.compile(
    r"<b>(assertive|passive|aggressive|passive-aggressive|(listening|exposure|coping) move)</b> — "
)


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


MESSAGE_LENGTH = 4096  # characters (code points) after entity parsing
CAPTION_LENGTH = 1024
CALLBACK_DATA_BYTES = 64
# Methods that post a message, counted against the flood limits (edits and answers are not).
POSTING = ("forwardMessage", "copyMessage")


def posts_a_message(method: str) -> bool:
    return (method.startswith("send") and method != "sendChatAction") or method in POSTING


class EntityError(ValueError):
    """Text the Bot API refuses to parse as HTML; the message is Telegram's."""


# Telegram's HTML: these tags only, closed in order; entities &lt; &gt; &amp; &quot; and numeric
# ones (a "&" starting none of them is a literal "&"); offsets in errors are UTF-8 bytes.
HTML_TAGS = frozenset(
    ("a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span")
    + ("tg-spoiler", "tg-emoji", "code", "pre", "blockquote")
)
SPACE = " \t\r\n\v\f"
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _entity(text: str, i: int) -> tuple[str, int] | None:
    """The character of the HTML entity at text[i] ("&") and the index after it, or None."""
    j = i + 1
    if text[j : j + 1] == "#":
        j += 1
        hexa = text[j : j + 1] in ("x", "X")
        j += hexa
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        start = j
        while j < len(text) and text[j] in digits:
            j += 1
        if j == start or j - i >= 10:
            return None
        code = int(text[start:j], 16 if hexa else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        start = j
        while j < len(text) and text[j].isascii() and text[j].isalpha():
            j += 1
        if text[start:j] not in NAMED:
            return None
        char = NAMED[text[start:j]]
    return char, j + (text[j : j + 1] == ";")


def parse_html(text: str) -> str:
    """The visible text of `text` read as Telegram's HTML, or EntityError as Telegram says it."""

    def at(index: int) -> str:
        return f"at byte offset {len(text[:index].encode('utf-8', 'surrogatepass'))}"

    out: list[str] = []
    tags: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            found = _entity(text, i)
            if found is not None:
                out.append(found[0])
                i = found[1]
                continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        begin, i = i, i + 1
        if i >= n or text[i] != "/":  # a start tag
            while i < n and text[i] not in SPACE and text[i] != ">":
                i += 1
            if i >= n:
                raise EntityError(f"Unclosed start tag {at(begin)}")
            name = text[begin + 1 : i].lower()
            if name not in HTML_TAGS:
                raise EntityError(f'Unsupported start tag "{name}" {at(begin)}')
            attributes: dict[str, str] = {}
            while i < n and text[i] != ">":
                while i < n and text[i] in SPACE:
                    i += 1
                if i < n and text[i] == ">":
                    break
                start = i
                while i < n and text[i] not in SPACE and text[i] != "=":
                    i += 1
                attribute = text[start:i].lower()
                if not attribute:
                    raise EntityError(f'Empty attribute name in the tag "{name}" {at(begin)}')
                while i < n and text[i] in SPACE:
                    i += 1
                if i >= n or text[i] != "=":
                    raise EntityError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{name}" {at(begin)}'
                    )
                i += 1
                while i < n and text[i] in SPACE:
                    i += 1
                if i >= n:
                    raise EntityError(f'Unclosed start tag "{name}" {at(begin)}')
                if text[i] in "'\"":
                    quote, i, value = text[i], i + 1, []
                    while i < n and text[i] != quote:
                        found = _entity(text, i) if text[i] == "&" else None
                        value.append(found[0] if found else text[i])
                        i = found[1] if found else i + 1
                    i += 1
                    attributes[attribute] = "".join(value)
                else:
                    start = i
                    while i < n and (text[i].isalnum() or text[i] in ".-"):
                        i += 1
                    attributes[attribute] = text[start:i].lower()
                    if i < n and text[i] not in SPACE and text[i] != ">":
                        raise EntityError(f"Unexpected end of name token {at(start)}")
                if i >= n:
                    raise EntityError(f"Unclosed start tag {at(begin)}")
            if i >= n:
                raise EntityError(f"Unclosed start tag {at(begin)}")
            if name == "span" and attributes.get("class") != "tg-spoiler":
                raise EntityError(f'Tag "span" must have class "tg-spoiler" {at(begin)}')
            tags.append(name)
            i += 1
            continue
        if not tags:  # an end tag
            raise EntityError(f"Unexpected end tag {at(begin)}")
        i += 1
        while i < n and text[i] not in SPACE and text[i] != ">":
            i += 1
        name = text[begin + 2 : i].lower()
        while i < n and text[i] in SPACE:
            i += 1
        if i >= n or text[i] != ">":
            raise EntityError(f"Unclosed end tag {at(begin)}")
        if name and name != tags[-1]:
            raise EntityError(
                f'Unmatched end tag {at(begin)}, expected "</{tags[-1]}>", found "</{name}>"'
            )
        tags.pop()
        i += 1
    if tags:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{tags[-1]}"')
    visible = "".join(out)
    if any("\ud800" <= c <= "\udfff" for c in visible):
        raise EntityError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    return visible


def _visible(text: str, parse_mode: Any) -> str:
    return parse_html(text) if str(parse_mode or "").upper() == "HTML" else text


BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
TEXT_BUTTON = (
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
    "inline keyboard"
)


def _keyboard_refusal(markup: Any) -> str | None:
    if not markup:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if not button.get("text"):
                return "Bad Request: inline keyboard button text must be non-empty"
            # Empty callback data reads as no action at all.
            if not any(k in button for k in BUTTON_ACTIONS) or button.get("callback_data") == "":
                return TEXT_BUTTON
            data = str(button.get("callback_data") or "")
            if len(data.encode("utf-8")) > CALLBACK_DATA_BYTES:
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


def refusal(method: str, params: dict[str, Any]) -> str | None:
    """Telegram's description of why it would refuse this call with a 400, or None."""
    parse_mode = params.get("parse_mode")
    try:
        if method in ("sendMessage", "editMessageText"):
            text = _visible(str(params.get("text") or ""), parse_mode)
            if not text.strip():
                return "Bad Request: message text is empty"
            if len(text) > MESSAGE_LENGTH:
                return "Bad Request: message is too long"
        elif (  # sendPhoto, sendDocument, editMessageCaption…
            params.get("caption") is not None
            and len(_visible(str(params["caption"]), parse_mode)) > CAPTION_LENGTH
        ):
            return "Bad Request: message caption is too long"
    except EntityError as exc:
        return f"Bad Request: can't parse entities: {exc}"
    return _keyboard_refusal(params.get("reply_markup"))


@dataclass(frozen=True)
class Limits:
    """Telegram's flood limits: a message over one is answered 429 with `retry_after`, and
    recorded in `violations`.

    Telegram gives only rough figures and says they vary ("avoid sending more than one message
    per second" in a chat, "we may allow short bursts", "not more than 30 messages per second or
    so" overall, 20 a minute in a group), so each is a setting:

    - overall: at most `overall_per_second` messages in any one-second window, all chats;
    - a private chat: a bucket of `per_chat_burst` messages refilled at `per_chat_per_second`,
      so a short burst passes and a sustained rate over one a second does not;
    - a group (negative chat id): at most `group_per_minute` in any sixty seconds.

    `retry_after`: a fixed answer, or None for the seconds until the message would have passed
    (rounded up, at least 1). Only calls that post a message count (`posts_a_message`).
    `BotApiStub(limits=None)` turns them off, for benches measuring the bot's own speed.
    """

    overall_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 20
    group_per_minute: int = 20
    retry_after: int | None = None


TELEGRAM_LIMITS = Limits()


class BotApiStub:
    def __init__(self, latency: float = 0.0, limits: Limits | None = TELEGRAM_LIMITS) -> None:
        self.latency = latency
        self.limits = limits
        self.accepted: list[tuple[float, int]] = []  # (arrival, chat) of messages let through
        self.violations: list[str] = []  # every send that broke a limit (answered 429)
        self._recent: deque[float] = deque()  # arrivals in the last second, all chats
        self._buckets: dict[int, tuple[float, float]] = {}  # private chat: (tokens, when)
        self._in_group: dict[int, deque[float]] = {}  # group chat: arrivals in the last minute
        self.calls: list[Sent] = []
        self.updates: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self.blocked: set[int] = set()
        self.confirmed_offset = 0
        self.polls: dict[str, dict[str, Any]] = {}  # poll id -> the Poll as Telegram shows it
        self.poll_at: dict[tuple[int, int], str] = {}  # (chat, message id) -> poll id
        self.ballots: dict[str, dict[int, int]] = {}  # poll id -> voter -> option (never sent)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a killed client is part of the drill
        self.server.socket.listen(128)  # socketserver's backlog of 5 resets a burst of connections
        # shutdown() waits for the serving loop to look at its flag, which it does every
        # poll_interval (0.5 s by default): half a second at the end of every test using a stub.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

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

    def refusals(self) -> list[Sent]:
        """The calls refused with a 400, as Telegram would have (the reason in `error`)."""
        with self.cond:
            return [c for c in self.calls if c.method.endswith(":refused")]

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

    def skip_prelude(self, user_id: int, after: int, timeout: float = 20.0) -> int:
        """Press Skip on every step before the scene; returns how many steps were skipped.

        Call it right after opening a scenario, with `after` the number of messages sent to
        the user before it (`len(stub.sent_to(user_id))`): it waits for the first keyboard
        after those, and skips while that keyboard is a step's, until the scene's choices."""
        skipped = 0
        while True:
            newest = self.wait_for(lambda: self._newest_keyboard(user_id, after), timeout)
            skip = next(
                (d for t, d in newest.buttons if d.startswith("p:") and t.startswith("Skip")), None
            )
            if skip is None:
                return skipped
            self.press(user_id, skip, newest)
            skipped += 1
            self.wait_for(lambda n=newest: self._newest_keyboard(user_id, after) is not n, timeout)

    def _newest_keyboard(self, user_id: int, after: int = 0) -> Sent | None:
        for sent in reversed(self.sent_to(user_id)[after:]):
            if sent.buttons:
                return sent
        return None

    # ---- group chats and polls ------------------------------------------------------------
    # A group chat has a negative id (`chat_of`); members speak there with `group_text` and
    # press the bot's buttons there with `press_in`. sendPoll and stopPoll answer as Telegram
    # does (`poll_answer`); `vote` plays a member voting in an anonymous poll, which the bot
    # sees as a `poll` update with the counts only.

    def group_text(
        self, chat_id: int, user_id: int, text: str, thread_id: int | None = None
    ) -> int:
        """A member of group chat `chat_id` (negative) sends `text` there, in a forum topic
        with `thread_id`."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat_of(chat_id, forum=thread_id is not None),
            "from": self._user(user_id),
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self.push("message", message)

    def press_in(self, chat_id: int, user_id: int, data: str, message: Sent) -> int:
        """`user_id` presses a button of `message`, which the bot sent to chat `chat_id`."""
        sent: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": chat_of(chat_id, forum=message.params.get("message_thread_id") is not None),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
        }
        if message.params.get("message_thread_id") is not None:
            sent["message_thread_id"] = int(message.params["message_thread_id"])
            sent["is_topic_message"] = True
        if "text" in message.params:
            sent["text"] = message.params["text"]
        poll = self.poll_at.get((chat_id, message.message_id or 0))
        if poll is not None:
            sent["poll"] = self.polls[poll]
        if message.params.get("reply_markup"):
            markup = message.params["reply_markup"]
            sent["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        query = {
            "id": str(next(self._ids)),
            "from": self._user(user_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": sent,
        }
        return self.push("callback_query", query)

    def press_button_in(self, chat_id: int, user_id: int, label: str) -> int:
        """`user_id` presses the newest button labelled `label` (its start) in the chat."""
        message, data = self.wait_button_in(chat_id, label)
        return self.press_in(chat_id, user_id, data, message)

    def wait_button_in(self, chat_id: int, label: str) -> tuple[Sent, str]:
        """(message, data) of the newest button whose text starts with `label`, in any message
        the bot sent to the chat (polls and photos included)."""

        def find() -> tuple[Sent, str] | None:
            for sent in reversed(self.calls):
                if sent.chat_id != chat_id or sent.message_id is None:
                    continue
                for text, data in sent.buttons:
                    if text.startswith(label):
                        return sent, data
            return None

        return self.wait_for(find)

    def last_poll(self, chat_id: int) -> Sent:
        """The newest poll the bot posted in the chat, once it is there."""
        return self.wait_for(lambda: ([*self.sent_to(chat_id, "sendPoll")] or [None])[-1])

    def poll_of(self, sent: Sent) -> dict[str, Any]:
        with self.cond:
            return json.loads(
                json.dumps(self.polls[self.poll_at[(sent.chat_id or 0, sent.message_id or 0)]])
            )

    def vote(self, poll: Sent, user_id: int, option: int | None) -> int | None:
        """`user_id` votes for `option` (None takes the vote back) in an anonymous poll; the
        bot gets a `poll` update with the new counts, as Telegram sends it, and never who.
        A closed poll takes no votes (None, no update)."""
        with self.cond:
            poll_id = self.poll_at[(poll.chat_id or 0, poll.message_id or 0)]
            state = self.polls[poll_id]
            if state["is_closed"]:
                return None
            ballots = self.ballots.setdefault(poll_id, {})
            if option is None:
                ballots.pop(user_id, None)
            else:
                ballots[user_id] = option
            self._recount(poll_id)
            snapshot = json.loads(json.dumps(state))
        return self.push("poll", snapshot)

    def _recount(self, poll_id: str) -> None:
        state, ballots = self.polls[poll_id], self.ballots.get(poll_id, {})
        for i, option in enumerate(state["options"]):
            option["voter_count"] = sum(1 for v in ballots.values() if v == i)
        state["total_voter_count"] = len(ballots)

    def poll_answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """sendPoll and stopPoll as Telegram answers them; None for any other method."""
        if method not in ("sendPoll", "stopPoll"):
            return None
        chat_id = int(params.get("chat_id") or 0)
        with self.cond:
            if method == "sendPoll":
                options = params.get("options") or []
                if isinstance(options, str):
                    options = json.loads(options)
                texts = [o["text"] if isinstance(o, dict) else str(o) for o in options]
                question = str(params.get("question") or "")
                if not 2 <= len(texts) <= 10 or not 1 <= len(question) <= 300:
                    return self._refused(method, params, "Bad Request: poll can't be sent")
                message_id = next(self._ids)
                poll_id = str(next(self._ids) * 7919)
                self.polls[poll_id] = {
                    "id": poll_id,
                    "question": question,
                    "options": [
                        {"text": t, "voter_count": 0, "persistent_id": f"{poll_id}.{i}"}
                        for i, t in enumerate(texts)
                    ],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": str(params.get("is_anonymous", True)).lower() != "false",
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": True,  # Bot API 9.6
                    "members_only": False,  # Bot API 10.0
                }
                self.poll_at[(chat_id, message_id)] = poll_id
                self.calls.append(Sent(method, params, message_id))
                self.cond.notify_all()
                message = {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat_of(chat_id),
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rehearse"},
                    "poll": self.polls[poll_id],
                }
                if params.get("message_thread_id") is not None:
                    message["message_thread_id"] = int(params["message_thread_id"])
                    message["is_topic_message"] = True
                return 200, {"ok": True, "result": message}
            poll_id = self.poll_at.get((chat_id, int(params.get("message_id") or 0)))
            if poll_id is None:
                return self._refused(
                    method, params, "Bad Request: message with poll to stop not found"
                )
            if self.polls[poll_id]["is_closed"]:
                return self._refused(method, params, "Bad Request: poll has already been closed")
            self.polls[poll_id]["is_closed"] = True
            self.calls.append(Sent(method, params, int(params["message_id"])))
            self.cond.notify_all()
            return 200, {"ok": True, "result": self.polls[poll_id]}

    def _refused(self, method: str, params: dict[str, Any], why: str) -> tuple[int, dict[str, Any]]:
        self.calls.append(Sent(method + ":refused", params, error=why))
        self.cond.notify_all()
        return 400, {"ok": False, "error_code": 400, "description": why}

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
        refused = refusal(method, params)
        if refused is not None:
            if self.latency:
                time.sleep(self.latency)
            with self.cond:
                self.calls.append(Sent(method + ":refused", params, arrived=arrived, error=refused))
                self.cond.notify_all()
            return 400, {"ok": False, "error_code": 400, "description": refused}
        if self.limits is not None and posts_a_message(method):
            flooded = self._over_limit(int(params.get("chat_id") or 0))
            if flooded is not None:
                return 429, flooded
        if self.latency:
            time.sleep(self.latency)
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
        polled = self.poll_answer(method, params)  # sendPoll, stopPoll
        if polled is not None:
            return polled
        result: Any = True
        message_id = None
        if method == "getMe":
            result = {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Rehearse",
                "username": BOT_USERNAME,
                "can_join_groups": True,
            }
        elif method in ("sendMessage", "sendDocument", "sendPhoto", "editMessageText"):
            message_id = int(params.get("message_id") or next(self._ids))
            result = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat_of(int(chat_id or 0)),
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

    def _over_limit(self, chat_id: int) -> dict[str, Any] | None:
        """Count a message against the limits at its arrival; the 429 body if it broke one."""
        limits = self.limits
        assert limits is not None
        now = time.monotonic()
        with self.cond:
            broke: list[tuple[str, float]] = []  # (which limit, seconds until it would pass)
            recent = self._recent
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= limits.overall_per_second:
                overall = f"overall: {len(recent) + 1} messages within one second"
                broke.append((overall, recent[0] + 1.0 - now))
            if chat_id < 0:
                group = self._in_group.setdefault(chat_id, deque())
                while group and group[0] <= now - 60.0:
                    group.popleft()
                if len(group) >= limits.group_per_minute:
                    in_group = f"group {chat_id}: {len(group) + 1} messages within a minute"
                    broke.append((in_group, group[0] + 60.0 - now))
            else:
                tokens, then = self._buckets.get(chat_id, (float(limits.per_chat_burst), now))
                rate = limits.per_chat_per_second
                tokens = min(float(limits.per_chat_burst), tokens + (now - then) * rate)
                if tokens < 1.0:
                    in_chat = f"chat {chat_id}: over {rate:g} a second after a burst"
                    broke.append((in_chat, (1.0 - tokens) / rate))
            if broke:
                self.violations.append(broke[0][0])
                wait = limits.retry_after or max(1, math.ceil(max(w for _, w in broke)))
                return {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait}",
                    "parameters": {"retry_after": wait},
                }
            recent.append(now)
            if chat_id < 0:
                self._in_group[chat_id].append(now)
            else:
                self._buckets[chat_id] = (tokens - 1.0, now)
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


def stop_bot(bot: Any, wait: float = 20) -> None:
    """Stop a `start_bot` subprocess as an operator would (SIGTERM, a graceful wait), killing
    and reaping it only when it doesn't stop in time."""
    import signal
    import subprocess

    bot.send_signal(signal.SIGTERM)
    try:
        bot.wait(wait)
    except subprocess.TimeoutExpired:
        bot.kill()
        bot.wait(10)
