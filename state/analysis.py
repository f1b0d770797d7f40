"""What the core makes of one typed message, for `rehearse analyze` and the channels."""

from __future__ import annotations

from typing import Any

from state.crisis import detect_crisis


def analyse_message(text: str) -> dict[str, Any]:
    """Crisis check first; the coaching fields are only meaningful when there is no crisis."""
    result: dict[str, Any] = detect_crisis(text).as_dict()
    try:
        from state.coach import analyse
    except ImportError:  # the coach is optional until it lands
        return result
    result.update(analyse(text).as_dict())
    return result
