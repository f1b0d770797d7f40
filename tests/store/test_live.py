"""The live rehearsal service on SQLite and PostgreSQL: who may act in a chat, a vote from poll
to tally, the leader's pick, timers, members' lines (kept only while their vote is open,
crisis language never), what a restart left half-way, and /mydata and /delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from bot.outbox_sender import drain_once
from offline import Sent, make_bot
from scenarios.library import Library
from state import groups, outbox
from state.db.live import LiveChat, LiveLine, LiveRun, LiveStep
from state.db.models import OutboxMessage, SafetyEvent
from state.live import LINE_GONE_KIND, LINE_KIND, Live, Where
from state.live.results import options_at, tally
from state.privacy import delete_user, export_user

LEADER, OTHER_LEADER = 800, 801
A, B, C, OUTSIDER = 811, 812, 813, 899
CHAT, OTHER_CHAT = -100500, -100501
SCENARIO = "family/birthday-or-group"
LINE = "Mom, Tuesday is my group. Could we have Dana's dinner on Saturday instead?"


async def setup(store, library) -> tuple[Live, int]:
    async with store.transaction(None) as uow:
        for leader in (LEADER, OTHER_LEADER):
            await uow.users.set_consent(leader, "v1")
            await groups.set_role(uow, leader, groups.LEADER)
        group = await groups.create_group(uow, LEADER, "Tuesday group", "Sam")
        await groups.create_group(uow, OTHER_LEADER, "Thursday group", "Lee")
        invite = await groups.create_invite(uow, kind="group", created_by=LEADER, group_id=group.id)
        for member in (A, B, C, OUTSIDER):
            await uow.users.set_consent(member, "v1")
        for member in (A, B, C):
            assert (await groups.join_group(uow, invite.code, member, f"M{member}")).status == (
                "joined"
            )
    return Live(store, library), group.id


async def started(store, library):
    live, group_id = await setup(store, library)
    assert (await live.link(LEADER, CHAT, group_id)).status == "ok"
    out = await live.start(LEADER, CHAT, SCENARIO, seed=1)
    assert out.status == "ok" and out.moment is not None
    assert (await live.posted(out.moment.where.run_id, 0, "poll-0", 5000)).status == "ok"
    return live, out.moment


async def count(store, model, *where) -> int:
    async with store.transaction(None) as uow:
        return await uow.session.scalar(select(func.count()).select_from(model).where(*where))


async def test_only_the_groups_leader_acts_in_its_chat(store, real_library):
    live, group_id = await setup(store, real_library)
    # Anyone who isn't a leader: silence, and not even a user row for a stranger.
    assert (await live.entry(OUTSIDER, CHAT)).status == "ignore"
    assert (await live.entry(9999, CHAT)).status == "ignore"
    assert (await live.start(9999, CHAT, SCENARIO)).status == "ignore"
    async with store.transaction(None) as uow:
        assert await uow.users.get(9999) is None
    # The leader is offered their groups, links, and is offered the scenarios.
    entry = await live.entry(LEADER, CHAT)
    assert entry.status == "choose" and [g.name for g in entry.groups] == ["Tuesday group"]
    assert (await live.start(LEADER, CHAT, SCENARIO)).status == "not-linked"
    assert (await live.link(OTHER_LEADER, CHAT, group_id)).status == "ignore"  # not theirs
    assert (await live.link(LEADER, CHAT, group_id)).status == "ok"
    assert (await live.entry(LEADER, CHAT)).status == "idle"
    # Another leader can neither use nor take the chat; a member can't act in it.
    assert (await live.entry(OTHER_LEADER, CHAT)).status == "ignore"
    other = (await live.entry(OTHER_LEADER, OTHER_CHAT)).groups[0]
    assert (await live.link(OTHER_LEADER, CHAT, other.id)).status == "ignore"
    assert (await live.start(OTHER_LEADER, CHAT, SCENARIO)).status == "ignore"
    assert (await live.start(A, CHAT, SCENARIO)).status == "ignore"
    assert (await live.start(LEADER, CHAT, "family/no-such-thing")).status == "unknown"
    out = await live.start(LEADER, CHAT, SCENARIO)
    assert out.status == "ok"
    assert (await live.start(LEADER, CHAT, SCENARIO)).status == "busy"
    run_id = out.moment.where.run_id
    assert (await live.close(A, run_id, 0)).status == "ignore"
    assert (await live.stop(A, CHAT)).status == "ignore"
    # A leader removed as leader keeps the group but can't run it.
    async with store.transaction(None) as uow:
        await groups.set_role(uow, LEADER, groups.PARTICIPANT)
    assert (await live.stop(LEADER, CHAT)).status == "ignore"
    assert (await live.entry(LEADER, CHAT)).status == "ignore"


async def test_a_vote_from_poll_to_tally_to_the_debrief(store, real_library):
    live, moment = await started(store, real_library)
    run_id = moment.where.run_id
    assert moment.opening and [line.name for line in moment.lines] == ["", "Mom"]
    ids = [o.choice_id for o in moment.options]
    texts = [o.text for o in moment.options]
    assert texts == [
        "What's the plan for it?",
        "Um, maybe, I'll see…",
        "Tomorrow is my group night",
        "You know I have group!",
    ]
    # `poll` updates keep the latest counts; the stopped poll's are final.
    assert await live.poll_state("poll-0", [0, 1, 1, 0])
    assert not await live.poll_state("unknown-poll", [1, 1, 1, 1])
    closing = await live.close(LEADER, run_id, 0)
    assert closing.status == "ok" and closing.closing.message_id == 5000
    assert (await live.close(LEADER, run_id, 0)).status == "closed"  # a double press
    assert (await live.follow(LEADER, run_id, 0, 2)).status == "stale"  # not counted yet
    counted = await live.count(run_id, 0, [0, 1, 3, 0])
    t = counted.tally
    assert t.total == 4 and t.follow == ids[2] and not t.tied
    assert [n for _, n in t.options] == [0, 1, 3, 0]
    assert t.options[2][0].style == "assertive" and t.options[2][0].feedback
    # The story follows the votes; a second press is stale.
    nxt = await live.follow(LEADER, run_id, 0, 2)
    assert nxt.status == "ok" and nxt.moment.step == 1 and not nxt.moment.opening
    assert nxt.moment.after.choice_id == ids[2] and not nxt.moment.by_leader
    assert (await live.follow(LEADER, run_id, 0, 2)).status == "stale"
    # Step 2: Telegram couldn't stop the poll: the last `poll` update's counts stand; the
    # leader shows another option than the most voted.
    await live.posted(run_id, 1, "poll-1", 5001)
    await live.poll_state("poll-1", [2, 0, 1, 0])
    await live.close(LEADER, run_id, 1)
    t = (await live.count(run_id, 1, None)).tally
    assert t.follow == nxt.moment.options[0].choice_id and t.total == 3
    torn = [o.text for o in nxt.moment.options].index("I feel torn, and group matters")
    step3 = await live.follow(LEADER, run_id, 1, torn)
    assert step3.moment.after.text == "I feel torn, and group matters" and step3.moment.by_leader
    # Steps 3 and 4 by the votes, to the ending.
    step = step3.moment
    for n, text in ((2, "My recovery is for us too"), (3, "I'll take Dana to lunch Saturday")):
        index = [o.text for o in step.options].index(text)
        await live.posted(run_id, n, f"poll-{n}", 5000 + n)
        await live.close(LEADER, run_id, n)
        final = [1 if i == index else 0 for i in range(len(step.options))]
        await live.count(run_id, n, final)
        step = (await live.follow(LEADER, run_id, n, index)).moment
    debrief = step.ending
    assert debrief is not None and step.options == () and step.lines
    assert [p.option.text for p in debrief.path] == [
        "Tomorrow is my group night",
        "I feel torn, and group matters",
        "My recovery is for us too",
        "I'll take Dana to lunch Saturday",
    ]
    assert [(p.votes, p.total, p.by_leader) for p in debrief.path] == [
        (3, 4, False),
        (1, 3, True),
        (1, 1, False),
        (1, 1, False),
    ]
    assert debrief.path[1].top.text == "I'm so sorry, I'm a bad kid"
    # Every vote cast, by style: 1 passive + 3 assertive; 2 passive + 1 assertive; 1 + 1.
    assert debrief.votes_by_style == {"passive": 3, "assertive": 6}
    assert debrief.skills and debrief.try_this_week
    async with store.transaction(None) as uow:
        run = await uow.session.scalar(select(LiveRun))
        steps = list(await uow.session.scalars(select(LiveStep).order_by(LiveStep.step)))
    assert run.status == "ended" and run.ended_at is not None
    assert [s.chosen_by for s in steps] == ["votes", "leader", "votes", "votes"]
    assert steps[0].votes == dict(zip(ids, [0, 1, 3, 0], strict=True))
    assert (await live.entry(LEADER, CHAT)).status == "idle"  # the chat is free again


def test_a_tie_follows_the_first_listed_and_no_vote_follows_nothing(real_library):
    scenario = real_library.get(SCENARIO)
    opts = options_at(scenario, scenario.start, [c.id for c in scenario.nodes["call"].choices])
    where = Where(1, CHAT, None)
    tied = tally(where, 0, "T", opts, {opts[1].choice_id: 2, opts[3].choice_id: 2})
    assert tied.follow == opts[1].choice_id
    assert tied.tied == (opts[1].choice_id, opts[3].choice_id)
    nobody = tally(where, 0, "T", opts, {})
    assert nobody.follow is None and nobody.total == 0
    odd = tally(where, 0, "T", opts, {opts[0].choice_id: "3", opts[2].choice_id: -1})
    assert odd.total == 0  # stored counts that aren't counts count as none


async def test_timers(store, real_library):
    live, moment = await started(store, real_library)
    run_id = moment.where.run_id
    assert await live.due() == []
    assert (await live.set_timer(A, run_id, 0, 60)).status == "ignore"
    out = await live.set_timer(LEADER, run_id, 0, 5)
    assert out.status == "ok" and out.extra["seconds"] == 15  # at least 15 s
    assert (await live.close(None, run_id, 0)).status == "stale"  # not yet due
    later = datetime.now(UTC) + timedelta(seconds=16)
    assert await live.due(later) == [(run_id, 0)]
    with time_machine.travel(later, tick=False):
        closed = await live.close(None, run_id, 0)
    assert closed.status == "ok" and await live.due(later) == []
    # A run with a timer for every vote starts each one's clock when its poll is out.
    await live.stop(LEADER, CHAT)
    out = await live.start(LEADER, CHAT, SCENARIO, vote_seconds=90)
    assert out.moment.vote_seconds == 90
    run_id = out.moment.where.run_id
    await live.posted(run_id, 0, "poll-x", 6000)
    assert await live.due(datetime.now(UTC) + timedelta(seconds=80)) == []
    assert await live.due(datetime.now(UTC) + timedelta(seconds=95)) == [(run_id, 0)]


async def test_members_lines(store, real_library):
    live, moment = await started(store, real_library)
    run_id = moment.where.run_id
    assert (await live.open_line(OUTSIDER, run_id)).status == "not-member"
    assert not await live.drafting(OUTSIDER)
    opened = await live.open_line(A, run_id)
    assert opened.status == "ok" and opened.moment.lines
    assert await live.drafting(A)
    assert (await live.write_line(A, "   ")).status == "empty"
    assert (await live.write_line(A, "x" * 601)).status == "too-long"
    out = await live.write_line(A, LINE)
    assert out.status == "ok" and out.line.text == LINE and out.line.reading.feedback
    assert not await live.drafting(A)
    # The leader's copy: what it means, the words and the coach's reading, never a name or an
    # id; no HTML, no button data (bot/features/live_messages.py draws them).
    async with store.transaction(None) as uow:
        copy = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "live-line")
        )
    means = copy.payload["means"]
    assert copy.chat_id == LEADER and copy.payload["text"] == "" and not copy.payload["buttons"]
    assert means["kind"] == LINE_KIND and means["text"] == LINE and means["line"] == out.line.id
    assert (means["group"], means["step"], means["reading"]["style"]) == (
        "Tuesday group",
        0,
        out.line.reading.style,
    )
    assert f"M{A}" not in str(means) and A not in means.values()

    # B writes one and takes it back before anyone shows it: its copy is never sent.
    await live.open_line(B, run_id)
    taken = (await live.write_line(B, "I can't make it, sorry.")).line
    assert (await live.withdraw(A, taken.id)).status == "closed"  # not A's to take back
    assert (await live.withdraw(B, taken.id)).status == "ok"
    assert (await live.show_line(LEADER, taken.id)).status == "withdrawn"
    async with store.transaction(None) as uow:
        gone = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"live-line:{taken.id}")
        )
        line = await uow.session.get(LiveLine, taken.id)
    gone_means = {"kind": LINE_GONE_KIND}
    assert gone.status == "failed" and gone.payload["means"] == gone_means and line.text is None
    assert "can't make it" not in str(gone.payload)

    # Only the leader shows a line, one a vote; it can't be taken back after.
    assert (await live.show_line(OTHER_LEADER, out.line.id)).status == "ignore"
    shown = await live.show_line(LEADER, out.line.id)
    assert shown.status == "ok" and shown.line.text == LINE and shown.line.where.chat_id == CHAT
    assert (await live.withdraw(A, out.line.id)).status == "shown"
    await live.open_line(C, run_id)
    third = (await live.write_line(C, "Can we talk about this tomorrow?")).line
    assert (await live.show_line(LEADER, third.id)).status == "limit"

    # Closing the vote forgets every line and the words in the leader's copies.
    await live.open_line(C, run_id)  # a draft, never written
    await live.close(LEADER, run_id, 0)
    assert await count(store, LiveLine) == 0
    async with store.transaction(None) as uow:
        copies = list(
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "live-line")
            )
        )
    assert copies and all(c.payload["means"] == gone_means for c in copies)
    assert not any(LINE in str(c.payload) for c in copies)
    assert (await live.show_line(LEADER, third.id)).status == "closed"
    assert not await live.drafting(C)
    assert (await live.open_line(A, run_id)).status == "closed"
    async with store.transaction(None) as uow:
        step = await uow.session.get(LiveStep, (run_id, 0))
    assert (step.lines, step.lines_shown) == (3, 1)


async def test_a_member_who_left_sends_no_line(store, real_library):
    live, moment = await started(store, real_library)
    await live.open_line(A, moment.where.run_id)
    async with store.transaction(A) as uow:
        group = (await groups.member_groups(uow, A))[0][0]
        await groups.leave_group(uow, group.id, A)
    assert (await live.write_line(A, LINE)).status == "not-member"
    assert await count(store, LiveLine) == 0
    assert await count(store, OutboxMessage, OutboxMessage.kind == "live-line") == 0


async def test_a_crisis_line_is_never_kept_nor_passed_on(store, real_library):
    live, moment = await started(store, real_library)
    run_id = moment.where.run_id
    await live.open_line(A, run_id)
    out = await live.write_line(A, "I want to kill myself")
    assert out.status == "crisis" and out.crisis.crisis
    assert await count(store, LiveLine) == 0
    assert await count(store, OutboxMessage, OutboxMessage.kind == "live-line") == 0
    # A draft opened before a crisis card: what comes after the card is not a line.
    await live.open_line(B, run_id)
    async with store.transaction(None) as uow:
        uow.session.add(SafetyEvent(user_id=B, category="suicide", lexicon_version="t"))
    assert not await live.drafting(B)
    assert (await live.write_line(B, "thanks")).status == "no-draft"
    assert await count(store, LiveLine) == 0


async def test_what_a_restart_left_half_way(store, real_library):
    live, group_id = await setup(store, real_library)
    await live.link(LEADER, CHAT, group_id)
    out = await live.start(LEADER, CHAT, SCENARIO, seed=3)
    run_id = out.moment.where.run_id
    later = datetime.now(UTC) + timedelta(seconds=1)
    # The poll may not have gone out: posted again, with the same scene.
    assert await live.interrupted(later) == [(run_id, 0)]
    assert await live.interrupted(datetime.now(UTC) - timedelta(minutes=1)) == []
    again = await live.pick_up(run_id, 0)
    assert again.phase == "posting" and again.moment.again
    assert again.moment.lines == out.moment.lines and again.moment.options == out.moment.options
    # An open vote goes on: nothing to do.
    await live.posted(run_id, 0, "p", 7000)
    assert await live.interrupted(later) == []
    assert (await live.pick_up(run_id, 0)).phase == "voting"
    # A vote being stopped: stopped and counted; results not known to be shown: shown.
    await live.close(LEADER, run_id, 0)
    later = datetime.now(UTC) + timedelta(seconds=1)
    picked = await live.pick_up(run_id, 0)
    assert await live.interrupted(later) == [(run_id, 0)]
    assert picked.phase == "closing" and picked.closing.message_id == 7000
    await live.count(run_id, 0, [1, 0, 0, 0])
    assert (await live.pick_up(run_id, 0)).phase == "closed"
    assert await live.interrupted(later) == [(run_id, 0)]
    await live.results_shown(run_id, 0)
    assert await live.interrupted(later) == []
    entry = await live.entry(LEADER, CHAT)
    assert entry.status == "running" and entry.phase == "closed" and entry.tally.total == 1


async def test_stop_ends_the_run_and_returns_the_open_poll(store, real_library):
    live, moment = await started(store, real_library)
    await live.open_line(A, moment.where.run_id)
    await live.write_line(A, LINE)
    out = await live.stop(LEADER, CHAT)
    assert out.status == "ok" and out.closing.message_id == 5000
    assert await count(store, LiveLine) == 0
    assert (await live.stop(LEADER, CHAT)).status == "idle"
    assert await count(store, LiveRun, LiveRun.status == "abandoned") == 1


async def test_a_scenario_gone_from_the_library_ends_the_run(store, write_library, texts):
    library = write_library(family__tiny=texts["tiny"])
    live, group_id = await setup(store, library)
    await live.link(LEADER, CHAT, group_id)
    run_id = (await live.start(LEADER, CHAT, "family/tiny")).moment.where.run_id
    await live.posted(run_id, 0, "p", 1)
    await live.close(LEADER, run_id, 0)
    await live.count(run_id, 0, [1, 0])
    emptied = Live(store, Library())  # the scenario left the library
    assert (await emptied.follow(LEADER, run_id, 0, 0)).status == "gone"
    assert await count(store, LiveRun, LiveRun.status == "abandoned") == 1


async def test_mydata_and_delete_cover_live_tables(store, real_library):
    live, moment = await started(store, real_library)
    await live.open_line(A, moment.where.run_id)
    await live.write_line(A, LINE)
    exported = await export_user(store, A)
    assert exported["tables"]["live_lines"][0]["text"] == LINE
    assert "live_chats" in (await export_user(store, LEADER))["tables"]
    await delete_user(store, A)
    assert await count(store, LiveLine) == 0
    await delete_user(store, LEADER)
    for model in (LiveChat, LiveRun, LiveStep):
        assert await count(store, model) == 0, model.__tablename__


async def test_the_leaders_copy_is_drawn_when_sent_and_an_old_one_goes_as_stored(
    store, real_library
):
    live, moment = await started(store, real_library)
    async with store.transaction(None) as uow:  # queued as text by a version before meanings
        await outbox.enqueue(
            uow,
            chat_id=LEADER,
            user_id=LEADER,
            kind=LINE_KIND,
            text="💬 <b>A line from Tuesday group</b>: “old words”",
            buttons=[[{"text": "Show it to the group", "callback_data": "lvshow:77"}]],
            dedupe_key="live-line:77",
        )
    await live.open_line(A, moment.where.run_id)
    line = (await live.write_line(A, "Mom, <Tuesday> is my group & I'm going.")).line
    wire = Sent()
    assert await drain_once(await make_bot(wire), store, rate=0, per_chat_interval=0) == 2
    old, new = wire.sent
    assert old["text"] == "💬 <b>A line from Tuesday group</b>: “old words”"
    assert old["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "lvshow:77"
    assert new["chat_id"] == LEADER and new["parse_mode"] == "HTML"
    assert "<b>A line from Tuesday group</b>, for step 1 of" in new["text"]
    assert "“Mom, &lt;Tuesday&gt; is my group &amp; I&#x27;m going.”" in new["text"]
    assert f"M{A}" not in new["text"]
    ((show,),) = new["reply_markup"]["inline_keyboard"]
    assert show == {"text": "Show it to the group", "callback_data": f"lvshow:{line.id}"}
