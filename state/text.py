"""Text as the bot keeps it: nothing in it that Telegram, UTF-8 or PostgreSQL can't carry.

Telegram's JSON may spell half of a UTF-16 pair on its own ("\\ud83d"); Python decodes it into
a lone surrogate, which no UTF-8 encoder takes (every later send or export of it fails) and
PostgreSQL refuses, as it refuses NUL. Typed text is cleaned before it is stored, and stored
text when it is read, so rows written before this cleaning can still be shown and exported.
"""

from __future__ import annotations

from typing import Any


def clean_text(text: str) -> str:
    """`text` without lone surrogates and NULs; the two halves of a pair are joined."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


def clean_value(value: Any) -> Any:
    """`clean_text` applied to every string in a row's value (JSON columns hold dicts, lists)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value
