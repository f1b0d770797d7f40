"""`rehearse play` from piped input: plays to the debrief, saves as it goes, resumes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.terminal import TERMINAL_KEPT_CLOSING, TERMINAL_STOPPED
from state.safety import ASKED_OPENING, BACK_TO_SCENE
from texts import probable_text

# Each test runs `rehearse play` as a subprocess: `make test` runs them, `make quick` does not.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def play(
    tmp_path: Path, stdin: str, *args: str, module: str = "bot.cli", command: str = "play"
) -> subprocess.CompletedProcess[str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'play.db'}",
        "TELEGRAM_BOT_TOKEN": "",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", module, command, *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def choose_by_text(output: str, wanted: str) -> str:
    """The number printed before the option starting with `wanted` in the last menu shown."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        number, _, text = line.partition(". ")
        if number.isdigit() and text.startswith(wanted):
            return number
    raise AssertionError(f"{wanted!r} not offered in:\n{output[-800:]}")


@pytest.fixture(autouse=True)
def _cli_module_runs():
    assert (REPO / "bot" / "cli" / "__main__.py").exists()  # what `python -m bot.cli` runs


PATH = [
    "Tomorrow is my group night",
    "I feel torn, and group matters",
    "My recovery is for us too",
    "I'll take Dana to lunch Saturday",
]


def test_play_to_debrief_from_piped_input(tmp_path):
    # The menus are fixed by the seed; learn each option's number, then play it in one go.
    answers: list[str] = []
    for wanted in PATH:
        shown = play(
            tmp_path / f"probe{len(answers)}",
            "\n".join(answers) + "\n",
            "family/birthday-or-group",
            "--seed",
            "5",
        )
        answers.append(choose_by_text(shown.stdout, wanted))
    result = play(tmp_path, "\n".join(answers) + "\nq\n", "family/birthday-or-group", "--seed", "5")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("You: ") == len(PATH)
    assert "Debrief: Group kept, relationship kept" in out
    assert "Try this week" in out and "To add next time" in out
    assert "[r]eplay, [m]enu or [q]uit?" in out


def test_quit_and_resume_at_the_same_line(tmp_path):
    first = play(tmp_path, "q\n", "family/birthday-or-group", "--seed", "5")
    assert first.returncode == 0
    number = choose_by_text(first.stdout, "Tomorrow is my group night")
    second = play(tmp_path, f"{number}\nq\n", "family/birthday-or-group", "--seed", "5")
    assert "Saved. Run `rehearse play` again" in second.stdout
    line = second.stdout.split("You: ", 1)[1]
    third = play(tmp_path, "maybe\ny\n")  # not y or n: asked again, not taken as no
    assert third.returncode == 0
    assert "Please type y or n." in third.stdout
    assert "You were in the middle of “The birthday on group night”" in third.stdout
    # the resumed node is the one after the choice: the guilt trip, not the opening call
    assert "Mom:" in third.stdout and "doing the dishes" not in third.stdout
    assert line  # the choice was shown before quitting


def said(output: str) -> list[str]:
    """The characters' lines, as printed."""
    return [line for line in output.splitlines() if line.startswith(("Mom: ", "Nadia: "))]


@pytest.mark.parametrize("again", [(), ("family/ride-to-session",)])
def test_resume_shows_the_same_words_as_before_the_pause(tmp_path, again):
    """Paused, then `rehearse play` or the same `rehearse play ID` again: the run goes on at the
    line the player last read, in the same words (a fresh start would draw them anew)."""
    first = play(tmp_path, "q\n", "family/ride-to-session")
    assert "Saved. Run `rehearse play` again to pick up on the same line." in first.stdout
    second = play(tmp_path, "y\nq\n", *again)
    assert "You were in the middle of “A ride on Tuesday”. Resume?" in second.stdout
    assert said(second.stdout) == said(first.stdout)[-1:]


def test_end_of_input_exits_zero_and_menu_works(tmp_path):
    result = play(tmp_path, "1\n1\n")
    assert result.returncode == 0
    assert "What would you like to practice?" in result.stdout


def test_unknown_scenario_is_a_kind_error(tmp_path):
    result = play(tmp_path, "", "family/does-not-exist")
    assert result.returncode == 1
    assert "There is no valid scenario" in result.stdout
    assert "Traceback" not in result.stderr


def test_crisis_text_stops_the_role_play(tmp_path):
    # The card at once, or the question first and "1. Yes": either way the card, run stopped.
    result = play(tmp_path, "i dont want to be here anymore\n1\n", "family/birthday-or-group")
    assert result.returncode == 0
    assert "988" in result.stdout and "stopped the role-play" in result.stdout
    assert TERMINAL_STOPPED in " ".join(result.stdout.split())  # for good: said so
    again = play(tmp_path, "")
    assert "You were in the middle" not in again.stdout  # the run was stopped


