"""The typed-reply coach: markers, styles, robustness, matching, and accuracy on labelled data."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.loader import load_file
from scenarios.skills import COMPONENTS, Style, card_asked_about
from shipped import shipped_library
from state import coach
from state.coach import (
    MARKER_TO_COMPONENT,
    MARKERS,
    Analysis,
    analyse,
    coach_feedback,
    match_reply,
)
from state.engine import Ask, Choose, Feedback, Notice, Reply, start, step

DATA = Path(__file__).resolve().parent / "data" / "coach_replies.jsonl"
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
STYLES = {s.value for s in Style}


@pytest.fixture(scope="module")
def birthday():
    return shipped_library().scenarios["family/birthday-or-group"]


# ---- vocabulary ---------------------------------------------------------------------------------


def test_every_marker_has_a_label_and_a_real_component():
    assert set(MARKERS) == set(MARKER_TO_COMPONENT)
    for marker, comp in MARKER_TO_COMPONENT.items():
        assert comp in COMPONENTS, (marker, comp)
    assert MARKER_TO_COMPONENT["refusal-ask-stop"] == "refusal.ask-to-stop"
    assert MARKER_TO_COMPONENT["feeling"] == "dear-man.express"


def test_analysis_as_dict():
    a = analyse("No thanks, I don't drink.")
    d = a.as_dict()
    assert set(d) == {"style", "confidence", "markers"}
    assert d["style"] == a.style and list(d["markers"]) == list(a.markers)
    assert isinstance(a, Analysis) and 0.0 <= a.confidence <= 1.0


# ---- markers: each with texts that show it and texts that don't ---------------------------------

MARKER_CASES: dict[str, tuple[list[str], list[str]]] = {
    "i-statement": (
        ["I need you to knock first", "i feel left out when plans change", "I'd like a raise"],
        ["You need to knock first", "whatever you want", "ok"],
    ),
    "facts": (
        [
            "Thursday evenings are my group",
            "You said you'd come at 5 and came at 7",
            "I've worked late every night this month",
        ],
        ["You're so unreliable", "i guess so", "that's fine"],
    ),
    "feeling": (
        ["I feel torn about this", "im really nervous about the meeting", "I was hurt by that"],
        ["I think we should test it first", "Could you pass the salt?", "I'll see how I feel"],
    ),
    "clear-request": (
        [
            "Could you please turn the music down?",
            "I need you to call me if you're late",
            "please copy me on those emails",
        ],
        ["sorry to bother you, could I maybe possibly leave early?", "I'm fine", "no thanks"],
    ),
    "clear-no": (
        [
            "No, I'm not coming Thursday",
            "I can't lend you the car",
            "I don't drink",
            "im not down.",
        ],
        [
            "maybe another time",
            "no worries at all",
            "sure, I'll come",
            # "not down" is a no only whole (a reviewer: a yes played as the refusal)
            "ok one night, im not down to argue",
            "i'm not down with the flu, it's allergies",
        ],
    ),
    "reinforce": (
        [
            "It would help me a lot to stay on track",
            "I'd be so relieved if you called",
            "My recovery matters for us too",
        ],
        ["Call me", "I'm not coming", "whatever"],
    ),
    "offer": (
        [
            "I can't tonight but I can come in early tomorrow",
            "how about brunch instead?",
            "I'll take her to lunch on Saturday",
        ],
        ["No.", "I'm not going", "sorry"],
    ),
    "validation": (
        ["I hear that this matters to you", "I get why you're upset", "that makes sense"],
        ["You're overreacting", "No thanks", "I need a break"],
    ),
    "open-question": (
        [
            "What would help most right now?",
            "how are you feeling about the move",
            "Could you tell me more about what happened?",
        ],
        ["What are you looking at?", "Are you coming?", "I'm fine"],
    ),
    "reflection": (
        [
            "It sounds like you've had a rough week",
            "So you felt nobody noticed",
            "That sounds really stressful",
        ],
        ["Sounds good to me", "I had a rough week", "You're wrong"],
    ),
    "over-apology": (
        [
            "I'm so sorry, I know I ruin everything",
            "sorry sorry, forget I said anything",
            "Sorry to bother you, just checking in",
        ],
        [
            "I'm sorry I snapped at you. The answer is still no.",
            "Don't be sorry, it's okay",
            "No thanks",
        ],
    ),
    "hedge": (
        ["um maybe? i dont know", "I guess I could try", "I might be wrong but it's off"],
        ["No. I'm staying for the whole session.", "I feel torn", "Please stop asking"],
    ),
    "blame": (
        ["You never listen to me", "u always flake", "It's your fault we're late"],
        ["I felt unheard yesterday", "We always have fun", "No thanks"],
    ),
    "insult": (
        ["you're pathetic", "stop pushing drinks on me you idiot", "shut up"],
        ["I'm so useless at this, sorry", "it's a stupid idea anyway, sorry", "No thanks"],
    ),
    "sarcasm": (
        [
            "Oh sure, because your plans always come first",
            "must be nice to have free time",
            "sure one drink, what's the worst that could happen 🙄",
        ],
        ["Sure, I'd love to come", "Thanks for the feedback", "I'd love that. Saturday it is."],
    ),
    "refusal-no-first": (
        ["No thanks, I don't drink", "nope, I'm good", "No. Please stop offering."],
        ["I don't drink, no", "no worries, it's fine", "Maybe later"],
    ),
    "refusal-alternative": (
        [
            "No thanks, I'll have a coke",
            "nah, let's get food instead",
            "no, I don't want any. I'd love a tea though",
        ],
        ["I'll have a beer", "No.", "a coffee sounds lovely"],
    ),
    "refusal-ask-stop": (
        ["Please stop offering me drinks", "and don't ask me again", "quit asking"],
        ["Stop by later", "I asked for water", "No thanks"],
    ),
    "excuse": (
        ["not tonight, I'm driving", "maybe another time", "i cant im on antibiotics"],
        [
            "No. I don't drink anymore.",
            "I'm driving you to the station on Saturday",
            "No thanks, I'm sober",
        ],
    ),
}


def test_cases_cover_every_marker():
    assert set(MARKER_CASES) == set(MARKERS)


@pytest.mark.parametrize("marker", sorted(MARKER_CASES))
def test_marker_positive_and_negative(marker):
    positives, negatives = MARKER_CASES[marker]
    for text in positives:
        assert marker in analyse(text).markers, (marker, text, analyse(text))
    for text in negatives:
        assert marker not in analyse(text).markers, (marker, text, analyse(text))


# ---- styles -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style"),
    [
        (
            "I feel hurt when you bring it up at dinner. I need you to ask me privately.",
            "assertive",
        ),
        ("No thanks, I don't drink. I'll have a lemonade.", "assertive"),
        ("what would make this easier for you?", "assertive"),
        ("sorry, sorry, I'll just do whatever you want", "passive"),
        ("um i guess i could maybe come for a bit", "passive"),
        ("not right now thanks, maybe later", "passive"),
        ("You never listen. You're so selfish and pathetic", "aggressive"),
        ("shut up and back off!!", "aggressive"),
        ("Oh great, another Friday night at the office. My favourite.", "passive-aggressive"),
        ("Sure, tell everyone my business, why not", "passive-aggressive"),
    ],
)
def test_style_examples(text, style):
    a = analyse(text)
    assert a.style == style, a
    assert a.confidence > 0.4


def test_hostility_outweighs_the_skills_around_it():
    assert analyse("No! God you're so annoying, stop asking, idiot").style == "aggressive"


# ---- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\n",
        "🙂🙂",
        "?!",
        "a" * 4096,
        "no " * 2000,
        "SORRY!!! " * 500,
        "\x00\x01",
        "ÄÖÜ ß ñ",
    ],
)
def test_odd_input_never_raises(text):
    a = analyse(text)
    assert a.style in STYLES and 0.0 <= a.confidence <= 1.0
    assert all(m in MARKERS for m in a.markers)


def test_empty_text_is_unsure():
    assert analyse("").confidence == 0.0


def test_lower_case_texting_and_typos():
    assert "clear-no" in analyse("nah im good thx, i dont drink").markers
    assert analyse("sry sry i guess ill come").style == "passive"
    assert "blame" in analyse("u nevr listen").markers


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_random_text_never_raises(text):
    a = analyse(text)
    assert a.style in STYLES
    coach_feedback(a, ["dear-man.express", "i-statement"])


# ---- feedback -----------------------------------------------------------------------------------


def test_feedback_names_what_it_did_and_the_excuse():
    text = coach_feedback(analyse("no, i'll have a soda. i'm driving tonight"), [])
    assert "said no straight away" in text and "alternative" in text
    assert "excuse" in text and "later yes" in text


def test_feedback_is_short_kind_and_quotes_little():
    long_reply = (
        "I'm so sorry, sorry, I know I'm a terrible person and I always mess things "
        "up for everyone, maybe I could come for a little while if that's okay"
    )
    text = coach_feedback(analyse(long_reply), ["dear-man.express", "i-statement"])
    assert 1 <= text.count(".") <= 4
    assert long_reply[:40] not in text
    for word in ("stupid", "bad person", "wrong with you", "failure", "pathetic"):
        assert word not in text.lower()
    assert "Next time you could add" in text


def test_feedback_suggests_what_the_prompt_looks_for():
    text = coach_feedback(analyse("I'm not going to miss group."), ["give.validate"])
    assert "how they feel" in text


# ---- matching typed replies in the real scenario ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I know this matters to you and I feel torn. Group is what keeps me well.", "express"),
        ("i hear you mom and i feel bad, but im not missing group, it keeps me sober", "express"),
        ("I'm so sorry, I'm a terrible son, I'm sorry", "sorry"),
        ("sorry sorry i know ive let you all down", "sorry"),
        ("Oh sure, I'll just skip treatment so Dana has a full table. Great idea.", "sarcastic"),
    ],
)
def test_match_at_guilt(birthday, text, expected):
    node = birthday.nodes["guilt"]
    choice_id, outputs = match_reply(birthday, "guilt", list(node.choices), text)
    assert choice_id == expected
    (fb,) = outputs
    assert isinstance(fb, Feedback) and fb.choice_id == expected and fb.said == text
    assert fb.style == analyse(text).style
    assert all(s in COMPONENTS for s in fb.skills)
    assert fb.text


def test_matching_is_deterministic(birthday):
    node = birthday.nodes["guilt"]
    text = "I hear you, and I feel torn, but I'm going to group."
    results = {repr(match_reply(birthday, "guilt", list(node.choices), text)) for _ in range(5)}
    assert len(results) == 1


@pytest.mark.parametrize(
    "text", ["asdkjh qwpoe zzxv", "whats the best pizza place near the station", "", "🙂"]
)
def test_not_understood(birthday, text):
    node = birthday.nodes["guilt"]
    choice_id, outputs = match_reply(birthday, "guilt", list(node.choices), text)
    assert choice_id is None
    (notice,) = outputs
    assert isinstance(notice, Notice) and notice.kind == "not-understood"
    assert "options" in notice.text


def test_not_understood_says_what_it_read(birthday):
    choices = list(birthday.nodes["guilt"].choices)
    choice_id, outputs = match_reply(birthday, "guilt", choices, "ok")
    assert choice_id is None
    assert "passive" in outputs[0].text and "not sure" in outputs[0].text


def _walk_to_guilt(sc):
    state, _ = start(sc, seed=1)
    state, _ = step(sc, state, Choose("facts"))
    assert state.node == "guilt"
    return state


def test_engine_moves_on_with_a_typed_reply_and_tallies_its_style(birthday):
    state = _walk_to_guilt(birthday)
    text = "I get that it matters to you, and I feel torn. I'm still going to group."
    new, outputs = step(birthday, state, Reply(text), matcher=match_reply)
    assert new.node == "pushback"
    fb = next(o for o in outputs if isinstance(o, Feedback))
    assert fb.said == text and fb.style == "assertive"
    assert new.styles["assertive"] == state.styles.get("assertive", 0) + 1
    assert new.skills.get("dear-man.express", 0) >= 1
    assert "give.validate" in new.skills


def test_engine_tallies_the_analysed_style_not_the_buttons(birthday):
    state = _walk_to_guilt(birthday)
    text = "sorry, sorry, i'm a terrible son, i'm so sorry"
    new, _ = step(birthday, state, Reply(text), matcher=match_reply)
    assert new.node == "apology-spiral"
    assert new.styles.get("passive") == 1
    assert new.cautions.get("over-apology") == 1


def test_engine_reoffers_the_choices_when_not_understood(birthday):
    state = _walk_to_guilt(birthday)
    new, outputs = step(birthday, state, Reply("qwerty asdf"), matcher=match_reply)
    assert new is state or new.node == "guilt"
    assert isinstance(outputs[0], Notice) and outputs[0].kind == "not-understood"
    ask = outputs[-1]
    assert isinstance(ask, Ask)
    assert [o.id for o in ask.options] == [c.id for c in birthday.nodes["guilt"].choices]


# ---- the fallback choice ------------------------------------------------------------------------

FALLBACK_YAML = """\
title: Fallback test
context: recovery
difficulty: 1
skills: [refusal]
summary: A tiny scenario for the coach tests.
variables:
  regular: {type: bool, default: false}
