"""/help, /skills and /progress."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import reply
from bot.handlers.practice import require_consent
from bot.render import STYLE_MARK, Outgoing
from bot.services import services
from scenarios.skills import COMPONENTS
from state.progress import summarise

HELP = (
    "<b>How this works</b>\n"
    "/practice — pick a conversation to rehearse\n"
    "/stop — leave the current scenario (your progress is kept)\n"
    "/progress — what you've practised so far\n"
    "/skills — short cards on the skills behind the feedback\n"
    "/safety — crisis lines, any time\n"
    "/safetyplan — build or see your safety plan\n"
    "/mydata — download everything stored about you\n"
    "/delete — erase everything stored about you\n\n"
    "During a scenario, press a button or type your own reply. This bot is for practice; it "
    "is not therapy and not for emergencies."
)

SKILL_CARDS = (
    "<b>DEAR MAN</b> (getting what you want, or saying no)\n"
    "Describe the facts · Express how you feel (“I feel…”) · Assert: ask or say no clearly · "
    "Reinforce: what's in it for them · stay Mindful (broken record, ignore attacks) · "
    "Appear confident · Negotiate: give to get.\n\n"
    "<b>GIVE</b> (keeping the relationship)\n"
    "Gentle (no attacks or sneers) · Interested (listen) · Validate (“that makes sense”) · "
    "Easy manner.\n\n"
    "<b>FAST</b> (keeping your self-respect)\n"
    "Fair · no needless Apologies · Stick to your values · Truthful.\n\n"
    "<b>I-statements</b>\n"
    "“I notice… I feel… I need… Would you…?” instead of “You always…”. Assertive: both "
    "people matter. Passive: only they do. Aggressive: only you do. Passive-aggressive: "
    "anger said sideways.\n\n"
    "<b>OARS</b> (listening)\n"
    "Open questions (“What…?”, “How…?”) · Affirmations that are specific · Reflections "
    "(“Sounds like…”) · Summaries.\n\n"
    "<b>Refusal steps</b>\n"
    "Say no first · clear, firm voice · suggest an alternative · ask them to stop offering · "
    "change the subject · skip vague excuses (“not tonight” invites a later yes) · "
    "no guilt for saying no."
)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, [Outgoing(HELP)])


async def skills(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, [Outgoing(SKILL_CARDS)])


async def progress(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    svc = services(context)

    async def work(uow):
        return await uow.runs.for_user(user.id), await uow.turns.for_user(user.id)

    runs, turns = await svc.store.run(user.id, work)
    p = summarise(runs, turns, datetime.now(UTC).date())
    if not p.started:
        await reply(
            update,
            context,
            [Outgoing("Nothing yet — your first scenario is one tap away: /practice")],
        )
        return
    lines = ["<b>Your practice</b>", f"Scenarios finished: {p.finished} (started {p.started})"]
    if p.streak_days:
        lines.append(f"Streak: {p.streak_days} day{'s' if p.streak_days != 1 else ''} in a row")
    total = sum(p.styles.values())
    if total:
        lines += ["", "<b>How you answered</b>"]
        for style, n in sorted(p.styles.items(), key=lambda kv: -kv[1]):
            lines.append(
                f"{STYLE_MARK.get(style, '•')} {escape(style)}: {n} ({round(100 * n / total)}%)"
            )
    if p.skills:
        lines += ["", "<b>Skills you've practised</b>"]
        for comp, n in sorted(p.skills.items(), key=lambda kv: -kv[1])[:8]:
            lines.append(f"• {escape(COMPONENTS[comp].label)} ×{n}")
    await reply(update, context, [Outgoing("\n".join(lines))])
