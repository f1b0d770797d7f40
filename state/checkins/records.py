"""What the check-ins service returns: small frozen records, never ORM rows, so nothing
lazy-loads after the transaction and a channel can't write through them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from state.checkin_replies import Closing
from state.groups import GroupRecord
from state.schedule import Rule

AWAIT_FOR = timedelta(minutes=30)  # typed input is read as an answer only this long


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_ymd(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class SettingsRecord:
    user_id: int
    local_time: time | None
    timezone: str | None
    quiet_start: time | None
    quiet_end: time | None
    paused_until: datetime | None
    active: bool
    recovery_track: bool
    weekly_summary: bool
    next_due_at: datetime | None
    setup_step: str | None
    awaiting: str | None
    awaiting_since: datetime | None
    hidden_items: tuple[str, ...] = ()
    crisis_on: date | None = None

    @property
    def configured(self) -> bool:
        return self.local_time is not None and self.timezone is not None

    @property
    def rule(self) -> Rule | None:
        if self.local_time is None or self.timezone is None:
            return None
        return Rule(
            self.local_time,
            self.timezone,
            self.quiet_start,
            self.quiet_end,
            self.paused_until,
            self.active,
        )

    def awaiting_now(self, now: datetime) -> str | None:
        """What typed text would answer, unless the question was asked too long ago."""
        if self.awaiting is None or self.awaiting_since is None:
            return None
        return self.awaiting if now - self.awaiting_since <= AWAIT_FOR else None


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    id: int
    user_id: int
    local_date: date
    step: str
    mood: int | None
    emotion: str | None
    urge: int | None
    acted: bool | None
    halt: tuple[str, ...] | None
    skills: tuple[str, ...] | None
    pending: tuple[str, ...]
    note: str | None
    shared_note: bool
    created_at: datetime
    completed_at: datetime | None
    emotions: dict[str, int] = field(default_factory=dict)
    self_harm: int | None = None
    suicidal: int | None = None
    quit_urge: int | None = None
    meds: str | None = None
    sleep_hours: int | None = None
    skill_rating: int | None = None
    practice: str | None = None

    @property
    def done(self) -> bool:
        return self.step == "done"


@dataclass(frozen=True, slots=True)
class Answer:
    status: str  # 'ok' | 'expired' | 'invalid' | 'already'
    checkin: CheckinRecord | None = None
    recovery: bool = False
    skill_options: tuple[str, ...] = ()  # the program's skill keys
    practice_text: str | None = None  # the "try this week" the practice question asks about
    safety: bool = False  # this very answer was a high-risk one: the channel asks directly
    closing: Closing | None = None  # what to say, once the check-in is complete
    # A finished check-in with a note: the groups whose leader could see it, if shared.
    note_groups: tuple[GroupRecord, ...] = ()


@dataclass
class DueResult:
    queued: int = 0
    skipped: int = 0  # missed beyond the grace window, in quiet hours, or already answered
    weekly: int = 0
    scanned: int = 0
    followups: int = 0  # "how are you today?" the day after a crisis

    def add(self, other: DueResult) -> None:
        self.queued += other.queued
        self.skipped += other.skipped
        self.weekly += other.weekly
        self.scanned += other.scanned
        self.followups += other.followups


@dataclass(frozen=True)
class Overview:
    """What /progress shows about check-ins."""

    settings: SettingsRecord | None
    recent: list[CheckinRecord]
    streak_days: int
    total: int
    today: date


@dataclass(frozen=True)
class Week:
    """What /week draws: the diary card's last seven days, and the fortnight's ridden-out urges."""

    days: tuple[date, ...]
    records: dict[date, CheckinRecord]
    items: tuple[str, ...]  # the program's items this participant sees
    rode_out: int  # urges of 3+ not acted on, over the last 14 days
    recovery: bool


@dataclass(frozen=True)
class GroupCheckinSummary:
    """What a group's leader may see of check-ins.

    Only from members who share their check-ins with this group, only from the day each joined,
    and figures only where at least MIN_SHARING of them contribute (fewer would show someone's
    own numbers): `completion` and `avg_mood` once that many checked in, `avg_urge` and
    `acted_days` once that many answered the urge question. Notes only where their author
    shared that very note.
    """

    members: int
    sharing: int  # members who share their check-ins with this group
    checked_in: int  # of those, how many completed a check-in in the window
    days: int
    completed: int | None = None
    completion: float | None = None  # completed / the sharing members' days since joining
    avg_mood: float | None = None
    avg_urge: float | None = None
    acted_days: int | None = None
    shared_notes: tuple[tuple[int, date, str], ...] = field(default_factory=tuple)
