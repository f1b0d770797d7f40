"""How updates come in: only the types the bot handles, each read on its own, by polling or webhook.

python-telegram-bot reads a `getUpdates` batch in one go: one update it can't parse (a Bot API
field it doesn't know yet, a bug) fails the whole batch, is logged at CRITICAL with every
update's content (what participants typed), and is fetched again for ever, so nothing else is
handled. Here each update is read on its own; one that can't be read is skipped with a log line
holding only its id and type, and counted in `rehearse_unreadable_updates_total`. When polling,
it is replaced by an empty update with its id, which no handler acts on, so the offset moves on.

The webhook is served here too (aiohttp, already the bot's HTTP client), not by PTB's tornado
server, which reads a body of up to 100 MB before it looks at the secret: this one refuses a
request without the right `X-Telegram-Bot-Api-Secret-Token` before reading any of its body, and
refuses bodies over `MAX_WEBHOOK_BODY` (an update is a few kilobytes).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import Application, ExtBot
from telegram.request import BaseRequest

from bot import metrics

log = logging.getLogger(__name__)

# What the handlers in bot/app.py and bot/features/ act on; Telegram sends nothing else.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member", "poll")
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_WEBHOOK_BODY = 1024 * 1024  # bytes; Telegram's updates are a few KB (4,096-char texts)
_KIND = re.compile(r"^[a-z_]{1,40}$")


def update_kind(data: dict) -> str:
    """The update's type as Telegram names it, from the raw JSON (never a value from it)."""
    for kind in Update.ALL_TYPES:
        if kind in data:
            return str(kind)
    for key in data:
        if key != "update_id" and isinstance(key, str) and _KIND.match(key):
            return key
    return "unknown"


def read_update(data: Any, bot: ExtBot) -> Update | None:
    """`data` as an Update, or None (logged by id and type, counted) when PTB can't read it."""
    error = "not an object"
    if isinstance(data, dict):
        try:
            update = Update.de_json(data, bot)
        except Exception as exc:  # noqa: BLE001 - whatever PTB raises, this update is skipped
            error = type(exc).__name__
        else:
            if update is not None:
                return update
            error = "empty"
    kind = update_kind(data) if isinstance(data, dict) else "unknown"
    update_id = data.get("update_id") if isinstance(data, dict) else None
    shown = update_id if isinstance(update_id, int) else "?"
    log.error(
        "update %s (%s) skipped: python-telegram-bot could not read it (%s)", shown, kind, error
    )
    metrics.UNREADABLE.labels(kind).inc()
    return None


class UpdatesBot(ExtBot):
    """PTB's bot with `get_updates` reading each update on its own (see the module's doc)."""

    def __init__(self, token: str, *, get_updates_request: BaseRequest, **kwargs: Any) -> None:
        super().__init__(token, get_updates_request=get_updates_request, **kwargs)
        self._own_requests = (kwargs.get("request"), get_updates_request)

    async def initialize(self) -> None:
        """As PTB's, but a refused token (or no network) leaves no HTTP session open."""
        try:
            await super().initialize()
        except Exception:
            for request in self._own_requests:
                if request is not None:
                    await request.shutdown()
            raise

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | timedelta | None = None,
        allowed_updates: Any = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # As PTB's Bot.get_updates: the long-poll timeout comes on top of the read timeout.
        if isinstance(read_timeout, DefaultValue):
            base = self._own_requests[1].read_timeout or 0
        else:
            base = read_timeout or 0
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout or 0
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=base + seconds,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates: list[Update] = []
        for raw in result or ():
            update = read_update(raw, self)
            if update is None:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if not isinstance(update_id, int):
                    continue
                update = Update(update_id)  # empty: confirms the id, nothing handles it
                update.set_bot(self)
            self.insert_callback_data(update)
            updates.append(update)
        return tuple(updates)


class WebhookListener:
    """Telegram's webhook on `listen:port` + WEBHOOK_PATH, feeding `app.update_queue`."""

    def __init__(self, app: Application, secret: str, listen: str, port: int) -> None:
        self.app = app
        self.secret = secret.encode()
        self.listen = listen
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        server = web.Application(client_max_size=MAX_WEBHOOK_BODY)
        server.router.add_post(WEBHOOK_PATH, self.receive)
        server.router.add_post(WEBHOOK_PATH + "/", self.receive)
        self._runner = web.AppRunner(server, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        log.info("webhook listening on %s:%d%s", self.listen, self.port, WEBHOOK_PATH)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        # The secret first, from the headers alone: nothing of the body is read without it.
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > MAX_WEBHOOK_BODY:
            return web.Response(status=413)
        try:
            body = await request.read()  # aiohttp stops at client_max_size (chunked bodies)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        try:
            data = json.loads(body)
        except ValueError:
            log.error("webhook: a request with the secret was not JSON (%d bytes)", len(body))
            return web.Response(status=400)
        update = read_update(data, self.app.bot)
        if update is not None:
            await self.app.update_queue.put(update)
        # 200 for an unreadable update too: Telegram would otherwise send it again for ever.
        return web.Response(status=200)
