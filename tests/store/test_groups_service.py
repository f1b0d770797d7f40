"""The groups service (state/groups/service.py), on SQLite and PostgreSQL: each user action is
one transaction that decides who may, and hands back plain records (#17)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from state import groups as core
from state.db.models import User, utcnow
from state.groups.service import Groups, NewGroup

LEADER, OTHER, ADMIN = 500, 600, 900
A, B = 701, 702
SCENARIO = "family/birthday-or-group"


def service(store, admins: list[int] | None = None) -> Groups:
    known = [ADMIN] if admins is None else admins
    return Groups(store, lambda: known)


async def leader(store, user_id: int = LEADER) -> None:
    async with store.transaction(user_id) as uow:
        await core.set_role(uow, user_id, core.LEADER)


async def tuesday(store) -> tuple[Groups, NewGroup]:
    """The service, and LEADER's group "Tuesday" with its invitation."""
    groups = service(store)
    await leader(store)
    return groups, await groups.create_group(LEADER, "Tuesday", "Dr. Lee")


async def users(store) -> int:
    async with store.transaction(None) as uow:
        return await uow.session.scalar(select(func.count()).select_from(User))


async def test_a_leader_creates_a_group_finds_it_and_nobody_else_does(store):
    groups = service(store)
    assert await groups.leading(LEADER) is None  # not a leader yet
    await leader(store)
    await leader(store, OTHER)
    assert await groups.leading(LEADER) == ()
    made = await groups.create_group(LEADER, " Tuesday\tgroup ", "Dr. Lee")
    assert made.group.name == "Tuesday group" and made.invite.group_id == made.group.id
    assert await groups.leading(LEADER) == (made.group,)
    assert await groups.own_group(LEADER, made.group.id) == made.group
    assert await groups.own_group(OTHER, made.group.id) is None
    assert await groups.find_group(LEADER, "") == made.group  # their only group
    assert await groups.find_group(LEADER, "tuesday GROUP") == made.group
    assert await groups.find_group(OTHER, str(made.group.id)) is None
    second = await groups.create_group(LEADER, "Thursday", "Dr. Lee")
    assert await groups.find_group(LEADER, "") is None  # two groups: which one?
    assert await groups.current_invite(second.group) == second.invite
    renewed = await groups.renew_invite(second.group, days=7)
    assert renewed.code != second.invite.code and renewed.expires_at is not None
    assert await groups.revoke_invites(second.group) == 1
    assert await groups.current_invite(second.group) is None


async def test_a_member_joins_changes_what_they_share_and_leaves(store):
    groups, made = await tuesday(store)
    code = made.invite.code
    assert (await groups.check_invite(A, code)).status == "ok"
    assert (await groups.check_invite(LEADER, code)).status == "own"
    joined = await groups.join(A, code, "Ann", [core.Share.ALERT])
    assert joined.status == "joined" and joined.group == made.group
    assert (await groups.check_invite(A, code)).status == "member"
    [(group, member)] = await groups.member_groups(A)
    assert group == made.group and member.alert_leader and not member.share_transcripts
    changed = await groups.set_sharing(A, made.group.id, core.Share.CHECKINS, True)
    assert changed is not None and changed.group == made.group
    assert changed.member.share_checkins and changed.member.alert_leader
    assert await groups.set_sharing(B, made.group.id, core.Share.CHECKINS, True) is None
    mine = await groups.my_groups(A)
    assert [g for g, _ in mine.memberships] == [made.group] and mine.led == ()
    assert (await groups.my_groups(LEADER)).led == (made.group,)
    assert [m.user_id for m in await groups.members(made.group)] == [A]
    assert await groups.leave(A, made.group.id) == made.group
    assert await groups.leave(A, made.group.id) is None
    assert await groups.members(made.group) == []


