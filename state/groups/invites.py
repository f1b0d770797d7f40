"""Invitation links: a group's (join it) and a leader's (become one), how each is checked,
used, renewed and revoked. A link into the group of someone who no longer leads, or made by an
admin no longer among the admins, is "revoked" whatever its own state."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update

from state.db.groups import Invite, Membership
from state.db.models import utcnow
from state.groups.membership import clean_name, get_group, is_member
from state.groups.records import (
    CODE,
    CODE_BYTES,
    LEADER,
    GroupRecord,
    InviteCheck,
    InviteRecord,
    Share,
    invite_record,
)
from state.groups.roles import is_admin, is_leader, set_role
from state.store import UnitOfWork


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
    return invite_record(invite)


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
    return invite_record(row) if row else None


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
        return InviteCheck("own", invite_record(invite), group)
    member = await is_member(uow, group.id, user_id)
    return InviteCheck("member" if member else "ok", invite_record(invite), group)


async def join_group(
    uow: UnitOfWork,
    code: str,
    user_id: int,
    display_name: str,
    *,
    shares: Collection[Share] = (),
    now: datetime | None = None,
    admins: Iterable[int] = (),
) -> InviteCheck:
    """Join through a link (checked again: it may have been revoked since it was shown), sharing
    `shares` with the leader and nothing else.

    Rejoining after leaving starts afresh: the leader sees only practice after `joined_at`.
    """
    now = now or utcnow()
    check = await check_group_invite(uow, code, user_id, now, admins=admins)
    if check.status != "ok" or check.group is None:
        return check
    name = clean_name(display_name) or f"Member {user_id % 10_000:04d}"
    chosen = {share.value: share in shares for share in Share}
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
                **chosen,
            )
        )
    else:
        row.display_name, row.joined_at, row.left_at = name, now, None
        for column, on in chosen.items():
            setattr(row, column, on)
    # Someone opening a link is evidently reachable again, even if they once blocked the bot.
    await uow.users.set_active(user_id, True)
    await uow.session.flush()
    return InviteCheck("joined", check.invite, check.group)


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
