"""The set-up (`/checkin`'s "Set up daily check-ins" or "Change time, zone or questions"):
when and where the check-in comes (the time zone tapped, typed or shared as a location, the
time, quiet hours) and whether it asks about urges, one question after another; and the
schedule said back in words. The rules themselves are state/schedule.py's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from html import escape

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ContextTypes

from bot import callbacks
from bot.consent import require_consent
from bot.context import applying
from bot.features.checkins.buttons import button, in_rows, mark_chosen
from bot.pipeline import catchalls
from bot.render import Outgoing
from bot.replies import answer, reply
from bot.routes import pressed
from bot.services import services
from state.places import Place, clock, from_location, local_now, needs_city, resolve, zone_label
from state.schedule import Rule, local_today, parse_time, zone

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
        buttons = [button(label, "cizone", k) for k, (label, _) in ZONE_BUTTONS.items()]
        share = ReplyKeyboardMarkup(
            [[KeyboardButton("📍 Share my location", request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
            input_field_placeholder="A city, state or country",
        )
        return [
            Outgoing(ZONE_HELP, InlineKeyboardMarkup(in_rows(buttons, 2))),
            Outgoing(LOCATION_HELP, share),
        ]
    if step == "time":
        buttons = [button(_short(t), "citime", t) for t in TIMES]
        rows = [*in_rows(buttons, 3), [button("Change time zone", "cisetup")]]
        return [Outgoing(TIME_HELP, InlineKeyboardMarkup(rows))]
    if step == "quiet":
        buttons = [button(f"{_short(q[:4])}–{_short(q[5:])}", "ciquiet", q) for q in QUIET]
        rows = [*in_rows(buttons, 2), [button("No quiet hours", "ciquiet", "none")]]
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
            InlineKeyboardMarkup([[button("Yes", "cirec", "y"), button("No", "cirec", "n")]]),
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


async def apply_setup(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    step: str,
    value,
    place: Place | None = None,
    *,
    update_id: int | None = None,
) -> bool:
    """Save one answer of the set-up and ask the next; `update_id` (a pressed answer's) is
    marked with it. False when that question isn't the one asked."""
    user = update.effective_user
    assert user is not None
    now = datetime.now(UTC)
    settings = await services(context).checkins.setup_answer(
        user.id, step, value, now, update_id=update_id
    )
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


async def on_setup(
    update: Update, context: ContextTypes.DEFAULT_TYPE, data: callbacks.ActionData
) -> None:
    """A setup button: begin (`cisetup`), or answer the zone, time, quiet hours or recovery."""
    query, user_id = pressed(update)
    if data.action == "cisetup":
        await services(context).checkins.start_setup(
            user_id, datetime.now(UTC), update_id=applying(update, context)
        )
        await answer(query)
        await reply(update, context, _setup_question("zone"))
        return
    step, value = _setup_value(data.action, data.arg)
    place = Place(value, zone_label(value)) if step == "zone" else None
    if await apply_setup(update, context, step, value, place, update_id=applying(update, context)):
        await answer(query)
        await mark_chosen(update)
    else:
        await answer(query, "That question has been answered already. /checkin to change it.")


async def on_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, awaiting: str, text: str
) -> bool:
    """A typed time zone or time, when the set-up has just asked for it (`awaiting`, "zone" or
    "time"; the crisis check already ran)."""
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
        return await apply_setup(update, context, "zone", place.zone, place)
    if awaiting == "time":
        at = parse_time(text)
        if at is None:
            await reply(update, context, [Outgoing("I couldn't read that as a time. " + TIME_HELP)])
            return True
        return await apply_setup(update, context, "time", at)
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
        await catchalls.not_text(update, context)
        return
    spot = message.location
    # The first lookup loads the boundaries (~0.25 s): off the event loop.
    place = await asyncio.to_thread(from_location, spot.latitude, spot.longitude)
    if place is None:
        await reply(update, context, [Outgoing(ZONE_NOT_FOUND)])
        return
    await apply_setup(update, context, "zone", place.zone, place)
