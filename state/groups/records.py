"""What the groups feature stores and hands back: its constants, its plain frozen records, and
the one place its rows become records (so nothing lazy-loads after a transaction ends)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from state.db.groups import Group, Invite, Membership, Push
from state.store import to_record

LEADER = "leader"
PARTICIPANT = "participant"
CODE_BYTES = 16  # token_urlsafe(16): 22 characters carrying 128 random bits
CODE = re.compile(r"^[A-Za-z0-9_-]{16,60}$")
NAME_MAX = 64
LEADER_INVITE_TTL = timedelta(days=7)
REPEAT_WINDOW = timedelta(minutes=10)  # the same scenario to the same group: a double tap
ALERT_BUCKET_SECONDS = 600  # at most one crisis alert per member and group per 10 minutes
PUSH_KIND = "push"
REPORT_KIND = "push-report"
ALERT_KIND = "crisis-alert"
CLOSED_KIND = "group-closed"


class Share(StrEnum):
    """What a member may let a group's leader see, each chosen on its own when joining and
    changed later one at a time; the value is the membership's column (and MemberRecord's field)."""

    TRANSCRIPTS = "share_transcripts"
    ALERT = "alert_leader"
    CHECKINS = "share_checkins"


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    name: str
    leader_id: int
    leader_name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InviteRecord:
    code: str
    kind: str
    group_id: int | None
    created_by: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    used_by: int | None

    @property
    def payload(self) -> str:
        """The `/start` payload: `g_<code>` or `l_<code>` (≤ 64 chars of [A-Za-z0-9_-])."""
        return f"{'g' if self.kind == 'group' else 'l'}_{self.code}"


@dataclass(frozen=True, slots=True)
class MemberRecord:
    group_id: int
    user_id: int
    display_name: str
    joined_at: datetime
    left_at: datetime | None
    share_transcripts: bool
    alert_leader: bool
    active: bool = True  # False once they blocked the bot
    share_checkins: bool = False


@dataclass(frozen=True, slots=True)
class PushRecord:
    id: int
    group_id: int
    scenario_id: str
    created_by: int
    created_at: datetime
    reported_at: datetime | None


@dataclass(frozen=True, slots=True)
class InviteCheck:
    """What an invitation link leads to. `status` is one of: ok, joined, unknown, revoked,
    expired, used, own (a leader opening their own group's link), member (already in it)."""

    status: str
    invite: InviteRecord | None = None
    group: GroupRecord | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    sent: int = 0
    blocked: int = 0
    failed: int = 0  # refused by Telegram, or the network kept failing: not delivered
    pending: int = 0
    # "interrupted": two calls went out and neither got an answer (a crash, a timeout), so
    # it was not tried a third time; it may or may not have arrived.
    unconfirmed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.failed + self.pending + self.unconfirmed


@dataclass(frozen=True, slots=True)
class Removal:
    """What removing a leader did. `removed` is False when there was nothing to cut off."""

    removed: bool
    groups: int = 0  # their groups, now closed
    members: int = 0  # members taken out of those groups (and told, if they still reach us)
    invites: int = 0  # links revoked: into their groups, or made by them
    alerts: int = 0  # crisis alerts to them withdrawn before they were sent


@dataclass(frozen=True, slots=True)
class PushResult:
    """`status`: ok, empty (no active member), repeat (the same push moments ago)."""

    status: str
    push: PushRecord | None = None
    queued: int = 0
    inactive: int = 0


def group_record(g: Group) -> GroupRecord:
    return to_record(GroupRecord, g)


def invite_record(i: Invite) -> InviteRecord:
    return to_record(InviteRecord, i)


def member_record(m: Membership, active: bool = True) -> MemberRecord:
    return to_record(MemberRecord, m, active=active)


def push_record(p: Push) -> PushRecord:
    return to_record(PushRecord, p)
