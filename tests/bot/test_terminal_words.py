"""What the terminal player prints where Telegram would show buttons and tags (offline)."""

from __future__ import annotations

from rich.console import Console

from bot.terminal import Player
from scenarios.skills import plain_words
from state.practice.run_data import Ask, Feedback, Option


def player() -> tuple[Player, Console]:
    console = Console(record=True, width=200)
    return Player(None, None, console, lambda: None, None), console  # type: ignore[arg-type]


def test_a_prompt_written_for_buttons_says_number_in_the_terminal():
    p, console = player()
    ask = Ask(
        "n1", (Option("a", "Say no"),), "Denise wants to know. Type your reply, or pick a button."
    )
    p.show_choices(ask)
    out = console.export_text()
    assert "Type your reply, or pick a number." in out
    assert "button" not in out


def test_a_tag_alone_when_the_note_already_said_what_you_did():
    # the note names the move word for word: only the framework's tag is left, no bare label
    p, console = player()
    note = f"You {plain_words('dear-man.describe')}."
    p.show([Feedback("c", "It was due Friday.", "assertive", ("dear-man.describe",), note)])
    out = console.export_text()
    assert "(DEAR MAN" in out
    assert "✓ (" not in out  # a tick with nothing beside it read as empty (a trial)
    assert "Skills:" not in out
