"""Group leaders through the real handlers, offline (see offline.py): roles, invitations,
joining, pushing, the group view and its refusals. The outbox is drained with the real sender
over the same recording request, so what members receive is what Telegram would get."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import callbacks
from bot.callbacks import b36
from bot.features import groups as feature
from bot.features.groups.texts import BAD_LINK_NEW
from bot.outbox_sender import drain_once
from bot.settings import Settings
from migrated import migrated_sqlite
from offline import TOKEN, Chat, RecordingRequest, keyboard, offline_app
from shipped import shipped_library
from state import groups as core
from state.db.groups import Group, Invite, Membership, Push
from state.db.models import OutboxMessage, User, utcnow
from state.store import Store

LIBRARY = shipped_library()
ADMIN, LEADER, OTHER_LEADER = 1000, 2000, 2500
P1, P2, P3 = 3001, 3002, 3003
SCENARIO = "family/birthday-or-group"
OTHER_SCENARIO = "workplace/schedule-for-treatment"
PLAY = (
    "Tomorrow is my group night",
    "I feel torn, and group matters",
    "My recovery is for us too",
    "I'll take Dana to lunch Saturday",
)


class BlockingRequest(RecordingRequest):
    """Answers 403 "blocked" for the chats in `blocked`, like Telegram does."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[int] = set()
        self.files: list[tuple[int, str, bytes]] = []  # (chat id, file name, content)

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for name, content, *_ in (request_data.multipart_data or {}).values():
                self.files.append((int(params.get("chat_id", 0)), name, content))
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked:
            self.calls.append(type(self.calls[0])(url.rsplit("/", 1)[-1] + ":blocked", params))
            body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
            return 403, json.dumps(body).encode()
        return await super().do_request(url, method, request_data, *args, **kwargs)


class Env:
    def __init__(self, app, request: BlockingRequest, store: Store) -> None:
        self.app, self.request, self.store = app, request, store
        self.chats: dict[int, Chat] = {}

    def chat(self, user_id: int, name: str | None = None) -> Chat:
        if user_id not in self.chats:
            chat = Chat(self.app, self.request, user_id)
            chat.user = {**chat.user, "first_name": name or f"P{user_id}"}
            self.chats[user_id] = chat
        return self.chats[user_id]

    def to(self, user_id: int, method: str = "sendMessage") -> list[dict]:
        return [p for p in self.request.sent(method) if int(p.get("chat_id", 0)) == user_id]

    def texts(self, user_id: int) -> list[str]:
        return [str(p.get("text", "")) for p in self.to(user_id)]

    def last(self, user_id: int) -> str:
        return self.texts(user_id)[-1]

    def buttons(self, user_id: int) -> list[tuple[str, str]]:
        """The newest keyboard this user was shown, sent or edited in."""
        shown = [
            c.params
            for c in self.request.calls
            if c.method in ("sendMessage", "editMessageText")
            and int(c.params.get("chat_id", 0)) == user_id
        ]
        for params in reversed(shown):
            if keyboard(params):
                return keyboard(params)
        return []

    async def press(self, user_id: int, label: str) -> None:
        buttons = self.buttons(user_id)
        for text, data in buttons:
            if text.startswith(label):
                await self.chat(user_id).press(data, buttons=buttons)
                return
        raise AssertionError(f"no button {label!r} for {user_id} in {buttons}")

    async def consent(self, user_id: int, start: str = "/start") -> Chat:
        chat = self.chat(user_id)
        await chat.send(start)
        await self.press(user_id, "I agree")
        return chat

    def csv(self) -> tuple[str, bytes]:
        """The newest file sent to the leader."""
        (name, content) = [(n, c) for chat, n, c in self.request.files if chat == LEADER][-1]
        return name, content

    async def count(self, model, *where) -> int:
        async with self.store.transaction(None) as uow:
            return await uow.session.scalar(select(func.count()).select_from(model).where(*where))

    async def drain(self) -> int:
        return await drain_once(self.app.bot, self.store, rate=0, per_chat_interval=0)

    async def settle(self) -> list[int]:
        return await self.store.run(
            None,
            lambda uow: core.settle_reports(uow, lambda sid: feature.scenario_title(LIBRARY, sid)),
        )