def test_im_safe_goes_back_to_the_same_moment(tmp_path):
    result = play(tmp_path, probable_text() + "\n2\n", "family/birthday-or-group")
    assert result.returncode == 0
    assert "are you thinking about ending your life" in result.stdout
    assert "988" not in result.stdout
    assert "Saved" in result.stdout or "You were" not in result.stdout
    assert BACK_TO_SCENE in " ".join(result.stdout.split())  # a word of thanks, as the bot says
    options = [line for line in result.stdout.splitlines() if line.strip().startswith("1. ")]
    scene_first = options[0]  # the scene's first choice, before the question's "1. Yes"
    # shown before the question and once after it (a piped prompt shares the line)
    assert result.stdout.count(scene_first.strip()) == 2
    again = play(tmp_path, "")
    assert "You were in the middle" in again.stdout  # the scene was kept


FIXTURES = REPO / "tests" / "fixtures" / "scenarios"


def test_the_steps_before_and_after_an_exposure_scenario(tmp_path, monkeypatch):
    """The peer's example, the frame, the thought check, anxiety and a typed prediction; the
    scene with a listening move; the debrief; anxiety again and the comparison (#18)."""
    monkeypatch.setenv("SCENARIOS_DIR", str(FIXTURES))
    answers = [
        "1",  # see how a peer handled it
        "2",  # the relationship
        "4",  # skip the trap (always the last option)
        "11",  # not a rating: asked again
        "7",
        "People will look at me and I will blush.",
        "1",  # I'm nervous, but I'll share
        "1",  # the reflection: a listening move
        "3",  # anxiety after
        "1",  # better than expected
        "q",
    ]
    result = play(
        tmp_path, "\n".join(answers) + "\n", "social-anxiety/speak-up-in-group", "--seed", "1"
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())  # rich wraps long lines
    assert "See how a peer handled it" in out and "Jordan: I'm nervous" in out
    assert "What worked: Naming the nerves" in out
    assert "GIVE is the skill to lead with" in out
    assert "This one is mind reading" in out and "A more balanced thought" in out
    assert out.count("Type a number from 0 to 10, or s to skip.") == 3  # 11 is asked again
    assert "Your turn now." in out
    assert "listening move A reflection" in out
    assert "You said the relationship mattered most" in out and "Listening moves: 1" in out
    assert "you expected: “People will look at me and I will blush.”" in out
    assert "Anxiety before: 7 of 10, after: 3 of 10" in out
    assert "/progress" not in out  # the bot's command: a trial was pointed to it here
    assert "[r]eplay, [m]enu or [q]uit?" in out


@pytest.mark.parametrize("words", ["yes", "Yeah.", "kinda"])
def test_yes_in_words_at_the_check_in_gets_the_card(tmp_path, words):
    """A participant answering the question in words, not with its number, gets help."""
    result = play(tmp_path, probable_text() + f"\n{words}\n", "family/birthday-or-group")
    assert result.returncode == 0
    assert "988" in result.stdout and "stopped the role-play" in result.stdout
    assert "/practice" not in result.stdout  # no Telegram here
    assert " ".join(result.stdout.split()).count("`rehearse play`") == 1  # how to start again
    assert "Please type" not in result.stdout


def test_im_safe_in_words_goes_back_and_no_answer_shows_the_numbers(tmp_path):
    safe = play(tmp_path / "safe", probable_text() + "\nim safe\n", "family/birthday-or-group")
    assert "988" not in safe.stdout and "Please type" not in safe.stdout
    assert "You were in the middle" in play(tmp_path / "safe", "").stdout  # the scene was kept
    silent = play(tmp_path / "eof", probable_text() + "\n", "family/birthday-or-group")
    assert silent.returncode == 0 and "988" in silent.stdout  # input ended at the question


def test_safety_mid_scene_shows_every_resource_and_keeps_the_scene(tmp_path):
    """`/safety` typed in a scene (a coach's note points to it): the resources, then the same
    moment again, not a line read to the character."""
    result = play(tmp_path, "/safety\nq\n", "family/birthday-or-group")
    out = " ".join(result.stdout.split())
    assert result.returncode == 0 and "988" in out and ASKED_OPENING in out
    assert "1-800-222-1222" in out  # every resource, as the bot's /safety
    assert "I read that as" not in out and "stopped the role-play" not in out
    assert "Saved. Run `rehearse play` again" in out  # the scene was still open at "q"
    # the moment again after the card, her line with the choices (a participant trial)
    before, _, after = result.stdout.partition("You matter")
    said = [line for line in before.splitlines() if line.startswith("Mom: ")]
    assert said and said[-1] in after.splitlines()


def test_an_unclear_answer_is_asked_again_in_the_question_s_words(tmp_path):
    result = play(tmp_path, probable_text() + "\nwhat do you mean\n2\n", "family/birthday-or-group")
    out = " ".join(result.stdout.split())
    assert "Before we go on, I'd like to be sure: are you thinking about ending your life" in out
    assert "Type 1, 2 or 3, or type yes or no." in out
    assert BACK_TO_SCENE in out and "988" not in out


