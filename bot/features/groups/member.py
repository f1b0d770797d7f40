"""The participant's side: the join screen behind an invitation link, the offer behind a leader
invitation, /mygroups (what each leader sees, with switches) and /leave.

Joining shows exactly what the leader will see before anything is shared; both sharing choices
start off.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.callbacks import b36
from bot.context import applying, reading
from bot.features.groups.access import consented_user
from bot.features.groups.buttons import button, keyboard, parse_group_arg, pressed, unexpired
from bot.features.groups.sending import close, edit_or_say, refuse, say, set_leader_menu
from bot.features.groups.texts import BAD_LEADER_LINK, BAD_LINK, day_text
from bot.render import Outgoing
from bot.replies import EXPIRED, answer, reply
from bot.services import services
from state import groups as core
from state.groups import GroupRecord

NOT_IN_GROUP = "You're not in that group."
NO_THANKS = {
    "gno": "No problem: you haven't joined, and nothing was shared. /practice",
    "lno": "Alright, nothing has changed.",
}

# ---- joining -----------------------------------------------------------------------------------


def _box(on: bool) -> str:
    return "☑" if on else "☐"


# The join screen's three choices travel in its buttons as one digit of bits.
SHARE, ALERT, CHECKINS = 1, 2, 4
FLAG_SHARES = (
    (SHARE, core.Share.TRANSCRIPTS),
    (ALERT, core.Share.ALERT),
    (CHECKINS, core.Share.CHECKINS),
)


def join_text(group: GroupRecord, name: str, flags: int) -> str:
    share, alert, checkins = bool(flags & SHARE), bool(flags & ALERT), bool(flags & CHECKINS)
    leader = escape(group.leader_name)
    return (
        f"<b>Join “{escape(group.name)}”?</b>\nGroup leader: <b>{leader}</b>\n\n"
        f"If you join, {leader} will see:\n"
        f"• your name as Telegram shows it now: <b>{escape(name)}</b>\n"
        "• for each scenario they send the group: whether you started it and finished it\n"
        "• the mix of styles in your choices in those scenarios (assertive, passive, "
        "aggressive, passive-aggressive)\n\n"
        "They will not see your other practice, your safety plan, or what you type.\n\n"
        "Three choices, all off unless you turn them on:\n"
        f"{_box(share)} <b>Share my transcripts</b>: the choices I make in the "
        "scenarios they send, and what I type there if I keep my typed replies (/privacy).\n"
        f"{_box(alert)} <b>Alert my leader</b> if I write something that sounds like "
        "a crisis: they get a message with my name and the time, never what I wrote.\n"
        f"{_box(checkins)} <b>Share my check-ins</b> (/checkin): how often the group checks "
        "in and its average mood, pooled with at least two others who share, never mine "
        "alone; and a note only if I share that note.\n\n"
        "You can change these or leave at any time: /mygroups, /leave."
    )


def join_keyboard(group: GroupRecord, code: str, flags: int) -> InlineKeyboardMarkup:
    share, alert, checkins = bool(flags & SHARE), bool(flags & ALERT), bool(flags & CHECKINS)
    return keyboard(
        [button(f"{_box(share)} Share transcripts", "gopt", f"{flags ^ SHARE}{code}")],
        [button(f"{_box(alert)} Crisis alerts to leader", "gopt", f"{flags ^ ALERT}{code}")],
        [button(f"{_box(checkins)} Share check-ins", "gopt", f"{flags ^ CHECKINS}{code}")],
        [button(f"Join {group.name}"[:60], "gjoin", f"{flags}{code}")],
        [button("No thanks", "gno")],
    )


def _display_name(update: Update) -> str:
    user = update.effective_user
    return (user.full_name if user is not None else "") or ""


def _join_screen(
    update: Update, group: GroupRecord, code: str, flags: int
) -> tuple[str, InlineKeyboardMarkup]:
    name = core.clean_name(_display_name(update)) or ""
    return join_text(group, name, flags), join_keyboard(group, code, flags)


def _refusal(check: core.InviteCheck, fine: tuple[str, ...]) -> str | None:
    """Why this invitation can't be shown or wasn't used (status not in `fine`); else None."""
    if check.status in fine and check.group is not None:
        return None
    if check.status == "own" and check.group is not None:
        return (
            f"This is the invitation link to your own group, <b>{escape(check.group.name)}</b>. "
            "Share it with your participants; /group shows who has joined."
        )
    if check.status == "member" and check.group is not None:
        return (
            f"You're already in <b>{escape(check.group.name)}</b>. /mygroups shows what its "
            "leader sees."
        )
    return BAD_LINK


async def _invited_group(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    check: core.InviteCheck,
    fine: tuple[str, ...] = ("ok", "joined"),
) -> GroupRecord | None:
    """The group behind the invitation; None after saying why it can't be joined."""
    text = _refusal(check, fine)
    if text is not None or check.group is None:
        await refuse(update, context, text or BAD_LINK)
        return None
    return check.group


