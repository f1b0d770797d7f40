"""Every inline button lands here and goes to the module whose button it is; unknown or forged
data changes nothing.

Only presses in the user's private chat are acted on: a press from a group (a forwarded card,
say) would otherwise post the presser's safety plan or settings there. Elsewhere the presser
alone sees a pointer to the private chat, and nothing changes; the one exception is a feature's
own group-chat buttons (its `GROUP_ACTIONS`: a live rehearsal's), which that feature checks
itself. The features come from the context (bot/app.py's FEATURES), not from an import of
bot/app.py, which imports this module.
"""

from __future__ import annotations

from types import ModuleType

from telegram import Update

from bot import callbacks
from bot.context import BotContext
from bot.features import onboarding, practice, privacy, safety, safety_plan
from bot.replies import EXPIRED, PRIVATE_ONLY, answer, in_private_chat

# The core features' buttons (bot/app.py wires these modules itself, not through FEATURES),
# checked before FEATURES' (safety's before consent too: the question may come first).
_CORE: tuple[ModuleType, ...] = (safety, privacy, safety_plan)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    data = callbacks.parse(query.data)
    if not in_private_chat(update):
        module = _group_feature(context, data)
        if module is None or not isinstance(data, callbacks.ActionData):
            await answer(query, PRIVATE_ONLY, alert=True)
            return
        await module.on_action(update, context, data)
        return
    if data is None:
        await answer(query, EXPIRED)
        return
    if isinstance(data, callbacks.ActionData):
        if data.action == "consent":
            await onboarding.consent(update, context, data.arg)
            return
        if data.action == "decline":
            await onboarding.decline(update, context)
            return
        if data.action == "terms":
            await onboarding.details(update, context, data.arg)
            return
        for module in (*_CORE, *context.features):
            if data.action in getattr(module, "ACTIONS", ()):
                await module.on_action(update, context, data)
                return
    await practice.on_button(update, context, data)


def _group_feature(context: BotContext, data: callbacks.Parsed | None) -> ModuleType | None:
    """The feature whose group-chat button this is (bot/features/*.GROUP_ACTIONS), if any."""
    if not isinstance(data, callbacks.ActionData):
        return None
    found = (m for m in context.features if data.action in getattr(m, "GROUP_ACTIONS", ()))
    return next(found, None)
