"""Groups and who is in them: creating and finding a leader's groups, a member's groups and
what they share with each, leaving."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update

from state.db.groups import Group, Membership
from state.db.models import User, utcnow
from state.groups.records import (
    NAME_MAX,
    GroupRecord,
    MemberRecord,
    Share,
    group_record,
    member_record,
)
from state.store import UnitOfWork


def _current(group_id: int, user_id: int) -> ColumnElement[bool]:
    """The user's membership of the group now: a row of someone who left doesn't count."""
    return and_(
        Membership.group_id == group_id,
        Membership.user_id == user_id,
        Membership.left_at.is_(None),
    )


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
    return group_record(group)


async def get_group(uow: UnitOfWork, group_id: int) -> GroupRecord | None:
    row = await uow.session.scalar(select(Group).where(Group.id == group_id))
    return group_record(row) if row else None


async def leader_group(uow: UnitOfWork, leader_id: int, group_id: int) -> GroupRecord | None:
    """The group if `leader_id` leads it; None otherwise (someone else's, or gone)."""
    row = await uow.session.scalar(
        select(Group).where(Group.id == group_id, Group.leader_id == leader_id)
    )
    return group_record(row) if row else None


async def leader_groups(uow: UnitOfWork, leader_id: int) -> list[GroupRecord]:
    rows = await uow.session.scalars(
        select(Group).where(Group.leader_id == leader_id).order_by(Group.id)
    )
    return [group_record(g) for g in rows]


async def find_leader_group(uow: UnitOfWork, leader_id: int, ref: str) -> GroupRecord | None:
    """One of the leader's groups by number or by (case-insensitive, unique) name."""
    groups = await leader_groups(uow, leader_id)
    ref = " ".join(ref.split())
    if ref.isdigit():
        return next((g for g in groups if g.id == int(ref)), None)
    named = [g for g in groups if g.name.casefold() == ref.casefold()]
    return named[0] if len(named) == 1 else None


async def leave_group(
    uow: UnitOfWork, group_id: int, user_id: int, now: datetime | None = None
) -> GroupRecord | None:
    """Leave; the leader stops seeing anything of this member at once. None if not a member."""
    result = await uow.session.execute(
        update(Membership).where(_current(group_id, user_id)).values(left_at=now or utcnow())
    )
    if not result.rowcount:
        return None
    return await get_group(uow, group_id)


async def set_sharing(
    uow: UnitOfWork,
    group_id: int,
    user_id: int,
    share: Share,
    on: bool,
) -> MemberRecord | None:
    """Turn one of a member's choices for one group on or off; None if they are not in it."""
    row = await uow.session.scalar(select(Membership).where(_current(group_id, user_id)))
    if row is None:
        return None
    setattr(row, Share(share).value, on)
    await uow.session.flush()
    return member_record(row)


async def member_groups(uow: UnitOfWork, user_id: int) -> list[tuple[GroupRecord, MemberRecord]]:
    rows = await uow.session.execute(
        select(Group, Membership)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
        .order_by(Group.id)
    )
    return [(group_record(g), member_record(m)) for g, m in rows]


async def checkin_groups(uow: UnitOfWork, user_id: int) -> list[GroupRecord]:
    """The groups whose leader may see this member's check-ins (and the notes they share)."""
    return [g for g, m in await member_groups(uow, user_id) if m.share_checkins]


async def is_member(uow: UnitOfWork, group_id: int, user_id: int) -> bool:
    """Whether `user_id` is in the group now (not after leaving): one statement, for a live
    rehearsal asking on every line."""
    found = await uow.session.scalar(select(Membership.user_id).where(_current(group_id, user_id)))
    return found is not None


async def members(uow: UnitOfWork, group_id: int) -> list[MemberRecord]:
    """Current members (not those who left), oldest first, with whether they still reach us."""
    rows = await uow.session.execute(
        select(Membership, User.active)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id, Membership.left_at.is_(None))
        .order_by(Membership.joined_at, Membership.user_id)
    )
    return [member_record(m, bool(active)) for m, active in rows]
