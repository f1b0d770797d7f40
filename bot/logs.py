"""Logging that never contains what a user typed, nor the bot token.

Handlers log ids and error types only; as a second line of defence a filter redacts the token
from every record, and httpx (which logs request URLs, token included) is kept at WARNING.
"""

from __future__ import annotations

import logging
import traceback


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # A traceback can quote the token too (PTB's InvalidToken does): format it here,
            # redacted; the formatter prints exc_text instead of formatting it again.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text


def setup_logging(level: str = "INFO", secrets: list[str] | None = None) -> None:
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    redact = RedactToken(secrets or [])
    for handler in root.handlers:
        handler.addFilter(redact)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def error_summary(error: BaseException) -> str:
    """The stack of an error with its type but without its message (which may quote input)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(
        f"{f.name}({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in reversed(frames[-6:])
    )
    return f"{type(error).__module__}.{type(error).__qualname__} at {where or 'unknown'}"
