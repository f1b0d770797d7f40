"""Turn engine outputs into Telegram messages (HTML) with inline keyboards.

Rendering is pure: it returns `Outgoing` values, and the handlers send them after the commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit

from bot import callbacks
from scenarios.library import LEVELS, Library, dots, heavy, intensity_words, level_words
from scenarios.model import Scenario
from scenarios.skills import CONTEXT_LABELS, FRAMEWORKS, what_you_did
from state.engine import MOVE_LABELS, Ask, Debrief, Feedback, Notice, Offer, Output, Say
from state.practice.exposure import AFTER, COMPARE

STYLE_MARK = {"assertive": "🟢", "passive": "🔵", "aggressive": "🔴", "passive-aggressive": "🟣"}
OUTCOME_MARK = {"good": "🌱", "mixed": "🌤", "hard": "🌧"}
MOVE_MARK = {"listening": "👂", "exposure": "🧗", "coping": "🫁"}
MOVE_WORDS = {"listening": "listening move", "exposure": "exposure move", "coping": "coping move"}


@dataclass(frozen=True)
class Outgoing:
    text: str
    # Inline buttons almost always; a reply keyboard only where Telegram needs one (a button
    # that shares the location), and its removal.
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    typing: bool = False  # show "typing…" first: a character is speaking


QUOTE_LIMIT = 600  # how much of a typed reply the feedback quotes back
_TAG = re.compile(r"<(/?)([a-z-]+)[^>]*>")
_CLOSING_ROOM = 64  # room kept for the closing tags of our own (shallow) markup


def clip(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """Cut HTML to Telegram's length without breaking it: Telegram refuses the whole message
    when a cut leaves half a tag, half an entity or an unclosed tag."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1 - _CLOSING_ROOM]
    cut = re.sub(r"<[^>]*$", "", cut)
    cut = re.sub(r"&#?\w*$", "", cut)
    open_tags: list[str] = []
    for m in _TAG.finditer(cut):
        if not m[1]:
            open_tags.append(m[2])
        elif open_tags and open_tags[-1] == m[2]:
            open_tags.pop()
    return cut + "…" + "".join(f"</{tag}>" for tag in reversed(open_tags))


