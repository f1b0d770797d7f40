"""The groups service: what a leader, a member or an admin does, one method per user action.

Each method is ONE transaction over the functions of this package (`Store.run`, retried whole
on a conflict, for an action that writes, which marks the Telegram update it answers,
`update_id`, in the same transaction; `Store.read` for one that only reads), and returns plain
frozen records; a channel renders and sends them after the commit. Who may
do what is decided below this line (a leader's id goes into every leader action, and a group
that isn't theirs comes back as None), so a forged button changes nothing.

The admins are read from the settings at every call (`admins`), not once: a leader invitation
dies with the admin who made it, and a removed admin stops leading at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from state.checkins import GroupCheckinSummary, group_checkin_summary
from state.group_report import GroupReport, group_report
from state.groups import alerts, invites, membership, pushes, records, roles
from state.store import Store, UnitOfWork

# ---- what the service returns, beside the package's records -----------------------------------


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A group just created, with the invitation link made with it."""

    group: records.GroupRecord
    invite: records.InviteRecord


@dataclass(frozen=True, slots=True)
class LeaderOffer:
    """What a leader invitation offers this user: `status` (ok, unknown, used, revoked,
    expired), and whether they already lead (then there is nothing to offer)."""

    status: str
    already: bool


@dataclass(frozen=True, slots=True)
class PushDelivery:
    push: records.PushRecord
    group: records.GroupRecord
    delivery: records.Delivery


@dataclass(frozen=True, slots=True)
class Sharing:
    """A member's new choices in one group, with the group they are about."""

    member: records.MemberRecord
    group: records.GroupRecord


@dataclass(frozen=True, slots=True)
class MyGroups:
    """/mygroups: the groups someone is in (with what they share), and those they lead."""

    memberships: tuple[tuple[records.GroupRecord, records.MemberRecord], ...]
    led: tuple[records.GroupRecord, ...]


@dataclass(frozen=True, slots=True)
class GroupOverview:
    """/group and /export: the report and the check-ins members share with the leader."""

    report: GroupReport
    checkins: GroupCheckinSummary


