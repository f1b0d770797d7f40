"""Group leaders in Telegram: groups, invitation links, pushing scenarios, the group at a glance.

Leaders: /newgroup NAME, /invite, /push [GROUP SCENARIO_ID], /group, /export; admins also
/leaders. Participants: the join screen behind an invitation link, /mygroups, /leave.

Handlers stay thin: every decision (who may do what, what a leader may see) is in
`state.groups` and `state.group_report`; this module renders and sends. Each refusal is a plain
sentence and changes nothing. Messages to other people (pushes, delivery reports, crisis alerts)
are queued in the outbox in the deciding transaction and sent by `bot.outbox_sender`, which this
module installs; a repeating job queues each push's delivery report once it has settled.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from datetime import UTC, date, datetime, timedelta
from hashlib import blake2s
from html import escape

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters
from telegram.helpers import create_deep_linked_url

from bot import callbacks
from bot.callbacks import b36
from bot.handlers.common import EXPIRED, answer, has_consented, reply
from bot.handlers.onboarding import WELCOME, consent_keyboard
from bot.outbox_sender import install, notify
from bot.render import STYLE_MARK, Outgoing, clip
from bot.services import services
from scenarios.library import Library
from scenarios.model import Scenario
from scenarios.skills import CONTEXT_LABELS
from state import group_images
from state import groups as core
from state.group_report import GroupReport, export_csv, group_report, percentages
from state.groups import GroupRecord, InviteRecord

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("mygroups", "Your groups, and what your leader sees"),
    BotCommand("leave", "Leave a group"),
]
LEADER_COMMANDS = [
    BotCommand("group", "Your group at a glance"),
    BotCommand("push", "Send a scenario to your group"),
    BotCommand("invite", "The invitation link and QR code"),
    BotCommand("newgroup", "Create a group"),
    BotCommand("export", "Your group's progress as CSV"),
]
ACTIONS = (
    "gjoin",
    "gopt",
    "gno",
    "gleave",
    "gset",
    "lacc",
    "lno",
    "lnew",
    "ldel",
    "ggrp",
    "ginv",
    "ginew",
    "girev",
    "gpush",
    "gpctx",
    "gpsc",
    "gpgo",
    "gprep",
    "gchart",
    "gcsv",
)
REPORT_EVERY = 3.0  # seconds between looks for pushes whose delivery has settled
LINK_DAYS = 7

NOT_LEADER = (
    "That command is for group leaders. If you run a group and would like to use the bot "
    "with it, ask the people who run this bot to add you as a leader."
)
NOT_ADMIN = "Only the people who run this bot can add or remove group leaders."
NOT_YOURS = "That group isn't one of yours, so I can't show or change it."
BAD_LINK = (
    "This invitation link doesn't work any more (it may have been replaced, revoked or have "
    "expired). Please ask your group leader for a new one. Meanwhile you can practise on "
    "your own: /practice"
)
BAD_LEADER_LINK = (
    "This leader invitation doesn't work any more (each one works once, for "
    f"{LINK_DAYS} days). Please ask for a new one."
)
NO_GROUPS = (
    "You don't have a group yet. Create one with /newgroup and its name, "
    "e.g. /newgroup Tuesday evening IOP"
)
_GROUP_ARG = re.compile(r"^([0-9a-z]{1,8})(?:_([A-Za-z0-9-]{1,30}))?(?:_([A-Za-z0-9-]{1,12}))?$")


def register(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, handler in (
        ("leaders", leaders_command),
        ("newgroup", newgroup),
        ("invite", invite_command),
        ("push", push_command),
        ("group", group_command),
        ("export", export_command),
        ("mygroups", mygroups),
        ("leave", leave_command),
    ):
        app.add_handler(CommandHandler(name, handler, filters=private))
    install(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            report_job, interval=REPORT_EVERY, first=REPORT_EVERY, name="push-reports"
        )


# ---- small helpers -----------------------------------------------------------------------------


def _admins(context: ContextTypes.DEFAULT_TYPE) -> list[int]:
    return list(services(context).settings.admin_user_ids)


def _button(text: str, name: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(name, arg))


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([r for r in rows if r])


def _parse_group_arg(arg: str | None) -> tuple[int, str | None, str | None] | None:
    """`<group id base36>[_<part>[_<part>]]` from a button; None when it isn't ours."""
    m = _GROUP_ARG.match(arg or "")
    if m is None:
        return None
    return int(m[1], 36), m[2], m[3]


def scenario_key(scenario_id: str) -> str:
    """A short stable key for a scenario in button data (ids can be up to 62 bytes)."""
    return blake2s(scenario_id.encode(), digest_size=5).hexdigest()


