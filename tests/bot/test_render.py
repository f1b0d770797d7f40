"""Messages cut to Telegram's limit: a safety plan in parts, and a crisis card that fits one."""

from __future__ import annotations

import html
import json
import re

import pytest

from bot.render import split_text
from state.safety import CARD_LIMIT, ResourcesError, crisis_card, parse_resources

LIMIT = 4096


def parsed(part: str) -> str:
    """What Telegram counts: the text after HTML parsing."""
    return html.unescape(re.sub(r"<[^>]*>", "", part))


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    "plain",
    [
        "\n".join(f"Step {i}: " + "x" * 1000 for i in range(6)),  # six answers at the form's most
        "\n".join(f"Step {i}: " + "&<>" * 333 for i in range(6)),  # escaping grows them fivefold
        "😀" * 5000,  # one line too long alone, counted in UTF-16 units (two per emoji)
        "a\n\n\nb",
    ],
)
def test_split_text_fits_every_part_and_keeps_every_character(plain):
    parts = split_text(plain, head="<b>Your safety plan</b>\n")
    assert all(utf16(p) <= LIMIT for p in parts)
    assert parts[0].startswith("<b>Your safety plan</b>\n")
    text = "".join(parsed(p) for p in parts).replace("\n", "")
    assert text == ("Your safety plan" + plain).replace("\n", "")


def test_split_text_cuts_between_lines_when_it_can():
    lines = [f"Step {i}: " + "y" * 1000 for i in range(6)]
    parts = split_text("\n".join(lines))
    assert len(parts) == 2
    assert all(
        parsed(p).split("\n") == lines[:4] or parsed(p).split("\n") == lines[4:] for p in parts
    )


def test_a_short_plan_is_one_message():
    assert split_text("Warning signs: no sleep") == ["Warning signs: no sleep"]
    assert split_text("") == []


def test_crisis_resources_must_leave_a_card_that_fits_one_message():
    assert utf16(crisis_card(parse_resources(None))) < CARD_LIMIT // 4
    many = [{"name": f"Line {i}", "contact": "call 555-0100, any hour " * 4} for i in range(60)]
    with pytest.raises(ResourcesError, match="one message"):
        parse_resources(json.dumps(many))
    odd = parse_resources(json.dumps([{"name": "Lifeline \ud83d", "contact": "call\x00 13 11 14"}]))
    assert [(r.name, r.contact) for r in odd] == [("Lifeline ", "call 13 11 14")]
