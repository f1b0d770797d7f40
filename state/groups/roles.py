"""Who leads: admins (from the settings, passed in), leaders (`users.role`), and removing a
leader, which closes their groups in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, false, or_, select, update

from state import outbox
from state.db.groups import Invite, Membership
from state.db.models import OutboxMessage, User, utcnow
from state.groups.membership import leader_groups, members
from state.groups.records import (
    ALERT_KIND,
    CLOSED_KIND,
    LEADER,
    PARTICIPANT,
    Removal,
)
from state.store import UnitOfWork


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


def still_leads(admins: Iterable[int]):  # noqa: ANN202 - a SQL condition on a join with the leader
    """The leader row joined in (`User`) still leads groups: a leader, or an admin now."""
    known = [int(a) for a in admins]
    return or_(User.role == LEADER, User.id.in_(known) if known else false())


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
        # what the notice means, drawn by the bot when it is sent
        closed = {"kind": CLOSED_KIND, "group": group.name, "leader": group.leader_name}
        stamp = int(now.timestamp())
        notices += outbox.meaning_to_each(
            closed,
            (m.user_id for m in people if m.active),
            ref=str(group.id),
            key=lambda uid, gid=group.id: f"group-closed:{gid}:{uid}:{stamp}",
            not_before=now,
        )
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
