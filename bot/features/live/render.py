"""What a live rehearsal looks like: the scene, the vote and its results, the ending and the
group's debrief, a member's line, drawn from `state.live`'s plain records; the button data
they carry (`key_of`, read back by `parse_key`), and a press of one (`Press`)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.ext import ContextTypes
from telegram.helpers import create_deep_linked_url

from bot import callbacks
from bot.callbacks import b36
from bot.context import applying
from bot.deeplinks import live_payload
from bot.features.live_messages import sureness
from bot.render import (
    OUTCOME_MARK,
    STYLE_MARK,
    Outgoing,
    clip,
    shorten,
)
from state import group_images
from state.engine import Say
from state.live import (
    GroupDebrief,
    Line,
    Live,
    Moment,
    Reading,
    Tally,
)


def thread_of(message: object) -> int | None:
    """The forum topic a message is in, if any (a reply there must say so)."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def key_of(*parts: int) -> str:
    return "_".join(b36(p) for p in parts)


def parse_key(arg: str | None, count: int) -> tuple[int, ...] | None:
    parts = (arg or "").split("_")
    if len(parts) != count:
        return None
    try:
        return tuple(int(p, 36) for p in parts)
    except ValueError:
        return None


@dataclass(frozen=True)
class Press:
    """One press of a live button, as every button's handler gets it: `arg` is the data after
    the action (`callbacks.ActionData.arg`)."""

    context: ContextTypes.DEFAULT_TYPE
    live: Live
    query: CallbackQuery
    user_id: int
    arg: str | None
    update: Update | None = None

    def applying(self) -> int | None:
        """The press's update id for the action that marks it (bot/context.py's `applying`)."""
        return applying(self.update, self.context) if self.update is not None else None


def button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def said(line: Say) -> str:
    return (
        f"<b>{escape(line.name)}:</b> {escape(line.text)}"
        if line.name
        else f"<i>{escape(line.text)}</i>"
    )


def followed(moment: Moment) -> str | None:
    """Which option the story just followed, and why, for the group."""
    if moment.after is None:
        return None
    why = "the leader's pick, to see where it leads" if moment.by_leader else "the group's choice"
    return f"➜ <b>On with “{escape(moment.after.text)}”</b> ({why})"


def scene_text(moment: Moment, intro: str | None = None) -> str:
    """The scene's lines at this step (with the scenario's opening on the first)."""
    parts = []
    if intro:
        parts.append(intro)
    note = followed(moment)
    if note:
        parts.append(note)
    if moment.again:
        parts.append("<i>Here is this vote again: please vote in this one.</i>")
    parts += [said(line) for line in moment.lines]
    return clip("\n\n".join(parts))


def opening_text(moment: Moment, summary: str, intro: str, skills: str, warnings: str) -> str:
    lines = [f"🎭 <b>Live rehearsal: {escape(moment.title)}</b>", f"<i>{escape(skills)}</i>", ""]
    lines.append(escape(summary))
    if intro:
        lines += ["", escape(intro)]
    if warnings:
        lines += ["", f"Content note: {escape(warnings)}"]
    lines += [
        "",
        "Everyone votes in the poll below, anonymously: nobody sees who chose what, the "
        "leader included. “Say it your way” sends me your own line, privately.",
    ]
    return "\n".join(lines)


def question(moment: Moment) -> str:
    timer = f" (closes after {moment.vote_seconds} s)" if moment.vote_seconds else ""
    return f"Step {moment.step + 1}: what do you say?{timer}"


def vote_keyboard(moment: Moment, username: str | None) -> InlineKeyboardMarkup:
    """Under the poll: the leader's close and timer, and everyone's way to a private line."""
    key = key_of(moment.where.run_id, moment.step)
    row = [button("🗳 Close the vote", "lvclose", key)]
    if not moment.vote_seconds:
        row.append(button("⏱ 1 min", "lvtime", key))
    rows = [row]
    if username:
        link = create_deep_linked_url(username, live_payload(moment.where.run_id))
        rows.append([InlineKeyboardButton("💬 Say it your way (private)", url=link)])
    return InlineKeyboardMarkup(rows)


def vote_chart(tally: Tally) -> bytes:
    """The chart of how the group split: a bar per option, colored by its style."""
    bars = [(o.text, o.style, n) for o, n in tally.options]
    title = f"Step {tally.step + 1}: how the group voted ({_votes(tally.total)})"
    return group_images.vote_chart_png(title, bars)


def split_caption(tally: Tally) -> str:
    """The chart's caption: the votes, and how many went to each style."""
    by_style: dict[str, int] = {}
    for option, n in tally.options:
        if option.move is None:  # a listening, exposure or coping move has no style to count
            by_style[option.style] = by_style.get(option.style, 0) + n
    mix = " · ".join(f"{STYLE_MARK.get(s, '•')} {n}" for s, n in by_style.items() if n)
    return f"🗳 <b>Step {tally.step + 1}: how the group voted</b>, {_votes(tally.total)}" + (
        f"\n{mix}" if mix else ""
    )


