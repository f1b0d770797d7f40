"""What the core makes of one typed message, for `rehearse analyze` and the channels."""

from __future__ import annotations

from typing import Any

from state.coach import analyse
from state.language.screen import adjacent
from state.safety import screen_text


def analyse_message(text: str) -> dict[str, Any]:
    """Crisis check first; a crisis or crisis-adjacent message is never coached, so its style
    fields are empty. `action` is "card", "ask" or None; `crisis` is true for both."""
    screened = screen_text(text)
    result: dict[str, Any] = screened.as_dict()
    if screened.crisis or adjacent(screened):
        result.update({"style": None, "confidence": 0.0, "markers": []})
        return result
    result.update(analyse(text).as_dict())
    return result
