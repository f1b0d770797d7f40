"""What a participant or a leader reads, in plain words (issue 21), through the real handlers
offline: feedback that says what the person did before naming the framework, levels that
explain themselves, a short welcome, time zones as people say them, a readable /mydata, and
leader screens whose marks and counts read as sentences."""

from __future__ import annotations

import pytest

from bot.render import feedback_text
from bot.settings import Settings
from migrated import migrated_sqlite
from offline import TOKEN, Chat, offline_app
from scenarios.library import Library
from scenarios.skills import COMPONENTS, FRAMEWORKS, PLAIN, what_you_did
from shipped import shipped_library
from state.engine import Feedback

LIBRARY = shipped_library()


def texts_since(request, start: int) -> list[str]:
    return [str(p.get("text", "")) for p in request.sent()[start:]]


# ---- feedback: everyday words first, the framework as a tag -------------------------------


def test_every_skill_a_choice_can_show_has_everyday_words():
    positive = {k for k, c in COMPONENTS.items() if not c.negative}
    assert positive <= set(PLAIN), sorted(positive - set(PLAIN))
    names = [*FRAMEWORKS.values(), "DEAR MAN", "GIVE", "FAST", "OARS", "HALT"]
    for key, words in PLAIN.items():
        assert not any(n in words for n in names if n != "HALT"), (key, words)
        assert words == words.lower() or "“I”" in words, (key, words)  # completes "You …"


def test_feedback_says_what_was_done_then_tags_the_framework():
    note = Feedback(
        "ask",
        "Could you drive me on Tuesday at nine? It's about an hour.",
        "assertive",
        ("help.ask", "dear-man.assert", "dear-man.describe", "hedge"),
        "What, when and how long, in one breath.",
    )
    text = feedback_text(note, quote=False)
    assert text == (
        "🟢 <b>assertive</b> — What, when and how long, in one breath.\n"
        "✓ You asked for one specific thing, said clearly what you want and stuck to the "
        "facts.\n<i>Asking for help · DEAR MAN</i>"
    )
    assert what_you_did(("hedge", "excuse")) is None  # anti-patterns are never praised


def test_a_note_that_already_says_it_in_those_words_is_not_repeated():
    """The coach's note on a typed reply names the move itself: only the tag is added."""
    note = Feedback(
        "typed",
        "It would mean a lot, and I'd owe you one.",
        "assertive",
        ("dear-man.reinforce",),
        "You said what's in it for them. That's the skill; keep it just as plain.",
    )
    text = feedback_text(note, quote=False)
    assert text.endswith("keep it just as plain.\n<i>DEAR MAN</i>") and "✓" not in text


# ---- levels and heavy topics --------------------------------------------------------------


async def test_the_list_says_what_the_dots_mean_and_the_intro_says_the_level(consented):
    chat, request = consented, consented.request
    await chat.send("/practice")
    await chat.press_button("Family")
    listing = request.texts()[-1]
    assert "The dots show how hard each one is: ●○○ gentle, ●●○ moderate, ●●● hard." in listing
    family = [s for s in LIBRARY.scenarios.values() if s.context == "family"]
    heavy = any((s.intensity or 0) >= 3 for s in family)
    assert ("Heavy topic" in listing) == heavy  # every scenario now has an intensity
    await chat.press_button("●○○ A ride on Tuesday")
    intro = next(t for t in request.texts() if t.startswith("<b>A ride on Tuesday</b>"))
    assert intro.splitlines()[1] == "●○○ Level 1 of 3: gentle"


@pytest.fixture
async def heavy_env(tmp_path):
    """The library with one scenario given the emotional intensity the library issue adds."""
    scenarios = dict(LIBRARY.scenarios)
    sid = "family/said-at-dinner"
    scenarios[sid] = scenarios[sid].model_copy(update={"intensity": 3})
    settings = Settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        typing_pause=0,
        database_url=migrated_sqlite(tmp_path / "bot.db"),
    )
    async with offline_app(settings, Library(scenarios=scenarios)) as env:
        yield env