def split_text(plain: str, head: str = "", limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Plain text escaped into as many HTML messages as Telegram's limit needs, `head` (HTML)
    opening the first: cut between lines, and inside a line only when it alone is too long.

    Lengths are counted in UTF-16 code units, never fewer than Telegram counts (it counts the
    text after parsing, where `&amp;` is one character), so every part is accepted.
    """
    pieces = [head] if head else []
    for line in plain.split("\n"):
        escaped = escape(line)
        if _units(escaped) <= limit:
            pieces.append(escaped)
            continue
        part, size = [], 0
        for ch in line:
            e = escape(ch)
            if size + _units(e) > limit:
                pieces.append("".join(part))
                part, size = [], 0
            part.append(e)
            size += _units(e)
        pieces.append("".join(part))
    messages: list[str] = []
    for piece in pieces:
        if messages and _units(messages[-1]) + 1 + _units(piece) <= limit:
            messages[-1] += "\n" + piece
        else:
            messages.append(piece)
    return [m for m in messages if m.strip()]


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def shorten(plain: str, limit: int) -> str:
    """Plain text (before escaping) cut to `limit` characters."""
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def difficulty(level: int) -> str:
    return dots(level)


LEVEL_LEGEND = "The dots show how hard each one is: " + ", ".join(
    f"{dots(n)} {word}" for n, word in LEVELS.items()
)
HEAVY_MARK = "heavy topic"
HEAVY_LEGEND = (
    "<i>Heavy topic</i>: it may bring up strong feelings. Pick a moment when you have some "
    "support nearby; /stop leaves at any time."
)


INTENSITY_LEGEND = (
    "<i>Light, moderate or heavy topic</i>: how much it may stir up. Heavy ones sit best later "
    "in a series, once the group knows each other."
)


def with_intensity(scenario: Scenario) -> str:
    """A leader's button: the title, then how heavy the topic is, in plain words."""
    words = intensity_words(scenario)
    return f"{scenario.title} · {words}" if words else scenario.title


def turn_messages(
    outputs: list[Output], run_id: int | None, step: int, scenario_id: str | None
) -> list[Outgoing]:
    """One message per spoken line, the feedback on its own (unless the handler folded it into
    the answered message), the choices on the last message."""
    messages: list[Outgoing] = []
    for out in outputs:
        if isinstance(out, Say):
            text = (
                f"<b>{escape(out.name)}:</b> {escape(out.text)}"
                if out.name
                else f"<i>{escape(out.text)}</i>"
            )
            messages.append(Outgoing(clip(text), typing=bool(out.name)))
        elif isinstance(out, Feedback):
            messages.append(Outgoing(feedback_text(out)))
        elif isinstance(out, Notice):
            messages.append(Outgoing(escape(out.text)))
        elif isinstance(out, Debrief):
            messages.append(debrief_message(out, scenario_id))
        elif isinstance(out, Offer):
            messages.append(offer_message(out, run_id, step))
        elif isinstance(out, Ask):
            keyboard = choices_keyboard(out, run_id, step)
            prompt = f"✍️ {escape(out.prompt)}" if out.prompt else None
            if prompt:
                messages.append(Outgoing(prompt, keyboard))
            elif messages and messages[-1].keyboard is None and not messages[-1].typing:
                messages[-1] = Outgoing(messages[-1].text, keyboard)
            elif messages and messages[-1].keyboard is None:
                messages[-1] = Outgoing(messages[-1].text, keyboard, typing=True)
            else:
                messages.append(Outgoing("What do you say? (or type your own reply)", keyboard))
    return messages


def offer_message(offer: Offer, run_id: int | None, step: int) -> Outgoing:
    """A step before the scene or after the debrief: its question and one button per answer
    (the 0-10 keypad in two rows)."""
    if run_id is None:
        return Outgoing(escape(offer.text))
    if offer.stage in (AFTER, COMPARE):

        def data(value: str) -> str:
            return callbacks.after_step(run_id, offer.stage, value)
    else:

        def data(value: str) -> str:
            return callbacks.prelude_step(run_id, step, offer.stage, value)

    buttons = [InlineKeyboardButton(o.text, callback_data=data(o.id)) for o in offer.options]
    digits = [b for b, o in zip(buttons, offer.options, strict=True) if o.id.isdigit()]
    rest = [[b] for b, o in zip(buttons, offer.options, strict=True) if not o.id.isdigit()]
    rows = [digits[:6], digits[6:]] if digits else []
    text = escape(offer.text) + ("\n\n✍️ <i>Type your answer.</i>" if offer.typed else "")
    return Outgoing(clip(text), InlineKeyboardMarkup([r for r in rows if r] + rest))


def feedback_text(out: Feedback, *, quote: bool = True) -> str:
    """The coach's note on a reply; `quote` repeats what was said (a typed reply, or a choice
    whose message could not carry it). A listening, exposure or coping move is named as such,
    not as one of the four styles."""
    if out.move:
        label = MOVE_WORDS.get(out.move, out.move)
        text = f"{MOVE_MARK.get(out.move, '•')} <b>{escape(label)}</b> — {escape(out.text)}"
    else:
        mark = STYLE_MARK.get(out.style, "•")
        text = f"{mark} <b>{escape(out.style)}</b> — {escape(out.text)}"
    did = what_you_did(out.skills, out.text)
    if did:  # what the person did in everyday words first, the framework as a tag after
        text += (f"\n✓ {escape(did[0])}" if did[0] else "") + f"\n<i>{escape(did[1])}</i>"
    if quote:
        text = f"<i>You: {escape(shorten(out.said, QUOTE_LIMIT))}</i>\n\n{text}"
    return clip(text)


def chosen_text(message_html: str, label: str | None, feedback: Feedback | None = None) -> str:
    """The answered message, its buttons taken off: what was said under it, then the feedback.

    What was said is the choice's whole line (a button may show a shorter label). One edit
    instead of an edit and a message: the note sits under the line it answers, and an edit can
    be retried after a timeout without the participant ever seeing it twice.
    """
    said = shorten(feedback.said, QUOTE_LIMIT) if feedback is not None and feedback.said else label
    tail = f"\n\n➜ <i>{escape(said)}</i>" if said else ""
    if feedback is not None:
        tail += "\n\n" + feedback_text(feedback, quote=not said)
    tail = clip(tail, MessageLimit.MAX_TEXT_LENGTH // 2)
    # A long line above is what gets cut, never the feedback under it.
    return clip(message_html, MessageLimit.MAX_TEXT_LENGTH - len(tail)) + tail


def choices_keyboard(ask: Ask, run_id: int | None, step: int) -> InlineKeyboardMarkup | None:
    if run_id is None:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    o.text, callback_data=callbacks.choice(run_id, step, ask.node, o.id)
                )
            ]
            for o in ask.options
        ]
    )


