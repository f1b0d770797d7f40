"""When a daily check-in is due: pure rules over a local time, a time zone and quiet hours.

No clock and no database: every function takes `now`/`after` as an aware UTC datetime, so tests
can walk across a daylight-saving change or a week of downtime without waiting.

- A check-in keeps its local wall-clock time across a DST change (09:00 stays 09:00).
- A local time that does not exist that day (spring forward) moves forward by the gap
  (02:30 becomes 03:30); an ambiguous one (fall back) takes the first occurrence. This is
  what `zoneinfo` does with `fold=0`, so we rely on it rather than re-implementing it.
- Quiet hours push a slot that falls inside them to the end of the quiet window.
- After downtime only the most recent missed slot is sent, and only within the grace window;
  older ones are skipped. The caller moves `next_due_at` past `now` in the same transaction
  that queues the message, so a slot is never sent twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

GRACE = timedelta(hours=3)
SNOOZE = timedelta(hours=1)
_MAX_DAYS = 9  # a slot exists every day; a week and a bit covers any pause edge or DST day

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?:[:.h]?(\d{2}))?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One participant's schedule, as stored."""

    local_time: time
    zone: str
    quiet_start: time | None = None
    quiet_end: time | None = None
    paused_until: datetime | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """What the due job does with one due participant."""

    send_at: datetime | None  # the slot to send now (UTC), or None to skip
    local_date: date | None  # the participant's date of that slot
    next_due: datetime | None  # the next slot strictly after now, or None when stopped


# ---- parsing what people type ------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_zone(text: str) -> str | None:
    """A stored zone name for an IANA name (any case) or a UTC offset like `+5:30`, `UTC-8`."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    if raw.lower() in ("utc", "gmt", "z"):
        return "UTC"
    if m := _OFFSET.match(raw):
        sign, hours, minutes = m[1], int(m[2]), int(m[3] or 0)
        if hours > 14 or minutes not in (0, 15, 30, 45) or (hours == 14 and minutes):
            return None
        if hours == 0 and minutes == 0:
            return "UTC"
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    name = _zone_names().get(raw.lower().replace(" ", "_"))
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


@lru_cache(maxsize=512)
def zone(name: str) -> tzinfo:
    """The tzinfo for a name `parse_zone` returned (a fixed offset stays fixed all year)."""
    if name.startswith("UTC") and len(name) == 9:  # UTC+05:30
        sign = 1 if name[3] == "+" else -1
        return timezone(sign * timedelta(hours=int(name[4:6]), minutes=int(name[7:9])))
    return ZoneInfo(name)


def parse_time(text: str) -> time | None:
    """`9`, `09:30`, `21.15`, `9pm`, `7:45 am` → a time; None when it isn't one."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute, half = int(m[1]), int(m[2] or 0), (m[3] or "").lower().replace(".", "")
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


# ---- the rules -------------------------------------------------------------------------


def local_moment(day: date, at: time, tz: tzinfo) -> datetime:
    """`day` at wall-clock `at` in `tz`, as UTC (gap: moved forward; overlap: first one)."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def in_quiet(at: time, start: time | None, end: time | None) -> bool:
    """Is wall-clock `at` inside [start, end)? The window may wrap midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def slot_on(rule: Rule, day: date) -> datetime:
    """The moment of the check-in planned for local `day`, after quiet hours (UTC)."""
    tz = zone(rule.zone)
    if in_quiet(rule.local_time, rule.quiet_start, rule.quiet_end):
        assert rule.quiet_start is not None and rule.quiet_end is not None
        # Inside the window the check-in waits for its end: the next morning when the window
        # wraps midnight and the chosen time is in its evening part.
        evening = rule.quiet_start > rule.quiet_end and rule.local_time >= rule.quiet_start
        end_day = day + timedelta(days=1) if evening else day
        return local_moment(end_day, rule.quiet_end, tz)
    return local_moment(day, rule.local_time, tz)


def _local_date(moment: datetime, rule: Rule) -> date:
    return moment.astimezone(zone(rule.zone)).date()


def next_due(rule: Rule, after: datetime) -> datetime | None:
    """The first slot strictly after `after` and not before the end of a pause."""
    if not rule.active:
        return None
    floor = after
    if rule.paused_until is not None and rule.paused_until > after:
        floor = rule.paused_until - timedelta(microseconds=1)
    start = _local_date(floor, rule) - timedelta(days=1)
    for i in range(_MAX_DAYS):
        moment = slot_on(rule, start + timedelta(days=i))
        if moment > floor:
            return moment
    raise AssertionError("no slot in nine days: the rule is inconsistent")


def last_slot(rule: Rule, now: datetime) -> datetime | None:
    """The latest slot at or before `now` (ignoring pauses)."""
    start = _local_date(now, rule) + timedelta(days=1)
    for i in range(_MAX_DAYS):
        moment = slot_on(rule, start - timedelta(days=i))
        if moment <= now:
            return moment
    return None


def decide(rule: Rule, due_at: datetime, now: datetime, grace: timedelta = GRACE) -> Decision:
    """For a participant whose `next_due_at` (`due_at`) has come: send the newest missed slot
    if it is within `grace` and outside quiet hours, skip anything older; and move on."""
    if not rule.active:
        return Decision(None, None, None)
    if rule.paused_until is not None and rule.paused_until > now:
        return Decision(None, None, next_due(rule, now))
    following = next_due(rule, due_at)
    if following is not None and following > now:  # the usual case: nothing missed since
        candidate, upcoming = due_at, following
    else:
        latest = last_slot(rule, now)
        candidate = max(latest, due_at) if latest is not None else due_at
        upcoming = next_due(rule, now)
    tz = zone(rule.zone)
    quiet_now = in_quiet(now.astimezone(tz).time(), rule.quiet_start, rule.quiet_end)
    if candidate <= now and now - candidate <= grace and not quiet_now:
        # The local date is the one the slot was planned for (quiet hours may move a late-evening
        # slot past midnight, but the check-in is still that evening's).
        return Decision(candidate, _planned_date(rule, candidate), upcoming)
    return Decision(None, None, upcoming)


def _planned_date(rule: Rule, moment: datetime) -> date:
    day = _local_date(moment, rule)
    for candidate in (day, day - timedelta(days=1)):
        if slot_on(rule, candidate) == moment:
            return candidate
    return day


def snooze_until(rule: Rule, now: datetime, delay: timedelta = SNOOZE) -> datetime:
    """An hour from now, or the end of quiet hours if that lands inside them."""
    moment = now + delay
    tz = zone(rule.zone)
    local = moment.astimezone(tz)
    if in_quiet(local.time(), rule.quiet_start, rule.quiet_end):
        assert rule.quiet_end is not None
        day = local.date()
        if local.time() >= rule.quiet_end:
            day += timedelta(days=1)
        return local_moment(day, rule.quiet_end, tz)
    return moment


def local_today(zone_name: str, now: datetime) -> date:
    return now.astimezone(zone(zone_name)).date()


def describe(rule: Rule) -> str:
    """`09:00 Europe/Berlin, quiet 22:00-07:00` for settings screens."""
    text = f"{rule.local_time:%H:%M} {rule.zone}"
    if rule.quiet_start is not None and rule.quiet_end is not None:
        text += f", quiet hours {rule.quiet_start:%H:%M}–{rule.quiet_end:%H:%M}"
    return text