def _scenario_by_key(library: Library, key: str | None) -> Scenario | None:
    if not key:
        return None
    return next((s for s in library.scenarios.values() if scenario_key(s.id) == key), None)


def _title(library: Library, scenario_id: str) -> str:
    scenario = library.get(scenario_id)
    return scenario.title if scenario is not None else scenario_id


def invite_link(context: ContextTypes.DEFAULT_TYPE, invite: InviteRecord) -> str:
    return create_deep_linked_url(context.bot.username, invite.payload)


def _date(moment: datetime) -> str:
    return f"{moment:%d %b %Y}"


async def _send_photo(
    update: Update, context: ContextTypes.DEFAULT_TYPE, png: bytes, caption: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await context.bot.send_photo(
        chat.id, io.BytesIO(png), caption=clip(caption, 1024), parse_mode=ParseMode.HTML
    )


async def _set_leader_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """Leader commands show in the leader's own menu only, not in every participant's."""
    from bot.app import all_commands

    with contextlib.suppress(TelegramError):
        await context.bot.set_my_commands(
            all_commands() + LEADER_COMMANDS, scope=BotCommandScopeChat(chat_id)
        )


async def _consented_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The user's id once they have agreed to the terms; otherwise show the consent screen."""
    user = update.effective_user
    if user is None:
        return None
    if await has_consented(context, user.id):
        return user.id
    if update.callback_query is not None:
        await answer(update.callback_query)
    await reply(update, context, [Outgoing(WELCOME, consent_keyboard(None))])
    return None


async def _leader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The leader's id, or None after telling a non-leader (kindly) that they can't."""
    user_id = await _consented_user(update, context)
    if user_id is None:
        return None
    admins = _admins(context)
    if await services(context).store.run(user_id, lambda uow: core.is_leader(uow, user_id, admins)):
        return user_id
    if update.callback_query is not None:
        await answer(update.callback_query)
    await reply(update, context, [Outgoing(NOT_LEADER)])
    return None


async def _own_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int, group_id: int
) -> GroupRecord | None:
    group = await services(context).store.run(
        leader_id, lambda uow: core.leader_group(uow, leader_id, group_id)
    )
    if group is None:
        await reply(update, context, [Outgoing(NOT_YOURS)])
    return group


async def _pick_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int, action: str, prompt: str
) -> GroupRecord | None:
    """The leader's only group, or a list of buttons to pick one (then None)."""
    groups = await services(context).store.run(
        leader_id, lambda uow: core.leader_groups(uow, leader_id)
    )
    if not groups:
        await reply(update, context, [Outgoing(NO_GROUPS)])
        return None
    if len(groups) == 1:
        return groups[0]
    rows = [[_button(g.name, action, b36(g.id))] for g in groups[:50]]
    await reply(update, context, [Outgoing(prompt, InlineKeyboardMarkup(rows))])
    return None


# ---- admins: /leaders --------------------------------------------------------------------------


async def leaders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    if not core.is_admin(user_id, _admins(context)):
        await reply(update, context, [Outgoing(NOT_ADMIN)])
        return
    await _show_leaders(update, context, user_id)


async def _show_leaders(update: Update, context: ContextTypes.DEFAULT_TYPE, admin: int) -> None:
    ids = await services(context).store.run(admin, core.leader_ids)
    lines = ["<b>Group leaders</b>"]
    lines += [f"• <code>{i}</code>" for i in ids] or ["None yet."]
    lines += [
        "",
        "Admins (from ADMIN_USER_IDS) can lead groups too. Add a leader with a one-time link "
        "below, or on the server: <code>rehearse leaders add TELEGRAM_ID</code>.",
    ]
    rows = [[_button("New leader invitation link", "lnew")]]
    rows += [[_button(f"Remove {i}", "ldel", b36(i))] for i in ids[:30]]
    await reply(update, context, [Outgoing("\n".join(lines), InlineKeyboardMarkup(rows))])


async def _on_leader_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    if not core.is_admin(user.id, _admins(context)):
        await answer(query)
        await reply(update, context, [Outgoing(NOT_ADMIN)])
        return
    store = services(context).store
    if data.action == "lnew":
        invite = await store.run(
            user.id,
            lambda uow: core.create_invite(
                uow, kind="leader", created_by=user.id, expires_in=timedelta(days=LINK_DAYS)
            ),
        )
        await answer(query)
        await reply(
            update,
            context,
            [
                Outgoing(
                    "Send this link to the new group leader. It works <b>once</b>, for "
                    f"{LINK_DAYS} days:\n{escape(invite_link(context, invite))}"
                )
            ],
        )
        return
    try:
        target = int(data.arg or "", 36)
    except ValueError:
        await answer(query, EXPIRED)
        return
    changed = await store.run(user.id, lambda uow: core.set_role(uow, target, core.PARTICIPANT))
    await answer(query, "Removed." if changed else "Not a leader.")
    await reply(
        update,
        context,
        [
            Outgoing(
                f"<code>{target}</code> is no longer a group leader. Their groups are kept "
                "but they can't manage them unless they are added again."
                if changed
                else f"<code>{target}</code> isn't a group leader."
            )
        ],
    )


# ---- leaders: /newgroup, /invite ---------------------------------------------------------------


async def newgroup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = await _leader(update, context)
    if leader is None:
        return
    name = core.clean_name(" ".join(context.args or []))
    if name is None:
        await reply(
            update,
            context,
            [Outgoing("Give the group a name, e.g. /newgroup Tuesday evening IOP")],
        )
        return
    user = update.effective_user
    leader_name = user.full_name if user is not None else ""

    async def work(uow):
        group = await core.create_group(uow, leader, name, leader_name)
        invite = await core.create_invite(uow, kind="group", created_by=leader, group_id=group.id)
        return group, invite

    group, invite = await services(context).store.run(leader, work)
    await reply(
        update,
        context,
        [
            Outgoing(
                f"Your group <b>{escape(group.name)}</b> is ready.\n\n"
                "Share this link with your participants (in your group chat or by email), or "
                "show the QR code on screen:\n"
                f"{escape(invite_link(context, invite))}\n\n"
                "Whoever opens it sees the group's name, your name and exactly what you will "
                "see of their practice, and then chooses. /invite shows the link again or "
                "replaces it; /push sends everyone a scenario; /group shows how it's going."
            )
        ],
    )
    await _send_photo(
        update,
        context,
        group_images.qr_png(invite_link(context, invite)),
        f"Scan to join <b>{escape(group.name)}</b>",
    )
    if update.effective_chat is not None:
        await _set_leader_menu(context, update.effective_chat.id)


async def invite_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = await _leader(update, context)
    if leader is None:
        return
    group = await _pick_group(update, context, leader, "ginv", "Which group's link?")
    if group is not None:
        await _show_invite(update, context, group)


async def _show_invite(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    invite = await services(context).store.run(
        group.leader_id, lambda uow: core.current_invite(uow, group.id)
    )
    arg = b36(group.id)
    renew = [
        _button("New link", "ginew", f"{arg}_0"),
        _button(f"New {LINK_DAYS}-day link", "ginew", f"{arg}_{LINK_DAYS}"),
    ]
    if invite is None:
        text = (
            f"No invitation link works for <b>{escape(group.name)}</b> right now, so nobody new "
            "can join. Make a new one when you're ready:"
        )
        await reply(update, context, [Outgoing(text, _keyboard(renew))])
        return
    link = invite_link(context, invite)
    expiry = (
        f"It works until {_date(invite.expires_at)}."
        if invite.expires_at
        else "It doesn't expire; revoke it if it reaches the wrong people."
    )
    text = (
        f"Invitation link for <b>{escape(group.name)}</b>:\n{escape(link)}\n\n{expiry}\n"
        "A new link replaces this one: the old one stops working."
    )
    await reply(
        update,
        context,
        [Outgoing(text, _keyboard(renew, [_button("Revoke link", "girev", arg)]))],
    )
    await _send_photo(
        update, context, group_images.qr_png(link), f"Scan to join <b>{escape(group.name)}</b>"
    )


# ---- leaders: /push ----------------------------------------------------------------------------


async def push_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = await _leader(update, context)
    if leader is None:
        return
    svc = services(context)
    args = context.args or []
    if not args:
        group = await _pick_group(
            update, context, leader, "gpush", "Send a scenario to which group?"
        )
        if group is not None:
            await _push_contexts(update, context, group)
        return
    scenario_id, group_ref = args[-1], " ".join(args[:-1])
    scenario = svc.library.get(scenario_id)
    if scenario is None:
        await reply(
            update,
            context,
            [
                Outgoing(
                    f"I don't know the scenario “{escape(scenario_id[:80])}”. Send /push on "
                    "its own to pick one from a list."
                )
            ],
        )
        return

    async def find(uow):
        if group_ref:
            return await core.find_leader_group(uow, leader, group_ref)
        mine = await core.leader_groups(uow, leader)
        return mine[0] if len(mine) == 1 else None

    group = await svc.store.run(leader, find)
    if group is None:
        await reply(
            update,
            context,
            [
                Outgoing(
                    "I couldn't tell which of your groups you mean. Use its number or exact "
                    "name, e.g. /push 3 family/birthday-or-group, or send /push on its own."
                    if group_ref
                    else "Which group? e.g. /push Tuesday group family/birthday-or-group"
                )
            ],
        )
        return
    await _do_push(update, context, leader, group, scenario)


async def _push_contexts(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    library = services(context).library
    arg = b36(group.id)
    rows = [
        [_button(label, "gpctx", f"{arg}_{key}")]
        for key, label in CONTEXT_LABELS.items()
        if library.by_context(key)
    ]
    await reply(
        update,
        context,
        [
            Outgoing(
                f"What would you like <b>{escape(group.name)}</b> to practise?",
                InlineKeyboardMarkup(rows),
            )
        ],
    )


async def _push_scenarios(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, context_key: str
) -> None:
    library = services(context).library
    items = library.by_context(context_key)
    if not items:
        await _push_contexts(update, context, group)
        return
    arg = b36(group.id)
    rows = [[_button(s.title, "gpsc", f"{arg}_{scenario_key(s.id)}")] for s in items]
    rows.append([_button("‹ Back", "gpush", arg)])
    await reply(
        update,
        context,
        [
            Outgoing(
                f"<b>{escape(CONTEXT_LABELS.get(context_key, context_key))}</b>: which one?",
                InlineKeyboardMarkup(rows),
            )
        ],
    )


async def _push_confirm(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord, scenario: Scenario
) -> None:
    people = await services(context).store.run(
        group.leader_id, lambda uow: core.members(uow, group.id)
    )
    reachable = sum(m.active for m in people)
    arg = f"{b36(group.id)}_{scenario_key(scenario.id)}"
    text = (
        f"Send <b>{escape(scenario.title)}</b> to the {reachable} member(s) of "
        f"<b>{escape(group.name)}</b>?\n<i>{escape(scenario.summary)}</i>\n\n"
        "Each gets a private message with a button that opens it."
    )
    await reply(
        update,
        context,
        [
            Outgoing(
                text,
                _keyboard(
                    [_button("Send it", "gpgo", arg)],
                    [_button("‹ Back", "gpctx", f"{b36(group.id)}_{scenario.context}")],
                ),
            )
        ],
    )


async def _do_push(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    leader: int,
    group: GroupRecord,
    scenario: Scenario,
) -> None:
    svc = services(context)
    result = await svc.store.run(
        leader,
        lambda uow: core.create_push(
            uow,
            group,
            scenario.id,
            title=scenario.title,
            summary=scenario.summary,
            created_by=leader,
        ),
    )
    if result.status == "repeat":
        text = (
            f"You sent <b>{escape(scenario.title)}</b> to {escape(group.name)} a few minutes "
            "ago, so I haven't sent it again."
        )
        await reply(update, context, [Outgoing(text)])
        return
    if result.status == "empty" or result.push is None:
        text = (
            f"Nobody in <b>{escape(group.name)}</b> can receive it yet"
            + (f" ({result.inactive} blocked the bot)" if result.inactive else "")
            + ". Share the invitation link first: /invite"
        )
        await reply(update, context, [Outgoing(text)])
        return
    notify(context.application)
    skipped = (
        f" {result.inactive} member(s) who blocked the bot were skipped." if result.inactive else ""
    )
    text = (
        f"On its way: <b>{escape(scenario.title)}</b> to {result.queued} member(s) of "
        f"<b>{escape(group.name)}</b>.{skipped} I'll send you a delivery report when it's done."
    )
    await reply(
        update,
        context,
        [Outgoing(text, _keyboard([_button("Delivery so far", "gprep", b36(result.push.id))]))],
    )


async def _delivery_now(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader: int, push_id: int
) -> None:
    svc = services(context)

    async def work(uow):
        push = await core.get_push(uow, push_id)
        group = await core.leader_group(uow, leader, push.group_id) if push else None
        if push is None or group is None:
            return None
        return push, group, (await core.delivery(uow, [push.id]))[push.id]

    found = await svc.store.run(leader, work)
    if found is None:
        await reply(update, context, [Outgoing(NOT_YOURS)])
        return
    push, group, d = found
    text = core.delivery_text(group.name, _title(svc.library, push.scenario_id), d)
    await reply(update, context, [Outgoing(text)])


async def report_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue the delivery report of every push whose messages have all been sent or failed."""
    svc = services(context)
    done = await svc.store.run(
        None, lambda uow: core.settle_reports(uow, lambda sid: _title(svc.library, sid))
    )
    if done:
        notify(context.application)


# ---- leaders: /group, chart, /export -----------------------------------------------------------


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = await _leader(update, context)
    if leader is None:
        return
    group = await _pick_group(update, context, leader, "ggrp", "Which group?")
    if group is not None:
        await _show_group(update, context, group)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    leader = await _leader(update, context)
    if leader is None:
        return
    group = await _pick_group(update, context, leader, "gcsv", "Export which group?")
    if group is not None:
        await _send_csv(update, context, group)


def _style_line(styles: dict[str, int]) -> str:
    return " · ".join(f"{STYLE_MARK.get(s, '•')} {escape(s)} {p}%" for s, p in percentages(styles))


def group_text(report: GroupReport, library: Library, checkins: str | None = None) -> str:
    g = report.group
    people = report.members
    blocked = sum(not m.member.active for m in people)
    lines = [
        f"<b>{escape(g.name)}</b> · since {_date(g.created_at)}",
        f"Members: {len(people)}" + (f" ({blocked} blocked the bot)" if blocked else ""),
    ]
    if report.pushes:
        lines += ["", "<b>Pushed scenarios</b>"]
        for line in report.pushes[-8:]:
            d = line.delivery
            delivered = f"sent {d.sent}, blocked {d.blocked}"
            if d.failed:
                delivered += f", not delivered {d.failed}"
            if d.pending:
                delivered += f", pending {d.pending}"
            lines.append(
                f"• {line.push.created_at:%d %b} {escape(_title(library, line.push.scenario_id))}"
                f": {delivered} · started {line.started}/{len(people)}"
                f" · finished {line.finished}/{len(people)}"
            )
    else:
        lines += ["", "No scenarios pushed yet: /push"]
    if people:
        lines += ["", "<b>Members</b>"]
        n = len(report.pushes)
        for line in people:
            m = line.member
            mark = "" if m.active else " 🚫 blocked the bot"
            mix = " ".join(f"{STYLE_MARK.get(s, '•')}{c}" for s, c in sorted(line.styles.items()))
            progress = f"started {line.started}/{n}, finished {line.finished}/{n}" if n else ""
            lines.append(
                f"• {escape(m.display_name)}{mark}"
                + (f": {progress}" if progress else "")
                + (f" · {mix}" if mix else "")
            )
    else:
        lines += ["", "Nobody has joined yet: share the link from /invite."]
    if report.styles:
        lines += ["", f"<b>Style mix</b> in pushed scenarios: {_style_line(report.styles)}"]
    if checkins:
        lines += ["", checkins]
    return clip("\n".join(lines))


async def _checkin_line(context: ContextTypes.DEFAULT_TYPE, report: GroupReport) -> str | None:
    """Check-in completion over the last 7 days, for members who chose to share check-ins."""
    try:
        from state.checkins import group_checkin_summary
    except ImportError:  # check-ins not installed in this deployment
        return None
    ids = [m.member.user_id for m in report.members]
    if not ids:
        return None
    since = datetime.now(UTC).date() - timedelta(days=6)
    summary = await services(context).store.run(
        None, lambda uow: group_checkin_summary(uow, ids, since)
    )
    if not summary.sharing:
        return "<b>Check-ins</b>: nobody shares their check-ins with you."
    text = (
        f"<b>Check-ins</b>, last 7 days ({summary.sharing} of {summary.members} share them): "
        f"{round(100 * summary.completion)}% done"
    )
    if summary.avg_mood is not None:
        text += f" · average mood {summary.avg_mood:.1f}/5"
    return text


async def _show_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    svc = services(context)
    report = await svc.store.run(group.leader_id, lambda uow: group_report(uow, group))
    checkins = await _checkin_line(context, report)
    arg = b36(group.id)
    keyboard = _keyboard(
        [_button("Style chart", "gchart", arg), _button("Export CSV", "gcsv", arg)],
        [_button("Push a scenario", "gpush", arg), _button("Invitation link", "ginv", arg)],
    )
    await reply(update, context, [Outgoing(group_text(report, svc.library, checkins), keyboard)])


async def _send_chart(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    report = await services(context).store.run(
        group.leader_id, lambda uow: group_report(uow, group)
    )
    if not report.weeks:
        await reply(
            update,
            context,
            [Outgoing("No choices in pushed scenarios yet, so there is nothing to chart.")],
        )
        return
    png = group_images.style_chart_png(f"{group.name}: style mix by week", report.weeks)
    await _send_photo(
        update,
        context,
        png,
        f"<b>{escape(group.name)}</b>: share of each style in pushed scenarios, by week.",
    )


async def _send_csv(update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord) -> None:
    svc = services(context)
    report = await svc.store.run(
        group.leader_id, lambda uow: group_report(uow, group, with_transcripts=True)
    )
    chat = update.effective_chat
    if chat is None:
        return
    data = export_csv(report, svc.library).encode("utf-8-sig")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", group.name).strip("-").lower() or "group"
    await context.bot.send_document(
        chat.id,
        io.BytesIO(data),
        filename=f"{slug}-{date.today():%Y-%m-%d}.csv",
        caption="One row per member and pushed scenario. Transcripts only for members who "
        "chose to share them.",
    )


# ---- participants: joining ---------------------------------------------------------------------


def join_text(group: GroupRecord, name: str, flags: int) -> str:
    share, alert = bool(flags & 1), bool(flags & 2)
    leader = escape(group.leader_name)
    return (
        f"<b>Join “{escape(group.name)}”?</b>\nGroup leader: <b>{leader}</b>\n\n"
        f"If you join, {leader} will see:\n"
        f"• your name as Telegram shows it now: <b>{escape(name)}</b>\n"
        "• for each scenario they send the group: whether you started it and finished it\n"
        "• the mix of styles in your choices in those scenarios (assertive, passive, "
        "aggressive, passive-aggressive)\n\n"
        "They will not see your other practice, your safety plan, or what you type. Your "
        "check-ins have their own sharing switch in the check-in settings.\n\n"
        "Two choices, both off unless you turn them on:\n"
        f"{'☑' if share else '☐'} <b>Share my transcripts</b>: the choices I make in the "
        "scenarios they send, and what I type there if I keep my typed replies (/privacy).\n"
        f"{'☑' if alert else '☐'} <b>Alert my leader</b> if I write something that sounds like "
        "a crisis: they get a message with my name and the time, never what I wrote.\n\n"
        "You can change these or leave at any time: /mygroups, /leave."
    )


def join_keyboard(group: GroupRecord, code: str, flags: int) -> InlineKeyboardMarkup:
    share, alert = bool(flags & 1), bool(flags & 2)
    return _keyboard(
        [_button(f"{'☑' if share else '☐'} Share transcripts", "gopt", f"{flags ^ 1}{code}")],
        [_button(f"{'☑' if alert else '☐'} Crisis alerts to leader", "gopt", f"{flags ^ 2}{code}")],
        [_button(f"Join {group.name}"[:60], "gjoin", f"{flags}{code}")],
        [_button("No thanks", "gno")],
    )


def _display_name(update: Update) -> str:
    user = update.effective_user
    return (user.full_name if user is not None else "") or ""


async def show_join(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    user = update.effective_user
    if user is None:
        return
    check = await services(context).store.run(
        user.id, lambda uow: core.check_group_invite(uow, code, user.id)
    )
    text = _refusal(check)
    if text is not None or check.group is None:
        await reply(update, context, [Outgoing(text or BAD_LINK)])
        return
    await reply(
        update,
        context,
        [
            Outgoing(
                join_text(check.group, core.clean_name(_display_name(update)) or "", 0),
                join_keyboard(check.group, code, 0),
            )
        ],
    )


def _refusal(check: core.InviteCheck) -> str | None:
    if check.status in ("ok", "joined"):
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


def _flags_code(arg: str | None) -> tuple[int, str] | None:
    if not arg or len(arg) < 2 or arg[0] not in "0123":
        return None
    code = arg[1:]
    if not core.CODE.match(code):
        return None
    return int(arg[0]), code


async def _on_join(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query = update.callback_query
    assert query is not None
    if data.action == "gno":
        await answer(query)
        await _remove_buttons(update)
        await reply(
            update,
            context,
            [Outgoing("No problem: you haven't joined, and nothing was shared. /practice")],
        )
        return
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    parsed = _flags_code(data.arg)
    if parsed is None:
        await answer(query, EXPIRED)
        return
    flags, code = parsed
    store = services(context).store
    name = _display_name(update)
    if data.action == "gopt":
        check = await store.run(user_id, lambda uow: core.check_group_invite(uow, code, user_id))
        await answer(query)
        if _refusal(check) is not None or check.group is None:
            await reply(update, context, [Outgoing(_refusal(check) or BAD_LINK)])
            return
        text = join_text(check.group, core.clean_name(name) or "", flags)
        keyboard = join_keyboard(check.group, code, flags)
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
        except BadRequest:
            await reply(update, context, [Outgoing(text, keyboard)])
        return
    check = await store.run(
        user_id,
        lambda uow: core.join_group(
            uow,
            code,
            user_id,
            name,
            share_transcripts=bool(flags & 1),
            alert_leader=bool(flags & 2),
        ),
    )
    await answer(query)
    if check.status != "joined" or check.group is None:
        await reply(update, context, [Outgoing(_refusal(check) or BAD_LINK)])
        return
    await _remove_buttons(update)
    g = check.group
    await reply(
        update,
        context,
        [
            Outgoing(
                f"You've joined <b>{escape(g.name)}</b>. When {escape(g.leader_name)} sends the "
                "group a scenario, it arrives here with a button to open it.\n"
                "/mygroups shows what you share, /leave leaves the group. Meanwhile: /practice"
            )
        ],
    )


async def _remove_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


# ---- participants: leader invitations ----------------------------------------------------------


async def show_leader_invite(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    user = update.effective_user
    if user is None:
        return
    admins = _admins(context)

    async def work(uow):
        return await core.check_leader_invite(uow, code), await core.is_leader(uow, user.id, admins)

    status, already = await services(context).store.run(user.id, work)
    if already:
        await reply(
            update,
            context,
            [Outgoing("You're already a group leader. /newgroup NAME creates a group.")],
        )
        return
    if status != "ok":
        await reply(update, context, [Outgoing(BAD_LEADER_LINK)])
        return
    text = (
        "<b>You've been invited to lead groups on this bot.</b>\n\n"
        "As a group leader you can create groups, invite your participants with a link or QR "
        "code, send them a scenario to practise, and see what each of them agreed to share: "
        "which of those scenarios they started and finished and the style of their choices. "
        "You never see anything they didn't agree to."
    )
    await reply(
        update,
        context,
        [
            Outgoing(
                text,
                _keyboard(
                    [_button("Become a group leader", "lacc", code)], [_button("No thanks", "lno")]
                ),
            )
        ],
    )


async def _on_leader_invite(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query = update.callback_query
    assert query is not None
    if data.action == "lno":
        await answer(query)
        await _remove_buttons(update)
        await reply(update, context, [Outgoing("Alright, nothing has changed.")])
        return
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    code = data.arg or ""
    status = await services(context).store.run(
        user_id, lambda uow: core.accept_leader_invite(uow, code, user_id)
    )
    await answer(query)
    if status != "ok":
        await reply(update, context, [Outgoing(BAD_LEADER_LINK)])
        return
    await _remove_buttons(update)
    await reply(
        update,
        context,
        [
            Outgoing(
                "You're now a group leader. Start with /newgroup and the group's name, "
                "e.g. /newgroup Tuesday evening IOP."
            )
        ],
    )
    if update.effective_chat is not None:
        await _set_leader_menu(context, update.effective_chat.id)


# ---- participants: /mygroups, /leave -----------------------------------------------------------


def _sharing_text(group: GroupRecord, member: core.MemberRecord) -> str:
    return (
        f"<b>{escape(group.name)}</b> · leader {escape(group.leader_name)} · joined "
        f"{_date(member.joined_at)}\n"
        f"They see: whether you started and finished the scenarios they send, and the styles "
        f"of your choices in them (as <b>{escape(member.display_name)}</b>).\n"
        f"Transcripts: <b>{'shared' if member.share_transcripts else 'not shared'}</b> · "
        f"Crisis alerts: <b>{'on' if member.alert_leader else 'off'}</b>"
    )


def _sharing_keyboard(group: GroupRecord, member: core.MemberRecord) -> InlineKeyboardMarkup:
    arg = b36(group.id)
    share, alert = member.share_transcripts, member.alert_leader
    return _keyboard(
        [
            _button(
                "Stop sharing transcripts" if share else "Share transcripts",
                "gset",
                f"{arg}_t_{0 if share else 1}",
            )
        ],
        [
            _button(
                "Turn crisis alerts off" if alert else "Turn crisis alerts on",
                "gset",
                f"{arg}_a_{0 if alert else 1}",
            )
        ],
        [_button(f"Leave {group.name}"[:60], "gleave", arg)],
    )


async def mygroups(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    admins = _admins(context)

    async def work(uow):
        mine = await core.member_groups(uow, user_id)
        led = await core.leader_groups(uow, user_id)
        return mine, led

    mine, led = await services(context).store.run(user_id, work)
    messages = [Outgoing(_sharing_text(g, m), _sharing_keyboard(g, m)) for g, m in mine]
    if led:
        names = ", ".join(escape(g.name) for g in led)
        messages.append(Outgoing(f"Groups you lead: {names}. /group shows how they're doing."))
    if not messages:
        text = (
            "You're not in any group. If your group leader uses this bot, they'll give you a "
            "link to join."
        )
        if core.is_admin(user_id, admins):
            text += " As an admin you can also lead groups: /newgroup NAME"
        messages.append(Outgoing(text))
    await reply(update, context, messages)


async def leave_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    mine = await services(context).store.run(user_id, lambda uow: core.member_groups(uow, user_id))
    if not mine:
        await reply(update, context, [Outgoing("You're not in any group.")])
        return
    rows = [[_button(f"Leave {g.name}"[:60], "gleave", b36(g.id))] for g, _ in mine]
    await reply(
        update,
        context,
        [
            Outgoing(
                "Which group would you like to leave? Its leader stops seeing your practice "
                "straight away.",
                InlineKeyboardMarkup(rows),
            )
        ],
    )


async def _on_member(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query = update.callback_query
    assert query is not None
    user_id = await _consented_user(update, context)
    if user_id is None:
        return
    parsed = _parse_group_arg(data.arg)
    if parsed is None:
        await answer(query, EXPIRED)
        return
    group_id, what, value = parsed
    store = services(context).store
    if data.action == "gleave":
        left = await store.run(user_id, lambda uow: core.leave_group(uow, group_id, user_id))
        await answer(query)
        if left is None:
            await reply(update, context, [Outgoing("You're not in that group.")])
            return
        await _remove_buttons(update)
        await reply(
            update,
            context,
            [
                Outgoing(
                    f"You've left <b>{escape(left.name)}</b>. Its leader no longer sees any of "
                    "your practice. To come back, ask them for the link again."
                )
            ],
        )
        return
    if what not in ("t", "a") or value not in ("0", "1"):
        await answer(query, EXPIRED)
        return
    on = value == "1"

    async def work(uow):
        member = await core.set_sharing(
            uow,
            group_id,
            user_id,
            share_transcripts=on if what == "t" else None,
            alert_leader=on if what == "a" else None,
        )
        return (member, await core.get_group(uow, group_id)) if member else None

    changed = await store.run(user_id, work)
    if changed is None or changed[1] is None:
        await answer(query)
        await reply(update, context, [Outgoing("You're not in that group.")])
        return
    member, group = changed
    await answer(query, "Saved.")
    text, keyboard = _sharing_text(group, member), _sharing_keyboard(group, member)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except BadRequest:
        await reply(update, context, [Outgoing(text, keyboard)])


# ---- buttons -----------------------------------------------------------------------------------


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Every group button. Each one re-checks rights: a forged button changes nothing."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    if data.action in ("gjoin", "gopt", "gno"):
        await _on_join(update, context, data)
        return
    if data.action in ("lacc", "lno"):
        await _on_leader_invite(update, context, data)
        return
    if data.action in ("lnew", "ldel"):
        if await _consented_user(update, context) is not None:
            await _on_leader_admin(update, context, data)
        return
    if data.action in ("gleave", "gset"):
        await _on_member(update, context, data)
        return
    leader = await _leader(update, context)
    if leader is None:
        return
    svc = services(context)
    if data.action == "gprep":
        await answer(query)
        try:
            push_id = int(data.arg or "", 36)
        except ValueError:
            await reply(update, context, [Outgoing(NOT_YOURS)])
            return
        await _delivery_now(update, context, leader, push_id)
        return
    parsed = _parse_group_arg(data.arg)
    if parsed is None:
        await answer(query, EXPIRED)
        return
    group_id, part, extra = parsed
    await answer(query)
    group = await _own_group(update, context, leader, group_id)
    if group is None:
        return
    if data.action == "ggrp":
        await _show_group(update, context, group)
    elif data.action == "ginv":
        await _show_invite(update, context, group)
    elif data.action == "ginew":
        days = int(part) if part in ("0", str(LINK_DAYS)) else 0
        await svc.store.run(
            leader,
            lambda uow: core.renew_invite(
                uow, group, expires_in=timedelta(days=days) if days else None
            ),
        )
        await _show_invite(update, context, group)
    elif data.action == "girev":
        await svc.store.run(leader, lambda uow: core.revoke_invites(uow, group.id))
        await reply(
            update,
            context,
            [
                Outgoing(
                    f"Revoked: the link to <b>{escape(group.name)}</b> no longer works, and "
                    "members who joined stay in the group. Make a new one with /invite.",
                )
            ],
        )
    elif data.action == "gpush":
        await _push_contexts(update, context, group)
    elif data.action == "gpctx":
        await _push_scenarios(update, context, group, part or "")
    elif data.action in ("gpsc", "gpgo"):
        scenario = _scenario_by_key(svc.library, part)
        if scenario is None:
            await reply(
                update,
                context,
                [Outgoing("That scenario isn't available any more. /push to pick another.")],
            )
        elif data.action == "gpsc":
            await _push_confirm(update, context, group, scenario)
        else:
            await _remove_buttons(update)
            await _do_push(update, context, leader, group, scenario)
    elif data.action == "gchart":
        await _send_chart(update, context, group)
    elif data.action == "gcsv":
        await _send_csv(update, context, group)
