"""`/start PAYLOAD` deep links: t.me/<bot>?start=<payload>, up to 64 chars of [A-Za-z0-9_-].

Scenario ids contain "/", which a payload cannot carry, so a scenario link is
`p_<context>_<name>`; contexts never contain "_". Group invitations use `g_<code>`, leader
invitations `l_<code>`, and a live rehearsal's "say it your way" `lv_<run id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CONTEXTS = ("family", "friendship", "workplace", "recovery", "social-anxiety")


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "scenario" | "group" | "leader" | "live"
    value: str


def scenario_payload(scenario_id: str) -> str:
    context, name = scenario_id.split("/", 1)
    return f"p_{context}_{name}"


def parse_payload(payload: str | None) -> Link | None:
    if not payload or not PAYLOAD.match(payload):
        return None
    prefix, _, rest = payload.partition("_")
    if not rest:
        return None
    if prefix == "p":
        context, _, name = rest.partition("_")
        if context in CONTEXTS and name:
            return Link("scenario", f"{context}/{name}")
        return None
    if prefix == "g":
        return Link("group", rest)
    if prefix == "l":
        return Link("leader", rest)
    if prefix == "lv" and rest.isdigit():
        return Link("live", rest)
    return None


def live_payload(run_id: int) -> str:
    return f"lv_{run_id}"