async def test_a_link_is_checked_for_a_newcomer_without_writing_a_row(store):
    groups, made = await tuesday(store)
    before = await users(store)
    assert await groups.link_status(A, "group", made.invite.code) == "ok"
    assert await groups.link_status(A, "group", "x" * 22) == "unknown"
    assert await groups.link_status(A, "leader", "x" * 22) == "unknown"
    assert await users(store) == before  # a read: no row for someone who hasn't agreed yet


async def test_the_admins_are_read_at_every_call(store):
    admins = [ADMIN]
    groups = Groups(store, lambda: admins)
    assert groups.is_admin(ADMIN) and await groups.is_leader(ADMIN)
    invite = await groups.invite_leader(ADMIN)
    assert invite.kind == "leader" and invite.expires_at is not None
    assert invite.expires_at - invite.created_at == core.LEADER_INVITE_TTL
    offer = await groups.leader_offer(A, invite.code)
    assert offer.status == "ok" and not offer.already
    admins.clear()  # ADMIN left ADMIN_USER_IDS: their link dies with them
    assert not groups.is_admin(ADMIN) and not await groups.is_leader(ADMIN)
    assert (await groups.leader_offer(A, invite.code)).status == "revoked"
    assert await groups.accept_leader_invite(A, invite.code) == "revoked"
    admins.append(ADMIN)
    assert await groups.accept_leader_invite(A, invite.code) == "ok"
    assert (await groups.leader_offer(A, invite.code)).already
    assert A in await groups.leader_ids(ADMIN)
    removal = await groups.remove_leader(ADMIN, A)
    assert removal.removed and not await groups.is_leader(A)


async def test_a_push_its_delivery_and_report_belong_to_the_leader(store):
    groups = service(store)
    await leader(store)
    await leader(store, OTHER)
    made = await groups.create_group(LEADER, "Tuesday", "Dr. Lee")
    await groups.join(A, made.invite.code, "Ann")
    result = await groups.push(LEADER, made.group, SCENARIO, title="Birthday", summary="A talk")
    assert result.status == "ok" and result.queued == 1 and result.push is not None
    again = await groups.push(LEADER, made.group, SCENARIO, title="Birthday", summary="A talk")
    assert again.status == "repeat"
    found = await groups.push_delivery(LEADER, result.push.id)
    assert found is not None and found.group == made.group and found.delivery.pending == 1
    assert await groups.push_delivery(OTHER, result.push.id) is None
    assert await groups.settle_reports(lambda sid: sid) == []  # still pending
    report = await groups.report(made.group)
    assert [line.push.id for line in report.pushes] == [result.push.id]


async def test_the_overview_and_export_carry_the_shared_checkins(store):
    groups, made = await tuesday(store)
    await groups.join(A, made.invite.code, "Ann", [core.Share.CHECKINS])
    await groups.join(B, made.invite.code, "Ben")
    since = utcnow().date() - timedelta(days=6)
    overview = await groups.overview(made.group, since)
    assert overview.report.group == made.group and len(overview.report.members) == 2
    assert overview.checkins.members == 2 and overview.checkins.sharing == 1
    exported = await groups.export(made.group)
    assert exported.checkins.sharing == 1 and exported.report.group == made.group


async def test_the_server_makes_lists_and_removes_leaders(store):
    groups = Groups(store)  # the command line: no admins
    assert await groups.make_leader(LEADER) and not await groups.make_leader(LEADER)
    await groups.create_group(LEADER, "Tuesday", "Dr. Lee")
    assert await groups.leaders() == [(LEADER, 1)]
    removal = await groups.remove_leader(None, LEADER)
    assert removal.removed and removal.groups == 1
    assert await groups.leaders() == []


async def test_a_crisis_alert_goes_to_a_leader_the_member_allowed(store):
    groups, made = await tuesday(store)
    await groups.join(A, made.invite.code, "Ann", [core.Share.ALERT])
    await groups.join(B, made.invite.code, "Ben")
    # run as the crisis record runs it: a step of the member's own transaction
    assert await store.run(A, groups.alert_work(A, action="ask"), ensure_user=False) == 1
    assert await store.run(B, groups.alert_work(B), ensure_user=False) == 0  # Ben didn't allow it