def debrief_message(d: Debrief, scenario_id: str | None) -> Outgoing:
    lines = [
        f"{OUTCOME_MARK.get(d.outcome, '')} <b>Debrief: {escape(d.title)}</b>",
        "",
        escape(d.text),
        "",
        escape(d.summary),
    ]
    if d.styles:
        mix = "  ".join(
            f"{STYLE_MARK.get(k, '•')} {escape(k)} {v}"
            for k, v in sorted(d.styles.items(), key=lambda kv: -kv[1])
        )
        lines += ["", mix]
    if d.moves:
        lines.append(
            "  ".join(
                f"{MOVE_MARK.get(k, '•')} {escape(MOVE_LABELS.get(k, k).lower())} {v}"
                for k, v in sorted(d.moves.items())
            )
        )
    if d.previous:
        lines += ["", escape(d.previous)]
    if d.missing:
        lines += ["", "<b>To add next time</b>"] + [f"• {escape(m)}" for m in d.missing]
    if d.try_this_week:
        lines += ["", f"<b>Try this week:</b> {escape(d.try_this_week)}"]
    buttons = [[InlineKeyboardButton("Another scenario", callback_data=callbacks.action("menu"))]]
    if scenario_id:
        buttons.insert(
            0, [InlineKeyboardButton("Try again", callback_data=callbacks.scenario(scenario_id))]
        )
    return Outgoing(clip("\n".join(lines)), InlineKeyboardMarkup(buttons))


def contexts_message(library: Library, resume: tuple[str, int] | None = None) -> Outgoing:
    """The topics; with `resume` (the open scenario's title and run), a way back on top."""
    rows = [
        [
            InlineKeyboardButton(
                f"{label} ({len(library.by_context(key))})", callback_data=callbacks.context(key)
            )
        ]
        for key, label in CONTEXT_LABELS.items()
        if library.by_context(key)
    ]
    if not rows:
        return Outgoing("No scenarios are available right now. Please tell your group leader.")
    if resume:
        title, run_id = resume
        continue_button = InlineKeyboardButton(
            f"▶ Continue: {title}", callback_data=callbacks.action("resume", str(run_id))
        )
        rows.insert(0, [continue_button])
    return Outgoing("What would you like to practice?", InlineKeyboardMarkup(rows))


def scenarios_message(library: Library, context: str) -> Outgoing:
    items = library.by_context(context)
    label = CONTEXT_LABELS.get(context, context)
    rows = [
        [
            InlineKeyboardButton(
                f"{difficulty(s.difficulty)} {s.title}" + (" · heavy" if heavy(s) else ""),
                callback_data=callbacks.scenario(s.id),
            )
        ]
        for s in items
    ]
    rows.append([InlineKeyboardButton("‹ Back", callback_data=callbacks.action("menu"))])
    lines = [f"<b>{escape(label)}</b>", LEVEL_LEGEND + "."]
    if any(heavy(s) for s in items):
        lines.append(HEAVY_LEGEND)
    lines.append("")
    for s in items:
        skills = ", ".join(FRAMEWORKS.get(k, k) for k in s.skills)
        mark = f" · <i>{HEAVY_MARK}</i>" if heavy(s) else ""
        lines.append(
            f"{difficulty(s.difficulty)} <b>{escape(s.title)}</b>{mark}\n"
            f"{escape(s.summary)}\n<i>{escape(skills)}</i>\n"
        )
    return Outgoing(clip("\n".join(lines)), InlineKeyboardMarkup(rows))


def intro_message(scenario: Scenario) -> Outgoing:
    skills = ", ".join(FRAMEWORKS.get(k, k) for k in scenario.skills)
    level = f"{difficulty(scenario.difficulty)} {level_words(scenario.difficulty)}"
    if heavy(scenario):
        level += f" · {HEAVY_MARK}"
    lines = [
        f"<b>{escape(scenario.title)}</b>",
        level,
        f"<i>{escape(skills)}</i>",
        "",
        escape(scenario.summary),
    ]
    if scenario.intro:
        lines += ["", escape(scenario.intro)]
    if scenario.content_warnings:
        lines += ["", f"Content note: {escape(', '.join(scenario.content_warnings))}"]
    lines += ["", "Pick a button, or type your own reply. /stop leaves at any time."]
    return Outgoing(clip("\n".join(lines)))
