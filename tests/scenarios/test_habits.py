"""The review's writing habits: the library is free of them, and each check fires when broken."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from scenarios.habits import CODES, HOSTILE, USE_SAFETY, decisions, longest_counts
from scenarios.library import load_library
from shipped import shipped_library
from texts import MINI

runner = CliRunner()
LIBRARY = shipped_library()
IDS = sorted(LIBRARY.scenarios)
HABIT_CODES = set(CODES)


def codes_for(path) -> list[str]:
    return [p.code for p in load_library([path]).problems]


def warnings_for(path, code: str) -> list[str]:
    return [str(p) for p in load_library([path]).problems if p.code == code]


# ---- the shipped library ---------------------------------------------------------------------


def test_the_library_loads_whole():
    assert len(IDS) >= 20
    assert LIBRARY.errors == []


@pytest.mark.parametrize("scenario_id", IDS)
def test_no_habit_warnings(scenario_id):
    source = LIBRARY.scenarios[scenario_id].source
    found = [str(p) for p in LIBRARY.problems if p.path == source and p.code in HABIT_CODES]
    assert found == []


@pytest.mark.parametrize("scenario_id", IDS)
def test_no_style_is_the_longest_in_more_than_half(scenario_id):
    total, buttons, spoken = longest_counts(LIBRARY.scenarios[scenario_id])
    assert total > 0
    for counts in (buttons, spoken):
        for kind, n in counts.items():
            assert kind == "near-miss" or n * 2 <= total, (kind, n, total)


def test_the_assertive_answer_is_rarely_the_longest_across_the_library():
    total = assertive_buttons = assertive_spoken = 0
    for sc in LIBRARY.scenarios.values():
        n, buttons, spoken = longest_counts(sc)
        total += n
        assertive_buttons += buttons["assertive"]
        assertive_spoken += spoken["assertive"]
    assert assertive_buttons / total <= 0.5
    assert assertive_spoken / total <= 0.5


@pytest.mark.parametrize("scenario_id", IDS)
def test_every_scenario_has_intensity_and_a_near_miss(scenario_id):
    sc = LIBRARY.scenarios[scenario_id]
    assert sc.intensity in (1, 2, 3)
    choices = [c for n in sc.nodes.values() for c in n.choices]
    assert any(c.near_miss and c.style == "assertive" for c in choices)


@pytest.mark.parametrize("scenario_id", IDS)
def test_hostile_choices_meet_a_reaction(scenario_id):
    sc = LIBRARY.scenarios[scenario_id]
    hostile = [c for n in sc.nodes.values() for c in n.choices if c.style in HOSTILE]
    if not hostile:
        return
    only_hostile = {
        nid
        for nid in sc.nodes
        if (incoming := [c for n in sc.nodes.values() for c in n.choices if c.target == nid])
        and all(c.style in HOSTILE for c in incoming)
    }
    assert only_hostile, "no node reacts to a jab on its own"


@pytest.mark.parametrize("scenario_id", IDS)
def test_using_endings_carry_the_safety_lines(scenario_id):
    sc = LIBRARY.scenarios[scenario_id]
    for node in sc.nodes.values():
        if "depicts-use" not in node.tags:
            continue
        assert node.ending is not None
        text = " ".join(
            [t for line in node.lines for t in line.texts]
            + [node.ending.debrief, node.ending.try_this_week]
        ).lower()
        for must in ("lapse", "overdose", "tolerance", "naloxone", "alone", "/safety"):
            assert must in text, (scenario_id, must)


def test_the_recovery_slips_are_tagged():
    tagged = {
        (sid, nid)
        for sid, sc in LIBRARY.scenarios.items()
        for nid, node in sc.nodes.items()
        if "depicts-use" in node.tags
    }
    assert {
        ("recovery/uncle-just-one", "slip"),
        ("recovery/old-friend-text", "used"),
        ("recovery/late-night-craving", "drank"),
        ("workplace/after-work-drinks", "slip-end"),
    } <= tagged


def test_the_review_relabels_hold():
    difficulty = {sid: sc.difficulty for sid, sc in LIBRARY.scenarios.items()}
    assert difficulty["friendship/loan-again"] == 3
    assert difficulty["recovery/uncle-just-one"] == 2
    assert difficulty["family/birthday-or-group"] == 3


def test_the_player_is_never_alex():
    for sc in LIBRARY.scenarios.values():
        for node in sc.nodes.values():
            for line in node.lines:
                assert not any("Alex" in t for t in line.texts)
            for c in node.choices:
                assert "Alex" not in c.spoken


def test_decisions_ignore_single_kind_nodes():
    sc = LIBRARY.scenarios[IDS[0]]
    for _, node in decisions(sc):
        assert len(node.choices) >= 2


# ---- each check fires on a small bad example ---------------------------------------------


def test_mini_has_no_habit_warnings(write_scenario):
    assert not set(codes_for(write_scenario(MINI))) & HABIT_CODES


def test_no_intensity(write_scenario):
    path = write_scenario(MINI.replace("intensity: 1\n", ""))
    assert warnings_for(path, "no-intensity")


def test_locale_names_the_word_the_node_and_the_choice(write_scenario):
    text = MINI.replace(
        "feedback: Maybe later invites a later yes.",
        "feedback: Maybe later invites a later yes, and your mum will realise it.",
    )
    found = warnings_for(write_scenario(text), "locale")
    assert len(found) == 2
    assert all("node 'offer', choice 'maybe'" in w for w in found)
    assert any("'mum'" in w and "'mom'" in w for w in found)
    assert any("'realise'" in w for w in found)


@pytest.mark.parametrize(
    "phrase", ["the car park", "at half six", "twenty quid", "the programme", "my favourite"]
)
def test_locale_word_list(write_scenario, phrase):
    text = MINI.replace("text: You sure?", f"text: You sure? It's {phrase}.")
    assert warnings_for(write_scenario(text), "locale")


def test_us_words_and_lookalikes_pass(write_scenario):
    text = MINI.replace(
        "text: You sure?", "text: You sure? The program, my mom, a promise, a mate-less."
    )
    assert not warnings_for(write_scenario(text), "locale")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("text: You sure?", "text: You sure, son?"),
        ("text: You sure?", "text: You sure, bro?"),
        ("text: You sure?", "text: You sure, ma'am?"),
        ("text: You sure?", "text: Come on, man, you sure?"),
        (
            "text: Please stop offering",
            "text: Please stop offering\n        says: I'm Alex, and stop.",
        ),
        ("text: Maybe later", "text: Maybe later\n        says: Sorry, I'm a terrible son."),
    ],
)
def test_player_gender_and_name(write_scenario, old, new):
    assert warnings_for(write_scenario(MINI.replace(old, new, 1)), "player-gender")


def test_narration_may_name_other_peoples_sons(write_scenario):
    text = MINI.replace("text: He keeps pushing.", "text: His son waves from the yard.")
    assert not warnings_for(write_scenario(text), "player-gender")


def test_homework_about_a_character_is_fiction(write_scenario):
    text = MINI.replace("try_this_week: Say no first", "try_this_week: Text Sam and say no first")
    found = warnings_for(write_scenario(text), "homework-fiction")
    assert found and "Sam" in found[0]


@pytest.mark.parametrize(
    "homework", ["Listen to his side before you say yours", "Practice it before you next see her"]
)
def test_homework_about_someone_in_the_story_is_fiction(write_scenario, homework):
    """A participant trial met "before you next see her" and a promise made in the story."""
    text = MINI.replace("try_this_week: Say no first once this week", f"try_this_week: {homework}")
    found = warnings_for(write_scenario(text), "homework-fiction")
    assert found and "someone in the story" in found[0]


def test_homework_for_the_participant_s_own_people_is_not_fiction(write_scenario):
    text = MINI.replace(
        "try_this_week: Say no first once this week",
        "try_this_week: If someone close pushes, listen to their side first",
    )
    assert not warnings_for(write_scenario(text), "homework-fiction")


def test_a_using_ending_without_safety_lines(write_scenario):
    text = MINI.replace("  hard:\n    ending:", "  hard:\n    tags: [depicts-use]\n    ending:")
    found = warnings_for(write_scenario(text), "use-safety")
    assert len(found) == 1
    for what, _ in USE_SAFETY:
        assert what in found[0]


def test_a_using_ending_with_safety_lines_passes(write_scenario):
    safe = (
        "A slip is a lapse, not a relapse. After time away your tolerance is lower, so the "
        "overdose risk is real; keep naloxone close and don't use alone. /safety has people "
        "to reach tonight."
    )
    text = MINI.replace("  hard:\n    ending:", "  hard:\n    tags: [depicts-use]\n    ending:")
    text = text.replace("debrief: The pressure won this time.", f"debrief: {safe}")
    assert not warnings_for(write_scenario(text), "use-safety")


def test_an_untagged_ending_that_depicts_using(write_scenario):
    text = MINI.replace("debrief: The pressure won this time.", "debrief: You drank it.")
    found = warnings_for(write_scenario(text), "use-safety")
    assert found and "depicts-use" in found[0]


def test_no_near_miss(write_scenario):
    text = MINI.replace("        near_miss: too-big-an-ask\n", "")
    assert warnings_for(write_scenario(text), "no-near-miss")


def test_a_near_miss_must_be_assertive(write_scenario):
    text = MINI.replace(
        "        skills: [excuse]\n", "        skills: [excuse]\n        near_miss: wrong-moment\n"
    )
    assert warnings_for(write_scenario(text), "near-miss-style")


def test_a_yes_to_use_line_must_be_a_plain_give_in(write_scenario):
    """A typed yes to using plays as the marked line: an excuse marked so would tell the story
    as a refusal."""
    marked = "        skills: [excuse]\n        yes_to_use: true\n"
    text = MINI.replace("        skills: [excuse]\n", marked)
    assert warnings_for(write_scenario(text), "yes-to-use-skill")
    given = MINI.replace("        skills: [excuse]\n", marked.replace("excuse", "give-in"))
    assert not warnings_for(write_scenario(given), "yes-to-use-skill")


JAB = MINI.replace(
    "style: passive\n        skills: [excuse]", "style: aggressive\n        skills: [blame]"
)


def test_a_jab_answered_like_the_assertive_reply(write_scenario):
    text = JAB.replace('        set: {pushes: "pushes + 1"}\n', "")
    found = warnings_for(write_scenario(text), "no-reaction")
    assert any("choice 'maybe' in 'offer'" in w for w in found)
    assert any("no node that only a hostile choice leads to" in w for w in found)


def test_a_conditional_line_that_reacts_is_enough_for_the_shared_node(write_scenario):
    # the jab sets `pushes`, and the shared node's `if: pushes >= 1` line answers it
    found = warnings_for(write_scenario(JAB), "no-reaction")
    assert found
    assert not any("choice 'maybe' in 'offer'" in w for w in found)


def test_the_assertive_button_longest_everywhere(write_scenario):
    text = MINI.replace("text: No thanks, a soda", "text: No thanks, I'll have a soda instead")
    text = text.replace("text: Please stop offering", "text: Please stop offering me drinks")
    found = warnings_for(write_scenario(text), "longest-answer")
    assert any("assertive button" in w for w in found)


def test_strict_validate_fails_on_a_habit(write_scenario):
    path = write_scenario(MINI.replace("intensity: 1\n", ""))
    lenient = runner.invoke(app, ["validate", str(path.parent.parent)])
    strict = runner.invoke(app, ["validate", "--strict", str(path.parent.parent)])
    assert lenient.exit_code == 0
    assert strict.exit_code == 1
    assert "[no-intensity]" in strict.output
