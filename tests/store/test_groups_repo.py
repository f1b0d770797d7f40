"""Groups in the store, on SQLite and PostgreSQL: invitations, joining, pushes, the report,
crisis alerts, and that /mydata and /delete cover every new table."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.outbox_sender import render
from state import groups as core
from state.db.groups import Group, Invite, Membership, Push
from state.db.models import OutboxMessage, Run, Turn, User, utcnow
from state.engine import RunState
from state.group_report import export_csv, group_report
from state.privacy import delete_user, export_user

LEADER, OTHER = 500, 600
A, B, C = 701, 702, 703
SCENARIO = "family/birthday-or-group"


async def setup_group(store, members=(A, B, C), **join):
    async with store.transaction(LEADER) as uow:
        await core.set_role(uow, LEADER, core.LEADER)
        group = await core.create_group(uow, LEADER, "  Tuesday\tgroup ", "Dr. Lee")
        invite = await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
    for m in members:
        async with store.transaction(m) as uow:
            result = await core.join_group(uow, invite.code, m, f"Member {m}", **join)
            assert result.status == "joined"
    return group, invite


async def count(store, model, *where) -> int:
    async with store.transaction(None) as uow:
        return await uow.session.scalar(select(func.count()).select_from(model).where(*where))


async def test_invite_codes_are_random_and_fit_a_deep_link(store):
    async with store.transaction(LEADER) as uow:
        group = await core.create_group(uow, LEADER, "G", "L")
        codes = [
            await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
            for _ in range(20)
        ]
        leader = await core.create_invite(uow, kind="leader", created_by=LEADER)
    assert len({c.code for c in codes}) == 20
    for invite in [*codes, leader]:
        # token_urlsafe(16): 128 random bits in 22 characters of the URL-safe alphabet
        assert len(invite.code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", invite.code)
        assert len(invite.payload) <= 64 and re.fullmatch(r"[gl]_[A-Za-z0-9_-]+", invite.payload)
    assert leader.payload.startswith("l_") and codes[0].payload.startswith("g_")


async def test_join_leave_rejoin_and_invite_states(store):
    group, invite = await setup_group(store, members=())
    assert group.name == "Tuesday group"
    async with store.transaction(A) as uow:
        assert (await core.check_group_invite(uow, invite.code, A)).status == "ok"
        assert (await core.check_group_invite(uow, invite.code, LEADER)).status == "own"
        assert (await core.check_group_invite(uow, "x" * 22, A)).status == "unknown"
        assert (await core.check_group_invite(uow, "bad code!", A)).status == "unknown"
        joined = await core.join_group(
            uow, invite.code, A, "Ann\u0000 Smith", shares=[core.Share.ALERT]
        )
        assert joined.status == "joined"
        assert (await core.join_group(uow, invite.code, A, "Ann")).status == "member"
    async with store.transaction(A) as uow:
        (member,) = await core.members(uow, group.id)
        assert member.display_name == "Ann Smith" and member.alert_leader
        assert await core.leave_group(uow, group.id, A) is not None
        assert await core.leave_group(uow, group.id, A) is None
        assert await core.members(uow, group.id) == []
        again = await core.join_group(uow, invite.code, A, "Ann")
        assert again.status == "joined"
        assert not (await core.members(uow, group.id))[0].alert_leader  # asked afresh
    async with store.transaction(LEADER) as uow:
        fresh = await core.renew_invite(uow, group, expires_in=timedelta(days=7))
        assert (await core.current_invite(uow, group.id)).code == fresh.code
    async with store.transaction(B) as uow:
        assert (await core.join_group(uow, invite.code, B, "B")).status == "revoked"
        later = utcnow() + timedelta(days=8)
        assert (await core.join_group(uow, fresh.code, B, "B", now=later)).status == "expired"
    async with store.transaction(LEADER) as uow:
        assert await core.revoke_invites(uow, group.id) == 1
        assert await core.current_invite(uow, group.id) is None
    assert await count(store, Membership, Membership.user_id == B) == 0


async def test_leader_invitations_work_once(store):
    async with store.transaction(LEADER) as uow:
        invite = await core.create_invite(
            uow, kind="leader", created_by=LEADER, expires_in=timedelta(days=7)
        )
        expired = await core.create_invite(
            uow, kind="leader", created_by=LEADER, expires_in=timedelta(seconds=1)
        )
    admins = [LEADER]  # who made the links, and is still an admin
    async with store.transaction(A) as uow:
        assert await core.accept_leader_invite(uow, invite.code, A, admins=admins) == "ok"
        assert await core.is_leader(uow, A)
    async with store.transaction(B) as uow:
        assert await core.accept_leader_invite(uow, invite.code, B, admins=admins) == "used"
        assert not await core.is_leader(uow, B)
        assert await core.is_leader(uow, B, admins=[B])  # admins lead without a role
        later = utcnow() + timedelta(minutes=1)
        status = await core.accept_leader_invite(uow, expired.code, B, now=later, admins=admins)
        assert status == "expired"
        # a group link is not a leader link
        group = await core.create_group(uow, LEADER, "G", "L")
        link = await core.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
        assert await core.accept_leader_invite(uow, link.code, B, admins=admins) == "unknown"
        assert await core.leader_ids(uow) == [A]


async def test_a_leader_link_stops_working_when_its_admin_is_removed(store):
    async with store.transaction(LEADER) as uow:
        invite = await core.create_invite(
            uow, kind="leader", created_by=LEADER, expires_in=timedelta(days=7)
        )
    async with store.transaction(A) as uow:
        # LEADER has left ADMIN_USER_IDS: the same shape as every other dead link
        assert await core.check_leader_invite(uow, invite.code, admins=[OTHER]) == "revoked"
        assert await core.accept_leader_invite(uow, invite.code, A, admins=[OTHER]) == "revoked"
        assert not await core.is_leader(uow, A)
        assert await core.check_leader_invite(uow, invite.code, admins=[LEADER]) == "ok"


async def test_leaders_see_only_their_groups(store):
    group, _ = await setup_group(store)
    async with store.transaction(OTHER) as uow:
        assert await core.leader_group(uow, OTHER, group.id) is None
        assert await core.find_leader_group(uow, OTHER, str(group.id)) is None
        assert await core.leader_groups(uow, OTHER) == []
    async with store.transaction(LEADER) as uow:
        assert (await core.find_leader_group(uow, LEADER, "tuesday GROUP")).id == group.id
        assert (await core.find_leader_group(uow, LEADER, str(group.id))).id == group.id


async def test_push_queues_one_message_per_reachable_member(store):
    group, _ = await setup_group(store)
    async with store.transaction(None) as uow:
        await uow.session.execute(User.__table__.update().where(User.id == C).values(active=False))
    async with store.transaction(LEADER) as uow:
        result = await core.create_push(
            uow, group, SCENARIO, title="Birthday", summary="S", created_by=LEADER
        )
        assert result.status == "ok" and result.queued == 2 and result.inactive == 1
        again = await core.create_push(
            uow, group, SCENARIO, title="Birthday", summary="S", created_by=LEADER
        )
        assert again.status == "repeat"
    push = result.push
    async with store.transaction(None) as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(r.chat_id, r.kind, r.ref, r.dedupe_key) for r in rows] == [
        (m, "push", str(push.id), f"push:{push.id}:{m}") for m in (A, B)
    ]
    assert rows[0].payload["means"] == {
        "kind": "push",
        "group": "Tuesday group",
        "leader": "Dr. Lee",
        "scenario_id": SCENARIO,
        "title": "Birthday",
        "summary": "S",
    }  # what it means, never button data or HTML: the bot draws it when it sends
    assert "buttons" not in rows[0].payload or not rows[0].payload["buttons"]

    async with store.transaction(None) as uow:
        assert await core.settle_reports(uow, lambda s: s) == []
        d = (await core.delivery(uow, [push.id]))[push.id]
        assert (d.sent, d.pending, d.total) == (0, 2, 2)
        await uow.session.execute(
            OutboxMessage.__table__.update().where(OutboxMessage.chat_id == A).values(status="sent")
        )
        await uow.session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.chat_id == B)
            .values(status="failed", error="blocked")
        )
        d = (await core.delivery(uow, [push.id]))[push.id]
        assert (d.sent, d.blocked, d.failed, d.pending) == (1, 1, 0, 0)
        assert await core.settle_reports(uow, lambda s: "Birthday") == [push.id]
        assert await core.settle_reports(uow, lambda s: "Birthday") == []
        report = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == core.REPORT_KIND)
        )
    assert report.chat_id == LEADER
    assert report.payload["means"] == {
        "kind": core.REPORT_KIND,
        "group": "Tuesday group",
        "title": "Birthday",
        "sent": 1,
        "blocked": 1,
        "failed": 0,
        "pending": 0,
        "unconfirmed": 0,
    }
    text, _ = render(report.payload)  # drawn by the bot when it is sent
    assert "✅ sent 1" in text and "🚫 blocked the bot 1" in text


async def test_empty_group_is_not_pushed(store):
    group, _ = await setup_group(store, members=())
    async with store.transaction(LEADER) as uow:
        result = await core.create_push(
            uow, group, SCENARIO, title="T", summary="S", created_by=LEADER
        )
    assert result.status == "empty" and await count(store, Push) == 0


async def add_run(store, user, scenario, status, styles, at, typed=None):
    async with store.transaction(user) as uow:
        state = RunState(scenario_id=scenario, content_hash="h", node="n", seed=1)
        run_id = await uow.runs.create(user, state)
        await uow.session.execute(
            Run.__table__.update().where(Run.id == run_id).values(started_at=at, status=status)
        )
        for i, style in enumerate(styles):
            turn = await uow.turns.add(run_id, user, i + 1, "n", f"c{i}", style, [], typed)
            await uow.session.execute(
                Turn.__table__.update().where(Turn.id == turn).values(created_at=at)
            )


async def test_report_shows_only_what_members_agreed_to(store):
    group, _ = await setup_group(store, members=(A, B))
    async with store.transaction(C) as uow:  # C shares transcripts
        invite = await core.current_invite(uow, group.id)
        await core.join_group(uow, invite.code, C, "Cy", shares=[core.Share.TRANSCRIPTS])
    async with store.transaction(LEADER) as uow:
        push = (
            await core.create_push(uow, group, SCENARIO, title="T", summary="S", created_by=LEADER)
        ).push
    before, after = push.created_at - timedelta(days=1), push.created_at + timedelta(minutes=5)
    await add_run(store, A, SCENARIO, "ended", ["assertive", "passive"], after, typed="secret A")
    await add_run(store, A, SCENARIO, "ended", ["aggressive"], before)  # before the push
    await add_run(store, A, "work/other", "ended", ["aggressive"], after)  # not pushed
    await add_run(store, B, SCENARIO, "active", ["passive"], after)
    await add_run(store, C, SCENARIO, "ended", ["assertive"], after, typed="shared C")
    async with store.transaction(LEADER) as uow:
        report = await group_report(uow, group, with_transcripts=True)
    (line,) = report.pushes
    assert (line.started, line.finished) == (3, 2)
    by = {m.member.user_id: m for m in report.members}
    assert by[A].styles == {"assertive": 1, "passive": 1}
    assert by[B].styles == {"passive": 1} and (by[B].started, by[B].finished) == (1, 0)
    assert report.styles == {"assertive": 2, "passive": 2}
    assert set(report.transcripts) == {C}
    assert [t.typed_text for t in report.transcripts[C]] == ["shared C"]
    csv_text = export_csv(report)
    assert "shared C" in csv_text and "secret A" not in csv_text
    assert "work/other" not in csv_text

    async with store.transaction(A) as uow:
        await core.leave_group(uow, group.id, A)
    async with store.transaction(LEADER) as uow:
        report = await group_report(uow, group)
    assert A not in {m.member.user_id for m in report.members}
    assert report.pushes[0].started == 2


async def test_crisis_alerts_only_where_allowed(store):
    group, _ = await setup_group(store, members=(B,))
    async with store.transaction(A) as uow:
        invite = await core.current_invite(uow, group.id)
        await core.join_group(uow, invite.code, A, "Ann", shares=[core.Share.ALERT])
    # the start of a ten-minute window, so "a minute later" is inside the same one
    bucket = int(utcnow().timestamp()) // core.ALERT_BUCKET_SECONDS
    now = datetime.fromtimestamp(bucket * core.ALERT_BUCKET_SECONDS + 1, UTC)
    assert await core.alert_leaders(store, A, now) == 1
    assert await core.alert_leaders(store, A, now + timedelta(minutes=1)) == 0  # same window
    assert await core.alert_leaders(store, B, now) == 0
    async with store.transaction(None) as uow:
        (alert,) = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == core.ALERT_KIND)
            )
        ).all()
    assert alert.chat_id == LEADER and alert.payload["means"]["member"] == "Ann"
    text, markup = render(alert.payload)  # drawn by the bot when it is sent
    assert "Ann" in text and "did not store what they wrote" in text and markup is None
    assert "showed them crisis resources at " in text and " UTC on " in text
    assert await core.alert_leaders(store, A, now + timedelta(minutes=11)) == 1


async def test_a_removed_leader_is_cut_off_at_once(store):
    group, invite = await setup_group(store, members=(B,))
    async with store.transaction(A) as uow:
        await core.join_group(uow, invite.code, A, "Ann", shares=[core.Share.ALERT])
    async with store.transaction(B) as uow:
        await core.set_sharing(uow, group.id, B, core.Share.ALERT, True)
    now = utcnow()
    assert await core.alert_leaders(store, A, now) == 1  # queued, not yet sent
    async with store.transaction(None) as uow:
        removal = await core.remove_leader(uow, LEADER, now)
    assert removal == core.Removal(True, groups=1, members=2, invites=1, alerts=1)

    async with store.transaction(None) as uow:
        rows = (await uow.session.scalars(select(OutboxMessage))).all()
        assert await core.member_groups(uow, A) == []
        assert not await core.is_leader(uow, LEADER)
        check = await core.check_group_invite(uow, invite.code, C)
    assert not [r for r in rows if r.chat_id == LEADER]  # the alert naming Ann was withdrawn
    notices = {r.chat_id: render(r.payload)[0] for r in rows if r.kind == core.CLOSED_KIND}
    assert set(notices) == {A, B}
    assert "Tuesday group</b> has closed: Dr. Lee no longer leads groups" in notices[A]
    assert "no longer see your practice or get crisis alerts" in notices[A]
    assert check.status == "revoked"
    async with store.transaction(C) as uow:
        assert (await core.join_group(uow, invite.code, C, "Cy")).status == "revoked"
    later = now + timedelta(minutes=30)
    assert await core.alert_leaders(store, A, later) == 0
    # Added back, they lead again, but the closed group and its old link stay closed.
    async with store.transaction(None) as uow:
        await core.set_role(uow, LEADER, core.LEADER)
    assert await core.alert_leaders(store, A, later) == 0
    async with store.transaction(C) as uow:
        assert (await core.check_group_invite(uow, invite.code, C)).status == "revoked"
    assert await count(store, Membership, Membership.left_at.is_(None)) == 0


async def test_removing_someone_unknown_creates_nobody(store):
    users = await count(store, User)
    async with store.transaction(None) as uow:
        assert await core.remove_leader(uow, 123456789) == core.Removal(False)
        assert not await core.set_role(uow, 987654321, core.PARTICIPANT)
    assert await count(store, User) == users


async def test_alerts_and_links_need_a_leader_now(store):
    """Whoever still leads at the moment of use: a leader by role, or an admin now."""
    async with store.transaction(OTHER) as uow:  # an admin leads without the role
        group = await core.create_group(uow, OTHER, "Admin's group", "Sam")
        invite = await core.create_invite(uow, kind="group", created_by=OTHER, group_id=group.id)
    async with store.transaction(A) as uow:
        assert (await core.check_group_invite(uow, invite.code, A)).status == "revoked"
        joined = await core.join_group(
            uow, invite.code, A, "Ann", shares=[core.Share.ALERT], admins=[OTHER]
        )
        assert joined.status == "joined"
    now = utcnow()
    assert await core.alert_leaders(store, A, now, admins=[OTHER]) == 1
    # OTHER left ADMIN_USER_IDS: no alert, no new member
    assert await core.alert_leaders(store, A, now + timedelta(minutes=11)) == 0
    async with store.transaction(B) as uow:
        assert (await core.join_group(uow, invite.code, B, "Bo")).status == "revoked"


async def test_mydata_and_delete_cover_group_tables(store):
    group, _ = await setup_group(store, members=(A, B))
    async with store.transaction(LEADER) as uow:
        await core.create_push(uow, group, SCENARIO, title="T", summary="S", created_by=LEADER)
    exported = await export_user(store, A)
    assert exported["tables"]["memberships"][0]["display_name"] == f"Member {A}"
    assert "groups" in (await export_user(store, LEADER))["tables"]
    await delete_user(store, A)
    assert await count(store, Membership) == 1
    await delete_user(store, LEADER)
    for model in (Group, Invite, Membership, Push):
        assert await count(store, model) == 0, model.__tablename__
