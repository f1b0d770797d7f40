"""Daily check-ins: /checkin (set up, check in now, pause, stop), the button flow, the due job.

Handlers are thin: each parses its button or text, calls the check-ins service
(`services.checkins`, state/checkins/service.py: one transaction per action), renders what it
returns and sends. Every button has its own handler, routed by pattern (`ROUTES`, through
bot/routes.py). The schedule rules live in state/schedule.py. Everything about a check-in in
progress is in the database, so a restart, a second worker or a redelivered update changes
nothing.

The due job runs every CHECKIN_INTERVAL_SECONDS (default 30; a hidden setting tests use) and
only queues messages in the outbox; the outbox sender (bot/outbox_sender.py) delivers them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from datetime import UTC, date, datetime, time
from html import escape

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import callbacks
from bot.consent import require_consent
from bot.features import checkin_messages
from bot.features.safety import ask_keyboard_for, send_card, send_own_plan
from bot.logs import error_summary
from bot.outbox_sender import install, notify
from bot.render import Outgoing
from bot.replies import EXPIRED, answer, reply
from bot.routes import ActionCallback, pressed, private_action
from bot.services import services
from state import checkins as core
from state.checkin_items import (
    DEFAULT_PROGRAM,
    ITEMS,
    MEDS,
    PRACTICE,
    SLEEP_MAX,
    Program,
)
from state.groups import GroupRecord
from state.places import Place, clock, from_location, local_now, needs_city, resolve, zone_label
from state.safety import crisis_card, resources_for
from state.schedule import Rule, local_today, parse_time, zone

log = logging.getLogger(__name__)

COMMANDS = [BotCommand("checkin", "Daily check-in: set up, pause or stop")]
STEP_ACTIONS = {
    "ci": "mood",
    "ciemo": "emotion",
    "ciurge": "urge",
    "ciact": "acted",
    "cihalt": "halt",
    "ciskill": "skills",
    "cinote": "note",
    "cish": "self_harm",
    "cisui": "suicidal",
    "ciquit": "quit",
    "cimeds": "meds",
    "cisleep": "sleep",
    "cirate": "skill_rating",
    "cipract": "practice",
}
STEP_ACTION = {step: action for action, step in STEP_ACTIONS.items()}
SETUP_ACTIONS = ("cisetup", "cizone", "citime", "ciquiet", "cirec", "cishr")

# The US zones first, by the names people use; anywhere else is typed (a city, a state, a
# country) or shared as a location. Keys, not names, in the buttons: stable and short.
ZONE_BUTTONS: dict[str, tuple[str, str]] = {
    "et": ("Eastern", "America/New_York"),
    "ct": ("Central", "America/Chicago"),
    "mt": ("Mountain", "America/Denver"),
    "az": ("Arizona", "America/Phoenix"),
    "pt": ("Pacific", "America/Los_Angeles"),
    "ak": ("Alaska", "America/Anchorage"),
    "hi": ("Hawaii", "Pacific/Honolulu"),
}
TIMES = ("0800", "0900", "1200", "1800", "2000", "2100")
QUIET = ("2200-0700", "2300-0800", "2100-0900")
INTRO = (
    "<b>Daily check-in</b>\n"
    "A one-minute diary card once a day, at a time you choose: your mood and feelings, urges, "
    "sleep, medication, HALT (hungry, angry, lonely, tired), the skills you used, and a note "
    "if you like. A tap per question, and you can hide any that don't apply to you. It never "
    "arrives in your quiet hours, and you can pause or stop it any time. /week shows your "
    "card, /progress a chart of the last two weeks."
)
LEVEL_QUESTIONS = {
    "urge": "How strong was any urge to use today, at its peak? 0 is none, 5 is very strong.",
    "self_harm": "Any urge to hurt yourself today, at its strongest? 0 is none, 5 is very strong.",
    "suicidal": "Any thoughts of suicide today, at their strongest? 0 is none, 5 is very strong.",
    "quit": ("Any urge today to skip group or quit treatment? 0 is none, 5 is very strong."),
}
SKILL_SCALE = (
    "How did using skills go today overall? (DBT's 0-7)\n"
    "0 didn't think of them · 1 thought of them, didn't want to · 2 wanted to, didn't · "
    "3 tried, couldn't · 4 tried, they didn't help · 5 tried, they helped · "
    "6 used them without trying, didn't help · 7 used them without trying, they helped"
)
SAFETY_ASK = (
    "Thank you for telling me. I want to ask directly, because it matters: are you thinking "
    "about ending your life or hurting yourself right now?"
)
ZONE_HELP = (
    "Which time zone are you in? Tap yours, or type where you are: a city, a state or a "
    "country, like <i>Kathmandu</i>, <i>Texas</i> or <i>Berlin</i>."
)
LOCATION_HELP = (
    "Or share your location with the button below. Only the time zone is kept, never where you are."
)
TIME_HELP = (
    "What time should the check-in come? Tap one, or type a time like <i>7:30 pm</i>. "
    "If the time above isn't yours now, tap <i>Change time zone</i>."
)
ZONE_NOT_FOUND = (
    "I couldn't find that place. Try the nearest big city, your state or your country, or tap "
    "your time zone above."
)
TIME_HELP = "What time should the check-in come? Tap one, or type a time like <code>19:30</code>."
SHARING_HELP = (
    "Whether a group leader sees your check-ins is up to you, group by group: /mygroups. "
    "They see figures pooled with at least two others who share, never yours alone, and a "
    "note only if you share that note."
)
NOBODY_TO_SHARE_WITH = (
    "You don't share your check-ins with any group's leader, so nobody would see this note. "
    "If you'd like one to, turn on check-in sharing for that group in /mygroups first."
)


def interval_seconds() -> float:
    try:
        return max(0.5, float(os.environ.get("CHECKIN_INTERVAL_SECONDS", "30")))
    except ValueError:
        return 30.0


def _button(text: str, action: str, arg: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.action(action, arg))


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# ---- the questions -----------------------------------------------------------------------


def emotion_keyboard(
    record: core.CheckinRecord, program: Program, rating: str | None = None
) -> InlineKeyboardMarkup:
    """The feelings, each with the peak it was given; or, for `rating`, its 0-5 row."""
    d = core.ymd(record.local_date)
    if rating is not None:
        row = [_button(str(n), "ciemo", f"{d}-{rating}-{n}") for n in range(6)]
        return InlineKeyboardMarkup([row, [_button("Back", "ciemo", f"{d}-pick-")]])
    buttons = []
    for key in program.emotions:
        level = record.emotions.get(key)
        label = core.EMOTIONS[key] + (f" {level}" if level is not None else "")
        buttons.append(
            _button(("✓ " if level is not None else "") + label, "ciemo", f"{d}-pick-{key}")
        )
    rows = _rows(buttons, 3)
    rows.append([_button("Done" if record.emotions else "Skip", "ciemo", f"{d}-done")])
    return InlineKeyboardMarkup(rows)


def question(
    step: str,
    record: core.CheckinRecord,
    options: tuple[str, ...],
    program: Program = DEFAULT_PROGRAM,
    practice: str | None = None,
) -> Outgoing:
    """The message asking `step` of this check-in (multi-selects show their picks)."""
    d = core.ymd(record.local_date)
    if step == "mood":
        text, markup = checkin_messages.checkin(
            record.local_date, snoozed=True, mood="mood" in program.items
        )
        return Outgoing(text, markup)
    if step == "emotion":
        return Outgoing(
            "Which feelings were strong today? Tap one to rate it at its peak (0-5), as many "
            "as you like, then Done.",
            emotion_keyboard(record, program),
        )
    if step in LEVEL_QUESTIONS:
        action = STEP_ACTION[step]
        buttons = [_button(str(n), action, f"{d}-{n}") for n in range(6)]
        return Outgoing(LEVEL_QUESTIONS[step], InlineKeyboardMarkup(_rows(buttons, 6)))
    if step == "meds":
        buttons = [_button(label, "cimeds", f"{d}-{key}") for key, label in MEDS.items()]
        return Outgoing(
            "Did you take your medication as prescribed today?", InlineKeyboardMarkup([buttons])
        )
    if step == "sleep":
        buttons = [
            _button(f"{n}+" if n == SLEEP_MAX else str(n), "cisleep", f"{d}-{n}")
            for n in range(SLEEP_MAX + 1)
        ]
        return Outgoing(
            "How many hours did you sleep last night?", InlineKeyboardMarkup(_rows(buttons, 5))
        )
    if step == "skill_rating":
        buttons = [_button(str(n), "cirate", f"{d}-{n}") for n in range(8)]
        return Outgoing(SKILL_SCALE, InlineKeyboardMarkup(_rows(buttons, 8)))
    if step == "practice":
        buttons = [_button(label, "cipract", f"{d}-{key}") for key, label in PRACTICE.items()]
        said = f"\n<i>{escape(practice)}</i>" if practice else ""
        return Outgoing(
            f"Did you try the practice from your last scenario?{said}",
            InlineKeyboardMarkup([buttons]),
        )
    if step == "acted":
        return Outgoing(
            "Did you act on it? Whatever the answer, checking in is what counts.",
            InlineKeyboardMarkup(
                [[_button("No", "ciact", f"{d}-n"), _button("Yes", "ciact", f"{d}-y")]]
            ),
        )
    if step in ("halt", "skills"):
        labels = core.HALT if step == "halt" else dict(program.skills)
        action = "cihalt" if step == "halt" else "ciskill"
        picked = set(record.pending)
        buttons = [
            _button(("✓ " if key in picked else "") + label, action, f"{d}-{key}")
            for key, label in labels.items()
        ]
        rows = _rows(buttons, 2)
        done = "Done" if picked else ("None of these" if step == "halt" else "None today")
        rows.append([_button(done, action, f"{d}-done")])
        text = (
            "HALT: are you any of these right now? Tap all that apply, then Done."
            if step == "halt"
            else "Which skills did you use in real life today? Tap all that apply, then Done."
        )
        return Outgoing(text, InlineKeyboardMarkup(rows))
    if step == "note":
        return Outgoing(
            "Anything you'd like to note about today? Type a sentence, or tap Skip.\n"
            "<i>Only you see it, unless you choose to share it with your group leader.</i>",
            InlineKeyboardMarkup([[_button("Skip", "cinote", f"{d}-skip")]]),
        )
    return Outgoing("✅ Check-in saved.")


async def _finished(
    update: Update, context: ContextTypes.DEFAULT_TYPE, result: core.Answer
) -> None:
    """The saved message: an answer that fits the answers (state/checkin_replies.py)."""
    record, closing = result.checkin, result.closing
    assert record is not None
    rows = []
    if closing is not None and closing.offer_practice:
        scenario = services(context).library.get(closing.offer_practice)
        if scenario is not None:
            rows.append(
                [
                    InlineKeyboardButton(
                        f"Practice: {scenario.title}"[:60],
                        callback_data=callbacks.scenario(scenario.id),
                    )
                ]
            )
    if closing is not None and closing.offer_week:
        rows.append([_button("My week's card", "wkshow")])
    if record.note:
        # Offered only where a leader would see it: groups the member shares check-ins with.
        groups = result.note_groups
        if groups:
            who = groups[0].leader_name if len(groups) == 1 else "my group leaders"
            label = f"Share this note with {who}"
            rows.append([_button(label[:60], "cishare", core.ymd(record.local_date))])
    text = "\n\n".join(closing.paragraphs) if closing else "✅ <b>Check-in saved.</b>"
    await reply(update, context, [Outgoing(text, InlineKeyboardMarkup(rows) if rows else None)])


def _audience(groups: tuple[GroupRecord, ...]) -> str:
    return ", ".join(f"{escape(g.leader_name)} ({escape(g.name)})" for g in groups)


# ---- /checkin ----------------------------------------------------------------------------


def _menu(settings: core.SettingsRecord | None, now: datetime) -> Outgoing:
    if settings is None or not settings.configured or settings.rule is None:
        keyboard = InlineKeyboardMarkup(
            [[_button("Set up daily check-ins", "cisetup")], [_button("Check in now", "cinow")]]
        )
        return Outgoing(INTRO, keyboard)
    rule: Rule = settings.rule
    lines = ["<b>Daily check-in</b>", f"Every day at {escape(when_text(rule))}."]
    rows = [[_button("Check in now", "cinow")]]
    paused = settings.paused_until is not None and settings.paused_until > now
    if not settings.active:
        lines.append("Stopped: no check-ins are sent.")
        rows.append([_button("Turn back on", "ciresume")])
    else:
        if paused:
            assert settings.paused_until is not None
            until = settings.paused_until.astimezone(zone(rule.zone))
            lines.append(f"Paused until {moment_text(until)}.")
            rows.append([_button("Resume now", "ciresume")])
        else:
            rows.append(
                [_button("Pause 1 day", "cipause", "1"), _button("Pause 7 days", "cipause", "7")]
            )
        if settings.next_due_at is not None:
            nxt = settings.next_due_at.astimezone(zone(rule.zone))
            lines.append(f"Next: {moment_text(nxt)}.")
        rows.append([_button("Stop check-ins", "cistop")])
    lines.append(
        "Urge questions: " + ("on" if settings.recovery_track else "off")
        + " · Weekly summary: " + ("on" if settings.weekly_summary else "off")
    )  # fmt: skip
    lines.append(SHARING_HELP)
    rows.append(
        [
            _button("Weekly summary: " + ("turn off" if settings.weekly_summary else "turn on"),
                    "ciweek", "off" if settings.weekly_summary else "on"),
        ]
    )  # fmt: skip
    rows.append([_button("Choose my questions", "ciitems")])
    rows.append([_button("Change time, zone or questions", "cisetup")])
    return Outgoing("\n".join(lines), InlineKeyboardMarkup(rows))


def items_menu(settings: core.SettingsRecord | None, program: Program) -> Outgoing:
    """The program's items, each to hide or show again (the mood opens every check-in)."""
    hidden = set(settings.hidden_items if settings else ())
    rows = [
        [
            _button(
                ("🚫 " if item in hidden else "✓ ") + ITEMS[item],
                "cihide",
                f"{item}-{'off' if item not in hidden else 'on'}",
            )
        ]
        for item in program.items
        if item != "mood"
    ]
    return Outgoing(
        "<b>Your check-in questions</b>\nTap one to hide it, if it doesn't apply to you, or "
        "to bring it back. ✓ asked · 🚫 hidden. Urge questions also depend on the recovery "
        "question in the setup.",
        InlineKeyboardMarkup(_rows([b for r in rows for b in r], 2)),
    )


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or not await require_consent(update, context):
        return
    settings = await services(context).checkins.settings(user.id)
    await reply(update, context, [_menu(settings, datetime.now(UTC))])


