"""What happens when a message contains crisis language: the card, the resources, the screen.

Every channel calls `screen_text` on every typed message before anything else, and on a hit stops
the role-play and shows `crisis_card`; it never stays in character.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from state.crisis import CrisisResult, detect_crisis
from state.text import clean_text


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    contact: str


DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource("988 Suicide & Crisis Lifeline (US)", "call or text 988, or chat at 988lifeline.org"),
    Resource("Crisis Text Line (US)", "text HOME to 741741"),
    Resource("Immediate danger", "call 911 (or your local emergency number)"),
)


# The card is one message on every channel: Telegram's limit (4,096 characters, counted here in
# UTF-16 code units, never fewer than Telegram counts) is the tightest. The defaults use a tenth.
CARD_LIMIT = 4096


class ResourcesError(ValueError):
    """CRISIS_RESOURCES is not a JSON list of {"name", "contact"} objects."""


def parse_resources(raw: str | None) -> tuple[Resource, ...]:
    """Resources a deployment configures (CRISIS_RESOURCES); the US defaults when unset."""
    if raw is None or not raw.strip():
        return DEFAULT_RESOURCES
    try:
        data = json.loads(raw)
        items = tuple(Resource(str(d["name"]), str(d["contact"])) for d in data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ResourcesError(
            'CRISIS_RESOURCES must be a JSON list like [{"name": "...", "contact": "..."}]'
        ) from exc
    if not items:
        raise ResourcesError("CRISIS_RESOURCES must list at least one resource")
    items = tuple(Resource(clean_text(r.name), clean_text(r.contact)) for r in items)
    length = len(crisis_card(items).encode("utf-16-le")) // 2
    if length > CARD_LIMIT:
        raise ResourcesError(
            f"CRISIS_RESOURCES makes the crisis card {length} characters long; "
            f"it must fit in one message ({CARD_LIMIT})"
        )
    return items


def screen_text(text: str) -> CrisisResult:
    """The crisis check every typed message passes first; never raises."""
    try:
        return detect_crisis(text if isinstance(text, str) else str(text))
    except Exception:  # a detector bug must fail safe, towards showing help
        return CrisisResult(True, "suicide", 3, "detector-error")


def crisis_card(
    resources: tuple[Resource, ...] = DEFAULT_RESOURCES, safety_plan: str | None = None
) -> str:
    """Plain text; channels add their own formatting and buttons.

    Telegram sends the card without the plan, and the plan after it (bot/handlers/safety.py):
    a card that holds nothing anyone typed can't be refused for it.
    """
    lines = [
        "It sounds like you may be going through something really painful right now. "
        "I've paused the role-play.",
        "",
        "I'm a practice tool and can't help in an emergency, but people can, right now:",
    ]
    lines += [f"• {r.name}: {r.contact}" for r in resources]
    if safety_plan:
        lines += ["", "Your safety plan:", safety_plan]
    lines += [
        "",
        "If you can, reach out to your counsellor or someone you trust today.",
        "Whenever you're ready: /safety shows this again, /practice goes back to practising.",
    ]
    return "\n".join(lines)
