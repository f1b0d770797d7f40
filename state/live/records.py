"""What the live service returns: plain, frozen values a channel renders after the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from state.crisis import CrisisResult
from state.engine import Say
from state.groups import GroupRecord

# The outbox kinds of a member's line copied to the group's leader: its meaning (the group,
# the step, the scenario's title, the words, the coach's reading, the line's id), and what the
# copy holds once its vote closed or its author took it back (nothing: the words are gone).
# bot/features/live_messages.py draws both.
LINE_KIND, LINE_GONE_KIND = "live-line", "live-line-gone"


@dataclass(frozen=True, slots=True)
class Linked:
    """A Telegram group chat linked to a leader's group."""

    chat_id: int
    group_id: int
    group_name: str
    leader_id: int


@dataclass(frozen=True, slots=True)
class Where:
    """Where a live run plays: its chat, and the forum topic if there is one."""

    run_id: int
    chat_id: int
    thread_id: int | None


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a vote, with what the group is told about it once the vote closes."""

    choice_id: str
    text: str  # the poll option (a scenario's button text, at most 60 characters)
    said: str  # the whole line
    style: str
    feedback: str
    skills: tuple[str, ...]
    move: str | None = None  # listening, exposure or coping: the four styles don't describe it

    @property
    def label(self) -> str:
        """What the group is told the option was: its move, or else its style."""
        return MOVE_NAMES.get(self.move or "", self.style)


MOVE_NAMES = {"listening": "listening move", "exposure": "exposure move", "coping": "coping move"}


@dataclass(frozen=True, slots=True)
class PathStep:
    """A step of the path the story took, for the group debrief."""

    step: int
    option: Option
    votes: int
    total: int
    by_leader: bool  # the leader showed another option than the most voted
    top: Option | None  # the most voted, when the leader picked another


@dataclass(frozen=True, slots=True)
class GroupDebrief:
    outcome: str
    title: str
    text: str
    try_this_week: str
    path: tuple[PathStep, ...]
    votes_by_style: dict[str, int]
    skills: tuple[str, ...]  # labels of the skills the path showed, most shown first
    missing: tuple[str, ...]
    summary: str


@dataclass(frozen=True, slots=True)
class Moment:
    """What the group is shown at a step: the scene's lines, then the vote; or the ending."""

    where: Where
    step: int
    scenario_id: str
    title: str
    lines: tuple[Say, ...]
    options: tuple[Option, ...]
    closes_at: datetime | None = None
    opening: bool = False  # the first step: the scenario's intro comes first
    again: bool = False  # posted again after a restart lost track of the first posting
    ending: GroupDebrief | None = None
    vote_seconds: int | None = None  # each vote closes by itself after this long
    after: Option | None = None  # the option the story just followed
    by_leader: bool = False  # …which the leader picked over the most voted


@dataclass(frozen=True, slots=True)
class Tally:
    """How the group voted at a step."""

    where: Where
    step: int
    title: str
    options: tuple[tuple[Option, int], ...]
    follow: str | None  # the most voted (the first listed on a tie); None without a vote
    tied: tuple[str, ...] = ()  # the options tied on top, when two or more are

    @property
    def total(self) -> int:
        return sum(n for _, n in self.options)


@dataclass(frozen=True, slots=True)
class Closing:
    """A vote to stop: the poll's message, to call stopPoll on."""

    where: Where
    step: int
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Reading:
    """The coach's reading of a member's line."""

    style: str
    confidence: float
    markers: tuple[str, ...]  # labels, e.g. "I-statement"
    feedback: str


@dataclass(frozen=True, slots=True)
class Line:
    """A member's line as the leader and, if they choose, the group see it: never a name."""

    id: int
    where: Where
    step: int
    title: str
    text: str
    reading: Reading


@dataclass(frozen=True, slots=True)
class Outcome:
    """`status` says what happened; the other fields carry what there is to show.

    Statuses: ok; ignore (not for this person: a group chat stays silent); and, by action,
    no-groups, choose, not-linked, idle, running, unknown, busy, opening, stale, closed, gone,
    limit,
    not-member, no-draft, crisis, adjacent, empty, too-long, withdrawn, shown.
    """

    status: str
    link: Linked | None = None
    groups: tuple[GroupRecord, ...] = ()
    moment: Moment | None = None
    tally: Tally | None = None
    closing: Closing | None = None
    line: Line | None = None
    crisis: CrisisResult | None = None
    phase: str | None = None  # for `running`: the current step's status
    extra: dict[str, int] = field(default_factory=dict)