# the handlers answer every update here without an error reaching bot/app.py's on_error
pytestmark = pytest.mark.usefixtures("no_errors")


@pytest.fixture
async def env(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=migrated_sqlite(tmp_path / "groups.db"),
        admin_user_ids=[ADMIN],
        checkin_items="mood,halt,note",  # a short card: these tests are about sharing
    )
    async with offline_app(settings, LIBRARY, BlockingRequest()) as (app, request, store):
        yield Env(app, request, store)


async def make_leader(env: Env, user_id: int = LEADER) -> None:
    await env.store.run(None, lambda uow: core.set_role(uow, user_id, core.LEADER))
    await env.consent(user_id)


def code_in(text: str) -> str:
    m = re.search(r"\?start=g_([A-Za-z0-9_-]+)", text)
    assert m, text
    return m[1]


async def new_group(env: Env, name: str = "Tuesday group", leader: int = LEADER) -> str:
    await env.chat(leader).send(f"/newgroup {name}")
    return code_in(next(t for t in reversed(env.texts(leader)) if "?start=g_" in t))


async def join(env: Env, user_id: int, code: str, *toggles: str) -> None:
    await env.consent(user_id, f"/start g_{code}")
    for label in toggles:
        await env.press(user_id, label)
    await env.press(user_id, "Join")


async def group_id(env: Env, name: str = "Tuesday group") -> int:
    async with env.store.transaction(None) as uow:
        return await uow.session.scalar(select(Group.id).where(Group.name == name))


# ---- roles ---------------------------------------------------------------------------------


async def test_admin_invites_a_leader_with_a_one_time_link(env):
    await env.consent(ADMIN)
    await env.chat(ADMIN).send("/leaders")
    assert "Group leaders" in env.last(ADMIN) and "rehearse leaders add" in env.last(ADMIN)
    await env.press(ADMIN, "New leader invitation link")
    link = re.search(r"\?start=(l_[A-Za-z0-9_-]+)", env.last(ADMIN))
    assert link and len(link[1]) <= 64 and "once" in env.last(ADMIN)

    await env.consent(LEADER, f"/start {link[1]}")
    assert "invited to lead groups" in env.last(LEADER)
    await env.press(LEADER, "Become a group leader")
    assert "You're now a group leader" in env.last(LEADER)
    scoped = [p for p in env.request.sent("setMyCommands") if "scope" in p]
    assert scoped and "newgroup" in json.dumps(scoped[-1])
    async with env.store.transaction(None) as uow:
        assert (await uow.users.get(LEADER)).role == core.LEADER

    await env.consent(P1, f"/start {link[1]}")  # the link worked once: said before consent
    assert env.texts(P1)[0] == feature.BAD_LEADER_LINK
    assert "Do you agree" in env.texts(P1)[1] and "What would you like" in env.last(P1)
    async with env.store.transaction(None) as uow:
        assert (await uow.users.get(P1)).role == core.PARTICIPANT

    await env.chat(ADMIN).send("/leaders")
    await env.press(ADMIN, f"Remove {LEADER}")
    assert "no longer a group leader" in env.last(ADMIN)
    await env.chat(LEADER).send("/newgroup Too late")
    assert env.last(LEADER) == feature.NOT_LEADER


