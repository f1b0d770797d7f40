"""The peer: the bot a developer writes first with python-telegram-bot, for bench/bot.py.

One `ConversationHandler` (entry `/play`, one state `PLAYING` whose `CallbackQueryHandler`
takes a choice button) over `PicklePersistence` with its defaults (one file, written every 60
seconds and at shutdown), playing a scenario from the same YAML as the bot: the same lines,
choices, conditions (`if`), effects (`set`), feedback and endings, through the project's own
loader and expression parser. Per-user state is the user's `user_data` (node, variables, visits)
and the conversation's state; PTB keeps both in memory for every stored user, and the pickle
file holds them all.

Not the bot: no consent, no crisis check, no typed replies, no outbox, nothing exactly-once.
It is the yardstick the issue asked for (#17), not a second product.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    PicklePersistence,
)
from telegram.request import BaseRequest

from scenarios import expr
from scenarios.model import Node, Scenario

PLAYING = 0
NAME = "play"


class Peer:
    """The handlers of one scenario, with its expressions compiled once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        defaults = {k: v.default for k, v in scenario.variables.items()}
        names = set(scenario.nodes)
        self.compiled: dict[str, expr.Compiled] = {}
        for node in scenario.nodes.values():
            for choice in node.choices:
                if choice.when:
                    self.compiled[choice.when] = expr.parse(choice.when, defaults, names)
                for var, source in choice.set.items():
                    # As the engine reads it: text for a `str` variable, else an expression.
                    if isinstance(source, str) and scenario.variables[var].type != "str":
                        self.compiled[source] = expr.parse(source, defaults, names)
            for line in node.lines:
                if line.when:
                    self.compiled[line.when] = expr.parse(line.when, defaults, names)

    def fresh(self) -> dict[str, Any]:
        """What a new play-through keeps in `user_data`."""
        variables = {k: v.default for k, v in self.scenario.variables.items()}
        return {"node": self.scenario.start, "vars": variables, "visits": {self.scenario.start: 1}}

    def _true(self, source: str | None, data: dict[str, Any]) -> bool:
        return source is None or bool(self.compiled[source](data["vars"], data["visits"]))

    def _say(self, node: Node, data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
        names = {k: c.name for k, c in self.scenario.characters.items()}
        said = []
        for line in node.lines:
            if self._true(line.when, data):
                words = line.text or (line.variants or [""])[0]
                who = names.get(line.speaker)
                said.append(f"<b>{who}:</b> {words}" if who else f"<i>{words}</i>")
        if node.ending is not None:
            said.append(f"<b>{node.ending.title}</b>\n{node.ending.debrief}")
            return "\n".join(said), None
        if node.prompt is not None:
            said.append(node.prompt.ask)
        buttons = [
            [InlineKeyboardButton(c.text, callback_data=c.id)]
            for c in node.choices
            if self._true(c.when, data)
        ]
        return "\n".join(said), InlineKeyboardMarkup(buttons) if buttons else None

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_message is not None and context.user_data is not None
        context.user_data.clear()
        context.user_data.update(self.fresh())
        text, markup = self._say(self.scenario.nodes[self.scenario.start], context.user_data)
        await update.effective_message.reply_html(text, reply_markup=markup)
        return PLAYING

    async def choose(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        data = context.user_data
        assert query is not None and data is not None and query.message is not None
        node = self.scenario.nodes[data["node"]]
        choice = next((c for c in node.choices if c.id == query.data), None)
        if choice is None or not self._true(choice.when, data):
            await query.answer("That button has expired.")
            return PLAYING
        await query.answer()
        for name, source in choice.set.items():
            compiled = self.compiled.get(source) if isinstance(source, str) else None
            data["vars"][name] = compiled(data["vars"], data["visits"]) if compiled else source
        data["node"] = choice.target
        data["visits"][choice.target] = data["visits"].get(choice.target, 0) + 1
        await query.edit_message_text(f"You: {choice.says or choice.text}\n\n{choice.feedback}")
        target = self.scenario.nodes[choice.target]
        text, markup = self._say(target, data)
        await query.message.chat.send_message(text, parse_mode="HTML", reply_markup=markup)
        return ConversationHandler.END if target.ending is not None else PLAYING


def build_peer(scenario: Scenario, path: Path, request: BaseRequest, token: str) -> Application:
    """The peer Application over `request`, persisting to `path` (PTB's defaults)."""
    peer = Peer(scenario)
    app = (
        ApplicationBuilder()
        .token(token)
        .request(request)
        .get_updates_request(request)
        .persistence(PicklePersistence(filepath=path))
        .build()
    )
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("play", peer.start)],
            states={PLAYING: [CallbackQueryHandler(peer.choose)]},
            fallbacks=[CommandHandler("play", peer.start)],
            name=NAME,
            persistent=True,
        )
    )
    return app


def write_stored_users(scenario: Scenario, path: Path, ids: range) -> None:
    """A pickle file as PicklePersistence writes it, with `ids` each at the scenario's start.

    Written in one go: storing 100,000 users through the peer itself would take hours, since
    each changed user rewrites the whole file (see bench/bot.py).
    """
    peer = Peer(scenario)
    data = {
        "user_data": {uid: peer.fresh() for uid in ids},
        "chat_data": {},
        "bot_data": {},
        "conversations": {NAME: {(uid, uid): PLAYING for uid in ids}},
        "callback_data": None,
    }
    with path.open("wb") as f:
        pickle.dump(data, f)
