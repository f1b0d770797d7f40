"""/help, /skills and /progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.consent import has_consented
from bot.context import reading
from bot.render import MOVE_WORDS, STYLE_MARK, Outgoing
from bot.replies import reply
from bot.services import services
from scenarios.skills import COMPONENTS, plain_words, tag
from scenarios.skills import SKILL_CARDS as CARDS
from state import checkins

CHART_DAYS = 14
NO_PROGRESS = (
    "Nothing is stored about you right now, so there's no progress to show: either you "
    "haven't started yet, or /delete erased everything. To start (again), send /start."
)

HELP = (
    "<b>How this works</b>\n"
    "/practice — pick a conversation to rehearse, or continue the one you're in\n"
    "/stop — leave the current scenario (your progress is kept)\n"
    "/progress — what you've practiced so far\n"
    "/skills — short cards on the skills behind the feedback\n"
    "/checkin — a one-minute daily check-in at a time you choose\n"
    "/week — your check-in diary card for the week, to keep or send\n"
    "/safety — crisis lines, any time\n"
    "/safetyplan — build or see your safety plan\n"
    "/mydata — download everything stored about you\n"
    "/delete — erase everything stored about you\n\n"
    "During a scenario, press a button or type your own reply. This bot is for practice; it "
    "is not therapy and not for emergencies."
)

SKILL_CARDS = "\n\n".join(
    f"<b>{escape(name, quote=False)}</b>"
    + (f" ({escape(use, quote=False)})" if use else "")
    + f"\n{escape(parts, quote=False)}"
    for name, use, parts in CARDS
)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    await reply(update, context, [Outgoing(HELP)])


async def skills(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    reading(update, context)
    await reply(update, context, [Outgoing(SKILL_CARDS)])


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # A read, not marked (`reading`): a redelivery after a crash answers again (twice is
    # harmless; a reply lost to a mark made before it is not).
    reading(update, context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    if not await has_consented(context, user.id):
        # After /delete (or before agreeing) there is nothing to show: say so plainly, with the
        # way to start, instead of the whole welcome.
        await reply(update, context, [Outgoing(NO_PROGRESS)])
        return
    svc = services(context)
    standing = await svc.practice.standing(user.id, datetime.now(UTC), CHART_DAYS)
    p, checked = standing.practice, standing.checkins
    if not p.started and not checked.total:
        await reply(
            update,
            context,
            [Outgoing("Nothing yet — your first scenario is one tap away: /practice")],
        )
        return
    lines = ["<b>Your practice</b>"]
    if p.started:
        lines.append(f"Scenarios finished: {p.finished} (started {p.started})")
    else:
        lines.append("No scenarios yet: /practice")
    if p.streak_days:
        lines.append(f"Streak: {p.streak_days} day{'s' if p.streak_days != 1 else ''} in a row")
    total = sum(p.styles.values())
    if total:
        lines += ["", "<b>How you answered</b>"]
        for style, n in sorted(p.styles.items(), key=lambda kv: -kv[1]):
            lines.append(
                f"{STYLE_MARK.get(style, '•')} {escape(style)}: {n} ({round(100 * n / total)}%)"
            )
    if p.moves:
        lines.append(
            "Other moves (not counted as a style): "
            + ", ".join(f"{MOVE_WORDS.get(m, m)}s {n}" for m, n in sorted(p.moves.items()))
        )
    if p.exposures:
        lines += ["", *exposure_lines(p.exposures, svc.library)]
    if p.skills:
        lines += ["", "<b>What you've done in your answers</b>"]
        for comp, n in sorted(p.skills.items(), key=lambda kv: -kv[1])[:8]:
            words = plain_words(comp)
            framework = tag(COMPONENTS[comp].framework)
            lines.append(
                f"• {escape(words[:1].upper() + words[1:])} ×{n} <i>({escape(framework)})</i>"
            )
    if checked.total:
        lines += ["", *checkin_lines(checked)]
    await reply(update, context, [Outgoing("\n".join(lines))])
    if checked.recent:
        await send_chart(context, chat.id, checked)
    rated = [e for e in p.exposures if e.before is not None and e.after is not None]
    if len(rated) >= 2:  # one point is no trend: the text above says it
        await send_anxiety_chart(context, chat.id, rated[-EXPOSURE_SHOWN:])


EXPOSURE_SHOWN = 8  # the latest exposure runs listed in /progress


def exposure_lines(points, library) -> list[str]:  # noqa: ANN001 - ExposurePoint, Library
    """Anxiety before and after each exposure practice, latest last, in plain words."""
    compared = {"better": "better than expected", "same": "as expected", "worse": "harder"}
    lines = ["<b>Anxiety before → after</b> (0–10, facing it)"]
    for p in points[-EXPOSURE_SHOWN:]:
        scenario = library.get(p.scenario_id)
        title = scenario.title if scenario else "a scenario"
        before = "–" if p.before is None else str(p.before)
        after = "–" if p.after is None else str(p.after)
        how = f" · {compared[p.compared]}" if p.compared in compared else ""
        lines.append(f"{p.day:%b %-d} {escape(title)}: {before} → {after}{how}")
    rated = [p for p in points if p.before is not None and p.after is not None]
    if len(rated) >= 2:
        drop = sum(p.before - p.after for p in rated) / len(rated)
        if drop > 0:
            lines.append(f"On average, your anxiety came down {drop:.1f} points by the end.")
    return lines


def checkin_lines(ov: checkins.Overview) -> list[str]:
    """The daily check-in part of /progress: streak, and the last two weeks' averages."""
    lines = ["<b>Daily check-ins</b>"]
    recent = ov.recent
    lines.append(f"Check-ins: {len(recent)} in the last {CHART_DAYS} days ({ov.total} in all)")
    if ov.streak_days:
        s = "s" if ov.streak_days != 1 else ""
        lines.append(f"Check-in streak: {ov.streak_days} day{s} in a row")
    moods = [r.mood for r in recent if r.mood is not None]
    if moods:
        lines.append(f"Mood: average {sum(moods) / len(moods):.1f} of 5 (latest {moods[-1]})")
    urges = [r.urge for r in recent if r.urge is not None]
    if urges:
        acted = sum(1 for r in recent if r.acted)
        lines.append(
            f"Urges: average {sum(urges) / len(urges):.1f} of 5; acted on {acted} "
            f"day{'s' if acted != 1 else ''}"
        )
    return lines