async def test_a_removed_leader_is_cut_off_and_their_members_are_told(env):
    """The review's reproduction: after /leaders → Remove, no alert reaches the removed
    leader (not even one already queued), their old link admits nobody, their members are
    told in plain words, and they no longer show as leading anything."""
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code, "☐ Crisis alerts")
    words = "honestly everyone would be better off without me"
    await env.chat(P1).send(words)  # an alert is queued for the leader, not yet sent
    await env.consent(ADMIN)
    await env.chat(ADMIN).send("/leaders")
    await env.press(ADMIN, f"Remove {LEADER}")
    report = env.last(ADMIN)
    assert "no longer a group leader" in report and "1 member(s)" in report
    assert "1 crisis alert(s) to them withdrawn" in report
    await env.consent(P2, f"/start g_{code}")  # the old link: said before consent
    assert env.texts(P2)[0] == BAD_LINK_NEW
    await env.chat(P2).press(f"gjoin:2{code}")
    await env.chat(P1).send(words)
    await env.drain()
    assert not any("may need support" in t for t in env.texts(LEADER))
    notice = env.last(P1)
    assert "<b>Tuesday group</b> has closed" in notice and "no longer leads groups" in notice
    assert "crisis alerts about you" in notice
    assert await env.count(Membership, Membership.left_at.is_(None)) == 0
    await env.chat(LEADER).send("/mygroups")
    assert "Groups you lead" not in env.last(LEADER)
    await env.chat(P1).send("/mygroups")
    assert "not in any group" in env.last(P1)


async def test_a_leader_link_dies_with_its_admin_and_ldel_creates_nobody(env):
    await env.consent(ADMIN)
    await env.chat(ADMIN).send("/leaders")
    await env.press(ADMIN, "New leader invitation link")
    link = re.search(r"\?start=(l_[A-Za-z0-9_-]+)", env.last(ADMIN))[1]
    users = await env.count(User)
    await env.chat(ADMIN).press(callbacks.action("ldel", b36(424242)))
    assert "isn't a group leader" in env.last(ADMIN)
    assert await env.count(User) == users  # no row for an id nobody used
    env.app.bot_data["services"].settings.admin_user_ids = []  # ADMIN left ADMIN_USER_IDS
    await env.consent(LEADER, f"/start {link}")
    assert feature.BAD_LEADER_LINK in env.texts(LEADER)  # said before consent
    await env.chat(LEADER).press(callbacks.action("lacc", link.removeprefix("l_")))
    assert env.last(LEADER) == feature.BAD_LEADER_LINK
    async with env.store.transaction(None) as uow:
        assert (await uow.users.get(LEADER)).role == core.PARTICIPANT


async def test_only_admins_manage_leaders(env):
    await make_leader(env)
    await env.chat(LEADER).send("/leaders")
    assert env.last(LEADER) == feature.NOT_ADMIN
    for data in ("lnew", callbacks.action("ldel", b36(LEADER))):
        await env.chat(LEADER).press(data)
        assert env.last(LEADER) == feature.NOT_ADMIN
    assert await env.count(Invite) == 0
    async with env.store.transaction(None) as uow:
        assert (await uow.users.get(LEADER)).role == core.LEADER


async def test_participants_cannot_use_leader_commands(env):
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code)
    gid = b36(await group_id(env))
    for command in ("/newgroup Mine", "/invite", "/push", f"/push {SCENARIO}", "/group", "/export"):
        await env.chat(P1).send(command)
        assert env.last(P1) == feature.NOT_LEADER, command
    for name, arg in (
        ("ggrp", gid),
        ("ginv", gid),
        ("ginew", f"{gid}_0"),
        ("girev", gid),
        ("gpush", gid),
        ("gpgo", f"{gid}_{feature.scenario_key(SCENARIO)}"),
        ("gcsv", gid),
        ("gchart", gid),
        ("gprep", "1"),
    ):
        await env.chat(P1).press(callbacks.action(name, arg))
        assert env.last(P1) == feature.NOT_LEADER, name
    assert not env.to(P1, "sendDocument") and not env.to(P1, "sendPhoto")
    assert await env.count(Group) == 1 and await env.count(Push) == 0
    assert await env.count(Invite, Invite.revoked_at.is_not(None)) == 0