async def test_heavy_topics_are_marked_where_they_are_chosen(heavy_env):
    app, request, _ = heavy_env
    chat = Chat(app, request)
    await chat.send("/start")
    await chat.press_button("I agree")
    await chat.send("/practice")
    await chat.press_button("Family")
    listing = request.texts()[-1]
    assert "<i>Heavy topic</i>: it may bring up strong feelings." in listing
    assert "●●● <b>Not at the dinner table</b> · <i>heavy topic</i>" in listing
    assert "●●● <b>The birthday on group night</b>\n" in listing  # only the heavy one
    await chat.press_button("●●● Not at the dinner table · heavy")
    intro = next(t for t in request.texts() if t.startswith("<b>Not at the dinner table</b>"))
    assert intro.splitlines()[1] == "●●● Level 3 of 3: hard · heavy topic"


# ---- a short welcome, the details one tap away --------------------------------------------


def visible(html_text: str) -> str:
    """What the phone shows: the text after Telegram parses the HTML."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


async def test_the_welcome_is_short_and_the_details_are_one_tap_away(chat):
    request = chat.request
    await chat.send("/start")
    welcome = visible(request.texts()[-1])
    assert len(welcome) <= 450, len(welcome)  # it was 907 characters
    for must in (
        "rehearse hard conversations",
        "not therapy, and not a crisis service",
        "/safety",
        "Telegram id",
        "what you type only if you allow it",
        "/delete",
    ):
        assert must in welcome, must
    await chat.press_button("What's stored, in full")
    details = visible(request.texts()[-1])
    assert "HIPAA" in details and "group, its leader sees only what the invitation" in details
    # The same choice under the details, without a second "details" button.
    assert [t for t, _ in chat.last_buttons()] == ["I agree", "Not now"]
    await chat.press_button("I agree")
    assert "Thank you" in request.texts()[-2]


async def test_the_details_keep_the_link_that_brought_them(chat):
    """Read the details of a scenario link's welcome, agree: the scenario opens."""
    from bot.deeplinks import scenario_payload

    await chat.send(f"/start {scenario_payload('family/ride-to-session')}")
    await chat.press_button("What's stored, in full")
    await chat.press_button("I agree")
    assert any(t.startswith("<b>A ride on Tuesday</b>") for t in chat.request.texts())


# ---- leader screens -------------------------------------------------------------------------


def test_member_counts_read_as_sentences():
    from bot.features.groups.texts import members_text

    assert members_text(1, all_of=True) == "1 member"
    assert members_text(2, all_of=True) == "both members"
    assert members_text(3, all_of=True) == "all 3 members"
    assert members_text(3) == "3 members"


def test_the_style_marks_on_member_lines_have_their_legend():
    from bot.features.groups.reports import style_legend

    legend = style_legend({"passive", "aggressive", "assertive"})
    assert legend == "Choices by style: 🟢 assertive · 🔵 passive · 🔴 aggressive"


# ---- a dead link is said first ---------------------------------------------------------------


async def test_a_gone_scenario_link_is_said_before_the_welcome(chat):
    from bot.deeplinks import scenario_payload

    await chat.send(f"/start {scenario_payload('family/no-longer-here')}")
    gone, welcome = chat.request.texts()
    assert "isn't available any more" in gone and "Do you agree" in welcome
    assert ("I agree", "consent") in chat.last_buttons()


# ---- /mydata a person can read; after /delete, plain words --------------------------------


