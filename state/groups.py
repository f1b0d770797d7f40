"""Group leaders' domain: roles, invitations, joining and leaving, pushes and their delivery.

Plain functions over one unit of work (`uow`), so a channel runs each inside `Store.run` and a
decision and the messages it queues commit together. Admins come from the settings and are passed
in: nothing here reads the environment. Every function that acts for a leader takes the leader's
id and refuses (returns None or a status) when the group is not theirs, so authorisation lives in
one place and the handlers cannot forget it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, delete, false, func, or_, select, update

from state import outbox
from state.db.groups import Group, Invite, Membership, Push
from state.db.models import OutboxMessage, User, utcnow
from state.store import Store, UnitOfWork

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


# ---- records ---------------------------------------------------------------------------------


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


def _group(g: Group) -> GroupRecord:
    return GroupRecord(g.id, g.name, g.leader_id, g.leader_name, g.created_at)


def _invite(i: Invite) -> InviteRecord:
    return InviteRecord(
        i.code,
        i.kind,
        i.group_id,
        i.created_by,
        i.created_at,
        i.expires_at,
        i.revoked_at,
        i.used_by,
    )


def _member(m: Membership, active: bool = True) -> MemberRecord:
    return MemberRecord(
        m.group_id,
        m.user_id,
        m.display_name,
        m.joined_at,
        m.left_at,
        m.share_transcripts,
        m.alert_leader,
        active,
        m.share_checkins,
    )


def _push(p: Push) -> PushRecord:
    return PushRecord(p.id, p.group_id, p.scenario_id, p.created_by, p.created_at, p.reported_at)


# ---- roles -----------------------------------------------------------------------------------


def is_admin(user_id: int, admins: Iterable[int]) -> bool:
    return user_id in set(admins)


async def is_leader(uow: UnitOfWork, user_id: int, admins: Iterable[int] = ()) -> bool:
    """Admins may do everything a leader does; leaders are `users.role = 'leader'`."""
    if is_admin(user_id, admins):
        return True
    role = await uow.session.scalar(select(User.role).where(User.id == user_id))
    return role == LEADER


async def set_role(uow: UnitOfWork, user_id: int, role: str) -> bool:
    """Make `user_id` a leader or a participant again; False when it was already so.

    Making someone a participant never creates their row: someone unknown is no leader.
    """
    if role not in (LEADER, PARTICIPANT):
        raise ValueError(f"unknown role {role!r}")
    if role == LEADER:
        await uow.users.ensure(user_id)
    result = await uow.session.execute(
        update(User).where(User.id == user_id, User.role != role).values(role=role)
    )
    return bool(result.rowcount)


def _leads(admins: Iterable[int]):  # noqa: ANN202 - a SQL condition on a join with the leader
    """The leader row joined in (`User`) still leads groups: a leader, or an admin now."""
    known = [int(a) for a in admins]
    return or_(User.role == LEADER, User.id.in_(known) if known else false())


def closed_text(group: GroupRecord) -> str:
    return (
        f"🔔 <b>{escape(group.name)}</b> has closed: {escape(group.leader_name)} no longer leads "
        "groups on this bot. They no longer see your practice or get crisis alerts about you, "
        "and the group's invitation link no longer works.\n\n"
        "Nothing else has changed: your practice, check-ins and safety plan are yours as "
        "before. If your program starts a new group, they'll send you a new link."
    )


async def remove_leader(uow: UnitOfWork, leader_id: int, now: datetime | None = None) -> Removal:
    """Cut a leader off at once, in one transaction.

    Their role goes; their groups close: every member leaves (so nothing they shared reaches
    anyone, and being added back reopens nothing), and each member who still reaches us is
    told why in a queued message. Every link into their groups, or made by them, is revoked,
    and crisis alerts queued for them and not yet sent are withdrawn. Their groups' rows stay
    (with their pushes), as their own data until they /delete. Someone unknown is left alone,
    and no row is created for them.
    """
    now = now or utcnow()
    role = await uow.session.scalar(select(User.role).where(User.id == leader_id))
    if role is None:
        return Removal(False)
    changed = await set_role(uow, leader_id, PARTICIPANT)
    groups = await leader_groups(uow, leader_id)
    ids = [g.id for g in groups]
    notices: list[outbox.Message] = []
    left = 0
    for group in groups:
        people = await members(uow, group.id)
        left += len(people)
        notices += [
            outbox.Message(
                chat_id=m.user_id,
                user_id=m.user_id,
                kind=CLOSED_KIND,
                ref=str(group.id),
                text=closed_text(group),
                dedupe_key=f"group-closed:{group.id}:{m.user_id}:{int(now.timestamp())}",
                not_before=now,
            )
            for m in people
            if m.active
        ]
    if ids:
        await uow.session.execute(
            update(Membership)
            .where(Membership.group_id.in_(ids), Membership.left_at.is_(None))
            .values(left_at=now)
        )
    revoked = await uow.session.execute(
        update(Invite)
        .where(
            or_(Invite.group_id.in_(ids), Invite.created_by == leader_id)
            if ids
            else Invite.created_by == leader_id,
            Invite.revoked_at.is_(None),
            Invite.used_by.is_(None),
        )
        .values(revoked_at=now)
    )
    withdrawn = await uow.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.chat_id == leader_id,
            OutboxMessage.kind == ALERT_KIND,
            OutboxMessage.status == "queued",
        )
    )
    await outbox.enqueue_many(uow, notices, now=now)
    invites, alerts = revoked.rowcount or 0, withdrawn.rowcount or 0
    # Removed: something was cut off (a second removal finds nothing left to cut).
    return Removal(bool(changed or left or invites or alerts), len(groups), left, invites, alerts)


async def leader_ids(uow: UnitOfWork) -> list[int]:
    return list(
        await uow.session.scalars(select(User.id).where(User.role == LEADER).order_by(User.id))
    )


# ---- groups ----------------------------------------------------------------------------------


def clean_name(text: str | None, limit: int = NAME_MAX) -> str | None:
    """A group or display name: printable, single-spaced, at most `limit` characters."""
    if not text:
        return None
    kept = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in text)
    cleaned = " ".join(kept.split())
    return cleaned[:limit] or None


async def create_group(
    uow: UnitOfWork, leader_id: int, name: str, leader_name: str, now: datetime | None = None
) -> GroupRecord:
    cleaned = clean_name(name)
    if cleaned is None:
        raise ValueError("a group needs a name")
    group = Group(
        name=cleaned,
        leader_id=leader_id,
        leader_name=clean_name(leader_name) or "your group leader",
        created_at=now or utcnow(),
    )
    uow.session.add(group)
    await uow.session.flush()
    return _group(group)


async def get_group(uow: UnitOfWork, group_id: int) -> GroupRecord | None:
    row = await uow.session.scalar(select(Group).where(Group.id == group_id))
    return _group(row) if row else None


async def leader_group(uow: UnitOfWork, leader_id: int, group_id: int) -> GroupRecord | None:
    """The group if `leader_id` leads it; None otherwise (someone else's, or gone)."""
    row = await uow.session.scalar(
        select(Group).where(Group.id == group_id, Group.leader_id == leader_id)
    )
    return _group(row) if row else None


async def leader_groups(uow: UnitOfWork, leader_id: int) -> list[GroupRecord]:
    rows = await uow.session.scalars(
        select(Group).where(Group.leader_id == leader_id).order_by(Group.id)
    )
    return [_group(g) for g in rows]


async def find_leader_group(uow: UnitOfWork, leader_id: int, ref: str) -> GroupRecord | None:
    """One of the leader's groups by number or by (case-insensitive, unique) name."""
    groups = await leader_groups(uow, leader_id)
    ref = " ".join(ref.split())
    if ref.isdigit():
        return next((g for g in groups if g.id == int(ref)), None)
    named = [g for g in groups if g.name.casefold() == ref.casefold()]
    return named[0] if len(named) == 1 else None


# ---- invitations -----------------------------------------------------------------------------


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


async def create_invite(
    uow: UnitOfWork,
    *,
    kind: str,
    created_by: int,
    group_id: int | None = None,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> InviteRecord:
    if kind not in ("group", "leader") or (kind == "group") != (group_id is not None):
        raise ValueError("a group invitation names its group; a leader invitation does not")
    now = now or utcnow()
    invite = Invite(
        code=new_code(),
        kind=kind,
        group_id=group_id,
        created_by=created_by,
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    uow.session.add(invite)
    await uow.session.flush()
    return _invite(invite)


def _valid(now: datetime):  # noqa: ANN202 - a SQL condition
    return and_(
        Invite.revoked_at.is_(None),
        Invite.used_by.is_(None),
        (Invite.expires_at.is_(None)) | (Invite.expires_at > now),
    )


async def current_invite(
    uow: UnitOfWork, group_id: int, now: datetime | None = None
) -> InviteRecord | None:
    """The newest link that still works for the group, if any."""
    row = await uow.session.scalar(
        select(Invite)
        .where(Invite.group_id == group_id, Invite.kind == "group", _valid(now or utcnow()))
        .order_by(Invite.created_at.desc())
        .limit(1)
    )
    return _invite(row) if row else None


async def revoke_invites(uow: UnitOfWork, group_id: int, now: datetime | None = None) -> int:
    result = await uow.session.execute(
        update(Invite)
        .where(Invite.group_id == group_id, Invite.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    return result.rowcount or 0


async def renew_invite(
    uow: UnitOfWork,
    group: GroupRecord,
    *,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> InviteRecord:
    """Revoke the group's links and make a fresh one (an old shared link stops working)."""
    now = now or utcnow()
    await revoke_invites(uow, group.id, now)
    return await create_invite(
        uow,
        kind="group",
        created_by=group.leader_id,
        group_id=group.id,
        expires_in=expires_in,
        now=now,
    )


async def _load_invite(uow: UnitOfWork, code: str, kind: str) -> Invite | None:
    if not CODE.match(code or ""):
        return None
    return await uow.session.scalar(select(Invite).where(Invite.code == code, Invite.kind == kind))


def _status(invite: Invite | None, now: datetime) -> str:
    if invite is None:
        return "unknown"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.used_by is not None:
        return "used"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    return "ok"


async def check_group_invite(
    uow: UnitOfWork,
    code: str,
    user_id: int,
    now: datetime | None = None,
    *,
    admins: Iterable[int] = (),
) -> InviteCheck:
    """What a group link leads to. A link into the group of someone who no longer leads groups
    (removed, or an admin no longer in `admins`) is "revoked", whatever its own state."""
    now = now or utcnow()
    invite = await _load_invite(uow, code, "group")
    status = _status(invite, now)
    if invite is None or status != "ok" or invite.group_id is None:
        return InviteCheck(status if status != "ok" else "unknown")
    group = await get_group(uow, invite.group_id)
    if group is None:
        return InviteCheck("unknown")
    if not await is_leader(uow, group.leader_id, admins):
        return InviteCheck("revoked")
    if group.leader_id == user_id:
        return InviteCheck("own", _invite(invite), group)
    member = await uow.session.scalar(
        select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
    )
    return InviteCheck("member" if member else "ok", _invite(invite), group)


async def join_group(
    uow: UnitOfWork,
    code: str,
    user_id: int,
    display_name: str,
    *,
    share_transcripts: bool = False,
    alert_leader: bool = False,
    share_checkins: bool = False,
    now: datetime | None = None,
    admins: Iterable[int] = (),
) -> InviteCheck:
    """Join through a link (checked again: it may have been revoked since it was shown).

    Rejoining after leaving starts afresh: the leader sees only practice after `joined_at`.
    """
    now = now or utcnow()
    check = await check_group_invite(uow, code, user_id, now, admins=admins)
    if check.status != "ok" or check.group is None:
        return check
    name = clean_name(display_name) or f"Member {user_id % 10_000:04d}"
    await uow.users.ensure(user_id)
    row = await uow.session.scalar(
        select(Membership).where(
            Membership.group_id == check.group.id, Membership.user_id == user_id
        )
    )
    if row is None:
        uow.session.add(
            Membership(
                group_id=check.group.id,
                user_id=user_id,
                display_name=name,
                joined_at=now,
                share_transcripts=share_transcripts,
                alert_leader=alert_leader,
                share_checkins=share_checkins,
            )
        )
    else:
        row.display_name, row.joined_at, row.left_at = name, now, None
        row.share_transcripts, row.alert_leader = share_transcripts, alert_leader
        row.share_checkins = share_checkins
    # Someone opening a link is evidently reachable again, even if they once blocked the bot.
    await uow.users.set_active(user_id, True)
    await uow.session.flush()
    return InviteCheck("joined", check.invite, check.group)


async def leave_group(
    uow: UnitOfWork, group_id: int, user_id: int, now: datetime | None = None
) -> GroupRecord | None:
    """Leave; the leader stops seeing anything of this member at once. None if not a member."""
    result = await uow.session.execute(
        update(Membership)
        .where(
            Membership.group_id == group_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
        .values(left_at=now or utcnow())
    )
    if not result.rowcount:
        return None
    return await get_group(uow, group_id)


async def set_sharing(
    uow: UnitOfWork,
    group_id: int,
    user_id: int,
    *,
    share_transcripts: bool | None = None,
    alert_leader: bool | None = None,
    share_checkins: bool | None = None,
) -> MemberRecord | None:
    """Change what a member shares with one group; None if they are not in it."""
    row = await uow.session.scalar(
        select(Membership).where(
            Membership.group_id == group_id,
            Membership.user_id == user_id,
            Membership.left_at.is_(None),
        )
    )
    if row is None:
        return None
    if share_transcripts is not None:
        row.share_transcripts = share_transcripts
    if alert_leader is not None:
        row.alert_leader = alert_leader
    if share_checkins is not None:
        row.share_checkins = share_checkins
    await uow.session.flush()
    return _member(row)


async def member_groups(uow: UnitOfWork, user_id: int) -> list[tuple[GroupRecord, MemberRecord]]:
    rows = await uow.session.execute(
        select(Group, Membership)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
        .order_by(Group.id)
    )
    return [(_group(g), _member(m)) for g, m in rows]


async def checkin_groups(uow: UnitOfWork, user_id: int) -> list[GroupRecord]:
    """The groups whose leader may see this member's check-ins (and the notes they share)."""
    return [g for g, m in await member_groups(uow, user_id) if m.share_checkins]


async def members(uow: UnitOfWork, group_id: int) -> list[MemberRecord]:
    """Current members (not those who left), oldest first, with whether they still reach us."""
    rows = await uow.session.execute(
        select(Membership, User.active)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id, Membership.left_at.is_(None))
        .order_by(Membership.joined_at, Membership.user_id)
    )
    return [_member(m, bool(active)) for m, active in rows]


# ---- leader invitations ----------------------------------------------------------------------


def _leader_status(invite: Invite | None, now: datetime, admins: Iterable[int]) -> str:
    """A leader invitation works only while whoever made it is still an admin."""
    status = _status(invite, now)
    if status == "ok" and invite is not None and not is_admin(invite.created_by, admins):
        return "revoked"
    return status


async def check_leader_invite(
    uow: UnitOfWork, code: str, now: datetime | None = None, *, admins: Iterable[int] = ()
) -> str:
    return _leader_status(await _load_invite(uow, code, "leader"), now or utcnow(), admins)


async def accept_leader_invite(
    uow: UnitOfWork,
    code: str,
    user_id: int,
    now: datetime | None = None,
    *,
    admins: Iterable[int] = (),
) -> str:
    """Use a one-time leader invitation: 'ok', or why not (unknown, used, revoked, expired).

    `admins` are the admins now: a link made by someone no longer among them is "revoked".
    """
    now = now or utcnow()
    invite = await _load_invite(uow, code, "leader")
    status = _leader_status(invite, now, admins)
    if invite is None or status != "ok":
        return status
    # Conditional on still unused, so two people racing for one link cannot both win.
    result = await uow.session.execute(
        update(Invite)
        .where(Invite.code == code, Invite.used_by.is_(None), Invite.revoked_at.is_(None))
        .values(used_by=user_id, used_at=now)
    )
    if not result.rowcount:
        return "used"
    await set_role(uow, user_id, LEADER)
    return "ok"


# ---- pushes ----------------------------------------------------------------------------------


def push_text(group: GroupRecord, title: str, summary: str) -> str:
    return (
        f"📣 <b>{escape(group.name)}</b>: {escape(group.leader_name)} would like you to practice "
        f"this one this week.\n\n<b>{escape(title)}</b>\n{escape(summary)}\n\n"
        "Open it when you have a few quiet minutes. /mygroups shows what your leader sees."
    )


def push_buttons(scenario_id: str, title: str) -> outbox.Buttons:
    label = f"▶ Start: {title}"
    if len(label) > 60:
        label = label[:59] + "…"
    return [[{"text": label, "callback_data": f"s:{scenario_id}"}]]


async def create_push(
    uow: UnitOfWork,
    group: GroupRecord,
    scenario_id: str,
    *,
    title: str,
    summary: str,
    created_by: int,
    now: datetime | None = None,
) -> PushResult:
    """Record the push and queue one message per reachable member, in this transaction.

    Members who blocked the bot are not queued (they are counted as `inactive`). The dedupe key
    `push:<push_id>:<user_id>` makes a retried transaction queue each message once.
    """
    now = now or utcnow()
    recent = await uow.session.scalar(
        select(Push.id).where(
            Push.group_id == group.id,
            Push.scenario_id == scenario_id,
            Push.created_at > now - REPEAT_WINDOW,
        )
    )
    if recent is not None:
        return PushResult("repeat")
    people = await members(uow, group.id)
    reachable = [m for m in people if m.active]
    if not reachable:
        return PushResult("empty", inactive=len(people))
    push = Push(group_id=group.id, scenario_id=scenario_id, created_by=created_by, created_at=now)
    uow.session.add(push)
    await uow.session.flush()
    text = push_text(group, title, summary)
    buttons = push_buttons(scenario_id, title)
    messages = [
        outbox.Message(
            chat_id=member.user_id,
            user_id=member.user_id,
            kind=PUSH_KIND,
            ref=str(push.id),
            text=text,
            buttons=buttons,
            dedupe_key=f"push:{push.id}:{member.user_id}",
            not_before=now,
        )
        for member in reachable
    ]
    queued = await outbox.enqueue_many(uow, messages)
    return PushResult("ok", _push(push), queued, len(people) - len(reachable))


async def group_pushes(uow: UnitOfWork, group_id: int) -> list[PushRecord]:
    rows = await uow.session.scalars(
        select(Push).where(Push.group_id == group_id).order_by(Push.created_at, Push.id)
    )
    return [_push(p) for p in rows]


async def get_push(uow: UnitOfWork, push_id: int) -> PushRecord | None:
    row = await uow.session.scalar(select(Push).where(Push.id == push_id))
    return _push(row) if row else None


def _outcome(status: str, error: str | None) -> str:
    """Which count of a Delivery an outbox row's status adds to."""
    if status == "sent":
        return "sent"
    if status in ("queued", "sending"):
        return "pending"
    if error == "blocked":
        return "blocked"
    return "unconfirmed" if error == "interrupted" else "failed"


async def delivery(uow: UnitOfWork, push_ids: Iterable[int]) -> dict[int, Delivery]:
    """Counts per push: sent, blocked, unconfirmed (no answer, twice), failed (other),
    pending (queued or sending).

    The outbox rows still there, plus what the retention purge counted into the push
    (`Push.delivered`) before it erased older ones.
    """
    ids = [int(i) for i in push_ids]
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(OutboxMessage.ref, OutboxMessage.status, OutboxMessage.error, func.count())
        .where(OutboxMessage.kind == PUSH_KIND, OutboxMessage.ref.in_([str(i) for i in ids]))
        .group_by(OutboxMessage.ref, OutboxMessage.status, OutboxMessage.error)
    )
    tally: dict[int, dict[str, int]] = {i: {} for i in ids}
    for ref, status, error, n in rows:
        key = _outcome(status, error)
        tally[int(ref)][key] = tally[int(ref)].get(key, 0) + n
    kept = await uow.session.execute(
        select(Push.id, Push.delivered).where(Push.id.in_(ids), Push.delivered.is_not(None))
    )
    for push_id, counts in kept:
        for key, n in (counts or {}).items():
            if key in ("sent", "blocked", "failed", "unconfirmed"):
                tally[push_id][key] = tally[push_id].get(key, 0) + int(n)
    return {i: Delivery(**t) for i, t in tally.items()}


async def keep_delivery(
    uow: UnitOfWork, erased: Iterable[tuple[str, str | None, str, str | None]]
) -> int:
    """Count erased push messages ((kind, ref, status, error), from `outbox.purge_settled`)
    into their pushes, so `delivery` still adds up; the number of pushes updated."""
    added: dict[int, dict[str, int]] = {}
    for kind, ref, status, error in erased:
        if kind != PUSH_KIND or not (ref or "").isdigit() or status not in ("sent", "failed"):
            continue
        counts = added.setdefault(int(ref or 0), {})
        key = _outcome(status, error)
        counts[key] = counts.get(key, 0) + 1
    if not added:
        return 0
    pushes = await uow.session.scalars(select(Push).where(Push.id.in_(list(added))))
    updated = 0
    for push in pushes:
        total = dict(push.delivered or {})
        for key, n in added[push.id].items():
            total[key] = int(total.get(key, 0)) + n
        push.delivered = total  # a new dict: the JSON column sees the change
        updated += 1
    await uow.session.flush()
    return updated


def delivery_text(group_name: str, title: str, d: Delivery) -> str:
    lines = [
        f"📬 <b>Delivery</b> of “{escape(title)}” to <b>{escape(group_name)}</b>:",
        f"✅ sent {d.sent}",
        f"🚫 blocked the bot {d.blocked}",
    ]
    if d.failed:
        lines.append(f"⚠️ not delivered {d.failed}")
    if d.unconfirmed:
        lines.append(f"❔ unconfirmed {d.unconfirmed} (Telegram never answered: may have arrived)")
    lines.append(f"⏳ pending {d.pending}")
    if d.blocked:
        lines.append(
            "\nSomeone who blocked the bot won't get pushes until they open it again; "
            "you may want to check in with them another way."
        )
    if not d.pending:
        lines.append("\n/group shows who started and finished it.")
    return "\n".join(lines)


async def settle_reports(
    uow: UnitOfWork, title_of: Callable[[str], str], now: datetime | None = None
) -> list[int]:
    """Queue a delivery report to the leader of every push whose messages are all settled.

    Run by one repeating job; `reported_at` and the dedupe key make a rerun (or a second
    worker) report each push once.
    """
    now = now or utcnow()
    waiting = list(
        await uow.session.execute(
            select(Push, Group)
            .join(Group, Group.id == Push.group_id)
            .where(Push.reported_at.is_(None))
            .order_by(Push.id)
            .limit(200)
        )
    )
    if not waiting:
        return []
    counts = await delivery(uow, [p.id for p, _ in waiting])
    reports, done = [], []
    for push, group in waiting:
        d = counts.get(push.id, Delivery())
        if d.pending:
            continue
        reports.append(
            outbox.Message(
                chat_id=group.leader_id,
                user_id=group.leader_id,
                kind=REPORT_KIND,
                ref=str(push.id),
                text=delivery_text(group.name, title_of(push.scenario_id), d),
                dedupe_key=f"push-report:{push.id}",
                not_before=now,
            )
        )
        push.reported_at = now
        done.append(push.id)
    await outbox.enqueue_many(uow, reports)
    return done


# ---- crisis alerts ---------------------------------------------------------------------------


def _local(moment: datetime, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = moment.astimezone(zone)
    label = "UTC" if zone is UTC else (local.tzname() or str(zone))
    return f"{local:%H:%M} {label} on {local:%d %b}"


ALERT_HOW = {  # what happened, by the response that fired (state.crisis.CARD / ASK)
    "card": "the bot read crisis language and showed them crisis resources",
    "ask": "they answered yes when the bot asked whether they were thinking of ending their life "
    "or hurting themselves, and it showed them crisis resources",
}


async def alert_leaders(
    store: Store,
    user_id: int,
    now: datetime | None = None,
    *,
    action: str | None = "card",
    admins: Iterable[int] = (),
) -> int:
    """Queue a no-text alert to the leader of each group where this member allowed alerts.

    Called when crisis language was detected. The alert carries the group, the member's name,
    the time and which response fired (the card at once, or yes to the direct question), never
    what they wrote or the kind of crisis; one per group per 10 minutes.
    Only to someone who still leads groups: a leader, or one of `admins` (the admins now).
    """
    how = ALERT_HOW.get(action or "card", ALERT_HOW["card"])
    now = now or utcnow()
    bucket = int(now.timestamp()) // ALERT_BUCKET_SECONDS

    async def work(uow: UnitOfWork) -> int:
        rows = await uow.session.execute(
            select(Membership, Group, User.timezone)
            .join(Group, Group.id == Membership.group_id)
            .join(User, User.id == Group.leader_id)
            .where(
                Membership.user_id == user_id,
                Membership.left_at.is_(None),
                Membership.alert_leader.is_(True),
                _leads(admins),
            )
        )
        alerts = [
            outbox.Message(
                chat_id=group.leader_id,
                user_id=group.leader_id,
                subject_id=user_id,  # about the member: theirs to export and erase too
                kind=ALERT_KIND,
                ref=str(group.id),
                text=(
                    f"🔔 A member of <b>{escape(group.name)}</b>, {escape(member.display_name)}, "
                    f"may need support: {how} at {_local(now, timezone)}. It did not store "
                    "what they wrote."
                ),
                dedupe_key=f"crisis:{group.id}:{user_id}:{bucket}",
                not_before=now,
            )
            for member, group, timezone in rows
        ]
        return await outbox.enqueue_many(uow, alerts)

    return await store.run(user_id, work, ensure_user=False)  # no member, no row to create