async def test_a_leader_sees_and_changes_only_their_own_groups(env):
    await make_leader(env)
    await make_leader(env, OTHER_LEADER)
    code = await new_group(env)
    await join(env, P1, code)
    gid = b36(await group_id(env))
    for name, arg in (
        ("ggrp", gid),
        ("ginv", gid),
        ("ginew", f"{gid}_7"),
        ("girev", gid),
        ("gpush", gid),
        ("gpctx", f"{gid}_family"),
        ("gpsc", f"{gid}_{feature.scenario_key(SCENARIO)}"),
        ("gpgo", f"{gid}_{feature.scenario_key(SCENARIO)}"),
        ("gcsv", gid),
        ("gchart", gid),
    ):
        await env.chat(OTHER_LEADER).press(callbacks.action(name, arg))
        assert env.last(OTHER_LEADER) == feature.NOT_YOURS, name
    await env.chat(OTHER_LEADER).send(f"/push {await group_id(env)} {SCENARIO}")
    assert "couldn't tell which of your groups" in env.last(OTHER_LEADER)
    await env.chat(OTHER_LEADER).send("/group")
    assert "don't have a group yet" in env.last(OTHER_LEADER)
    assert not env.to(OTHER_LEADER, "sendDocument")
    assert await env.count(Push) == 0 and await env.count(OutboxMessage) == 0
    assert await env.count(Invite, Invite.revoked_at.is_(None)) == 1

    await env.chat(LEADER).send("/push")  # one group: straight to the topics
    await env.press(LEADER, "Family")
    await env.press(LEADER, "The birthday on group night")
    await env.store.run(None, lambda uow: core.set_role(uow, LEADER, core.PARTICIPANT))
    await env.press(LEADER, "Send it")  # a button from when they were a leader
    assert env.last(LEADER) == feature.NOT_LEADER
    assert await env.count(Push) == 0
    for data in ("gpgo:zzzzzzzzz_x", "ggrp:", "gprep:nope!", "gleave:__"):
        await env.chat(OTHER_LEADER).press(data)
    assert await env.count(Push) == 0 and await env.count(Membership) == 1


# ---- invitations and joining ---------------------------------------------------------------