async def test_mydata_is_a_readable_summary_with_the_whole_file_beside_it(consented, bot_env):
    from bot import callbacks
    from state.privacy import export_and_summary

    chat, request = consented, consented.request
    await chat.press(callbacks.scenario("family/birthday-or-group"))
    await chat.press_button("Tomorrow is my group night")
    request.clear()
    await chat.send("/mydata")
    [summary] = request.texts()
    shown = visible(summary)
    assert shown.startswith("📄 What this bot knows about you\nYour Telegram id (42)")
    assert "Scenarios started: 1, finished: 0." in shown
    assert "The birthday on group night: started once, not finished yet; last played" in shown
    assert "Your answers, by style:\nassertive    1" in shown
    for internal in ("processed_updates", "dedupe_key", "payload", "turns", "runs", "outbox"):
        assert internal not in summary, internal
    assert "the ids (not the content) of your messages" in shown
    [document] = request.sent("sendDocument")
    assert "each table explained" in document["caption"]
    # the file beside it is complete, its bookkeeping explained rather than hidden
    data, _ = await export_and_summary(bot_env[2], chat.user_id)
    assert data["tables"]["processed_updates"]
    assert data["about_tables"]["processed_updates"].startswith("Bookkeeping only")
    assert set(data["about_tables"]) == set(data["tables"])


async def test_after_delete_progress_and_mydata_say_nothing_is_stored(consented):
    chat, request = consented, consented.request
    await chat.send("/delete")
    await chat.press_button("Yes, erase everything")
    done = request.sent("editMessageText")[-1]["text"]  # the confirmation settles in place
    assert "nothing is stored now. To start over, send /start" in done
    request.clear()
    await chat.send("/progress")
    await chat.send("/mydata")
    progress, mydata = request.texts()
    assert progress.startswith("Nothing is stored about you right now, so there's no progress")
    assert "To start (again), send /start." in progress and "Do you agree" not in progress
    assert mydata.startswith("Nothing is stored about you right now, not even your Telegram id")
    assert not request.sent("sendDocument")


def test_the_summary_names_each_kind_of_data_in_sentences():
    from bot.features.privacy import mydata_text
    from state.privacy import summarise_export

    tables = {
        "users": [{"id": 7, "created_at": "2026-11-30T10:00:00", "consented_at": "2026-11-30"}],
        "safety_events": [{"category": "suicide", "created_at": "2026-12-01T22:00:00"}],
        "safety_plans": [{"answers": {"warning-signs": "x", "coping": "y", "people": ""}}],
        "checkin_settings": [
            {"local_time": "09:00:00", "timezone": "America/Chicago", "active": True}
        ],  # fmt: skip
        "checkins": [{"step": "done", "note": "ok"}, {"step": "done"}, {"step": "mood"}],
        "memberships": [{"group_id": 3, "joined_at": "2026-12-01", "alert_leader": True}],
        "outbox": [{"status": "queued", "dedupe_key": "checkin:7:20261202"}],
        "processed_updates": [{"update_id": 1}],
    }
    text = visible(mydata_text(summarise_export(tables, 7, {3: "Tuesday group"}), str))
    assert "you agreed to the terms on Nov 30, 2026." in text
    assert "crisis resources once (Dec 1, 2026)" in text and "never your words" in text
    assert "2 steps in your own words: /safetyplan" in text
    assert "Every day at 9:00 am, Central Time (on).\n2 check-ins saved, 1 with a note." in text
    assert "• Tuesday group, joined Dec 1, 2026: transcripts not shared, crisis alerts on" in text
    assert "1 message is waiting to be sent to you" in text
    assert "dedupe_key" not in text and "processed" not in text