@pytest.mark.parametrize(
    ("before", "where"),
    [
        ("", "at the menu"),
        ("1\n", "choosing a scenario"),
    ],
)
def test_crisis_text_at_a_numbered_prompt_shows_the_card(tmp_path, before, where):
    """A participant trial typed "I WANT TO DIE" at the numbered steps and got "Please pick one
    of the numbers shown": every prompt screens what is typed, as the bot screens every
    message. No scenario was open, so the card says nothing of one."""
    result = play(tmp_path, before + "I want to kill myself\n")
    assert result.returncode == 0, where
    assert "988" in result.stdout, where
    assert "stopped the role-play" not in result.stdout, where


def test_crisis_text_at_the_resume_prompt_stops_the_paused_scene(tmp_path):
    first = play(tmp_path, "q\n", "family/ride-to-session")
    assert "Saved." in first.stdout
    result = play(tmp_path, "i have 40 of my seroquel saved up, i'm going to take them all\n")
    assert "Resume?" in result.stdout
    assert "Please type y or n." not in result.stdout
    assert "988" in result.stdout and "stopped the role-play" in result.stdout
    again = play(tmp_path, "")
    assert "You were in the middle" not in again.stdout  # the paused run was stopped


def test_im_safe_or_the_numbers_outside_a_scene_say_no_scene_waits(tmp_path):
    """At the menu no scene waits: "I'm safe" goes on with the menu shown again, and the
    numbers say nothing of a paused scene (a review found both said one waited)."""
    safe = play(tmp_path / "safe", probable_text() + "\n2\n")
    assert "are you thinking about ending your life" in safe.stdout
    assert "Back to the scene" not in safe.stdout
    assert "go on below" in safe.stdout
    assert safe.stdout.count("What would you like to practice?") == 2  # the menu again
    numbers = play(tmp_path / "numbers", probable_text() + "\n3\n")
    assert "988" in numbers.stdout
    assert "paused" not in numbers.stdout and "stopped the role-play" not in numbers.stdout


@pytest.mark.parametrize("answer", ["2", "3"])
def test_after_the_question_the_scene_s_moment_is_shown_again(tmp_path, answer):
    """A participant trial: after "I'm safe" the choices came back without the line they
    answer, and "Show me support numbers" said the scene would wait and then went straight on.
    Now the character's line comes again with the choices, and the card says the scene goes
    on below."""
    result = play(tmp_path, probable_text() + f"\n{answer}\nq\n", "family/birthday-or-group")
    assert result.returncode == 0
    before, _, after = result.stdout.partition("Checking in")
    said = [line for line in before.splitlines() if line.startswith("Mom: ")]
    assert said and said[-1] in after.splitlines()  # her last line, again
    assert "1. " in after.split(said[-1], 1)[1]  # then the choices
    out = " ".join(result.stdout.split())
    assert "will wait for you" not in out
    if answer == "3":
        assert "988" in out and TERMINAL_KEPT_CLOSING in out
    else:
        assert "988" not in out and BACK_TO_SCENE in out


def test_a_card_names_the_substance_use_helpline_when_drugs_are_named(tmp_path):
    result = play(tmp_path, "i relapsed on heroin and i want to kill myself\n")
    assert "988" in result.stdout and "SAMHSA" in result.stdout


@pytest.mark.parametrize(
    ("typed", "where"),
    [
        ("²\n", ()),  # at the menu: str.isdigit is true of it, int() refuses it
        # in a scene: a participant trial typed "4" at a step of three and was coached on it
        ("9\nq\n", ("family/birthday-or-group",)),
    ],
)
def test_a_number_that_is_no_choice_is_asked_again(tmp_path, typed, where):
    result = play(tmp_path, typed, *where)
    assert result.returncode == 0
    assert "Please type a number from 1 to" in result.stdout
    assert "I read that as" not in result.stdout
    assert "Traceback" not in result.stderr


def test_python_dash_m_bot_is_the_cli(tmp_path):
    # `python -m bot` is what a newcomer types first; it runs the same CLI as `rehearse`
    done = play(tmp_path, "", module="bot", command="--help")
    assert done.returncode == 0, done.stderr[-800:]
    assert "play" in done.stdout and "Usage" in done.stdout


def test_skills_in_a_scene_shows_the_cards_and_the_same_moment(tmp_path):
    # the coach's answer to "what does DEAR MAN stand for?" points to /skills: it must work here
    result = play(tmp_path, "/skills\nq\n", "friendship/loan-again")
    out = result.stdout
    assert "Refusal steps" in out and "Describe the facts" in out
    assert out.count("I can't lend you money") == 2  # the choices again, after the cards
    assert "I read that as" not in out and "Traceback" not in result.stderr