GO_ON, INSTEAD, PICK = "▶ Go on: ", "Instead: ", "▶ "


def _votes(n: int) -> str:
    return "1 vote" if n == 1 else f"{n} votes"


def results_message(tally: Tally) -> Outgoing:
    """The feedback for every option, what the story follows, and the leader's buttons."""
    lines = [f"<b>Step {tally.step + 1}: what each option does</b>"]
    for option, n in tally.options:
        lines += [
            "",
            f"{STYLE_MARK.get(option.style, '•')} <b>{escape(option.text)}</b> · {_votes(n)}",
        ]
        if option.said != option.text:
            lines.append(f"<i>“{escape(option.said)}”</i>")
        lines.append(f"<i>{escape(option.label)}</i> — {escape(option.feedback)}")
    names = {o.choice_id: o.text for o, _ in tally.options}
    follow = tally.follow
    if follow is None:
        lines += ["", "➜ Nobody voted, so the leader picks which way the story goes."]
    elif tally.tied:
        tied = " and ".join(f"“{escape(names[c])}”" for c in tally.tied)
        lines += [
            "",
            f"➜ A tie between {tied}: the story follows “{escape(names[follow])}”, listed "
            "first, unless the leader picks another.",
        ]
    else:
        lines += [
            "",
            f"➜ The story follows “{escape(names[follow])}”, with the most votes. The leader can "
            "show where another one leads instead.",
        ]
    key = key_of(tally.where.run_id, tally.step)
    order = list(range(len(tally.options)))
    if follow is not None:
        top = next(i for i, (o, _) in enumerate(tally.options) if o.choice_id == follow)
        order.remove(top)
        order.insert(0, top)
    rows = []
    for i in order:
        text = shorten(tally.options[i][0].text, 48)
        label = GO_ON + text if follow is not None and i == order[0] else INSTEAD + text
        if follow is None:
            label = PICK + text
        rows.append([button(label, "lvgo", f"{key}_{b36(i)}")])
    return Outgoing(clip("\n".join(lines)), InlineKeyboardMarkup(rows))


def ending_text(moment: Moment) -> str:
    d = moment.ending
    assert d is not None
    parts = [p for p in [followed(moment)] if p] + [said(line) for line in moment.lines]
    parts.append(f"{OUTCOME_MARK.get(d.outcome, '')} <b>{escape(d.title)}</b>\n{escape(d.text)}")
    return clip("\n\n".join(parts))


def debrief_text(title: str, d: GroupDebrief) -> str:
    lines = [f"📋 <b>Group debrief: {escape(title)}</b>", "", "<b>The path you took</b>"]
    for p in d.path:
        mark = STYLE_MARK.get(p.option.style, "•")
        how = f"{p.votes} of {_votes(p.total)}" if p.total else "no votes"
        if p.by_leader:
            how += ", the leader's pick to see where it leads"
            if p.top is not None:
                how += f" (most votes: “{escape(p.top.text)}”)"
        lines.append(f"{p.step + 1}. {mark} “{escape(p.option.text)}”: {how}")
    total = sum(d.votes_by_style.values())
    if total:
        mix = " · ".join(
            f"{STYLE_MARK.get(s, '•')} {escape(s)} {round(100 * n / total)}%"
            for s, n in sorted(d.votes_by_style.items(), key=lambda kv: -kv[1])
        )
        lines += ["", f"<b>How the group voted</b> ({_votes(total)} in all): {mix}"]
    if d.skills:
        lines += ["", f"<b>Skills shown</b>: {escape(', '.join(d.skills))}"]
    if d.missing:
        lines += ["", "<b>To add next time</b>"] + [f"• {escape(m)}" for m in d.missing]
    lines += ["", escape(d.summary)]
    if d.try_this_week:
        lines += ["", f"<b>Try this week, everyone:</b> {escape(d.try_this_week)}"]
    lines += [
        "",
        "Want to play it on your own? The button opens it in a private chat with me, where "
        "your choices are yours.",
    ]
    return clip("\n".join(lines))


def reading_text(r: Reading) -> str:
    markers = f" · {escape(', '.join(r.markers))}" if r.markers else ""
    return (
        f"{STYLE_MARK.get(r.style, '•')} <i>{escape(r.style)}</i> ({sureness(r.confidence)})"
        f"{markers}\n{escape(r.feedback)}"
    )


def shown_text(line: Line) -> str:
    return clip(
        f"💬 <b>Someone in the group would say:</b>\n“{escape(line.text)}”\n\n"
        f"<i>Coach's reading:</i> {reading_text(line.reading)}"
    )
