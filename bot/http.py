"""The bot's HTTP client for the Bot API: python-telegram-bot's `BaseRequest` over aiohttp.

PTB's default `HTTPXRequest` costs the bot's one event loop a lot of CPU per call once many are
in flight: httpcore's pool walks all its connections on every request (encode/httpcore#1035), so
against a Bot API answering in 100 ms with 128 calls in flight each call cost ~19 ms of CPU on
our 2-core machine, against ~0.3 ms through aiohttp's pool (`python -m bench.bot` prints both).
A reply is 3-4 calls, so with httpx the client alone capped the bot at a few dozen updates a
second. `BaseRequest` is PTB's documented extension point; PTB keeps parsing the answers and
raising its own errors (RetryAfter, BadRequest, Forbidden…) from the status and payload, so
only the transport and its failures are mapped here, the way `HTTPXRequest` maps them.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

MEDIA_WRITE_TIMEOUT = 20.0  # seconds to upload a file, as PTB's HTTPXRequest allows


class NotSent(NetworkError):
    """The request never left: no connection to the Bot API could be had (refused,
    unreachable). Sending it again cannot deliver the message twice."""


class ConnectTimedOut(NotSent, TimedOut):
    """No connection in time (opening one, or waiting for a free one in the pool): a timeout
    that, unlike a read timeout, says the request never left."""


class NoAnswer(NetworkError):
    """The request went out and the connection broke before the answer came: the Bot API may
    have acted on it (as after a read timeout)."""


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connection_pool_size` keep-alive connections.

    Timeouts mean what PTB's do: `connect` for the TCP/TLS handshake, `read` between bytes of
    the answer, `pool` for waiting on a free connection. aiohttp has no write timeout, so a
    request with a file gets a total limit of write + read + connect + pool instead. Proxy
    settings come from the environment (HTTPS_PROXY…), as with PTB's default client.
    """

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, trust_env=True
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:  # a one-off call (the health check) without initialize()
            await self.initialize()
        assert self._session is not None
        if self._session.closed:
            raise RuntimeError("This AiohttpRequest was shut down")
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp's `connect` covers waiting for a pooled connection plus opening one.
        waiting = None if connect is None or pool is None else connect + pool
        total = None
        if request_data is not None and request_data.contains_files:
            # aiohttp starts its read timer only once the body is written: bound an upload.
            write = (
                MEDIA_WRITE_TIMEOUT if isinstance(write_timeout, DefaultValue) else write_timeout
            )
            parts = (write, read, waiting)
            total = None if None in parts else sum(parts)  # type: ignore[arg-type]
        timeout = aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connect, sock_read=read
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        # aiohttp's errors carry the URL, and the URL carries the token: neither the message
        # nor the chained exception may reach a log or a traceback.
        # Which failures can have reached the Bot API matters to the outbox sender, which
        # sends a message that may have arrived once more at most (bot/outbox_sender.py).
        except aiohttp.ConnectionTimeoutError as err:
            raise ConnectTimedOut(f"Timed out ({type(err).__name__})") from None
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut(f"Timed out ({type(err).__name__})") from None
        except aiohttp.ClientConnectorError as err:
            raise NotSent(f"aiohttp.{type(err).__name__}") from None
        except aiohttp.ClientError as err:
            raise NoAnswer(f"aiohttp.{type(err).__name__}") from None


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as `HTTPXRequest` sends them: url-encoded, or multipart with files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