# ---- time zones as people say them ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone", "label"),
    [
        ("Kathmandu", "Asia/Kathmandu", "Kathmandu, Nepal"),
        ("eastern", "America/New_York", "Eastern Time"),
        ("EST", "America/New_York", "Eastern Time"),  # New York's clock, even in July
        ("pacific time", "America/Los_Angeles", "Pacific Time"),
        ("Texas", "America/Chicago", "Texas (Central Time)"),
        ("El Paso", "America/Denver", "El Paso, Texas"),  # the state's exception, by its city
        ("Portland", "America/Los_Angeles", "Portland, Oregon"),
        ("Portland, Maine", "America/New_York", "Portland, Maine"),
        ("portland me", "America/New_York", "Portland, Maine"),
        ("NYC", "America/New_York", "New York City, New York"),
        ("St. Petersburg", "Europe/Moscow", "Saint Petersburg, Russia"),
        ("Sao Paulo", "America/Sao_Paulo", "São Paulo, Brazil"),
        ("Nepal", "Asia/Kathmandu", "Nepal"),
        ("Germany", "Europe/Berlin", "Germany"),  # two tz names, one clock
        ("Asia/Kathmandu", "Asia/Kathmandu", "Kathmandu time"),
        ("UTC+5:45", "UTC+05:45", "UTC+05:45"),
    ],
)
def test_a_place_as_people_type_it_gives_its_zone(typed, zone, label):
    from state.places import Place, resolve

    assert resolve(typed) == Place(zone, label)


def test_a_country_with_several_zones_asks_for_a_city():
    from state.places import needs_city, resolve

    assert resolve("Brazil") is None and needs_city("Brazil") == "Brazil"
    assert resolve("USA") is None and needs_city("USA") == "United States"
    assert resolve("Mars/Olympus") is None and needs_city("Mars/Olympus") is None


def test_zones_are_said_back_in_words():
    from datetime import UTC, datetime

    from state.places import local_now, zone_label

    assert zone_label("America/Toronto") == "Eastern Time"  # the same clock, its usual name
    assert zone_label("America/Indiana/Indianapolis") == "Eastern Time"
    assert zone_label("America/Bogota") == "Bogota time"  # no daylight saving: not Eastern
    when = datetime(2026, 12, 1, 16, 57, tzinfo=UTC)
    assert local_now("Asia/Kathmandu", when) == "10:42 pm on Tuesday"


def kathmandu() -> dict:
    return {"location": {"latitude": 27.7172, "longitude": 85.3240}}


async def test_setup_offers_us_zones_and_a_location_button_then_says_the_time_back(
    consented, bot_env
):
    from sqlalchemy import select

    from state.db.checkins import CheckinSettings

    chat, request = consented, consented.request
    await chat.send("/checkin")
    await chat.press_button("Set up daily check-ins")
    question, share = request.sent()[-2:]
    assert [t for t, _ in chat.last_buttons()][:5] == [
        "Eastern",
        "Central",
        "Mountain",
        "Arizona",
        "Pacific",
    ]
    assert "type where you are: a city, a state or a country" in question["text"]
    share_button = share["reply_markup"]["keyboard"][0][0]
    assert share_button == {"text": "📍 Share my location", "request_location": True}
    assert "Only the time zone is kept, never where you are." in share["text"]

    await chat.send(None, **kathmandu())
    said, ask = request.sent()[-2:]
    assert said["text"].startswith("🕒 <b>Kathmandu time</b>: it's ")
    assert said["text"].endswith(" there now.")
    assert said["reply_markup"] == {"remove_keyboard": True}  # the location button goes
    assert "What time should the check-in come?" in ask["text"]
    assert [t for t, _ in chat.last_buttons()][:3] == ["8 am", "9 am", "noon"]
    async with bot_env[2].transaction(None) as uow:
        row = await uow.session.scalar(select(CheckinSettings))
    assert row.timezone == "Asia/Kathmandu"

    # wrong? one tap back to the zone question
    await chat.press_button("Change time zone")
    assert "Which time zone are you in?" in request.texts()[-2]
    await chat.send("Brazil")
    assert "Brazil has more than one time zone: which city" in request.texts()[-1]
    await chat.send("Chicago")
    assert request.texts()[-2].startswith("🕒 <b>Chicago, Illinois (Central Time)</b>: it's ")


async def test_a_location_sent_at_another_moment_is_not_taken_for_a_zone(consented):
    await consented.send(None, **kathmandu())
    assert "I can only read text and buttons" in consented.request.texts()[-1]