start: offer
nodes:
  offer:
    lines:
      - text: "A friend holds out a beer."
    prompt:
      ask: "Type what you'd say."
      looks_for: [refusal.no-first, refusal.alternative]
    choices:
      - id: refuse
        text: "No thanks, I'll have a soda"
        style: assertive
        skills: [refusal.no-first, refusal.alternative]
        feedback: "Clear and quick."
        target: end
        if: "regular"
      - id: other
        text: "Say something else"
        style: passive
        feedback: "Okay."
        target: end
        fallback: true
  end:
    ending:
      outcome: good
      title: Done
      debrief: Done.
      try_this_week: Practise once.
"""


@pytest.fixture
def fallback_scenario(tmp_path):
    path = tmp_path / "recovery" / "fallback.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(FALLBACK_YAML), encoding="utf-8")
    loaded = load_file(path, tmp_path)
    assert loaded.scenario is not None, loaded.problems
    return loaded.scenario


def test_fallback_catches_what_is_not_close(fallback_scenario):
    choices = list(fallback_scenario.nodes["offer"].choices)
    choice_id, outputs = match_reply(
        fallback_scenario, "offer", choices, "did you watch the game last night"
    )
    assert choice_id == "other"
    assert isinstance(outputs[0], Feedback) and outputs[0].choice_id == "other"
    # A close reply still goes to its nearest choice, not the fallback.
    choice_id, _ = match_reply(fallback_scenario, "offer", choices, "no thanks, a soda for me")
    assert choice_id == "refuse"
    # Gibberish is never passed off as a reply, fallback or not.
    assert match_reply(fallback_scenario, "offer", choices, "")[0] is None


def test_fallback_through_the_engine(fallback_scenario):
    # `refuse` is conditional and its condition is false, so the engine offers only the fallback.
    state, _ = start(fallback_scenario)
    new, outputs = step(
        fallback_scenario, state, Reply("hmm, did you watch the game?"), matcher=match_reply
    )
    assert new.path == ["offer/other"] and new.status == "ended"
    fb = next(o for o in outputs if isinstance(o, Feedback))
    assert fb.choice_id == "other" and fb.said == "hmm, did you watch the game?"
    # Gibberish still gets the options again rather than a guess.
    same, outputs = step(fallback_scenario, state, Reply("zzkq xqv"), matcher=match_reply)
    assert same.node == "offer" and isinstance(outputs[0], Notice)


# ---- accuracy on labelled data ------------------------------------------------------------------


def test_dataset_shape():
    assert len(ROWS) >= 240
    for r in ROWS:
        assert set(r) == {"text", "style", "context", "markers", "split"}
        assert r["style"] in STYLES and r["split"] in {"tune", "heldout"}
        assert r["context"] in {"family", "friendship", "workplace", "recovery", "social-anxiety"}
        assert all(m in MARKERS for m in r["markers"])
    for style in STYLES:
        assert sum(r["style"] == style for r in ROWS) >= 50
    heldout = sum(r["split"] == "heldout" for r in ROWS) / len(ROWS)
    assert 0.3 <= heldout <= 0.4


def _accuracy(pairs):
    return sum(analyse(t).style == s for t, s in pairs) / len(pairs)


def test_heldout_accuracy():
    pairs = [(r["text"], r["style"]) for r in ROWS if r["split"] == "heldout"]
    assert _accuracy(pairs) >= 0.80  # the goal is 0.85: see `python -m bench.coach`


def test_scripted_choices_accuracy():
    lib = shipped_library()
    pairs = [
        (c.spoken, c.style.value)
        for sc in lib.scenarios.values()
        for node in sc.nodes.values()
        for c in node.choices
    ]
    assert pairs
    assert _accuracy(pairs) >= 0.70


def test_a_typed_reply_counts_the_skill_its_branch_stands_for():
    # a participant trial typed three refusals to Dev and the debrief said "You never held the
    # boundary": the coach can't read a limit held, so the branch it matched vouches for it
    from shipped import shipped_library

    sc = shipped_library().scenarios["recovery/old-friend-text"]
    state, _ = start(sc, seed=1, with_prelude=False)
    at_door = state.copy()
    at_door.node = "doorbell"
    typed = "no dev. go home. im not opening it"
    new, outputs = step(sc, at_door, Reply(typed), matcher=match_reply)
    fb = next(o for o in outputs if isinstance(o, Feedback))
    assert fb.choice_id == "chain" and fb.credited == ("boundary.hold",)
    assert "boundary.hold" not in fb.skills  # counted, never shown as something it read
    assert new.skills.get("boundary.hold") == 1


@pytest.mark.parametrize(
    ("scenario_id", "node", "text", "expected"),
    [
        # a participant trial's clear refusal tied two assertive lines and was shown the options
        # again ("I'm not sure which way you mean it to go")
        (
            "friendship/loan-again",
            "call",
            "I can't lend you money this time, Rafa. I still need the $300 from March back first.",
            "no-first",
        ),
        # a reviewer: the plain refusal is not the near miss ("never ask me for money again")
        ("friendship/loan-again", "call", "No, I can't lend you money.", "no-first"),
        # nor the step too soon ("no more tests")
        (
            "family/checking-up",
            "offer",
            "Can we stop the tests after the family session on the 14th?",
            "until-session",
        ),
    ],
)
def test_a_near_tie_of_like_lines_goes_to_the_one_that_is_no_near_miss(
    scenario_id, node, text, expected
):
    from shipped import shipped_library

    sc = shipped_library().scenarios[scenario_id]
    choice_id, outputs = match_reply(sc, node, list(sc.nodes[node].choices), text)
    assert choice_id == expected
    assert isinstance(outputs[0], Feedback)


@pytest.mark.parametrize(
    ("text", "credited"),
    [
        ("I can't lend you the money this time.", ("fast.no-apologies",)),
        # the words say otherwise: no credit for not apologizing (a reviewer)
        ("Sorry, I can't lend you the money this time.", ()),
    ],
)
def test_a_branch_vouches_only_for_what_the_words_do_not_belie(text, credited):
    from shipped import shipped_library

    sc = shipped_library().scenarios["friendship/loan-again"]
    choice_id, outputs = match_reply(sc, "call", list(sc.nodes["call"].choices), text)
    assert choice_id == "no-first"
    assert outputs[0].credited == credited


def test_a_question_about_a_skill_is_answered_not_played(birthday):
    # a participant trial typed "what does DEAR MAN stand for again?" mid-scene: it was coached
    # as an assertive open question and played as a line
    state = _walk_to_guilt(birthday)
    text = "what does DEAR MAN stand for again?"
    new, outputs = step(birthday, state, Reply(text), matcher=match_reply)
    assert new.node == state.node and new.step == state.step  # the scene waits
    notice = next(o for o in outputs if isinstance(o, Notice))
    assert "Describe the facts" in notice.text and "/skills" in notice.text
    assert not any(isinstance(o, Feedback) for o in outputs)
    # an everyday "fast" or "give" is a reply as before
    assert card_asked_about("whats the fastest way to the group room") is None
    assert card_asked_about("give me a break, mom") is None


@pytest.mark.parametrize(
    ("scenario_id", "node", "text", "expected"),
    [
        # no line here gives in: named, never played as the nearest line (a participant trial:
        # "fine, one beer wont kill me" went on as if refused)
        ("workplace/after-work-drinks", "boring", "fine, one beer wont kill me", None),
        ("workplace/after-work-drinks", "boring", "ok ok pour me one", None),
        # a refusal that quotes the push is a refusal; a soda is no yes (a reviewer)
        (
            "workplace/after-work-drinks",
            "boring",
            "no thanks, one drink wont hurt you but i dont drink",
            "played",
        ),
        (
            "workplace/after-work-drinks",
            "at-bar",
            "Thanks Gareth, but could you pour me a club soda instead?",
            "played",
        ),
        # where using isn't at stake, a drink is no lapse (a reviewer)
        (
            "workplace/credit-taker",
            "coffee",
            "Sure, a drink after work sounds good. But can I raise something about the "
            "presentation?",
            "not blocked",
        ),
        ("recovery/uncle-just-one", "pour", "yes please, a glass of wine", "tiny"),
        # a second trial: a glass for the toast, pills taken "just tonight"
        ("workplace/after-work-drinks", "at-bar", "ugh ok, one glass for the toast", "hold-glass"),
        ("recovery/uncle-just-one", "pour", "ok, a glass of ginger ale please", "not blocked"),
        # a third trial's yeses: later in the reply, to a dealer with nothing named, "sure why
        # not" (a sarcasm reading), and a line that names no drink but is the yes
        ("recovery/uncle-just-one", "push", "fine one beer wont kill me", "for-amara"),
        ("workplace/after-work-drinks", "at-bar", "ugh fine, ill uber. one drink", "hold-glass"),
        ("recovery/old-friend-text", "push1", "ok ill come thru", "hang"),
        ("recovery/old-friend-text", "push1", "yeah im down, what u got", "hang"),
        ("workplace/after-work-drinks", "bar-push", "sure why not, just tonight", "sip"),
        ("recovery/leftover-pills", "push", "sure why not, just one for the pain", "just-one"),
        # a bare "ok" to pills tucked in a pocket played as the refusal fallback
        ("recovery/leftover-pills", "later", "ok", "take-baggie"),
        # ...but only where the moment is an offer: elsewhere a bare yes answers what was said
        # (a reviewer: "yes" to "coffee?? you serious?", "ok" to "I'm not the enemy here")
        ("workplace/after-work-drinks", "why-not", "sure", "not blocked"),
        ("recovery/old-friend-text", "coffee-reply", "yes", "not blocked"),
        ("recovery/leftover-pills", "offended", "ok", "not blocked"),
        ("workplace/after-work-drinks", "coke", "ok ill swing by", "not blocked"),
        ("workplace/after-work-drinks", "boring", "ok", None),
        ("workplace/after-work-drinks", "at-bar", "fine give me some space", "not blocked"),
        # a soft drink, pills put away, or a no said later is never the line that gives in
        ("workplace/after-work-drinks", "bar-push", "ok, ill have a soda", "not blocked"),
        ("workplace/after-work-drinks", "at-bar", "ok one drink. a coke", "not blocked"),
        ("recovery/leftover-pills", "later", "give me the bag, ill flush them", "not blocked"),
        ("recovery/uncle-just-one", "driving", "ok ill stay over but no wine", "not blocked"),
        # a yes that ends on leaving is still the yes
        (
            "workplace/after-work-drinks",
            "at-bar",
            "ok one drink then im heading home",
            "hold-glass",
        ),
        ("recovery/uncle-just-one", "later", "ugh fine pour it", "fine-give"),
        # a third trial: yeses inside longer replies to an offer were coached as assertive, as
        # sarcasm, and played as the refusal (a "good" sober ending after pouring a drop)
        ("recovery/uncle-just-one", "toast", "sure, pour me a drop, its for amara", "a-drop"),
        ("workplace/after-work-drinks", "at-bar", "ooh thanks, cheers!", "hold-glass"),
        ("recovery/leftover-pills", "offer", "omg ur a lifesaver, yes pls", None),
        ("workplace/after-work-drinks", "invite", "omg yes finally a drink, this week", None),
        ("recovery/old-friend-text", "push1", "ill come thru for a bit", "hang"),
        ("recovery/old-friend-text", "just-hang", "ok see u at 9", "see-you"),
        # a fourth trial: asking where, or asking them over, is the yes ("lol ok where u at, ill
        # come thru" to Dev's first text went down "Can't tonight, busy")
        ("recovery/old-friend-text", "text1", "lol ok where u at, ill come thru", None),
        ("recovery/old-friend-text", "text1", "sure, send me the addy", None),
        ("workplace/after-work-drinks", "bar-push", "ok sure ill have one", "sip"),
        ("workplace/after-work-drinks", "bar-push", "ok ill have one then", "sip"),
        ("recovery/old-friend-text", "text1", "ok where u at?", None),
        ("recovery/old-friend-text", "text1", "yeah come thru, ill leave the door open", None),
        ("workplace/after-work-drinks", "bar-push", "honestly i could use a drink rn", "sip"),
        ("recovery/old-friend-text", "text1", "no. come thru and ill call the cops", "not blocked"),
        # ...but leaving, a polite no or a sober toast said in the room is no yes (a reviewer)
        ("workplace/after-work-drinks", "bar-push", "ok, on my way then", "not blocked"),
        ("recovery/uncle-just-one", "pour", "ok, on my way", "not blocked"),
        ("workplace/after-work-drinks", "bar-push", "ok, see you later", "not blocked"),
        ("workplace/after-work-drinks", "bar-push", "thanks, i really shouldnt", "not blocked"),
        ("recovery/uncle-just-one", "pour", "cheers to sobriety", "not blocked"),
        ("workplace/after-work-drinks", "bar-push", "ugh i really shouldnt... ok one", "sip"),
        (
            "recovery/old-friend-text",
            "text1",
            "ok where u at, im calling the police",
            "not blocked",
        ),
        # ...and what says no, or only hears them out, isn't one; nor a yes to anything else
        # (a reviewer saw these played as giving in under a looser reading)
        ("recovery/uncle-just-one", "pour", "ok im going home", "not blocked"),
        ("recovery/old-friend-text", "push1", "sure dev, i'm staying home tonight", "not blocked"),
        ("recovery/old-friend-text", "doorbell", "ok. i'm calling the police", "not blocked"),
        ("friendship/wine-bar-date", "order", "yes, a virgin one for me", "not blocked"),
        ("recovery/leftover-pills", "push", "ok, pour them down the sink then", "not blocked"),
        ("recovery/uncle-just-one", "later", "lol ok ok u win, pour it", "fine-give"),
        ("recovery/leftover-pills", "offer", "yes i know you mean well", "not blocked"),
        (
            "workplace/after-work-drinks",
            "at-bar",
            "thanks gareth, you're sweet, but im good",
            "not blocked",
        ),
        # quitting treatment is left to matching: said to a counselor it is a disclosure
        (
            "recovery/stepping-down",
            "open",
            "honestly i might just quit the program, its a lot",
            "not blocked",
        ),
    ],
)
def test_a_yes_to_using_is_never_played_as_another_line(scenario_id, node, text, expected):
    from shipped import shipped_library

    sc = shipped_library().scenarios[scenario_id]
    choice_id, outputs = match_reply(sc, node, list(sc.nodes[node].choices), text)
    if expected is None:
        assert choice_id is None
        assert outputs[0].kind == "not-understood" and "yes to using" in outputs[0].text
    elif expected == "played":
        assert choice_id is not None and "yes to using" not in str(outputs[0])
        assert not coach._gives_in(_choice(sc, node, choice_id))
    elif expected == "not blocked":
        assert "yes to using" not in str(outputs[0])
        assert choice_id is None or not coach._gives_in(_choice(sc, node, choice_id))
    else:
        assert choice_id == expected and isinstance(outputs[0], Feedback)
        # a yes is giving in, whatever its tone, and is coached as that, not as a style, with
        # no skill ticked ("ok see u at 9" to a dealer was ticked for DEAR MAN's Describe)
        assert outputs[0].style == "passive" and outputs[0].text == coach.YES_FEEDBACK
        assert outputs[0].skills == ("give-in",) and outputs[0].credited == ()


def _choice(sc, node, choice_id):
    return next(c for c in sc.nodes[node].choices if c.id == choice_id)


def test_a_yes_to_using_goes_to_the_nearest_line_that_gives_in_to_using():
    """A reviewer: the first line tagged or worded as giving in took it, a sarcastic one and a
    disclosure ("overshare") too. Now a line that gives in to using, or the notice."""
    from shipped import shipped_library

    sc = shipped_library().scenarios["workplace/after-work-drinks"]
    went, named = 0, 0
    for node_id, node in sc.nodes.items():
        if not node.choices:
            continue
        giving = {c.id for c in node.choices if coach._gives_in(c)}
        choice_id, outputs = match_reply(sc, node_id, list(node.choices), "fine, one beer then")
        if giving:
            went += 1
            assert choice_id in giving and isinstance(outputs[0], Feedback), node_id
        else:
            named += 1
            assert choice_id is None and "yes to using" in outputs[0].text, node_id
    assert went and named
    overshare = next(c for c in sc.nodes["why-not"].choices if c.id == "overshare")
    assert "give-in" in overshare.skills and not coach._gives_in(overshare)


def test_only_a_line_marked_as_the_yes_takes_a_yes_to_using():
    """Read from a line's words, "Well… it is for Amara…" (no drink named) couldn't take a yes,
    and "(Take it and hope)" at the pharmacy or "I'll cut back to one night a week" could."""
    from shipped import shipped_library

    lib = shipped_library().scenarios
    amara = lib["recovery/uncle-just-one"].nodes["push"].choices
    assert [c.id for c in amara if coach._gives_in(c)] == ["for-amara"]
    for sid, node in [
        ("social-anxiety/pharmacy-call", "guess"),
        ("family/always-at-group", "vent"),
    ]:
        choices = lib[sid].nodes[node].choices
        assert any("give-in" in c.skills for c in choices)
        assert not any(coach._gives_in(c) for c in choices)


def test_a_clear_reply_no_line_fits_is_not_called_unclear():
    """A trial's clear ask ("could you write that down for me") that no line of the moment
    plays was told "I'm not sure which way you mean it to go": it now says no line fits."""
    from shipped import shipped_library

    sc = shipped_library().scenarios["social-anxiety/prescriber-visit"]
    text = "could you write that down for me so i remember"
    choice_id, outputs = match_reply(sc, "plan", list(sc.nodes["plan"].choices), text)
    assert choice_id is None
    assert "doesn't fit any line" in outputs[0].text and "not sure" not in outputs[0].text


@pytest.mark.parametrize(
    ("text", "asks_to_stop"),
    [
        # a second trial's debrief said "You never asked them to stop offering" after this
        ("still no, i dont do pills. please stop", True),
        ("No. Please stop.", True),
        ("please stop yelling at me", False),
    ],
)
def test_a_closing_please_stop_asks_them_to_stop(text, asks_to_stop):
    assert ("refusal-ask-stop" in analyse(text).markers) is asks_to_stop


def test_a_no_placed_last_in_shorthand_is_a_refusal():
    """A third trial: "sober coffee sometime sure. using no" (nearly the button "Sober coffee,
    yes. Using, no.") was played as "Can't tonight, kinda busy", to a door left open."""
    from shipped import shipped_library

    assert "clear-no" in analyse("sober coffee sometime sure. using no").markers
    assert "clear-no" not in analyse("im using no filter lol").markers
    sc = shipped_library().scenarios["recovery/old-friend-text"]
    text = "sober coffee sometime sure. using no"
    choice_id, _ = match_reply(sc, "text1", list(sc.nodes["text1"].choices), text)
    assert choice_id == "no-first"


def test_blame_is_never_also_praised_as_an_i_statement():
    """A trial was told "'You always' puts them on the defensive" and, under it, "✓ You spoke
    from 'I' instead of 'you always'"."""
    analysis = analyse("you always do this, its never about what i need")
    assert "blame" in analysis.markers and "i-statement" not in analysis.markers
    assert "i-statement" in analyse("i need you to call before you come over").markers


def test_a_quoted_fragment_starts_at_a_word():
    """A softener was quoted as 'uld get food sometime' (a trial)."""
    for text in ("i mean we couldnt get food sometime?", "we shoulda maybe done it sometime"):
        evidence = analyse(text).evidence
        assert evidence
        for _, fragment in evidence:
            assert f" {fragment}" in f" {coach.normalise(text)}", fragment


@pytest.mark.parametrize(
    ("scenario_id", "node", "text", "never"),
    [
        # a fifth trial: a calm acceptance went down "I'm so sorry... I'm so useless with
        # numbers", and then (with that line barred) "(Say nothing, stare at notes)"
        (
            "workplace/report-in-front",
            "meeting",
            "ok youre right, i'll redo the report tonight",
            {"sorry-spiral", "freeze"},
        ),
    ],
)
def test_typed_words_never_play_a_self_verdict_they_lack_or_silence(scenario_id, node, text, never):
    from shipped import shipped_library

    sc = shipped_library().scenarios[scenario_id]
    choice_id, _ = match_reply(sc, node, list(sc.nodes[node].choices), text)
    assert choice_id not in never, choice_id


def test_a_self_verdict_said_is_still_played_as_the_line_that_says_it():
    from shipped import shipped_library

    sc = shipped_library().scenarios["workplace/report-in-front"]
    choice_id, _ = match_reply(
        sc, "meeting", list(sc.nodes["meeting"].choices), "omg im so sorry, im useless at this"
    )
    assert choice_id == "sorry-spiral"


@pytest.mark.parametrize(
    ("scenario_id", "node", "text", "expected"),
    [
        # a reviewer: a filter on the line's skill alone lost these, or sent a yes down a refusal
        ("recovery/leftover-pills", "bristle", "youre right. ill take two", "fine-give"),
        ("social-anxiety/first-share", "invite", "im okay, ill pass tonight", "chat-pass"),
    ],
)
def test_the_self_verdict_and_silence_filters_spare_what_the_reply_meant(
    scenario_id, node, text, expected
):
    from shipped import shipped_library

    sc = shipped_library().scenarios[scenario_id]
    assert match_reply(sc, node, list(sc.nodes[node].choices), text)[0] == expected


def test_a_craving_told_alone_is_never_played_as_using():
    """ "i could use a drink" is the yes only where something is offered (a reviewer: alone with
    a craving it went down "(Grab keys...)")."""
    from shipped import shipped_library

    sc = shipped_library().scenarios["recovery/late-night-craving"]
    node = sc.nodes["alone-again"]
    choice_id, _ = match_reply(
        sc, "alone-again", list(node.choices), "honestly i could use a drink rn"
    )
    assert choice_id is None or not coach._gives_in(_choice(sc, "alone-again", choice_id))