async def show_join(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    user = update.effective_user
    if user is None:
        return
    check = await services(context).groups.check_invite(user.id, code)
    group = await _invited_group(update, context, check)
    if group is not None:
        await say(update, context, *_join_screen(update, group, code, 0))


async def no_thanks(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "No thanks" under an invitation: nothing changes, and its buttons go so it stays settled."""
    await answer(pressed(update))
    await close(update, context, NO_THANKS[data.action])


def _flags_code(arg: str | None) -> tuple[int, str] | None:
    if not arg or len(arg) < 2 or arg[0] not in "01234567":
        return None
    code = arg[1:]
    if not core.CODE.match(code):
        return None
    return int(arg[0]), code


async def on_join(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData, user_id: int
) -> None:
    query = pressed(update)
    parsed = await unexpired(update, _flags_code(data.arg))
    if parsed is None:
        return
    flags, code = parsed
    groups = services(context).groups
    if data.action == "gopt":
        check = await groups.check_invite(user_id, code)
        group = await _invited_group(update, context, check)
        if group is not None:
            await answer(query)
            await edit_or_say(update, context, *_join_screen(update, group, code, flags))
        return
    check = await groups.join(
        user_id,
        code,
        _display_name(update),
        [share for flag, share in FLAG_SHARES if flags & flag],
        update_id=applying(update, context),
    )
    group = await _invited_group(update, context, check, fine=("joined",))
    if group is None:
        return
    await answer(query)
    await close(
        update,
        context,
        f"You've joined <b>{escape(group.name)}</b>. When {escape(group.leader_name)} sends the "
        "group a scenario, it arrives here with a button to open it.\n"
        "/mygroups shows what you share, /leave leaves the group. Meanwhile: /practice",
    )


# ---- leader invitations ------------------------------------------------------------------------


async def show_leader_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    user = update.effective_user
    if user is None:
        return
    offer = await services(context).groups.leader_offer(user.id, code)
    if offer.already:
        await say(update, context, "You're already a group leader. /newgroup NAME creates a group.")
        return
    if offer.status != "ok":
        await say(update, context, BAD_LEADER_LINK)
        return
    text = (
        "<b>You've been invited to lead groups on this bot.</b>\n\n"
        "As a group leader you can create groups, invite your participants with a link or QR "
        "code, send them a scenario to practice, and see what each of them agreed to share: "
        "which of those scenarios they started and finished and the style of their choices. "
        "You never see anything they didn't agree to."
    )
    markup = keyboard([button("Become a group leader", "lacc", code)], [button("No thanks", "lno")])
    await say(update, context, text, markup)


async def on_leader_invite(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData, user_id: int
) -> None:
    status = await services(context).groups.accept_leader_invite(
        user_id, data.arg or "", update_id=applying(update, context)
    )
    if status != "ok":
        await refuse(update, context, BAD_LEADER_LINK)
        return
    await answer(pressed(update))
    await close(
        update,
        context,
        "You're now a group leader. Start with /newgroup and the group's name, "
        "e.g. /newgroup Tuesday evening IOP.",
    )
    if update.effective_chat is not None:
        await set_leader_menu(context, update.effective_chat.id)


# ---- /mygroups, /leave -------------------------------------------------------------------------

# The switches under each group in /mygroups, by the letter in their button.
SWITCHES = {"t": core.Share.TRANSCRIPTS, "a": core.Share.ALERT, "c": core.Share.CHECKINS}


def _sharing_text(group: GroupRecord, member: core.MemberRecord) -> str:
    return (
        f"<b>{escape(group.name)}</b> · leader {escape(group.leader_name)} · joined "
        f"{day_text(member.joined_at)}\n"
        f"They see: whether you started and finished the scenarios they send, and the styles "
        f"of your choices in them (as <b>{escape(member.display_name)}</b>).\n"
        f"Transcripts: <b>{'shared' if member.share_transcripts else 'not shared'}</b> · "
        f"Crisis alerts: <b>{'on' if member.alert_leader else 'off'}</b> · "
        f"Check-ins: <b>{'shared' if member.share_checkins else 'not shared'}</b>"
    )


def _sharing_keyboard(group: GroupRecord, member: core.MemberRecord) -> InlineKeyboardMarkup:
    arg = b36(group.id)
    share, alert, checkins = member.share_transcripts, member.alert_leader, member.share_checkins
    return keyboard(
        [
            button(
                "Stop sharing transcripts" if share else "Share transcripts",
                "gset",
                f"{arg}_t_{0 if share else 1}",
            )
        ],
        [
            button(
                "Turn crisis alerts off" if alert else "Turn crisis alerts on",
                "gset",
                f"{arg}_a_{0 if alert else 1}",
            )
        ],
        [
            button(
                "Stop sharing check-ins" if checkins else "Share check-ins",
                "gset",
                f"{arg}_c_{0 if checkins else 1}",
            )
        ],
        [button(f"Leave {group.name}"[:60], "gleave", arg)],
    )


async def mygroups(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    user_id = await consented_user(update, context)
    if user_id is None:
        return
    groups = services(context).groups
    mine = await groups.my_groups(user_id)
    messages = [Outgoing(_sharing_text(g, m), _sharing_keyboard(g, m)) for g, m in mine.memberships]
    if mine.led:
        names = ", ".join(escape(g.name) for g in mine.led)
        messages.append(Outgoing(f"Groups you lead: {names}. /group shows how they're doing."))
    if not messages:
        text = (
            "You're not in any group. If your group leader uses this bot, they'll give you a "
            "link to join."
        )
        if groups.is_admin(user_id):
            text += " As an admin you can also lead groups: /newgroup NAME"
        messages.append(Outgoing(text))
    await reply(update, context, messages)


async def leave_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id = await consented_user(update, context)
    if user_id is None:
        return
    mine = await services(context).groups.member_groups(user_id)
    if not mine:
        await say(update, context, "You're not in any group.")
        return
    rows = [[button(f"Leave {g.name}"[:60], "gleave", b36(g.id))] for g, _ in mine]
    await say(
        update,
        context,
        "Which group would you like to leave? Its leader stops seeing your practice straight away.",
        InlineKeyboardMarkup(rows),
    )


async def on_member(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData, user_id: int
) -> None:
    query = pressed(update)
    parsed = await unexpired(update, parse_group_arg(data.arg))
    if parsed is None:
        return
    group_id, what, value = parsed
    groups = services(context).groups
    if data.action == "gleave":
        left = await groups.leave(user_id, group_id, update_id=applying(update, context))
        if left is None:
            await refuse(update, context, NOT_IN_GROUP)
            return
        await answer(query)
        await close(
            update,
            context,
            f"You've left <b>{escape(left.name)}</b>. Its leader no longer sees any of "
            "your practice. To come back, ask them for the link again.",
        )
        return
    share = SWITCHES.get(what)
    if share is None or value not in ("0", "1"):
        await answer(query, EXPIRED)
        return
    changed = await groups.set_sharing(
        user_id, group_id, share, value == "1", update_id=applying(update, context)
    )
    if changed is None:
        await refuse(update, context, NOT_IN_GROUP)
        return
    member, group = changed.member, changed.group
    await answer(query, "Saved.")
    await edit_or_say(
        update, context, _sharing_text(group, member), _sharing_keyboard(group, member)
    )