def _short(hhmm: str) -> str:
    """ "2200" -> "10 pm", "0730" -> "7:30 am"."""
    if hhmm == "1200":
        return "noon"
    text = clock(int(hhmm[:2]), int(hhmm[2:]))
    return text.replace(":00 ", " ")


def when_text(rule: Rule) -> str:
    """ "9:00 am, Eastern Time, quiet hours 10 pm–7 am": the schedule as people say it."""
    text = f"{clock(rule.local_time.hour, rule.local_time.minute)}, {zone_label(rule.zone)}"
    if rule.quiet_start is not None and rule.quiet_end is not None:
        start, end = (f"{t:%H%M}" for t in (rule.quiet_start, rule.quiet_end))
        text += f", quiet hours {_short(start)}–{_short(end)}"
    return text


def moment_text(moment: datetime) -> str:
    """ "Wednesday, Dec 3 at 9:00 am" (already in the participant's zone)."""
    return f"{moment:%A}, {moment:%b} {moment.day} at {clock(moment.hour, moment.minute)}"


def _setup_question(step: str) -> list[Outgoing]:
    if step == "zone":
        buttons = [_button(label, "cizone", k) for k, (label, _) in ZONE_BUTTONS.items()]
        share = ReplyKeyboardMarkup(
            [[KeyboardButton("📍 Share my location", request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
            input_field_placeholder="A city, state or country",
        )
        return [
            Outgoing(ZONE_HELP, InlineKeyboardMarkup(_rows(buttons, 2))),
            Outgoing(LOCATION_HELP, share),
        ]
    if step == "time":
        buttons = [_button(_short(t), "citime", t) for t in TIMES]
        rows = [*_rows(buttons, 3), [_button("Change time zone", "cisetup")]]
        return [Outgoing(TIME_HELP, InlineKeyboardMarkup(rows))]
    if step == "quiet":
        buttons = [_button(f"{_short(q[:4])}–{_short(q[5:])}", "ciquiet", q) for q in QUIET]
        rows = [*_rows(buttons, 2), [_button("No quiet hours", "ciquiet", "none")]]
        return [
            Outgoing(
                "Quiet hours: when should I never message you? A check-in that falls in them "
                "waits until they end.",
                InlineKeyboardMarkup(rows),
            )
        ]
    return [
        Outgoing(
            "Would you like to track urges to use? (For people in recovery: two extra taps, "
            "how strong any urge was and whether you acted on it.)",
            InlineKeyboardMarkup([[_button("Yes", "cirec", "y"), _button("No", "cirec", "n")]]),
        )
    ]


def _setup_value(action: str, arg: str | None):
    """The setup answer a button carries, or raises ValueError for anything we did not make."""
    if action == "cizone":
        if arg not in ZONE_BUTTONS:  # an older keyboard's numbered zones too: expired
            raise ValueError(arg)
        return "zone", ZONE_BUTTONS[arg][1]
    if action == "citime":
        if arg not in TIMES:
            raise ValueError(arg)
        return "time", time(int(arg[:2]), int(arg[2:]))
    if action == "ciquiet":
        if arg == "none":
            return "quiet", None
        if arg not in QUIET:
            raise ValueError(arg)
        return "quiet", (time(int(arg[:2]), int(arg[2:4])), time(int(arg[5:7]), int(arg[7:])))
    if action in ("cirec", "cishr") and arg in ("y", "n"):  # cishr: the old sharing question
        return ("recovery" if action == "cirec" else "share"), arg == "y"
    raise ValueError(arg)


def zone_said_back(place: Place, now: datetime) -> Outgoing:
    """The zone and its time now, to check against the clock on the wall; it also takes the
    location button away."""
    where = escape(place.label)
    if place.label != zone_label(place.zone) and not place.label.endswith(")"):
        where += f" ({escape(zone_label(place.zone))})"
    return Outgoing(
        f"🕒 <b>{where}</b>: it's {local_now(place.zone, now)} there now.",
        ReplyKeyboardRemove(),
    )


async def _apply_setup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, step: str, value, place: Place | None = None
) -> bool:
    user = update.effective_user
    assert user is not None
    now = datetime.now(UTC)
    settings = await services(context).checkins.setup_answer(user.id, step, value, now)
    if settings is None:
        return False
    said = [zone_said_back(place, now)] if place is not None else []
    if settings.setup_step is not None:
        await reply(update, context, [*said, *_setup_question(settings.setup_step)])
        return True
    rule = settings.rule
    assert rule is not None and settings.next_due_at is not None
    nxt = settings.next_due_at.astimezone(zone(rule.zone))
    when = "today" if nxt.date() == local_today(rule.zone, now) else f"{nxt:%A}"
    await reply(
        update,
        context,
        [
            Outgoing(
                f"All set: a check-in every day at {escape(when_text(rule))}.\n"
                f"The first one comes {when} at {clock(nxt.hour, nxt.minute)}. "
                "/checkin to pause, stop or change it."
            )
        ],
    )
    return True


# ---- buttons -----------------------------------------------------------------------------
# Each handler gets one action's presses (routed by `register`, through bot/routes.py, which
# has already checked the chat and the consent); an argument it can't read raises ValueError,
# answered "expired".


def _split(arg: str | None) -> tuple[date, str | None]:
    """`<yyyymmdd>[-value]` → (date, value); ValueError for anything else."""
    if not arg:
        raise ValueError("no argument")
    head, _, value = arg.partition("-")
    day = core.parse_ymd(head)
    if day is None:
        raise ValueError(head)
    return day, value or None


async def on_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """A button of the check-in's questions (`ci:<yyyymmdd>-<value>`, `ciurge:…`, …)."""
    query, user_id = pressed(update)
    step = STEP_ACTIONS[data.action]
    day, value = _split(data.arg)
    if value is None:
        raise ValueError(data.arg)
    svc = services(context)
    program = svc.checkin_program
    if step == "emotion" and value.startswith("pick-"):
        await _rate_emotion(update, context, day, value.removeprefix("pick-"))
        return
    result = await svc.checkins.answer(user_id, day, step, value, datetime.now(UTC))
    if result.status == "invalid":
        await answer(query, EXPIRED)
        return
    if result.status == "expired":
        await answer(query, "That check-in has passed. /checkin lets you check in now.")
        return
    record = result.checkin
    assert record is not None
    if result.status == "already":
        if record.done:
            await answer(query, "Already saved. Thank you!")
            return
        await answer(query, "Already saved; here's where you were.")
        await reply(update, context, [_next(record, result, program)])
        return
    await answer(query)
    if record.step == step:  # a multi-select toggle or a feeling rated: redraw in place
        markup = _next(record, result, program).keyboard
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(reply_markup=markup)
        return
    await _mark_chosen(update)
    if result.safety:  # thoughts of suicide or self-harm urges at 3+: ask directly first
        await _ask_safety(update, context, record, step)
    elif record.done:
        await _finished(update, context, result)
    else:
        await reply(update, context, [_next(record, result, program)])


def _next(record: core.CheckinRecord, result: core.Answer, program: Program) -> Outgoing:
    return question(record.step, record, result.skill_options, program, result.practice_text)


async def _rate_emotion(
    update: Update, context: ContextTypes.DEFAULT_TYPE, day: date, key: str
) -> None:
    """A feeling tapped: its 0-5 row in place of the list (nothing is stored until rated);
    an empty key goes back to the list."""
    (query, user_id), svc = pressed(update), services(context)
    program = svc.checkin_program
    if key and key not in program.emotions:
        raise ValueError(key)
    result = await svc.checkins.current(user_id, day, datetime.now(UTC))
    record = result.checkin
    if record is None or record.step != "emotion":
        await answer(query, EXPIRED)
        return
    await answer(query)
    markup = emotion_keyboard(record, program, key or None)
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup)


async def _ask_safety(
    update: Update, context: ContextTypes.DEFAULT_TYPE, record: core.CheckinRecord, step: str
) -> None:
    """The safety flow for a high-risk answer: the direct question, whose Yes brings the card
    and the plan (and the leader alert, where the participant opted in); the check-in waits."""
    category = "self-harm" if step == "self_harm" else "suicide"
    keyboard = ask_keyboard_for(
        category, ("Not right now, go on", callbacks.action("cicont", core.ymd(record.local_date)))
    )
    await reply(update, context, [Outgoing(escape(SAFETY_ASK), keyboard)])


async def _mark_chosen(update: Update) -> None:
    """Take the buttons off the answered question and show what was chosen."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or message is None or not getattr(message, "text", None):
        return
    chosen = [
        b.text
        for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
        for b in row
        if b.callback_data == query.data or b.text.startswith("✓ ")
    ]
    text = message.text_html + (f"\n➜ <i>{escape(', '.join(chosen))}</i>" if chosen else "")
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text[:4096], parse_mode=ParseMode.HTML, reply_markup=None)


async def on_setup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """A setup button: begin (`cisetup`), or answer the zone, time, quiet hours or recovery."""
    query, user_id = pressed(update)
    if data.action == "cisetup":
        await answer(query)
        await services(context).checkins.start_setup(user_id, datetime.now(UTC))
        await reply(update, context, _setup_question("zone"))
        return
    step, value = _setup_value(data.action, data.arg)
    place = Place(value, zone_label(value)) if step == "zone" else None
    if await _apply_setup(update, context, step, value, place):
        await answer(query)
        await _mark_chosen(update)
    else:
        await answer(query, "That question has been answered already. /checkin to change it.")


async def on_snooze(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "In an hour" on a queued check-in."""
    query, user_id = pressed(update)
    day, _ = _split(data.arg)
    snoozed = await services(context).checkins.snooze(user_id, day, datetime.now(UTC))
    if snoozed.status != "ok":
        await answer(
            query,
            "Already snoozed or answered."
            if snoozed.status == "already"
            else "That check-in has passed.",
        )
        return
    await answer(query, "I'll ask again in an hour.")
    await _mark_chosen(update)


async def on_share(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Share the day's note with the leaders who see this member's check-ins."""
    query, user_id = pressed(update)
    day, _ = _split(data.arg)
    shared = await services(context).checkins.share_note(user_id, day)
    if shared.status == "expired":
        await answer(query, EXPIRED)
    elif shared.status == "nobody":
        await answer(query)
        await reply(update, context, [Outgoing(NOBODY_TO_SHARE_WITH)])
    else:
        await answer(query, "Shared.")
        await reply(
            update,
            context,
            [
                Outgoing(
                    f"Your note from {day:%A %d %B} is shared with {_audience(shared.groups)}: "
                    "they see it, with your name, under /group."
                )
            ],
        )


async def _menu_again(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    settings: core.SettingsRecord | None,
    now: datetime,
    toast: str | None,
) -> None:
    """A setting changed from the menu: the toast, and the menu as it is now."""
    await answer(pressed(update)[0], toast)
    await reply(update, context, [_menu(settings, now)])


async def on_pause(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    if data.arg not in ("1", "7"):
        raise ValueError(data.arg)
    now = datetime.now(UTC)
    settings = await services(context).checkins.pause(pressed(update)[1], int(data.arg), now)
    await _menu_again(update, context, settings, now, "Paused." if settings else None)


async def on_resume(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    now = datetime.now(UTC)
    settings = await services(context).checkins.resume(pressed(update)[1], now)
    await _menu_again(update, context, settings, now, "Check-ins are on." if settings else None)


async def on_stop(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    query, user_id = pressed(update)
    result = await services(context).checkins.stop(user_id)
    await answer(query, "Stopped." if result.stopped else None)
    await reply(
        update,
        context,
        [
            Outgoing(
                "Check-ins are stopped; nothing more will be sent. Your past answers are "
                "kept (/delete erases them). /checkin turns them back on."
            ),
        ],
    )


async def on_items(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Which questions I see: the menu of items to hide or show."""
    (query, user_id), svc = pressed(update), services(context)
    await answer(query)
    settings = await svc.checkins.settings(user_id)
    await reply(update, context, [items_menu(settings, svc.checkin_program)])


async def on_hide(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """`cihide:<item>-off` hides an item, `-on` asks it again; the menu is redrawn in place."""
    (query, user_id), svc = pressed(update), services(context)
    item, _, turn = (data.arg or "").rpartition("-")
    if turn not in ("on", "off"):
        raise ValueError(data.arg)
    settings = await svc.checkins.hide_item(user_id, item, turn == "off")
    if settings is None:
        raise ValueError(data.arg)
    await answer(query, "Hidden." if turn == "off" else "Asked again.")
    markup = items_menu(settings, svc.checkin_program).keyboard
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=markup)


async def on_continue(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """Back to the check-in where it waits (after the safety question)."""
    day, _ = _split(data.arg)
    (query, user_id), svc = pressed(update), services(context)
    await answer(query)
    await _mark_chosen(update)
    result = await svc.checkins.current(user_id, day, datetime.now(UTC))
    record = result.checkin
    if record is None or record.done:
        await reply(update, context, [Outgoing("Thank you. /safety is here any time.")])
        return
    await reply(update, context, [_next(record, result, svc.checkin_program)])


FOLLOWUP_OK = (
    "I'm glad to hear it. Your safety plan and the lines stay one tap away: /safety. "
    "Today's check-in comes as usual."
)
FOLLOWUP_HARD = (
    "Thank you for telling me. You don't have to carry this alone today. Here are people you "
    "can reach right now, and your plan."
)


async def on_followup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """The day after a crisis: okay, or still struggling (the lines and the plan, and the same
    question again tomorrow)."""
    _, value = _split(data.arg)
    if value not in ("ok", "hard"):
        raise ValueError(data.arg)
    struggling = value == "hard"
    (query, user_id), svc = pressed(update), services(context)
    await answer(query)
    await _mark_chosen(update)
    await svc.checkins.followup_answer(user_id, struggling, datetime.now(UTC))
    if not struggling:
        await reply(update, context, [Outgoing(FOLLOWUP_OK)])
        return
    await reply(update, context, [Outgoing(FOLLOWUP_HARD)])
    card = crisis_card(resources_for(svc.resources, "suicide"), opening="You're not alone.")
    await send_card(update, context, card)
    await send_own_plan(update, context, user_id)


async def on_old_sharing(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """The old one-for-all sharing switch, on a menu from before: where sharing is now."""
    await answer(pressed(update)[0])
    await reply(update, context, [Outgoing(SHARING_HELP)])


async def on_weekly(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """`ciweek:on|off`: the Sunday summary."""
    if data.arg not in ("on", "off"):
        raise ValueError(data.arg)
    now = datetime.now(UTC)
    on = data.arg == "on"
    settings = await services(context).checkins.set_option(pressed(update)[1], "weekly_summary", on)
    await _menu_again(update, context, settings, now, "Saved.")


async def on_now(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """ "Check in now": today's check-in from its first question, or where it waits."""
    await _check_in_now(update, context)


async def _check_in_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.callback_query, services(context)
    program = svc.checkin_program
    user = update.effective_user
    assert user is not None
    today = await svc.checkins.today(user.id, datetime.now(UTC))
    if query is not None:
        await answer(query)
    result = today.answer
    record = result.checkin
    if record is None:
        text, markup = checkin_messages.checkin(
            today.day, snoozed=True, mood="mood" in program.items
        )
        await reply(update, context, [Outgoing(text, markup)])
    elif record.done:
        await reply(
            update,
            context,
            [Outgoing("You've checked in today already. /progress shows how it's going.")],
        )
    else:
        await reply(update, context, [_next(record, result, program)])


# ---- typed answers -----------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    """A typed time zone, time or note, when one was just asked for (crisis check already ran)."""
    user = update.effective_user
    if user is None:
        return False
    svc, now = services(context), datetime.now(UTC)
    settings = await svc.checkins.settings(user.id)  # a read: most typed text isn't for us
    awaiting = settings.awaiting_now(now) if settings else None
    if awaiting is None:
        return False
    if awaiting == "zone":
        place = resolve(text)
        if place is None:
            country = needs_city(text)
            said = (
                f"{escape(country)} has more than one time zone: which city are you in, or "
                "near? Or share your location with the button below."
                if country
                else ZONE_NOT_FOUND
            )
            await reply(update, context, [Outgoing(said)])
            return True
        return await _apply_setup(update, context, "zone", place.zone, place)
    if awaiting == "time":
        at = parse_time(text)
        if at is None:
            await reply(update, context, [Outgoing("I couldn't read that as a time. " + TIME_HELP)])
            return True
        return await _apply_setup(update, context, "time", at)
    if awaiting.startswith("note:"):
        result = await svc.checkins.save_note(user.id, text, now)
        if result.status != "ok" or result.checkin is None:
            return False
        if result.checkin.done:
            await _finished(update, context, result)
        else:
            await reply(update, context, [_next(result.checkin, result, svc.checkin_program)])
        return True
    return False


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A shared location while the time zone is asked: its zone (never the place) is kept.
    Anywhere else a location is answered as any other attachment is."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.location is None:
        return
    if not await require_consent(update, context):
        return
    now = datetime.now(UTC)
    settings = await services(context).checkins.settings(user.id)
    if settings is None or settings.awaiting_now(now) != "zone":
        from bot.pipeline import catchalls

        await catchalls.not_text(update, context)
        return
    spot = message.location
    # The first lookup loads the boundaries (~0.25 s): off the event loop.
    place = await asyncio.to_thread(from_location, spot.latitude, spot.longitude)
    if place is None:
        await reply(update, context, [Outgoing(ZONE_NOT_FOUND)])
        return
    await _apply_setup(update, context, "zone", place.zone, place)


# ---- the due job -------------------------------------------------------------------------


async def due_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue every check-in that has come due (the outbox sender delivers them)."""
    try:
        result = await services(context).checkins.run_due(datetime.now(UTC))
    except Exception as exc:  # the next run tries again; never let the job die
        log.error("check-in job failed: %s", error_summary(exc))
        return
    if result.queued or result.weekly or result.followups:
        notify(context.application)
    if result.queued or result.skipped or result.weekly or result.followups:
        log.info(
            "check-ins: queued %d, skipped %d, weekly summaries %d, follow-ups %d",
            result.queued,
            result.skipped,
            result.weekly,
            result.followups,
        )


# Which handler takes which button: one CallbackQueryHandler(pattern=...) each (bot/routes.py).
ROUTES: tuple[tuple[ActionCallback, tuple[str, ...]], ...] = (
    (on_step, tuple(STEP_ACTIONS)),
    (on_setup, SETUP_ACTIONS),
    (on_now, ("cinow",)),
    (on_snooze, ("cisnz",)),
    (on_share, ("cishare",)),
    (on_pause, ("cipause",)),
    (on_resume, ("ciresume",)),
    (on_stop, ("cistop",)),
    (on_weekly, ("ciweek",)),
    (on_old_sharing, ("ciopt",)),
    (on_followup, ("cifu",)),  # the day-after follow-up: okay, or still struggling
    (on_continue, ("cicont",)),  # go on with the check-in after the safety question
    (on_items, ("ciitems",)),  # which questions I see
    (on_hide, ("cihide",)),
)
ACTIONS = tuple(name for _, names in ROUTES for name in names)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("checkin", command, filters=filters.ChatType.PRIVATE))
    for callback, names in ROUTES:
        app.add_handler(private_action(callback, names, require_consent))
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & filters.LOCATION, on_location
        )
    )
    install(app)  # the one outbox sender delivers what the job queues (installs once)
    if app.job_queue is not None:
        every = interval_seconds()
        app.job_queue.run_repeating(due_job, interval=every, first=min(every, 5), name="checkins")
