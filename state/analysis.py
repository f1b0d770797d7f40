"""What the core makes of one typed message, for `rehearse analyze` and the channels."""

from __future__ import annotations

from typing import Any

from state.coach import analyse
from state.safety import screen_text


def analyse_message(text: str) -> dict[str, Any]:
    """Crisis check first; a crisis message is never coached, so its style fields are empty."""
    result: dict[str, Any] = screen_text(text).as_dict()
    if result["crisis"]:
        result.update({"style": None, "confidence": 0.0, "markers": []})
        return result
    result.update(analyse(text).as_dict())
    return result