async def test_newgroup_sends_a_deep_link_and_a_qr_code(env):
    await make_leader(env)
    await env.chat(LEADER).send("/newgroup")
    assert "Give the group a name" in env.last(LEADER)
    code = await new_group(env, "Tuesday   evening\u200b IOP")
    assert len(code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", code)
    assert len(f"g_{code}") <= 64
    assert f"https://t.me/rehearse_test_bot?start=g_{code}" in env.last(LEADER)
    photos = env.to(LEADER, "sendPhoto")
    assert photos and "Scan to join" in photos[-1]["caption"]
    assert await env.count(Group, Group.name == "Tuesday evening IOP") == 1

    await env.chat(LEADER).send("/invite")
    assert f"g_{code}" in env.last(LEADER) and len(env.to(LEADER, "sendPhoto")) == 2
    await env.press(LEADER, "New 7-day link")
    new_code = code_in(env.last(LEADER))
    assert new_code != code and "works until" in env.last(LEADER)
    await env.consent(P1, f"/start g_{code}")  # the replaced link no longer works: said first
    assert env.texts(P1)[0] == BAD_LINK_NEW and "Do you agree" in env.texts(P1)[1]
    await env.chat(LEADER).send("/invite")
    await env.press(LEADER, "Revoke link")
    assert "no longer works" in env.last(LEADER)
    await env.chat(P1).send(f"/start g_{new_code}")
    assert env.last(P1) == feature.BAD_LINK
    assert await env.count(Membership) == 0


async def test_join_screen_says_what_the_leader_sees_and_asks(env):
    await make_leader(env)
    code = await new_group(env)
    await env.consent(P1, f"/start g_{code}")
    screen = env.last(P1)
    for needle in (
        "Tuesday group",
        f"Group leader: <b>P{LEADER}</b>",
        "whether you started it and finished it",
        "mix of styles",
        "will not see your other practice",
        f"<b>P{P1}</b>",
        "☐ <b>Share my transcripts</b>",
        "☐ <b>Alert my leader</b>",
        "never what I wrote",
    ):
        assert needle in screen, needle
    assert await env.count(Membership) == 0
    await env.press(P1, "☐ Crisis alerts")
    edits = [p for p in env.request.sent("editMessageText") if int(p["chat_id"]) == P1]
    assert "☑ <b>Alert my leader</b>" in edits[-1]["text"]
    await env.press(P1, "Join")
    assert "You've joined <b>Tuesday group</b>" in env.last(P1)
    async with env.store.transaction(None) as uow:
        (member,) = await core.members(uow, await group_id(env))
    assert member.alert_leader and not member.share_transcripts
    assert member.display_name == f"P{P1}"

    await env.chat(P1).send(f"/start g_{code}")
    assert "already in" in env.last(P1)
    await env.chat(LEADER).send(f"/start g_{code}")
    assert "your own group" in env.last(LEADER)

    await env.consent(P2, f"/start g_{code}")
    await env.press(P2, "No thanks")
    assert "haven't joined" in env.last(P2)
    assert await env.count(Membership) == 1


async def test_bad_expired_and_forged_invitations_change_nothing(env):
    await make_leader(env)
    code = await new_group(env)
    gid = await group_id(env)
    async with env.store.transaction(LEADER) as uow:
        old = await core.create_invite(
            uow,
            kind="group",
            created_by=LEADER,
            group_id=gid,
            expires_in=timedelta(seconds=1),
            now=utcnow() - timedelta(hours=1),
        )
    await env.consent(P1)
    for payload in (f"g_{old.code}", "g_" + "A" * 22, "g_short", "l_" + "B" * 22):
        await env.chat(P1).send(f"/start {payload}")
        assert "doesn't work any more" in env.last(P1), payload
    for data in (f"gjoin:0{old.code}", "gjoin:0" + "A" * 22, f"gjoin:9{code}", "gjoin:0x"):
        await env.chat(P1).press(data)
    assert await env.count(Membership) == 0
    # someone who never agreed to the terms cannot join with a forged button
    await env.chat(P2).press(f"gjoin:0{code}")
    assert "Do you agree" in env.last(P2)
    assert await env.count(Membership) == 0


async def test_a_newcomer_hears_the_link_is_dead_before_agreeing_to_anything(env):
    await make_leader(env)
    code = await new_group(env)
    await env.chat(LEADER).send("/invite")
    await env.press(LEADER, "Revoke link")
    for payload in (f"g_{code}", "l_" + "B" * 22):
        newcomer = env.chat(P2)
        await newcomer.send(f"/start {payload}")
        dead, welcome = env.texts(P2)[-2:]
        assert "doesn't work any more" in dead, payload
        assert "Do you agree" in welcome
        # agreeing now is for the bot alone: the dead link isn't carried into the consent
        assert ("I agree", "consent") in env.buttons(P2)
    await env.press(P2, "I agree")
    assert "doesn't work any more" not in env.last(P2)
    assert await env.count(Membership) == 0


async def test_a_newcomer_with_a_live_link_agrees_then_sees_the_group(env):
    await make_leader(env)
    code = await new_group(env)
    await env.chat(P2).send(f"/start g_{code}")
    assert "doesn't work" not in env.texts(P2)[0] and "Do you agree" in env.last(P2)
    await env.press(P2, "I agree")
    assert "Join “Tuesday group”?" in env.last(P2)


# ---- pushing -------------------------------------------------------------------------------


async def test_push_delivery_report_and_blocked_member(env):
    await make_leader(env)
    code = await new_group(env)
    for p in (P1, P2, P3):
        await join(env, p, code)
    await env.chat(LEADER).send("/push")
    await env.press(LEADER, "Family")
    await env.press(LEADER, "The birthday on group night")
    assert "to all 3 members of <b>Tuesday group</b>?" in env.last(LEADER)
    await env.press(LEADER, "Send it")
    assert "On its way" in env.last(LEADER) and " to all 3 members of " in env.last(LEADER)
    async with env.store.transaction(None) as uow:
        rows = (await uow.session.scalars(select(OutboxMessage))).all()
    assert sorted(r.dedupe_key for r in rows) == sorted(
        f"push:{rows[0].ref}:{p}" for p in (P1, P2, P3)
    )
    assert await env.settle() == []  # nothing settled yet: no report

    env.request.blocked.add(P3)
    assert await env.drain() == 3
    for p in (P1, P2):
        (push_message,) = [t for t in env.texts(p) if "would like you to practice" in t]
        assert "The birthday on group night" in push_message
        assert ("▶ Start: The birthday on group night", f"s:{SCENARIO}") in env.buttons(p)
    async with env.store.transaction(None) as uow:
        assert (await uow.users.get(P3)).active is False
        blocked = await uow.session.scalar(
            select(OutboxMessage.error).where(OutboxMessage.user_id == P3)
        )
    assert blocked == "blocked"

    await env.press(LEADER, "Delivery so far")
    assert "sent 2" in env.last(LEADER) and "blocked the bot 1" in env.last(LEADER)
    assert len(await env.settle()) == 1 and await env.settle() == []
    await env.drain()
    report = env.last(LEADER)
    assert (
        "<b>Delivery</b>" in report and "✅ sent 2" in report and "🚫 blocked the bot 1" in report
    )
    assert "⏳ pending 0" in report

    await env.chat(LEADER).send(f"/push Tuesday group {SCENARIO}")
    assert "haven't sent it again" in env.last(LEADER)
    await env.chat(LEADER).send(f"/push {OTHER_SCENARIO}")
    assert " to 2 members of " in env.last(LEADER)
    assert "1 member who blocked the bot was skipped." in env.last(LEADER)
    await env.chat(LEADER).send("/push Tuesday group workplace/nope")
    assert "I don't know the scenario" in env.last(LEADER)


async def test_push_confirmation_counts_in_words(env):
    await make_leader(env)
    code = await new_group(env)
    await env.chat(LEADER).send("/push")
    await env.press(LEADER, "Family")
    await env.press(LEADER, "The birthday on group night")
    assert "Nobody in <b>Tuesday group</b> can receive" in env.last(LEADER)
    assert [t for t, _ in env.buttons(LEADER)] == ["‹ Back"]
    await join(env, P1, code)
    await env.press(LEADER, "‹ Back")
    await env.press(LEADER, "The birthday on group night")
    assert "to 1 member of <b>Tuesday group</b>?" in env.last(LEADER)
    await env.press(LEADER, "Send it")
    assert "On its way: <b>The birthday on group night</b> to 1 member of" in env.last(LEADER)


async def test_push_to_a_group_with_nobody_is_refused(env):
    await make_leader(env)
    await new_group(env)
    await env.chat(LEADER).send(f"/push {SCENARIO}")
    assert "Nobody in <b>Tuesday group</b>" in env.last(LEADER)
    assert await env.count(Push) == 0 and await env.count(OutboxMessage) == 0


# ---- the group view ------------------------------------------------------------------------


async def play(env: Env, user_id: int) -> None:
    await env.press(user_id, "▶ Start")
    for label in PLAY:
        await env.press(user_id, label)
    assert any("Debrief" in t for t in env.texts(user_id)[-2:])


async def test_group_view_shows_completion_only_of_what_was_shared(env):
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code, "☐ Share transcripts")
    await join(env, P2, code)
    await join(env, P3, code)
    async with env.store.transaction(P1) as uow:  # P1 keeps typed replies
        await uow.users.set_keep_typed_text(P1, True)
    await env.chat(LEADER).send(f"/push {SCENARIO}")
    await env.drain()
    await play(env, P1)
    await env.press(P2, "▶ Start")
    await env.press(P2, PLAY[0])
    # practice that wasn't pushed stays private
    await env.chat(P3).press(callbacks.scenario(OTHER_SCENARIO))

    await env.chat(LEADER).send("/group")
    view = env.last(LEADER)
    assert "Members: 3" in view
    assert "sent 3, blocked 0 · started 2/3 · finished 1/3" in view
    assert f"P{P1}: started 1/1, finished 1/1 · 🟢4" in view
    # the marks on the member lines are said in words beside them
    assert "<b>Members</b>\n<i>Choices by style: 🟢 assertive</i>\n" in view
    assert f"P{P2}: started 1/1, finished 0/1" in view
    assert f"P{P3}: started 0/1, finished 0/1" in view
    assert "Style mix</b> in pushed scenarios: 🟢 assertive 100%" in view
    assert "Schedule" not in view and "treatment" not in view

    await env.press(LEADER, "Style chart")
    assert "by week" in env.to(LEADER, "sendPhoto")[-1]["caption"]
    await env.press(LEADER, "Export CSV")
    assert len(env.to(LEADER, "sendDocument")) == 1
    name, content = env.csv()
    assert name.startswith("tuesday-group-") and name.endswith(".csv")
    csv_text = content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("group,member,joined,push_date,scenario_id")
    p1 = next(line for line in lines if f"P{P1}" in line)
    p2 = next(line for line in lines if f"P{P2}" in line)
    assert "yes,yes,good" in p1 and "I feel torn, and group matters" in p1
    assert p2.endswith(",") and "Tomorrow" not in p2  # P2 shares no transcript

    await env.press(P1, "Try again")
    await env.press(P1, PLAY[0])
    await env.chat(P1).send(
        "I know it matters to you Mom, and I feel torn. But group keeps me well."
    )
    await env.chat(LEADER).send("/export")
    assert "(typed: I know it matters to you Mom" in env.csv()[1].decode("utf-8-sig")

    await env.chat(P1).send("/leave")
    await env.press(P1, "Leave Tuesday group")
    assert "no longer sees any of your practice" in env.last(P1)
    await env.chat(LEADER).send("/group")
    assert f"P{P1}" not in env.last(LEADER) and "Members: 2" in env.last(LEADER)
    await env.chat(P1).press(callbacks.action("gleave", b36(await group_id(env))))
    assert env.last(P1) == "You're not in that group."


