"""Members' own lines: "Say it your way" opens a line to write (`open_line`), the typed line
is read and offered back (`on_text`), and the member takes it back or lets it be, or the leader
shows it to the group."""

from __future__ import annotations

import logging
from html import escape

from telegram import (
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.callbacks import b36
from bot.context import applying
from bot.features import safety
from bot.features.live.posting import edit_message, post
from bot.features.live.render import Press, button, reading_text, said, shown_text
from bot.outbox_sender import notify
from bot.render import (
    Outgoing,
    clip,
)
from bot.replies import answer, reply
from bot.services import services
from state.live import (
    LINE_MAX,
)

log = logging.getLogger(__name__)


NOT_MEMBER = (
    "That's for members of the group rehearsing in that chat. If you'd like to join, ask its "
    "leader for the invitation link. Meanwhile you can practice on your own: /practice"
)
ADJACENT = (
    "That sounds heavy, and it isn't something I'll pass on as a line in the scene. If you're "
    "struggling, /safety shows people you can reach right now."
)


async def open_line(update: Update, context: ContextTypes.DEFAULT_TYPE, run_id: int) -> None:
    """`/start lv_<run>`: a member asks to send their own line for the open vote."""
    user = update.effective_user
    if user is None:
        return
    out = await services(context).live.open_line(
        user.id, run_id, update_id=applying(update, context)
    )
    if out.status == "ok" and out.moment is not None:
        m = out.moment
        scene = "\n".join(said(line) for line in m.lines[-2:])
        text = (
            f"💬 <b>Say it your way</b>: “{escape(m.title)}”, step {m.step + 1}\n\n{scene}\n\n"
            "Type what you would say. Your leader sees it without your name, with the coach's "
            "reading, and may show it to the group to talk about. Nothing is shown unless they "
            "choose it, and you can take it back until then."
        )
        markup = InlineKeyboardMarkup([[button("Never mind", "lvno")]])
        await reply(update, context, [Outgoing(clip(text), markup)])
        return
    texts = {
        "not-member": NOT_MEMBER,
        "closed": "That vote has closed. The next one has its own “Say it your way” button.",
        "limit": "You've sent three lines for this vote, the most there is: your leader has them.",
    }
    text = texts.get(out.status, "That rehearsal has ended. /practice to practice on your own.")
    await reply(update, context, [Outgoing(text)])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """The member's line, when they asked to send one (the crisis check has run already, and
    `write_line` screens it again): True when it was theirs to take."""
    user = update.effective_user
    if user is None:
        return False
    live = services(context).live
    if not await live.drafting(user.id):
        return False
    out = await live.write_line(user.id, text)
    if out.status == "no-draft":
        return False
    if out.status == "crisis" and out.crisis is not None:
        await safety.crisis_response(update, context, out.crisis)
        return True
    if out.status == "ok" and out.line is not None:
        notify(context.application)
        markup = InlineKeyboardMarkup([[button("Take it back", "lvwd", b36(out.line.id))]])
        said = (
            "✉️ Sent to your leader, without your name. They may show it to the group.\n\n"
            f"<i>Coach's reading:</i> {reading_text(out.line.reading)}"
        )
        await reply(update, context, [Outgoing(clip(said), markup)])
        return True
    texts = {
        "adjacent": ADJACENT,
        "closed": "That vote closed before your line arrived, so it wasn't passed on.",
        "empty": "I couldn't read a line there. Type what you would say, or tap “Never mind”.",
        "too-long": f"Please keep it to one line for this moment (under {LINE_MAX} characters).",
        "not-member": NOT_MEMBER,
    }
    await reply(update, context, [Outgoing(texts.get(out.status, texts["closed"]))])
    return True


async def withdraw(press: Press) -> None:
    try:
        line_id = int(press.arg or "", 36)
    except ValueError:
        await answer(press.query)
        return
    out = await press.live.withdraw(press.user_id, line_id, update_id=press.applying())
    await answer(press.query)
    text = {
        "ok": "Taken back: it won't be shown, and its words are gone.",
        "shown": "Your leader had already shown it to the group, without your name.",
        "withdrawn": "You've already taken it back.",
    }.get(out.status, "That vote has closed: your line was never shown, and it's gone.")
    await edit_message(press.query, text)


async def never_mind(press: Press) -> None:
    await press.live.cancel_draft(press.user_id, update_id=press.applying())
    await answer(press.query)
    await edit_message(press.query, "Okay, nothing was sent.")


async def show_line(press: Press) -> None:
    query = press.query
    try:
        line_id = int(press.arg or "")  # decimal, as bot/features/live_messages.py draws it
    except ValueError:
        await answer(query)
        return
    out = await press.live.show_line(press.user_id, line_id, update_id=press.applying())
    if out.status != "ok" or out.line is None:
        text = {
            "ignore": "That line isn't from one of your groups.",
            "withdrawn": "Its author took it back, so it can't be shown.",
            "shown": "It's already been shown.",
            "limit": "You've already shown a line at this vote.",
        }.get(out.status, "That vote has closed, and its lines with it.")
        await answer(query, text, alert=True)
        if out.status in ("withdrawn", "closed"):
            await edit_message(query, f"💬 <i>{escape(text)}</i>")
        return
    await answer(query, "Shown to the group.")
    where = out.line.where
    await post(press.context.bot, where.chat_id, where.thread_id, shown_text(out.line))
    done = InlineKeyboardMarkup([[button("✓ Shown to the group", "lvshow", press.arg)]])
    try:
        await query.edit_message_reply_markup(reply_markup=done)
    except BadRequest as exc:
        log.info("live: shown line not marked (%s)", type(exc).__name__)
