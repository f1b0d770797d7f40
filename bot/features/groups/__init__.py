"""Group leaders in Telegram: groups, invitation links, pushing scenarios, the group at a glance.

Leaders: /newgroup NAME, /invite, /push [GROUP SCENARIO_ID], /group, /export; admins also
/leaders. Participants: the join screen behind an invitation link, /mygroups, /leave.

Handlers stay thin: every decision (who may do what, what a leader may see) is made by the
groups service (`state.groups.service.Groups`, `services(context).groups`), one transaction per
action; this package parses, calls it, renders and sends (`leader`, `member`, `reports`;
what the three share: `texts`, the sentences; `buttons`, what a button or link carries;
`sending`, how a screen goes out; `access`, the first checks of who may). Each refusal is a
plain sentence and changes nothing. Messages to other people (pushes, delivery reports,
crisis alerts) are queued in the outbox in the deciding transaction and sent by
`bot.outbox_sender`, which this feature installs; a repeating job queues each push's delivery
report once it has settled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import BotCommand, Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot import callbacks
from bot.features.groups import leader, member, reports
from bot.features.groups.access import consented_user
from bot.features.groups.buttons import scenario_key
from bot.features.groups.member import show_join, show_leader_invite
from bot.features.groups.sending import LEADER_COMMANDS
from bot.features.groups.texts import (
    BAD_LEADER_LINK,
    BAD_LINK,
    NOT_ADMIN,
    NOT_LEADER,
    NOT_YOURS,
    scenario_title,
)
from bot.outbox_sender import install
from bot.routes import action

__all__ = [
    "ACTIONS",
    "BAD_LEADER_LINK",
    "BAD_LINK",
    "COMMANDS",
    "LEADER_COMMANDS",
    "NOT_ADMIN",
    "NOT_LEADER",
    "NOT_YOURS",
    "handlers",
    "on_action",
    "setup",
    "scenario_key",
    "scenario_title",
    "show_join",
    "show_leader_invite",
]

COMMANDS = [
    BotCommand("mygroups", "Your groups, and what your leader sees"),
    BotCommand("leave", "Leave a group"),
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
ConsentedHandler = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, callbacks.ActionData, int], Awaitable[None]
]
# Buttons anyone who agreed to the terms may press (their id is passed on); each checks the rest.
_CONSENTED: dict[str, ConsentedHandler] = {
    "gjoin": member.on_join,
    "gopt": member.on_join,
    "lacc": member.on_leader_invite,
    "gleave": member.on_member,
    "gset": member.on_member,
    "lnew": leader.on_leader_admin,
    "ldel": leader.on_leader_admin,
}
REPORT_EVERY = 3.0  # seconds between looks for pushes whose delivery has settled


def handlers() -> list[BaseHandler]:
    """Its commands, and one handler for every group button (`on_action`, which checks each
    press's rights)."""
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("leaders", leader.leaders_command, filters=private),
        CommandHandler("newgroup", leader.newgroup, filters=private),
        CommandHandler("invite", leader.invite_command, filters=private),
        CommandHandler("push", leader.push_command, filters=private),
        CommandHandler("group", reports.group_command, filters=private),
        CommandHandler("export", reports.export_command, filters=private),
        CommandHandler("mygroups", member.mygroups, filters=private),
        CommandHandler("leave", member.leave_command, filters=private),
        action(on_action, *ACTIONS),
    ]


def setup(app: Application) -> None:
    """The outbox sender (pushes, alerts, reports), and the job that queues delivery reports."""
    install(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            reports.report_job, interval=REPORT_EVERY, first=REPORT_EVERY, name="push-reports"
        )


async def on_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Every group button. Each one re-checks rights: a forged button changes nothing."""
    if update.callback_query is None or update.effective_user is None:
        return
    if data.action in member.NO_THANKS:
        await member.no_thanks(update, context, data)
        return
    handler = _CONSENTED.get(data.action)
    if handler is None:  # a leader's screen: `on_group_button` checks leadership itself
        await leader.on_group_button(update, context, data)
        return
    user_id = await consented_user(update, context)
    if user_id is not None:
        await handler(update, context, data, user_id)
