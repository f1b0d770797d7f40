"""A member's line copied to the group's leader is queued as what it means; the bot draws its
wording, HTML and button when it is sent (bot/features/live_messages.py), as it was drawn in
the core before, and a copy queued as text by an older version is sent as stored."""

from __future__ import annotations

from bot import callbacks
from bot.outbox_sender import render
from state.live import LINE_GONE_KIND, LINE_KIND

MEANS = {
    "kind": LINE_KIND,
    "group": "Tuesday <group>",
    "step": 0,
    "title": "The <birthday> on group night",
    "text": "Mom, <Tuesday> is my group & I'm going.",
    "reading": {
        "style": "assertive",
        "confidence": 0.8,
        "markers": ["I-statement", "a clear ask"],
        "feedback": "You said what you need & why.",
    },
    "line": 12,
}
# What state/live/service.py's leader_line_text made of the same line before it stored meanings.
BEFORE = (
    "💬 <b>A line from Tuesday &lt;group&gt;</b>, for step 1 of “The &lt;birthday&gt; on group "
    "night” (anonymous):\n\n“Mom, &lt;Tuesday&gt; is my group &amp; I&#x27;m going.”\n\n"
    "<i>Coach's reading:</i> assertive (fairly sure) · I-statement, a clear ask\n"
    "You said what you need &amp; why.\n\nNothing is shown to the group unless you choose it."
)


def test_a_line_is_drawn_from_what_it_means_as_it_was_drawn_before():
    text, markup = render({"text": "", "buttons": [], "means": MEANS})
    assert text == BEFORE
    ((button,),) = markup.inline_keyboard
    assert button.text == "Show it to the group"
    assert callbacks.parse(button.callback_data) == callbacks.ActionData("lvshow", "12")


def test_an_unsure_reading_without_markers():
    means = {**MEANS, "step": 2, "reading": {"style": "passive", "confidence": 0.3}}
    text, _ = render({"means": means})
    assert "for step 3 of" in text
    assert "<i>Coach's reading:</i> passive (unsure)\n\n\nNothing is shown" in text


def test_a_copy_whose_words_are_gone_says_so_without_a_button():
    text, markup = render({"text": "", "buttons": [], "means": {"kind": LINE_GONE_KIND}})
    assert "removed: its vote has closed or it was withdrawn" in text and markup is None


def test_a_copy_queued_as_text_before_meanings_goes_as_stored():
    stored = {
        "text": "💬 <b>A line from Tuesday group</b> (anonymous): “old words”",
        "buttons": [[{"text": "Show it to the group", "callback_data": "lvshow:77"}]],
    }
    text, markup = render(stored)
    assert text == stored["text"]
    assert markup.inline_keyboard[0][0].callback_data == "lvshow:77"
    removed = "💬 <i>A line from your group, removed: its vote has closed or it was withdrawn.</i>"
    assert render({"text": removed, "buttons": []}) == (removed, None)
