"""What happens when a message contains crisis language: the card, the resources, the screen.

Every channel calls `screen_text` on every typed message before anything else, and on a hit stops
the role-play and shows `crisis_card`; it never stays in character. A probable signal that
is not sure gets the direct question first (question.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from state.crisis import CARD, CATEGORIES, CrisisResult
from state.language.screen import screen
from state.text import clean_text

SUBSTANCE_USE = "substance-use"  # a resource for any card whose message names alcohol or drugs


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    contact: str
    categories: tuple[str, ...] = ()  # shown only for these crisis categories; () = always


DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource(
        "Overdose",
        "call 911 now. If it may be opioids and you have naloxone (Narcan), use it, and stay "
        "with the person",
        ("overdose",),
    ),
    Resource("Poison Control (US)", "call 1-800-222-1222", ("overdose",)),
    Resource(
        "National Domestic Violence Hotline (US)",
        "call 1-800-799-7233, or text START to 88788",
        ("danger-from-others",),
    ),
    # Spanish at the same number (press 2 when calling): participants who code-switch, and
    # whose crisis words the screen reads in Spanish, find help in their language
    Resource(
        "988 Suicide & Crisis Lifeline (US)",
        "call or text 988, or chat at 988lifeline.org. En español: llame al 988 y oprima 2",
    ),
    Resource("Crisis Text Line (US)", "text HOME to 741741"),
    Resource(
        "SAMHSA National Helpline (US)",
        "call 1-800-662-4357, free and confidential, any hour",
        ("overdose", SUBSTANCE_USE),
    ),
    Resource("Immediate danger", "call 911 (or your local emergency number)"),
)


def resources_for(
    resources: tuple[Resource, ...], category: str | None, substances: bool = False
) -> tuple[Resource, ...]:
    """The deployment's resources that fit this card, in the order the deployment lists them."""
    wanted = {category} | ({SUBSTANCE_USE} if substances else set())
    return tuple(r for r in resources if not r.categories or wanted & set(r.categories))


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
        items = tuple(
            Resource(
                str(d["name"]),
                str(d["contact"]),
                _categories(d.get("categories", [])),
            )
            for d in data
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ResourcesError(
            'CRISIS_RESOURCES must be a JSON list like [{"name": "...", "contact": "..."}], '
            'each with an optional "categories" list (one of: '
            + ", ".join((*CATEGORIES, SUBSTANCE_USE))
            + ")"
        ) from exc
    if not items:
        raise ResourcesError("CRISIS_RESOURCES must list at least one resource")
    items = tuple(Resource(clean_text(r.name), clean_text(r.contact), r.categories) for r in items)
    length = len(crisis_card(items).encode("utf-16-le")) // 2
    if length > CARD_LIMIT:
        raise ResourcesError(
            f"CRISIS_RESOURCES makes the crisis card {length} characters long; "
            f"it must fit in one message ({CARD_LIMIT})"
        )
    return items


@lru_cache(maxsize=16)  # a channel and the coach screen the same reply within one update
def _screen(text: str) -> CrisisResult:
    return screen(text)


def _categories(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(c in (*CATEGORIES, SUBSTANCE_USE) for c in raw):
        raise ValueError("unknown category")
    return tuple(raw)


def screen_text(text: str) -> CrisisResult:
    """The crisis check every typed message passes first; never raises. A crisis told of
    someone else is marked so (`someone_else`): the question and the card say so."""
    try:
        return _screen(text if isinstance(text, str) else str(text))
    except Exception:  # a detector bug must fail safe, towards showing help
        return CrisisResult(True, "suicide", 1, "detector-error", action=CARD)


OPENING = "It sounds like you may be going through something really painful right now."
# The first line fits what was read: an overdose is often someone else's, or an accident, and
# someone in danger from another person may share the phone (content-review.md, "Category-
# specific resources")
OPENINGS = {
    "overdose": "This could be a medical emergency.",
    "danger-from-others": (
        "It sounds like you may not be safe right now. If someone else may read your phone, "
        "clear this chat when you can."
    ),
    "harm-to-others": "It sounds like you're carrying something heavy and frightening right now.",
}
# The categories whose question and card may be about someone else: danger from someone keeps
# its warning and harm to someone its words, and an overdose's already fit anyone's
SOMEONE_ELSE_CATEGORIES = (None, "suicide", "self-harm")
# ... whose card opens on that person: the numbers serve people worried about someone, and the
# writer may be hurting too
SOMEONE_OPENING = (
    "It sounds like someone you care about may be in danger, and that is a lot to carry. The "
    "people below help those who are worried about someone else, too."
)
ASKED_OPENING = "If you are struggling, you don't have to wait."  # /safety, asked for
SCENE_STOPPED = "I've stopped the role-play. You can start it again from /practice any time."
SCENE_KEPT = "Your scene is paused where you were; it will wait for you."
CLOSING = "Whenever you're ready: /safety shows this again, /practice goes back to practicing."


def crisis_card(
    resources: tuple[Resource, ...] = DEFAULT_RESOURCES,
    scene: str | None = None,
    opening: str | None = None,
    closing: str = CLOSING,
    category: str | None = None,
    someone_else: bool = False,
) -> str:
    """Plain text; channels add their own formatting and buttons. `scene` says truthfully what
    happened to the role-play (SCENE_STOPPED, SCENE_KEPT), or nothing when none was open;
    `closing`, what to do next where the reader is (the terminal has no /safety); `opening`,
    else the category's (`OPENINGS`), or SOMEONE_OPENING for `someone_else`'s danger.

    Telegram sends the card without the plan, and the plan after it (bot/features/safety.py):
    a card that holds nothing anyone typed can't be refused for it.
    """
    if opening is None and someone_else and category in SOMEONE_ELSE_CATEGORIES:
        opening = SOMEONE_OPENING
    lines = [opening or OPENINGS.get(category or "", OPENING)]
    if scene:
        lines.append(scene)
    lines += ["", "I'm a practice tool and can't help in an emergency, but people can, right now:"]
    lines += [f"• {r.name}: {r.contact}" for r in resources]
    lines += [
        "",
        "If you can, reach out to your counselor or someone you trust today.",
        closing,
    ]
    return "\n".join(lines)
