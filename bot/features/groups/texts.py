"""The sentences the leader, member and report sides share (refusals, dead links), and how a
count, a day and a scenario are written in them."""

from __future__ import annotations

from datetime import datetime

from scenarios.library import Library

LINK_DAYS = 7
NOT_LEADER = (
    "That command is for group leaders. If you run a group and would like to use the bot "
    "with it, ask the people who run this bot to add you as a leader."
)
NOT_ADMIN = "Only the people who run this bot can add or remove group leaders."
NOT_YOURS = "That group isn't one of yours, so I can't show or change it."
BAD_LINK = (
    "This invitation link doesn't work any more (it may have been replaced, revoked or have "
    "expired). Please ask your group leader for a new one. Meanwhile you can practice on "
    "your own: /practice"
)
BAD_LINK_NEW = (
    "This invitation link doesn't work any more (it may have been replaced, revoked or have "
    "expired), so it can't add you to a group. Please ask your group leader for a new one. "
    "You can still use the bot on your own:"
)
BAD_LEADER_LINK = (
    "This leader invitation doesn't work any more (each one works once, for "
    f"{LINK_DAYS} days). Please ask for a new one."
)
NO_GROUPS = (
    "You don't have a group yet. Create one with /newgroup and its name, "
    "e.g. /newgroup Tuesday evening IOP"
)


def scenario_title(library: Library, scenario_id: str) -> str:
    """The scenario's title, or its id once it has left the library (old pushes keep theirs)."""
    scenario = library.get(scenario_id)
    return scenario.title if scenario is not None else scenario_id


def members_text(n: int, *, all_of: bool = False) -> str:
    """ "1 member", "3 members"; with `all_of`, "both members", "all 3 members"."""
    if n == 1:
        return "1 member"
    if all_of and n == 2:
        return "both members"
    return f"all {n} members" if all_of and n > 2 else f"{n} members"


def day_text(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}, {moment.year}"  # "Dec 2, 2026", as a US reader writes it
