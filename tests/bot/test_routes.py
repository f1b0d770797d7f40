"""The handler table routes buttons by pattern (bot/app.py, bot/routes.py): every button a
feature draws reaches exactly one handler; a press outside the private chat, or with data no
handler routes, changes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.app import CORE, FEATURES, handler_table
from offline import Chat

BOT = Path(__file__).resolve().parents[2] / "bot"


def routed_patterns() -> list:
    """The patterns of the table's button handlers (the catch-all has none)."""
    return [
        h.pattern
        for h, group in handler_table()
        if group == 0 and isinstance(h, CallbackQueryHandler) and h.pattern is not None
    ]


def listed_actions() -> dict[str, str]:
    """Every `name[:arg]` button a module lists (`ACTIONS`, `GROUP_ACTIONS`): name → module."""
    return {
        name: module.__name__
        for module in (*CORE, *FEATURES)
        for name in (*getattr(module, "ACTIONS", ()), *getattr(module, "GROUP_ACTIONS", ()))
    }


def drawn_actions() -> set[str]:
    """The button names written out in bot/: `callbacks.action("name", …)`, and the features'
    `button(text, "name", …)` helpers (names computed from a table are listed by their
    module's ACTIONS, which the test below routes)."""
    found = set()
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "action":
                where = 0 if getattr(func.value, "id", None) == "callbacks" else None
            else:
                where = 1 if getattr(func, "id", None) in ("button", "_button") else None
            if where is None or len(node.args) <= where:
                continue
            arg = node.args[where]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def test_every_button_drawn_is_listed_by_a_module():
    listed = listed_actions()
    drawn = drawn_actions()
    assert len(drawn) > 50  # the scan found the features' buttons
    assert drawn <= set(listed), sorted(drawn - set(listed))


def test_every_listed_button_and_every_kind_of_data_has_exactly_one_route():
    patterns = routed_patterns()
    samples = [callbacks.action(n, arg) for n in listed_actions() for arg in (None, "20260601-3")]
    samples += [
        callbacks.choice(1, 2, "guilt", "express"),
        callbacks.prelude_step(1, 0, "frame", "light"),
        callbacks.after_step(1, "after", "4"),
        callbacks.scenario("family/birthday-or-group"),
        callbacks.context("family"),
    ]
    for data in samples:
        assert sum(bool(p.match(data)) for p in patterns) == 1, data
    for data in ("zzz", "menux", "c:zz", "s:nope", "", "consent:" + "x" * 70):
        assert not any(p.match(data) for p in patterns), data


def test_the_choice_press_is_routed_first():
    (first, group), *_ = [(h, g) for h, g in handler_table() if g == 0]
    assert first.pattern is callbacks.CHOICE


async def test_a_forged_or_unknown_button_gets_expired_and_changes_nothing(consented):
    chat, request = consented, consented.request
    for data in ("zzz", "zzz:1", "planx", "lvlinks:1", "s:nope", "c:1.1:a", "x" * 80):
        request.clear()
        await chat.press(data)
        (toast,) = request.sent("answerCallbackQuery")
        assert toast.get("text") == "That button has expired.", data
        assert request.texts() == [] and not request.sent("editMessageText"), data


async def test_an_unknown_button_shows_someone_who_has_not_agreed_the_welcome(chat):
    await chat.press("zzz")
    assert "Do you agree?" in chat.request.texts()[-1]


async def test_a_live_button_from_a_group_reaches_its_feature_and_others_do_not(bot_env):
    """The one exception to "private chats only": a feature's own group buttons go on to its
    handler (which answers a stranger's press itself); everything else gets the pointer."""
    app, request, _ = bot_env
    group = Chat(app, request, user_id=42, chat_type="group")
    await group.press("lvlink:1")
    await group.press("menu")
    await group.press(callbacks.choice(1, 2, "guilt", "express"))
    toasts = [c.params.get("text", "") for c in request.calls if c.method == "answerCallbackQuery"]
    assert toasts[0] == "Only the group's leader can use this button."
    assert all("only answer in a private chat" in t for t in toasts[1:]) and len(toasts) == 3
    assert request.sent() == []