async def test_mygroups_changes_what_is_shared(env):
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code)
    await env.chat(P1).send("/mygroups")
    assert "Transcripts: <b>not shared</b>" in env.last(P1) and "alerts: <b>off</b>" in env.last(P1)
    await env.press(P1, "Turn crisis alerts on")
    edit = env.request.sent("editMessageText")[-1]
    assert "Crisis alerts: <b>on</b>" in edit["text"]
    async with env.store.transaction(None) as uow:
        (member,) = await core.members(uow, await group_id(env))
    assert member.alert_leader
    other = b36(await group_id(env) + 50)
    await env.chat(P1).press(callbacks.action("gset", f"{other}_t_1"))
    assert env.last(P1) == "You're not in that group."
    await env.chat(P2).send("/start")
    await env.press(P2, "I agree")
    await env.chat(P2).send("/leave")
    assert env.last(P2) == "You're not in any group."


# ---- check-ins -----------------------------------------------------------------------------


async def check_in_with_note(env: Env, user_id: int, note: str) -> None:
    await env.chat(user_id).send("/checkin")
    await env.press(user_id, "Check in now")
    await env.press(user_id, "3")
    await env.press(user_id, "None of these")
    await env.chat(user_id).send(note)
    assert "Check-in saved" in env.last(user_id)


