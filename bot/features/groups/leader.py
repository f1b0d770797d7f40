"""The leader's side: /newgroup, /invite, /push and the buttons on their group's screens;
and the admins' /leaders, which makes and removes leaders.

Every button re-checks that the group is the leader's own (`own_group`): a forged or stale
button changes nothing.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import callbacks
from bot.callbacks import b36
from bot.context import applying
from bot.features.groups import reports
from bot.features.groups.access import consented_user, own_group, pick_group, require_leader
from bot.features.groups.buttons import (
    button,
    invite_link,
    keyboard,
    parse_group_arg,
    pressed,
    scenario_by_key,
    scenario_key,
    unexpired,
)
from bot.features.groups.sending import refuse, remove_buttons, say, send_qr, set_leader_menu
from bot.features.groups.texts import LINK_DAYS, NOT_ADMIN, NOT_YOURS, day_text, members_text
from bot.outbox_sender import notify
from bot.render import INTENSITY_LEGEND, with_intensity
from bot.replies import EXPIRED, answer
from bot.services import services
from scenarios.library import intensity_words
from scenarios.model import Scenario
from scenarios.skills import CONTEXT_LABELS
from state import groups as core
from state.groups import GroupRecord

# ---- admins: /leaders --------------------------------------------------------------------------


async def leaders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id = await consented_user(update, context)
    if user_id is None:
        return
    groups = services(context).groups
    if not groups.is_admin(user_id):
        await say(update, context, NOT_ADMIN)
        return
    ids = await groups.leader_ids(user_id)
    lines = ["<b>Group leaders</b>"]
    lines += [f"• <code>{i}</code>" for i in ids] or ["None yet."]
    lines += [
        "",
        "Admins (from ADMIN_USER_IDS) can lead groups too. Add a leader with a one-time link "
        "below, or on the server: <code>rehearse leaders add TELEGRAM_ID</code>.",
    ]
    rows = [[button("New leader invitation link", "lnew")]]
    rows += [[button(f"Remove {i}", "ldel", b36(i))] for i in ids[:30]]
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))


async def on_leader_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData, user_id: int
) -> None:
    query = pressed(update)
    groups = services(context).groups
    if not groups.is_admin(user_id):
        await refuse(update, context, NOT_ADMIN)
        return
    if data.action == "lnew":
        invite = await groups.invite_leader(user_id, update_id=applying(update, context))
        await answer(query)
        await say(
            update,
            context,
            "Send this link to the new group leader. It works <b>once</b>, for "
            f"{LINK_DAYS} days:\n{escape(invite_link(context, invite))}",
        )
        return
    try:
        target = int(data.arg or "", 36)
    except ValueError:
        await answer(query, EXPIRED)
        return
    removal = await groups.remove_leader(user_id, target, update_id=applying(update, context))
    await answer(query, "Removed." if removal.removed else "Not a leader.")
    if not removal.removed:
        await say(update, context, f"<code>{target}</code> isn't a group leader.")
        return
    if removal.members:
        notify(context.application)  # the members' notices are queued
    text = (
        f"<code>{target}</code> is no longer a group leader, from now on: "
        f"{removal.groups} group(s) of theirs closed, {removal.members} member(s) taken out "
        f"of them and told why, {removal.invites} invitation link(s) revoked, and "
        f"{removal.alerts} crisis alert(s) to them withdrawn before sending. Adding them "
        "again doesn't reopen those groups: members would join afresh through a new link."
    )
    if groups.is_admin(target):
        text += (
            "\n\nThey are still in ADMIN_USER_IDS, so they can still lead groups: remove them "
            "there too."
        )
    await say(update, context, text)


# ---- /newgroup, /invite ------------------------------------------------------------------------


async def newgroup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader_id = await require_leader(update, context)
    if leader_id is None:
        return
    name = core.clean_name(" ".join(context.args or []))
    if name is None:
        await say(update, context, "Give the group a name, e.g. /newgroup Tuesday evening IOP")
        return
    user = update.effective_user
    leader_name = user.full_name if user is not None else ""
    made = await services(context).groups.create_group(
        leader_id, name, leader_name, update_id=applying(update, context)
    )
    group, link = made.group, invite_link(context, made.invite)
    await say(
        update,
        context,
        f"Your group <b>{escape(group.name)}</b> is ready.\n\n"
        "Share this link with your participants (in your group chat or by email), or "
        "show the QR code on screen:\n"
        f"{escape(link)}\n\n"
        "Whoever opens it sees the group's name, your name and exactly what you will "
        "see of their practice, and then chooses. /invite shows the link again or "
        "replaces it; /push sends everyone a scenario; /group shows how it's going.",
    )
    await send_qr(update, context, group, link)
    if update.effective_chat is not None:
        await set_leader_menu(context, update.effective_chat.id)


async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    group = await pick_group(update, context, "ginv", "Which group's link?")
    if group is not None:
        await show_invite(update, context, group)


async def show_invite(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    invite = await services(context).groups.current_invite(group)
    arg = b36(group.id)
    renew = [
        button("New link", "ginew", f"{arg}_0"),
        button(f"New {LINK_DAYS}-day link", "ginew", f"{arg}_{LINK_DAYS}"),
    ]
    if invite is None:
        text = (
            f"No invitation link works for <b>{escape(group.name)}</b> right now, so nobody new "
            "can join. Make a new one when you're ready:"
        )
        await say(update, context, text, keyboard(renew))
        return
    link = invite_link(context, invite)
    expiry = (
        f"It works until {day_text(invite.expires_at)}."
        if invite.expires_at
        else "It doesn't expire; revoke it if it reaches the wrong people."
    )
    text = (
        f"Invitation link for <b>{escape(group.name)}</b>:\n{escape(link)}\n\n{expiry}\n"
        "A new link replaces this one: the old one stops working."
    )
    await say(update, context, text, keyboard(renew, [button("Revoke link", "girev", arg)]))
    await send_qr(update, context, group, link)


# ---- /push -------------------------------------------------------------------------------------


async def push_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    args = context.args or []
    if not args:
        group = await pick_group(update, context, "gpush", "Send a scenario to which group?")
        if group is not None:
            await push_contexts(update, context, group)
        return
    leader_id = await require_leader(update, context)
    if leader_id is None:
        return
    svc = services(context)
    scenario_id, group_ref = args[-1], " ".join(args[:-1])
    scenario = svc.library.get(scenario_id)
    if scenario is None:
        await say(
            update,
            context,
            f"I don't know the scenario “{escape(scenario_id[:80])}”. Send /push on "
            "its own to pick one from a list.",
        )
        return
    group = await svc.groups.find_group(leader_id, group_ref)
    if group is None:
        await say(
            update,
            context,
            "I couldn't tell which of your groups you mean. Use its number or exact "
            "name, e.g. /push 3 family/birthday-or-group, or send /push on its own."
            if group_ref
            else "Which group? e.g. /push Tuesday group family/birthday-or-group",
        )
        return
    await do_push(update, context, leader_id, group, scenario)


async def push_contexts(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    library = services(context).library
    arg = b36(group.id)
    rows = [
        [button(label, "gpctx", f"{arg}_{key}")]
        for key, label in CONTEXT_LABELS.items()
        if library.by_context(key)
    ]
    text = f"What would you like <b>{escape(group.name)}</b> to practice?"
    await say(update, context, text, InlineKeyboardMarkup(rows))


async def push_scenarios(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, context_key: str
) -> None:
    library = services(context).library
    items = library.by_context(context_key)
    if not items:
        await push_contexts(update, context, group)
        return
    arg = b36(group.id)
    rows = [[button(with_intensity(s), "gpsc", f"{arg}_{scenario_key(s.id)}")] for s in items]
    rows.append([button("‹ Back", "gpush", arg)])
    text = f"<b>{escape(CONTEXT_LABELS.get(context_key, context_key))}</b>: which one?"
    if any(intensity_words(s) for s in items):
        text += "\n" + INTENSITY_LEGEND
    await say(update, context, text, InlineKeyboardMarkup(rows))


async def push_confirm(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, scenario: Scenario
) -> None:
    people = await services(context).groups.members(group)
    reachable = sum(m.active for m in people)
    arg = b36(group.id)
    back = [button("‹ Back", "gpctx", f"{arg}_{scenario.context}")]
    if not reachable:
        text = (
            f"Nobody in <b>{escape(group.name)}</b> can receive <b>{escape(scenario.title)}</b> "
            "yet. Share the invitation link first: /invite"
        )
        await say(update, context, text, keyboard(back))
        return
    text = (
        f"Send <b>{escape(scenario.title)}</b> to {members_text(reachable, all_of=True)} of "
        f"<b>{escape(group.name)}</b>?\n<i>{escape(scenario.summary)}</i>\n\n"
        "Each gets a private message with a button that opens it."
    )
    markup = keyboard([button("Send it", "gpgo", f"{arg}_{scenario_key(scenario.id)}")], back)
    await say(update, context, text, markup)


async def do_push(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    leader_id: int,
    group: GroupRecord,
    scenario: Scenario,
) -> None:
    result = await services(context).groups.push(
        leader_id,
        group,
        scenario.id,
        title=scenario.title,
        summary=scenario.summary,
        update_id=applying(update, context),
    )
    if result.status == "repeat":
        text = (
            f"You sent <b>{escape(scenario.title)}</b> to {escape(group.name)} a few minutes "
            "ago, so I haven't sent it again."
        )
        await say(update, context, text)
        return
    if result.status == "empty" or result.push is None:
        text = (
            f"Nobody in <b>{escape(group.name)}</b> can receive it yet"
            + (f" ({result.inactive} blocked the bot)" if result.inactive else "")
            + ". Share the invitation link first: /invite"
        )
        await say(update, context, text)
        return
    notify(context.application)
    skipped = ""
    if result.inactive:
        who = members_text(result.inactive)
        skipped = f" {who} who blocked the bot {'was' if result.inactive == 1 else 'were'} skipped."
    text = (
        f"On its way: <b>{escape(scenario.title)}</b> to "
        f"{members_text(result.queued, all_of=not result.inactive)} of "
        f"<b>{escape(group.name)}</b>.{skipped} I'll send you a delivery report when it's done."
    )
    markup = keyboard([button("Delivery so far", "gprep", b36(result.push.id))])
    await say(update, context, text, markup)


# ---- the buttons on a group's screens ----------------------------------------------------------


async def on_group_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """A button of the leader's screens: it names a group (or a push) that must be theirs."""
    query = pressed(update)
    leader_id = await require_leader(update, context)
    if leader_id is None:
        return
    svc = services(context)
    if data.action == "gprep":
        await answer(query)
        try:
            push_id = int(data.arg or "", 36)
        except ValueError:
            await say(update, context, NOT_YOURS)
            return
        await reports.delivery_now(update, context, leader_id, push_id)
        return
    parsed = await unexpired(update, parse_group_arg(data.arg))
    if parsed is None:
        return
    group_id, part, _ = parsed
    await answer(query)
    group = await own_group(update, context, leader_id, group_id)
    if group is None:
        return
    if data.action == "ggrp":
        await reports.show_group(update, context, group)
    elif data.action == "ginv":
        await show_invite(update, context, group)
    elif data.action == "ginew":
        days = int(part) if part in ("0", str(LINK_DAYS)) else 0
        await svc.groups.renew_invite(group, days, update_id=applying(update, context))
        await show_invite(update, context, group)
    elif data.action == "girev":
        await svc.groups.revoke_invites(group, update_id=applying(update, context))
        await say(
            update,
            context,
            f"Revoked: the link to <b>{escape(group.name)}</b> no longer works, and "
            "members who joined stay in the group. Make a new one with /invite.",
        )
    elif data.action == "gpush":
        await push_contexts(update, context, group)
    elif data.action == "gpctx":
        await push_scenarios(update, context, group, part or "")
    elif data.action in ("gpsc", "gpgo"):
        scenario = scenario_by_key(svc.library, part)
        if scenario is None:
            await say(
                update, context, "That scenario isn't available any more. /push to pick another."
            )
        elif data.action == "gpsc":
            await push_confirm(update, context, group, scenario)
        else:
            await remove_buttons(update)
            await do_push(update, context, leader_id, group, scenario)
    elif data.action == "gchart":
        await reports.send_chart(update, context, group)
    elif data.action == "gcsv":
        await reports.send_csv(update, context, group)
