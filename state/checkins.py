"""Daily check-ins, the database side: settings, the due job, answers, history and summaries.

Channels call these inside `Store.run` (one transaction each) and render what comes back.

The due job (`run_due`) asks the database who is due through the index on `next_due_at`, and
for each batch, in ONE transaction, queues the check-in messages in the outbox and moves
`next_due_at` past now. A retried or repeated run cannot queue a check-in twice: the outbox
dedupe key is `checkin:<user>:<local date>`, and the row it came from has already moved on.

Button data written into queued messages (the bot parses it with `bot.callbacks.parse`):
`ci:<yyyymmdd>-<mood>` answers the first question and so starts the day's check-in;
`cisnz:<yyyymmdd>` asks for it again an hour later.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html import escape
from typing import Any

from sqlalchemy import bindparam, select, update

from scenarios.skills import COMPONENTS, FRAMEWORKS
from state import outbox
from state.db.checkins import Checkin, CheckinSettings
from state.db.groups import Membership
from state.db.models import Turn, User
from state.progress import streak
from state.schedule import (
    GRACE,
    Decision,
    Rule,
    decide,
    local_today,
    next_due,
    snooze_until,
)
from state.store import UnitOfWork
from state.text import clean_text

BATCH = 1000
AWAIT_FOR = timedelta(minutes=30)  # typed input is read as an answer only this long
NOTE_LIMIT = 1000
KIND = "checkin"
WEEKLY_KIND = "checkin-week"

SETUP_STEPS = ("zone", "time", "quiet", "recovery")
# Asked last before sharing became a choice per group (/mygroups): a button from then still
# answers, and finishes the setup.
LEGACY_SETUP_STEPS = ("share",)
MIN_SHARING = 3  # a group figure pools at least this many members, or isn't shown
STEPS = ("mood", "emotion", "urge", "acted", "halt", "skills", "note", "done")
EMOTIONS: dict[str, str] = {
    "calm": "Calm",
    "happy": "Happy",
    "hopeful": "Hopeful",
    "sad": "Sad",
    "anxious": "Anxious",
    "angry": "Angry",
    "ashamed": "Ashamed",
    "lonely": "Lonely",
    "numb": "Numb",
}
HALT: dict[str, str] = {"hungry": "Hungry", "angry": "Angry", "lonely": "Lonely", "tired": "Tired"}
MOOD_FACES = ("😞", "🙁", "😐", "🙂", "😊", "😄")


# ---- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingsRecord:
    user_id: int
    local_time: time | None
    timezone: str | None
    quiet_start: time | None
    quiet_end: time | None
    paused_until: datetime | None
    active: bool
    recovery_track: bool
    weekly_summary: bool
    next_due_at: datetime | None
    setup_step: str | None
    awaiting: str | None
    awaiting_since: datetime | None

    @property
    def configured(self) -> bool:
        return self.local_time is not None and self.timezone is not None

    @property
    def rule(self) -> Rule | None:
        if self.local_time is None or self.timezone is None:
            return None
        return Rule(
            self.local_time,
            self.timezone,
            self.quiet_start,
            self.quiet_end,
            self.paused_until,
            self.active,
        )

    def awaiting_now(self, now: datetime) -> str | None:
        """What typed text would answer, unless the question was asked too long ago."""
        if self.awaiting is None or self.awaiting_since is None:
            return None
        return self.awaiting if now - self.awaiting_since <= AWAIT_FOR else None


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    id: int
    user_id: int
    local_date: date
    step: str
    mood: int | None
    emotion: str | None
    urge: int | None
    acted: bool | None
    halt: tuple[str, ...] | None
    skills: tuple[str, ...] | None
    pending: tuple[str, ...]
    note: str | None
    shared_note: bool
    created_at: datetime
    completed_at: datetime | None

    @property
    def done(self) -> bool:
        return self.step == "done"


def _settings(s: CheckinSettings) -> SettingsRecord:
    return SettingsRecord(
        s.user_id,
        s.local_time,
        s.timezone,
        s.quiet_start,
        s.quiet_end,
        s.paused_until,
        s.active,
        s.recovery_track,
        s.weekly_summary,
        s.next_due_at,
        s.setup_step,
        s.awaiting,
        s.awaiting_since,
    )


def _checkin(c: Checkin) -> CheckinRecord:
    return CheckinRecord(
        c.id,
        c.user_id,
        c.local_date,
        c.step,
        c.mood,
        c.emotion,
        c.urge,
        c.acted,
        tuple(c.halt) if c.halt is not None else None,
        tuple(c.skills) if c.skills is not None else None,
        tuple(c.pending or ()),
        c.note,
        c.shared_note,
        c.created_at,
        c.completed_at,
    )


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_ymd(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


# ---- settings ----------------------------------------------------------------------------


async def get_settings(uow: UnitOfWork, user_id: int) -> SettingsRecord | None:
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    return _settings(row) if row else None


async def _row(uow: UnitOfWork, user_id: int) -> CheckinSettings:
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    if row is None:
        await uow.users.ensure(user_id)
        row = CheckinSettings(user_id=user_id, active=False)
        uow.session.add(row)
        await uow.session.flush()
    return row


def _reschedule(row: CheckinSettings, now: datetime) -> None:
    rec = _settings(row)
    rule = rec.rule
    row.next_due_at = next_due(rule, now) if rule is not None and row.active else None


async def start_setup(uow: UnitOfWork, user_id: int, now: datetime) -> SettingsRecord:
    """Begin (or redo) the setup questions; an existing schedule keeps running meanwhile."""
    row = await _row(uow, user_id)
    row.setup_step = SETUP_STEPS[0]
    row.awaiting, row.awaiting_since = "zone", now
    await uow.session.flush()
    return _settings(row)


async def setup_answer(
    uow: UnitOfWork, user_id: int, step: str, value: Any, now: datetime
) -> SettingsRecord | None:
    """Store one setup answer and move to the next question (None: not at that question).

    `value` is already validated by the caller's parser: a zone name from
    `schedule.parse_zone`, a `time`, a `(start, end)` pair or None, or a bool.
    """
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    if row is None or row.setup_step != step:
        return None
    if step == "zone":
        row.timezone = value
    elif step == "time":
        row.local_time = value
    elif step == "quiet":
        row.quiet_start, row.quiet_end = value if value else (None, None)
    elif step == "recovery":
        row.recovery_track = bool(value)
    elif step == "share":  # the old last question: it meant every group they were in
        await uow.session.execute(
            update(Membership)
            .where(Membership.user_id == user_id, Membership.left_at.is_(None))
            .values(share_checkins=bool(value))
        )
    index = len(SETUP_STEPS) - 1 if step in LEGACY_SETUP_STEPS else SETUP_STEPS.index(step)
    if index + 1 < len(SETUP_STEPS):
        row.setup_step = SETUP_STEPS[index + 1]
        row.awaiting = row.setup_step if row.setup_step in ("zone", "time") else None
        row.awaiting_since = now
    else:
        row.setup_step, row.awaiting, row.awaiting_since = None, None, None
        row.active, row.paused_until = True, None
        # A check-in set for the current minute still comes today.
        row.next_due_at = next_due(
            _settings(row).rule, now.replace(second=0, microsecond=0) - timedelta(microseconds=1)
        )
    await uow.session.flush()
    return _settings(row)


async def pause(uow: UnitOfWork, user_id: int, until: datetime, now: datetime) -> SettingsRecord:
    row = await _row(uow, user_id)
    row.paused_until = until
    _reschedule(row, now)
    await uow.session.flush()
    return _settings(row)


async def resume(uow: UnitOfWork, user_id: int, now: datetime) -> SettingsRecord | None:
    """Clear a pause, or turn a stopped schedule back on; None if it was never set up."""
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    if row is None or row.local_time is None or row.timezone is None:
        return None
    row.paused_until, row.active = None, True
    _reschedule(row, now)
    await uow.session.flush()
    return _settings(row)


async def stop(uow: UnitOfWork, user_id: int) -> bool:
    """No more check-ins (answers and settings are kept); False if there was nothing to stop."""
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    if row is None or not row.active:
        return False
    row.active, row.next_due_at, row.setup_step, row.awaiting = False, None, None, None
    await uow.session.flush()
    return True


async def set_option(uow: UnitOfWork, user_id: int, name: str, on: bool) -> SettingsRecord:
    """Toggle `weekly_summary` or `recovery_track` (sharing is per group: state.groups)."""
    if name not in ("weekly_summary", "recovery_track"):
        raise ValueError(name)
    row = await _row(uow, user_id)
    setattr(row, name, on)
    await uow.session.flush()
    return _settings(row)


async def clear_awaiting(uow: UnitOfWork, user_id: int) -> None:
    await uow.session.execute(
        update(CheckinSettings)
        .where(CheckinSettings.user_id == user_id)
        .values(awaiting=None, awaiting_since=None)
    )


# ---- the due job -------------------------------------------------------------------------


@dataclass
class DueResult:
    queued: int = 0
    skipped: int = 0  # missed beyond the grace window, in quiet hours, or already answered
    weekly: int = 0
    scanned: int = 0

    def add(self, other: DueResult) -> None:
        self.queued += other.queued
        self.skipped += other.skipped
        self.weekly += other.weekly
        self.scanned += other.scanned


@lru_cache(maxsize=64)
def checkin_message(day: date, snoozed: bool = False) -> tuple[str, outbox.Buttons]:
    """The text and buttons of a queued check-in: its first question is on it already.

    Cached (the due job asks for the same day thousands of times): treat the result as
    read-only."""
    text = (
        f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
        "How is your mood right now? 0 is very low, 5 is very good.\n"
        "<i>About a minute, all buttons.</i>"
    )
    d = ymd(day)
    buttons: outbox.Buttons = [
        [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(0, 3)],
        [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(3, 6)],
    ]
    if not snoozed:
        buttons.append([{"text": "⏰ In an hour", "callback_data": f"cisnz:{d}"}])
    return text, buttons


def dedupe_key(user_id: int, day: date) -> str:
    return f"checkin:{user_id}:{ymd(day)}"


async def queue_due_batch(
    uow: UnitOfWork, now: datetime, limit: int = BATCH, grace: timedelta = GRACE
) -> DueResult:
    """One batch of the due job, inside the caller's transaction."""
    table = CheckinSettings.__table__
    stmt = (
        select(
            table.c.user_id,
            table.c.local_time,
            table.c.timezone,
            table.c.quiet_start,
            table.c.quiet_end,
            table.c.paused_until,
            table.c.next_due_at,
            table.c.weekly_summary,
            User.active,
            User.consented_at,
        )
        .join(User, User.id == table.c.user_id)
        .where(table.c.next_due_at <= now, table.c.active.is_(True))
        .order_by(table.c.next_due_at)
        .limit(limit)
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        # Several bot workers may run the job at once: each takes rows the others haven't.
        stmt = stmt.with_for_update(skip_locked=True, of=table)
    rows = (await uow.session.execute(stmt)).all()
    result = DueResult(scanned=len(rows))
    if not rows:
        return result
    decisions = []
    moves = []
    for row in rows:
        try:
            rule = Rule(
                row.local_time, row.timezone, row.quiet_start, row.quiet_end, row.paused_until
            )
            decision = decide(rule, row.next_due_at, now, grace)
        except (ValueError, TypeError, LookupError):
            # A schedule that can't be computed (a zone gone from the system's database): stop
            # it rather than fail the whole batch on every run.
            decision = Decision(None, None, None)
        moves.append({"b_user": row.user_id, "b_due": decision.next_due})
        consented = row.active and row.consented_at is not None
        if decision.send_at is not None and decision.local_date is not None and consented:
            decisions.append((row, decision))
        else:
            result.skipped += 1
    answered = await _answered(uow, [(r.user_id, d.local_date) for r, d in decisions])
    messages: list[outbox.Message] = []
    weekly: list[tuple[int, date]] = []
    for row, decision in decisions:
        day = decision.local_date
        assert day is not None
        if (row.user_id, day) in answered:
            result.skipped += 1
            continue
        text, buttons = checkin_message(day)
        messages.append(
            outbox.Message(
                chat_id=row.user_id,
                user_id=row.user_id,
                kind=KIND,
                ref=ymd(day),
                text=text,
                buttons=buttons,
                dedupe_key=dedupe_key(row.user_id, day),
            )
        )
        if row.weekly_summary and day.isoweekday() == 7:
            weekly.append((row.user_id, day))
    result.queued = await outbox.enqueue_many(uow, messages, now=now)
    for user_id, day in weekly:
        result.weekly += int(await _queue_weekly(uow, user_id, day, now))
    await uow.session.execute(
        update(table)
        .where(table.c.user_id == bindparam("b_user"))
        .values(next_due_at=bindparam("b_due")),
        moves,
    )
    return result


async def _answered(uow: UnitOfWork, pairs: list[tuple[int, date | None]]) -> set[tuple[int, date]]:
    """Which of these (user, day) already have a check-in (started with "check in now")."""
    if not pairs:
        return set()
    days = {d for _, d in pairs if d is not None}
    rows = await uow.session.execute(
        select(Checkin.user_id, Checkin.local_date).where(
            Checkin.user_id.in_({u for u, _ in pairs}), Checkin.local_date >= min(days)
        )
    )
    return {(u, d) for u, d in rows.all()}


async def run_due(
    store, now: datetime, *, batch: int = BATCH, grace: timedelta = GRACE
) -> DueResult:
    """Queue every due check-in, one committed transaction per batch of `batch` participants."""
    total = DueResult()
    while True:

        async def work(uow: UnitOfWork) -> DueResult:
            return await queue_due_batch(uow, now, batch, grace)

        result = await store.run(None, work)
        total.add(result)
        if result.scanned < batch:
            return total


async def snooze(uow: UnitOfWork, user_id: int, day: date, now: datetime) -> datetime | None:
    """Ask again in an hour (after quiet hours); None when already snoozed or answered."""
    settings = await get_settings(uow, user_id)
    rule = settings.rule if settings else None
    if rule is None:
        return None
    existing = await _get(uow, user_id, day)
    if existing is not None:
        return None
    when = snooze_until(rule, now)
    text, buttons = checkin_message(day, snoozed=True)
    queued = await outbox.enqueue(
        uow,
        chat_id=user_id,
        kind=KIND,
        text=text,
        buttons=buttons,
        dedupe_key=dedupe_key(user_id, day) + ":snooze",
        user_id=user_id,
        ref=ymd(day),
        not_before=when,
    )
    return when if queued else None


# ---- answering ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    status: str  # 'ok' | 'expired' | 'invalid' | 'already'
    checkin: CheckinRecord | None = None
    recovery: bool = False
    skill_options: tuple[str, ...] = ()


async def _get(uow: UnitOfWork, user_id: int, day: date) -> Checkin | None:
    return await uow.session.scalar(
        select(Checkin)
        .where(Checkin.user_id == user_id, Checkin.local_date == day)
        .execution_options(populate_existing=True)
    )


async def skill_options(uow: UnitOfWork, user_id: int) -> tuple[str, ...]:
    """The skill families this participant has practised, in the skills page's order."""
    rows = await uow.session.scalars(select(Turn.skills).where(Turn.user_id == user_id))
    seen = {
        COMPONENTS[s].framework
        for skills in rows
        for s in skills or ()
        if s in COMPONENTS and not COMPONENTS[s].negative
    }
    return tuple(f for f in FRAMEWORKS if f in seen)


def next_step(current: str, recovery: bool, has_skills: bool) -> str:
    """The question after `current` (urge questions only on a recovery track)."""
    i = STEPS.index(current) + 1
    while (STEPS[i] in ("urge", "acted") and not recovery) or (
        STEPS[i] == "skills" and not has_skills
    ):
        i += 1
    return STEPS[i]


def answerable_day(settings: SettingsRecord | None, day: date, now: datetime) -> bool:
    """A check-in can be answered on its own day and the next (a late-evening one)."""
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    return today - timedelta(days=1) <= day <= today


async def answer(
    uow: UnitOfWork, user_id: int, day: date, step: str, value: str, now: datetime
) -> Answer:
    """Apply one button of the check-in; anything out of turn or unknown changes nothing."""
    settings = await get_settings(uow, user_id)
    if not answerable_day(settings, day, now):
        return Answer("expired")
    recovery = bool(settings and settings.recovery_track)
    row = await _get(uow, user_id, day)
    if step == "mood":
        if value not in {str(n) for n in range(6)}:
            return Answer("invalid")
        if row is not None:
            return await _result(uow, "already", row, recovery)
        row = Checkin(user_id=user_id, local_date=day, step="mood", created_at=now)
        uow.session.add(row)
        row.mood = int(value)
        return await _advance(uow, row, recovery, now)
    if row is None:
        return Answer("expired")
    if row.step != step:
        return await _result(uow, "already", row, recovery)
    if step == "emotion":
        if value not in EMOTIONS:
            return Answer("invalid")
        row.emotion = value
    elif step == "urge":
        if value not in {str(n) for n in range(6)}:
            return Answer("invalid")
        row.urge = int(value)
    elif step == "acted":
        if value not in ("y", "n"):
            return Answer("invalid")
        row.acted = value == "y"
    elif step in ("halt", "skills"):
        options = HALT if step == "halt" else await skill_options(uow, user_id)
        if value == "done":
            setattr(row, step, sorted(row.pending or (), key=list(options).index))
            row.pending = None
        elif value in options:
            picks = set(row.pending or ())
            picks ^= {value}
            row.pending = sorted(picks)
            await uow.session.flush()
            return await _result(uow, "ok", row, recovery)
        else:
            return Answer("invalid")
    elif step == "note":
        if value != "skip":
            return Answer("invalid")
    else:
        return Answer("invalid")
    return await _advance(uow, row, recovery, now)


async def _advance(uow: UnitOfWork, row: Checkin, recovery: bool, now: datetime) -> Answer:
    options = await skill_options(uow, row.user_id)
    row.step = next_step(row.step, recovery, bool(options))
    if row.step == "acted" and row.urge == 0:  # no urge: nothing to have acted on
        row.step = next_step(row.step, recovery, bool(options))
    settings = await uow.session.get(CheckinSettings, row.user_id)
    if row.step == "note":
        settings = settings or await _row(uow, row.user_id)
        settings.awaiting, settings.awaiting_since = f"note:{ymd(row.local_date)}", now
    elif row.step == "done":
        row.completed_at = now
        if settings is not None and (settings.awaiting or "").startswith("note:"):
            settings.awaiting, settings.awaiting_since = None, None
    await uow.session.flush()
    return Answer("ok", _checkin(row), recovery, options)


async def _result(uow: UnitOfWork, status: str, row: Checkin, recovery: bool) -> Answer:
    return Answer(status, _checkin(row), recovery, await skill_options(uow, row.user_id))


async def save_note(uow: UnitOfWork, user_id: int, text: str, now: datetime) -> Answer:
    """The typed note for the check-in waiting for one (the crisis check has already run)."""
    settings = await get_settings(uow, user_id)
    awaiting = settings.awaiting_now(now) if settings else None
    if awaiting is None or not awaiting.startswith("note:"):
        return Answer("expired")
    day = parse_ymd(awaiting.removeprefix("note:"))
    row = await _get(uow, user_id, day) if day else None
    if row is None or row.step != "note":
        await clear_awaiting(uow, user_id)
        return Answer("expired")
    row.note = clean_text(text).strip()[:NOTE_LIMIT]
    return await _advance(uow, row, bool(settings and settings.recovery_track), now)


async def share_note(uow: UnitOfWork, user_id: int, day: date, shared: bool) -> bool:
    row = await _get(uow, user_id, day)
    if row is None or row.note is None:
        return False
    row.shared_note = shared
    await uow.session.flush()
    return True


async def current(uow: UnitOfWork, user_id: int, day: date) -> Answer:
    """Where today's check-in is (for "check in now")."""
    settings = await get_settings(uow, user_id)
    row = await _get(uow, user_id, day)
    if row is None:
        return Answer("ok", None, bool(settings and settings.recovery_track))
    return await _result(uow, "already", row, bool(settings and settings.recovery_track))


# ---- history, streaks and summaries ------------------------------------------------------


async def history(uow: UnitOfWork, user_id: int, since: date) -> list[CheckinRecord]:
    """Completed check-ins from `since` on, oldest first."""
    rows = await uow.session.scalars(
        select(Checkin)
        .where(
            Checkin.user_id == user_id,
            Checkin.local_date >= since,
            Checkin.completed_at.is_not(None),
        )
        .order_by(Checkin.local_date)
    )
    return [_checkin(r) for r in rows]


async def checkin_days(uow: UnitOfWork, user_id: int) -> list[date]:
    rows = await uow.session.scalars(
        select(Checkin.local_date).where(
            Checkin.user_id == user_id, Checkin.completed_at.is_not(None)
        )
    )
    return list(rows)


@dataclass(frozen=True)
class Overview:
    """What /progress shows about check-ins."""

    settings: SettingsRecord | None
    recent: list[CheckinRecord]
    streak_days: int
    total: int
    today: date


async def overview(uow: UnitOfWork, user_id: int, now: datetime, days: int = 14) -> Overview:
    settings = await get_settings(uow, user_id)
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    all_days = await checkin_days(uow, user_id)
    recent = await history(uow, user_id, today - timedelta(days=days - 1))
    return Overview(settings, recent, streak(all_days, today), len(all_days), today)


def weekly_text(records: list[CheckinRecord], week_end: date) -> str:
    """A Sunday summary of the week ending `week_end` (pure)."""
    week = [r for r in records if week_end - timedelta(days=6) <= r.local_date <= week_end]
    if not week:
        return (
            "🗓 <b>Your week</b>\nNo check-ins this week — that's okay. Tomorrow is a fresh start."
        )
    moods = [r.mood for r in week if r.mood is not None]
    lines = [
        "🗓 <b>Your week</b>",
        f"Check-ins: {len(week)} of 7",
    ]
    if moods:
        lines.append(
            f"Mood: average {sum(moods) / len(moods):.1f} (from {min(moods)} to {max(moods)})"
        )
    urges = [r.urge for r in week if r.urge is not None]
    if urges:
        lines.append(f"Urges: average {sum(urges) / len(urges):.1f}")
    emotions = Counter(r.emotion for r in week if r.emotion)
    if emotions:
        lines.append(f"Felt most: {escape(EMOTIONS.get(emotions.most_common(1)[0][0], ''))}")
    halt = Counter(h for r in week for h in r.halt or ())
    if halt:
        lines.append(f"HALT most often: {escape(HALT[halt.most_common(1)[0][0]])}")
    skills = Counter(s for r in week for s in r.skills or ())
    if skills:
        lines.append(
            "Skills used: "
            + escape(", ".join(FRAMEWORKS.get(s, s) for s, _ in skills.most_common(3)))
        )
    return "\n".join(lines)


async def _queue_weekly(uow: UnitOfWork, user_id: int, day: date, now: datetime) -> bool:
    # Sent with Sunday's check-in, about the seven days before it.
    week_end = day - timedelta(days=1)
    records = await history(uow, user_id, week_end - timedelta(days=6))
    return await outbox.enqueue(
        uow,
        chat_id=user_id,
        kind=WEEKLY_KIND,
        text=weekly_text(records, week_end),
        dedupe_key=f"checkinweek:{user_id}:{ymd(day)}",
        user_id=user_id,
        ref=ymd(day),
        not_before=now,
    )


@dataclass(frozen=True)
class GroupCheckinSummary:
    """What a group's leader may see of check-ins.

    Only from members who share their check-ins with this group, only from the day each joined,
    and figures only where at least MIN_SHARING of them contribute (fewer would show someone's
    own numbers): `completion` and `avg_mood` once that many checked in, `avg_urge` and
    `acted_days` once that many answered the urge question. Notes only where their author
    shared that very note.
    """

    members: int
    sharing: int  # members who share their check-ins with this group
    checked_in: int  # of those, how many completed a check-in in the window
    days: int
    completed: int | None = None
    completion: float | None = None  # completed / the sharing members' days since joining
    avg_mood: float | None = None
    avg_urge: float | None = None
    acted_days: int | None = None
    shared_notes: tuple[tuple[int, date, str], ...] = field(default_factory=tuple)


def _joined_on(joined_at: datetime, timezone: str | None) -> date:
    try:
        return local_today(timezone or "UTC", joined_at)
    except (ValueError, LookupError):  # a zone gone from the system's database
        return joined_at.astimezone(UTC).date()


async def group_checkin_summary(
    uow: UnitOfWork, group_id: int, since: date, until: date | None = None
) -> GroupCheckinSummary:
    """Completion and averages over `since`..`until` (default: today, UTC) for the group's
    current members who share their check-ins with it, each counted from the (local) day they
    joined. A group's size is small, so its few rows are pooled here rather than in SQL."""
    until = until or datetime.now(UTC).date()
    days = max(0, (until - since).days + 1)
    people = (
        await uow.session.execute(
            select(
                Membership.user_id,
                Membership.joined_at,
                Membership.share_checkins,
                CheckinSettings.timezone,
            )
            .outerjoin(CheckinSettings, CheckinSettings.user_id == Membership.user_id)
            .where(Membership.group_id == group_id, Membership.left_at.is_(None))
        )
    ).all()
    start = {
        p.user_id: max(since, _joined_on(p.joined_at, p.timezone))
        for p in people
        if p.share_checkins
    }
    if not start or days == 0:
        return GroupCheckinSummary(len(people), len(start), 0, days)
    rows = (
        await uow.session.execute(
            select(
                Checkin.user_id,
                Checkin.local_date,
                Checkin.mood,
                Checkin.urge,
                Checkin.acted,
                Checkin.note,
                Checkin.shared_note,
            )
            .where(
                Checkin.user_id.in_(list(start)),
                Checkin.local_date >= since,
                Checkin.local_date <= until,
                Checkin.completed_at.is_not(None),
            )
            .order_by(Checkin.local_date, Checkin.user_id)
        )
    ).all()
    seen = [r for r in rows if r.local_date >= start[r.user_id]]
    notes = tuple((r.user_id, r.local_date, r.note) for r in seen if r.shared_note and r.note)
    checked_in = {r.user_id for r in seen}
    summary = GroupCheckinSummary(
        len(people), len(start), len(checked_in), days, shared_notes=notes
    )
    if len(checked_in) < MIN_SHARING:
        return summary
    member_days = sum(max(0, (until - day).days + 1) for day in start.values())
    moods = [r.mood for r in seen if r.mood is not None]
    urged = [r for r in seen if r.urge is not None]
    enough_urges = len({r.user_id for r in urged}) >= MIN_SHARING
    return replace(
        summary,
        completed=len(seen),
        completion=len(seen) / member_days,
        avg_mood=sum(moods) / len(moods) if moods else None,
        avg_urge=sum(r.urge for r in urged) / len(urged) if enough_urges else None,
        acted_days=sum(bool(r.acted) for r in urged) if enough_urges else None,
    )
