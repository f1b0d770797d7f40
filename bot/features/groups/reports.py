"""What a leader sees of a group: /group at a glance, the style chart, /export as CSV, and
delivery reports of pushes (now on a button, and queued by a job once a push has settled).

Only what members agreed to share reaches these screens: `state.group_report` decides it.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import b36
from bot.context import reading
from bot.features.group_messages import delivery_text
from bot.features.groups.access import pick_group
from bot.features.groups.buttons import button, keyboard
from bot.features.groups.sending import say, send_photo
from bot.features.groups.texts import NOT_YOURS, day_text, scenario_title
from bot.outbox_sender import notify
from bot.render import STYLE_MARK, clip
from bot.services import services
from scenarios.library import Library
from state import group_images
from state.checkins import MIN_SHARING, GroupCheckinSummary
from state.group_report import GroupReport, export_csv, percentages
from state.groups import GroupRecord


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    group = await pick_group(update, context, "ggrp", "Which group?")
    if group is not None:
        await show_group(update, context, group)


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    group = await pick_group(update, context, "gcsv", "Export which group?")
    if group is not None:
        await send_csv(update, context, group)


def _style_line(styles: dict[str, int]) -> str:
    return " · ".join(f"{STYLE_MARK.get(s, '•')} {escape(s)} {p}%" for s, p in percentages(styles))


def style_legend(styles: set[str]) -> str:
    """ "Choices by style: 🟢 assertive · 🔵 passive", for the styles on the screen."""
    order = [s for s in STYLE_MARK if s in styles] + sorted(styles - set(STYLE_MARK))
    marks = " · ".join(f"{STYLE_MARK.get(s, '•')} {escape(s)}" for s in order)
    return f"Choices by style: {marks}"


def group_text(report: GroupReport, library: Library, checkins: str | None = None) -> str:
    g = report.group
    people = report.members
    blocked = sum(not m.member.active for m in people)
    lines = [
        f"<b>{escape(g.name)}</b> · since {day_text(g.created_at)}",
        f"Members: {len(people)}" + (f" ({blocked} blocked the bot)" if blocked else ""),
    ]
    if report.pushes:
        lines += ["", "<b>Pushed scenarios</b>"]
        for line in report.pushes[-8:]:
            d = line.delivery
            delivered = f"sent {d.sent}, blocked {d.blocked}"
            if d.failed:
                delivered += f", not delivered {d.failed}"
            if d.unconfirmed:
                delivered += f", unconfirmed {d.unconfirmed}"
            if d.pending:
                delivered += f", pending {d.pending}"
            title = scenario_title(library, line.push.scenario_id)
            lines.append(
                f"• {line.push.created_at:%b} {line.push.created_at.day} {escape(title)}"
                f": {delivered} · started {line.started}/{len(people)}"
                f" · finished {line.finished}/{len(people)}"
            )
    else:
        lines += ["", "No scenarios pushed yet: /push"]
    if people:
        lines += ["", "<b>Members</b>"]
        shown = {s for line in people for s in line.styles}
        if shown:  # the marks on the member lines, said once in words
            lines.append(f"<i>{style_legend(shown)}</i>")
        n = len(report.pushes)
        for line in people:
            m = line.member
            mark = "" if m.active else " 🚫 blocked the bot"
            order = [s for s in STYLE_MARK if s in line.styles] + sorted(
                set(line.styles) - set(STYLE_MARK)
            )
            mix = " ".join(f"{STYLE_MARK.get(s, '•')}{line.styles[s]}" for s in order)
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


NOTE_PREVIEW = 300  # characters of a shared note in /group; the CSV has it whole
NOTES_SHOWN = 10


def _preview(note: str) -> str:
    return note if len(note) <= NOTE_PREVIEW else note[: NOTE_PREVIEW - 1] + "…"


def checkin_text(summary: GroupCheckinSummary, names: dict[int, str]) -> str | None:
    """The check-in part of /group: pooled figures only when enough members share, and each
    note its author shared (with who wrote it and when)."""
    if not summary.members:
        return None
    if not summary.sharing:
        return "<b>Check-ins</b>: nobody in this group shares their check-ins with you."
    text = (
        f"<b>Check-ins</b>, last {summary.days} days ({summary.sharing} of {summary.members} "
        "members share them with you)"
    )
    if summary.completion is None:
        text += (
            f": group figures appear once at least {MIN_SHARING} of them check in, so "
            "nobody's own numbers show."
        )
    else:
        text += f": {round(100 * summary.completion)}% done"
        if summary.avg_mood is not None:
            text += f" · average mood {summary.avg_mood:.1f}/5"
        if summary.avg_urge is not None:
            text += f" · average urge {summary.avg_urge:.1f}/5"
    notes = summary.shared_notes[-NOTES_SHOWN:]
    if notes:
        text += "\n<b>Notes shared with you</b>" + "".join(
            f"\n• {escape(names.get(uid, 'A member'))}, {day:%d %b}: “{escape(_preview(note))}”"
            for uid, day, note in notes
        )
    return text


async def show_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    svc = services(context)
    since = datetime.now(UTC).date() - timedelta(days=6)
    overview = await svc.groups.overview(group, since)
    report = overview.report
    names = {m.member.user_id: m.member.display_name for m in report.members}
    checkins = checkin_text(overview.checkins, names)
    arg = b36(group.id)
    markup = keyboard(
        [button("Style chart", "gchart", arg), button("Export CSV", "gcsv", arg)],
        [button("Push a scenario", "gpush", arg), button("Invitation link", "ginv", arg)],
    )
    await say(update, context, group_text(report, svc.library, checkins), markup)


async def send_chart(
    update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord
) -> None:
    report = await services(context).groups.report(group)
    if not report.weeks:
        await say(
            update, context, "No choices in pushed scenarios yet, so there is nothing to chart."
        )
        return
    png = group_images.style_chart_png(f"{group.name}: style mix by week", report.weeks)
    await send_photo(
        update,
        context,
        png,
        f"<b>{escape(group.name)}</b>: share of each style in pushed scenarios, by week.",
    )


async def send_csv(update: Update, context: ContextTypes.DEFAULT_TYPE, group: GroupRecord) -> None:
    svc = services(context)
    chat = update.effective_chat
    if chat is None:
        return
    overview = await svc.groups.export(group)
    notes = overview.checkins.shared_notes
    data = export_csv(overview.report, svc.library, notes).encode("utf-8-sig")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", group.name).strip("-").lower() or "group"
    await context.bot.send_document(
        chat.id,
        io.BytesIO(data),
        filename=f"{slug}-{date.today():%Y-%m-%d}.csv",
        caption="One row per member and pushed scenario. Transcripts only for members who "
        "chose to share them; then one row per check-in note a member shared with you.",
    )


async def delivery_now(
    update: Update, context: ContextTypes.DEFAULT_TYPE, leader_id: int, push_id: int
) -> None:
    svc = services(context)
    found = await svc.groups.push_delivery(leader_id, push_id)
    if found is None:
        await say(update, context, NOT_YOURS)
        return
    title = scenario_title(svc.library, found.push.scenario_id)
    await say(update, context, delivery_text(found.group.name, title, found.delivery))


async def report_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue the delivery report of every push whose messages have all been sent or failed."""
    svc = services(context)
    done = await svc.groups.settle_reports(lambda sid: scenario_title(svc.library, sid))
    if done:
        notify(context.application)