async def test_shared_notes_reach_the_leader_and_figures_need_three_who_share(env):
    """ "Share this note with my group leader" is offered only where a leader would see it,
    and then the leader does, in /group and the CSV; pooled figures wait for three sharers."""
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code, "☐ Share check-ins")
    await join(env, P2, code)
    await check_in_with_note(env, P1, "Hard day, called my sponsor")
    await env.press(P1, f"Share this note with P{LEADER}")
    assert f"is shared with P{LEADER} (Tuesday group)" in env.last(P1)
    await check_in_with_note(env, P2, "private thoughts")
    assert not keyboard(env.to(P2)[-1])  # P2 shares no check-ins: no button to share a note

    await env.chat(LEADER).send("/group")
    view = env.last(LEADER)
    assert "1 of 2 members share them with you" in view and "at least 3 of them" in view
    assert "average mood" not in view and "% done" not in view
    assert "Notes shared with you" in view
    assert f"P{P1}" in view and "Hard day, called my sponsor" in view
    assert "private thoughts" not in view
    await env.chat(LEADER).send("/export")
    exported = env.csv()[1].decode("utf-8-sig")
    assert exported.splitlines()[0].endswith(",transcript,note_date,note")
    assert "Hard day, called my sponsor" in exported and "private thoughts" not in exported

    await env.chat(P2).send("/mygroups")
    await env.press(P2, "Share check-ins")
    assert "Check-ins: <b>shared</b>" in env.request.sent("editMessageText")[-1]["text"]
    await join(env, P3, code, "☐ Share check-ins")
    await check_in_with_note(env, P3, "fine")
    await env.chat(LEADER).send("/group")
    view = env.last(LEADER)
    assert "3 of 3 members share them with you): 100% done · average mood 3.0/5" in view