async def send_anxiety_chart(context: ContextTypes.DEFAULT_TYPE, chat_id: int, points) -> None:  # noqa: ANN001
    """Anxiety before and after the latest exposure practices, drawn off the event loop."""
    import asyncio

    from bot.charts import anxiety_chart

    labels = [f"{p.day:%b %-d}" for p in points]
    png = await asyncio.to_thread(
        anxiety_chart, labels, [p.before for p in points], [p.after for p in points]
    )
    await context.bot.send_photo(chat_id, png, caption="Anxiety before and after practice (0–10)")


async def send_chart(context: ContextTypes.DEFAULT_TYPE, chat_id: int, ov) -> None:
    """The 14-day mood (and urge) chart; drawn off the event loop, it takes ~50 ms."""
    import asyncio

    from bot.charts import mood_chart

    days = [ov.today - timedelta(days=CHART_DAYS - 1 - i) for i in range(CHART_DAYS)]
    by_day = {r.local_date: r for r in ov.recent}
    moods = [by_day[d].mood if d in by_day else None for d in days]
    tracks_urges = any(r.urge is not None for r in ov.recent) or bool(
        ov.settings and ov.settings.recovery_track
    )
    urges = [by_day[d].urge if d in by_day else None for d in days] if tracks_urges else None
    png = await asyncio.to_thread(mood_chart, days, moods, urges)
    await context.bot.send_photo(
        chat_id,
        png,
        caption="Mood" + (" and urges" if urges else "") + f", last {CHART_DAYS} days (0–5)",
    )


def handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", help_command, filters=private),
        CommandHandler("skills", skills, filters=private),
        CommandHandler("progress", progress, filters=private),
    ]