class Groups:
    def __init__(self, store: Store, admins: Callable[[], Iterable[int]] = tuple) -> None:
        self.store = store
        self._admins = admins

    @property
    def admins(self) -> tuple[int, ...]:
        """The admins now (ADMIN_USER_IDS as the settings say at this moment)."""
        return tuple(int(a) for a in self._admins())

    def is_admin(self, user_id: int) -> bool:
        return roles.is_admin(user_id, self.admins)

    # ---- leaders, and the admins who make them ---------------------------------------------

    async def is_leader(self, user_id: int) -> bool:
        """A leader, or an admin (who may do everything a leader does)."""
        admins = self.admins
        return await self.store.read(lambda uow: roles.is_leader(uow, user_id, admins))

    async def leading(self, user_id: int) -> tuple[records.GroupRecord, ...] | None:
        """The groups `user_id` leads, oldest first; None when they are no leader at all."""
        admins = self.admins

        async def work(uow: UnitOfWork) -> tuple[records.GroupRecord, ...] | None:
            if not await roles.is_leader(uow, user_id, admins):
                return None
            return tuple(await membership.leader_groups(uow, user_id))

        return await self.store.read(work)

    async def leader_ids(self, admin_id: int) -> list[int]:
        return await self.store.read(roles.leader_ids)

    async def invite_leader(
        self, admin_id: int, *, update_id: int | None = None
    ) -> records.InviteRecord:
        """A one-time leader invitation link, valid for LEADER_INVITE_TTL."""
        return await self.store.run(
            admin_id,
            lambda uow: invites.create_invite(
                uow, kind="leader", created_by=admin_id, expires_in=records.LEADER_INVITE_TTL
            ),
            update_id=update_id,
        )

    async def remove_leader(
        self, admin_id: int | None, leader_id: int, *, update_id: int | None = None
    ) -> records.Removal:
        """Cut a leader off at once (their groups close); `admin_id` None from the server."""
        return await self.store.run(
            admin_id, lambda uow: roles.remove_leader(uow, leader_id), update_id=update_id
        )

    async def make_leader(self, user_id: int) -> bool:
        """Make someone a leader from the server (`rehearse leaders add`); False if already."""
        return await self.store.run(None, lambda uow: roles.set_role(uow, user_id, records.LEADER))

    async def leaders(self) -> list[tuple[int, int]]:
        """Every leader's id, with how many groups they lead (`rehearse leaders list`)."""

        async def work(uow: UnitOfWork) -> list[tuple[int, int]]:
            ids = await roles.leader_ids(uow)
            return [(i, len(await membership.leader_groups(uow, i))) for i in ids]

        return await self.store.read(work)

    async def leader_offer(self, user_id: int, code: str) -> LeaderOffer:
        admins = self.admins

        async def work(uow: UnitOfWork) -> LeaderOffer:
            status = await invites.check_leader_invite(uow, code, admins=admins)
            return LeaderOffer(status, await roles.is_leader(uow, user_id, admins))

        return await self.store.read(work)

    async def accept_leader_invite(
        self, user_id: int, code: str, *, update_id: int | None = None
    ) -> str:
        """'ok', or why not (unknown, used, revoked, expired)."""
        admins = self.admins
        return await self.store.run(
            user_id,
            lambda uow: invites.accept_leader_invite(uow, code, user_id, admins=admins),
            update_id=update_id,
        )

    # ---- a leader's groups -------------------------------------------------------------------

    async def create_group(
        self, leader_id: int, name: str, leader_name: str, *, update_id: int | None = None
    ) -> NewGroup:
        """The group and its first invitation link, together."""

        async def work(uow: UnitOfWork) -> NewGroup:
            group = await membership.create_group(uow, leader_id, name, leader_name)
            invite = await invites.create_invite(
                uow, kind="group", created_by=leader_id, group_id=group.id
            )
            return NewGroup(group, invite)

        return await self.store.run(leader_id, work, update_id=update_id)

    async def own_group(self, leader_id: int, group_id: int) -> records.GroupRecord | None:
        """The group if `leader_id` leads it; None otherwise (someone else's, or gone)."""
        return await self.store.read(lambda uow: membership.leader_group(uow, leader_id, group_id))

    async def find_group(self, leader_id: int, ref: str) -> records.GroupRecord | None:
        """One of the leader's groups by number or unique name; with no `ref`, their only one."""

        async def work(uow: UnitOfWork) -> records.GroupRecord | None:
            if ref:
                return await membership.find_leader_group(uow, leader_id, ref)
            mine = await membership.leader_groups(uow, leader_id)
            return mine[0] if len(mine) == 1 else None

        return await self.store.read(work)

    async def current_invite(self, group: records.GroupRecord) -> records.InviteRecord | None:
        return await self.store.read(lambda uow: invites.current_invite(uow, group.id))

    async def renew_invite(
        self, group: records.GroupRecord, days: int = 0, *, update_id: int | None = None
    ) -> records.InviteRecord:
        """A fresh link (`days` to live, 0 for none) in place of the group's old ones."""
        expires_in = timedelta(days=days) if days else None
        return await self.store.run(
            group.leader_id,
            lambda uow: invites.renew_invite(uow, group, expires_in=expires_in),
            update_id=update_id,
        )

    async def revoke_invites(
        self, group: records.GroupRecord, *, update_id: int | None = None
    ) -> int:
        return await self.store.run(
            group.leader_id, lambda uow: invites.revoke_invites(uow, group.id), update_id=update_id
        )

    async def members(self, group: records.GroupRecord) -> list[records.MemberRecord]:
        return await self.store.read(lambda uow: membership.members(uow, group.id))

    # ---- pushes and what a leader sees -----------------------------------------------------

    async def push(
        self,
        leader_id: int,
        group: records.GroupRecord,
        scenario_id: str,
        *,
        title: str,
        summary: str,
        update_id: int | None = None,
    ) -> records.PushResult:
        """Record the push and queue its messages (ok, empty, or a repeat moments after)."""
        return await self.store.run(
            leader_id,
            lambda uow: pushes.create_push(
                uow, group, scenario_id, title=title, summary=summary, created_by=leader_id
            ),
            update_id=update_id,
        )

    async def push_delivery(self, leader_id: int, push_id: int) -> PushDelivery | None:
        """How a push of the leader's went so far; None when it isn't theirs (or is gone)."""

        async def work(uow: UnitOfWork) -> PushDelivery | None:
            push = await pushes.get_push(uow, push_id)
            group = await membership.leader_group(uow, leader_id, push.group_id) if push else None
            if push is None or group is None:
                return None
            counts = await pushes.delivery(uow, [push.id])
            return PushDelivery(push, group, counts[push.id])

        return await self.store.read(work)

    async def settle_reports(self, title_of: Callable[[str], str]) -> list[int]:
        """Queue the delivery report of every settled push (the repeating job's one action)."""
        return await self.store.run(None, lambda uow: pushes.settle_reports(uow, title_of))

    async def report(self, group: records.GroupRecord) -> GroupReport:
        """The group at a glance, without transcripts (the style chart draws from it)."""
        return await self.store.read(lambda uow: group_report(uow, group))

    async def overview(self, group: records.GroupRecord, since: date) -> GroupOverview:
        """/group: the report, and the check-ins shared since `since`."""

        async def work(uow: UnitOfWork) -> GroupOverview:
            report = await group_report(uow, group)
            return GroupOverview(report, await group_checkin_summary(uow, group.id, since))

        return await self.store.read(work)

    async def export(self, group: records.GroupRecord) -> GroupOverview:
        """/export: the report with the transcripts members share, and every shared note."""

        async def work(uow: UnitOfWork) -> GroupOverview:
            report = await group_report(uow, group, with_transcripts=True)
            since = group.created_at.date()
            return GroupOverview(report, await group_checkin_summary(uow, group.id, since))

        return await self.store.read(work)

    def alert_work(
        self, user_id: int, *, action: str | None = "card"
    ) -> Callable[[UnitOfWork], Awaitable[int]]:
        """Crisis language from this member: a no-text alert to each leader they allowed it,
        as a step of another action's transaction (the safety service runs it with the crisis
        record, so the event and its alerts are one write)."""
        return alerts.alert_work(user_id, action=action, admins=self.admins)

    # ---- a member ------------------------------------------------------------------------------

    async def check_invite(self, user_id: int, code: str) -> records.InviteCheck:
        """What a group link leads to for this user (ok, own, member, or why it doesn't work)."""
        admins = self.admins
        return await self.store.read(
            lambda uow: invites.check_group_invite(uow, code, user_id, admins=admins)
        )

    async def link_status(self, user_id: int, kind: str, code: str) -> str:
        """The status of a group or leader link, read before a newcomer agrees to anything (so
        no row is written for them)."""
        admins = self.admins

        async def work(uow: UnitOfWork) -> str:
            if kind == "group":
                check = await invites.check_group_invite(uow, code, user_id, admins=admins)
                return check.status
            return await invites.check_leader_invite(uow, code, admins=admins)

        return await self.store.read(work)

    async def join(
        self,
        user_id: int,
        code: str,
        display_name: str,
        shares: Collection[records.Share] = (),
        *,
        update_id: int | None = None,
    ) -> records.InviteCheck:
        """Join through a link (checked again), sharing `shares`; status `joined`, or why not."""
        admins = self.admins
        return await self.store.run(
            user_id,
            lambda uow: invites.join_group(
                uow, code, user_id, display_name, shares=shares, admins=admins
            ),
            update_id=update_id,
        )

    async def leave(
        self, user_id: int, group_id: int, *, update_id: int | None = None
    ) -> records.GroupRecord | None:
        """The group left; None if they weren't in it."""
        return await self.store.run(
            user_id, lambda uow: membership.leave_group(uow, group_id, user_id), update_id=update_id
        )

    async def set_sharing(
        self,
        user_id: int,
        group_id: int,
        share: records.Share,
        on: bool,
        *,
        update_id: int | None = None,
    ) -> Sharing | None:
        """Turn one of a member's choices for one group on or off; None if they aren't in it."""

        async def work(uow: UnitOfWork) -> Sharing | None:
            member = await membership.set_sharing(uow, group_id, user_id, share, on)
            group = await membership.get_group(uow, group_id) if member else None
            return Sharing(member, group) if member and group else None

        return await self.store.run(user_id, work, update_id=update_id)

    async def member_groups(
        self, user_id: int
    ) -> list[tuple[records.GroupRecord, records.MemberRecord]]:
        return await self.store.read(lambda uow: membership.member_groups(uow, user_id))

    async def my_groups(self, user_id: int) -> MyGroups:
        admins = self.admins

        async def work(uow: UnitOfWork) -> MyGroups:
            mine = await membership.member_groups(uow, user_id)
            leads = await roles.is_leader(uow, user_id, admins)
            led = await membership.leader_groups(uow, user_id) if leads else []
            return MyGroups(tuple(mine), tuple(led))

        return await self.store.read(work)