# ---- crisis alerts -------------------------------------------------------------------------


async def test_crisis_alert_reaches_the_leader_only_with_consent_and_without_words(env):
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code, "☐ Crisis alerts")
    await join(env, P2, code)
    words = "honestly everyone would be better off without me"
    window = int(utcnow().timestamp()) // core.ALERT_BUCKET_SECONDS
    await env.chat(P1).send(words)
    await env.chat(P2).send(words)
    assert "988" in env.last(P1) and "988" in env.last(P2)
    async with env.store.transaction(None) as uow:
        alerts = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == core.ALERT_KIND)
            )
        ).all()
    assert len(alerts) == 1 and alerts[0].chat_id == LEADER
    await env.chat(P1).send(words)  # again within ten minutes: one alert is enough
    alerts = await env.count(OutboxMessage, OutboxMessage.kind == core.ALERT_KIND)
    assert alerts == 1 or int(utcnow().timestamp()) // core.ALERT_BUCKET_SECONDS != window
    await env.drain()
    alert = env.last(LEADER)
    assert f"A member of <b>Tuesday group</b>, P{P1}, may need support" in alert
    assert "did not store what they wrote" in alert
    assert "better off" not in alert and "suicide" not in alert and f"P{P2}" not in alert
    await env.chat(P1).send("/mydata")  # the alert about them, sent to their leader, is theirs
    (_, export), *_ = [(n, c) for chat, n, c in env.request.files if chat == P1]
    assert export.decode().count(f'"member": "P{P1}"') >= 1  # as stored: what it means
    await env.chat(P1).send("/delete")
    await env.press(P1, "Yes, erase everything")
    assert await env.count(OutboxMessage, OutboxMessage.kind == core.ALERT_KIND) == 0


async def test_the_alert_is_queued_before_the_card_is_sent(env, caplog):
    """A send that fails (Telegram refusing it, the network) can't cost the leader the alert."""
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code, "☐ Crisis alerts")
    refusal = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    env.request.fail["sendMessage"] = (400, refusal)
    await env.chat(P1).send("i want to kill myself")
    del env.request.fail["sendMessage"]
    assert await env.count(OutboxMessage, OutboxMessage.kind == core.ALERT_KIND) == 1
    await env.drain()
    assert "may need support" in env.last(LEADER)
    caplog.clear()  # the refused card was logged by the error handler, as it should be


async def test_users_rows_survive_no_group_leftovers_after_delete(env):
    await make_leader(env)
    code = await new_group(env)
    await join(env, P1, code)
    await env.chat(LEADER).send(f"/push {SCENARIO}")
    await env.chat(LEADER).send("/delete")
    await env.press(LEADER, "Yes, erase everything")
    for model in (Group, Invite, Membership, Push):
        assert await env.count(model) == 0, model.__tablename__
    assert await env.count(User, User.id == P1) == 1
