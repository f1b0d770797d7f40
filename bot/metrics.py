"""Prometheus metrics, and the small HTTP server that serves them with a /healthz beside them.

The names are what an operator alerts on (see docs/operations.md): updates handled by kind,
errors, outbox depth, send latency. They live in prometheus-client's default registry, so the
process's own CPU, memory and open files come along. Nothing here holds user data: labels are
update kinds, API method names and error class names, never ids or text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app
from telegram import Update

UPDATES = Counter("rehearse_updates", "Telegram updates received, by kind", ["kind"])
UNREADABLE = Counter(
    "rehearse_unreadable_updates",
    "Updates skipped because python-telegram-bot could not read them, by kind",
    ["kind"],
)
ERRORS = Counter(
    "rehearse_update_errors", "Updates whose handler raised, by error class", ["error"]
)
OUTBOX_DEPTH = Gauge("rehearse_outbox_depth", "Outbox messages waiting to be sent (queued)")
OUTBOX_CHECKED = Gauge(
    "rehearse_outbox_checked_timestamp_seconds", "When the outbox depth was last read"
)
SEND_SECONDS = Histogram(
    "rehearse_send_seconds",
    "Time for one Bot API send, retries included, by method",
    ["method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SEND_FAILURES = Counter(
    "rehearse_send_failures",
    "Bot API sends that failed, by method and error class",
    ["method", "error"],
)
SEND_RETRIES = Counter("rehearse_send_retries", "Sends retried after a transient error", ["method"])


def update_kind(update: object) -> str:
    """The update's type as Telegram names it (message, callback_query…)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return str(kind)
        return "unknown"
    return type(update).__name__


@contextmanager
def timed_send(method: str) -> Iterator[None]:
    """Time one send into SEND_SECONDS and count it in SEND_FAILURES when it raises."""
    start = time.perf_counter()
    try:
        yield
    except Exception as exc:
        SEND_FAILURES.labels(method, type(exc).__name__).inc()
        raise
    finally:
        SEND_SECONDS.labels(method).observe(time.perf_counter() - start)


# ---- serving -------------------------------------------------------------------------------


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:  # scrapes every 15 s are not news
        return


HealthProbe = Callable[[], tuple[bool, str]]


def serve(port: int, host: str, health: HealthProbe) -> WSGIServer:
    """Serve /metrics (any path) and /healthz (200 or 503 with one line) on a daemon thread."""
    metrics_app = make_wsgi_app()

    def app(environ, start_response):  # noqa: ANN001, ANN202 - the WSGI signature
        if environ.get("PATH_INFO") == "/healthz":
            ok, line = health()
            status = "200 OK" if ok else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [(line + "\n").encode()]
        return metrics_app(environ, start_response)

    server = make_server(host, port, app, _Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
