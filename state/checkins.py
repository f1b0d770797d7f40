"""Daily check-ins, the database side: settings, the due job, answers, history and summaries.

Channels call these inside `Store.run` (one transaction each) and render what comes back.

The due job (`run_due`) asks the database who is due through the index on `next_due_at`, and
for each batch, in ONE transaction, queues the check-in messages in the outbox and moves
`next_due_at` past now. A retried or repeated run cannot queue a check-in twice: the outbox
dedupe key is `checkin:<user>:<local date>`, and the row it came from has already moved on.

Button data written into queued messages (the bot parses it with `bot.callbacks.parse`):
`ci:<yyyymmdd>-<mood>` answers the first question and so starts the day's check-in;
`cisnz:<yyyymmdd>` asks for it again an hour later; `cifu:<yyyymmdd>-ok|hard` answers the
follow-up the day after a crisis (queued by the same job, see `mark_crisis`).

The questions are a program's diary-card items (state/checkin_items.py) less the ones a
participant hid; what is said when a check-in is saved is in state/checkin_replies.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from html import escape
from typing import Any

from sqlalchemy import bindparam, select, update

from scenarios.skills import FRAMEWORKS
from state import checkin_replies, outbox
from state.checkin_items import (
    DEFAULT_PROGRAM,
    ITEM_STEPS,
    ITEMS,
    MEDS,
    PRACTICE,
    SAFETY_LEVEL,
    SLEEP_MAX,
    STEP_ITEM,
    Program,
)
from state.checkin_items import EMOTIONS as EMOTIONS
from state.checkin_replies import HARD_DAYS, Closing
from state.db.checkins import Checkin, CheckinSettings
from state.db.groups import Membership
from state.db.models import Run, User
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
STEPS = (*(step for steps in ITEM_STEPS.values() for step in steps), "done")
FOLLOWUP_KIND = "checkin-followup"
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
    hidden_items: tuple[str, ...] = ()
    crisis_on: date | None = None

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
    emotions: dict[str, int] = field(default_factory=dict)
    self_harm: int | None = None
    suicidal: int | None = None
    quit_urge: int | None = None
    meds: str | None = None
    sleep_hours: int | None = None
    skill_rating: int | None = None
    practice: str | None = None

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
        tuple(s.hidden_items or ()),
        s.crisis_on,
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
        dict(c.emotions or {}),
        c.self_harm,
        c.suicidal,
        c.quit_urge,
        c.meds,
        c.sleep_hours,
        c.skill_rating,
        c.practice,
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
    followups: int = 0  # "how are you today?" the day after a crisis

    def add(self, other: DueResult) -> None:
        self.queued += other.queued
        self.skipped += other.skipped
        self.weekly += other.weekly
        self.scanned += other.scanned
        self.followups += other.followups


@lru_cache(maxsize=64)
def checkin_message(
    day: date, snoozed: bool = False, mood: bool = True
) -> tuple[str, outbox.Buttons]:
    """The text and buttons of a queued check-in: its first question is on it already (the
    mood, or a Start button where the program doesn't ask it).

    Cached (the due job asks for the same day thousands of times): treat the result as
    read-only."""
    d = ymd(day)
    if mood:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "How has your mood been today, overall? 0 is very low, 5 is very good.\n"
            "<i>About a minute: a tap per question.</i>"
        )
        buttons: outbox.Buttons = [
            [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(3)],
            [{"text": f"{n} {MOOD_FACES[n]}", "callback_data": f"ci:{d}-{n}"} for n in range(3, 6)],
        ]
    else:
        text = (
            f"🌤 <b>Daily check-in</b> · {day:%A} {day.day} {day:%B}\n"
            "<i>About a minute: a tap per question.</i>"
        )
        buttons = [[{"text": "Start", "callback_data": f"ci:{d}-go"}]]
    if not snoozed:
        buttons.append([{"text": "⏰ In an hour", "callback_data": f"cisnz:{d}"}])
    return text, buttons


def dedupe_key(user_id: int, day: date) -> str:
    return f"checkin:{user_id}:{ymd(day)}"


def followup_message(user_id: int, day: date) -> outbox.Message:
    """The one "how are you today?" the day after a crisis card or a high-risk check-in;
    queued just before that day's check-in (the same dedupe key can't queue it twice)."""
    d = ymd(day)
    return outbox.Message(
        chat_id=user_id,
        user_id=user_id,
        kind=FOLLOWUP_KIND,
        ref=d,
        text=FOLLOWUP_TEXT,
        buttons=[
            [
                {"text": "Okay", "callback_data": f"cifu:{d}-ok"},
                {"text": "Still struggling", "callback_data": f"cifu:{d}-hard"},
            ]
        ],
        dedupe_key=f"checkin-followup:{user_id}:{d}",
    )


FOLLOWUP_TEXT = "💛 Yesterday was hard, and I showed you where to find support. How are you today?"


async def mark_crisis(uow: UnitOfWork, user_id: int, now: datetime) -> bool:
    """Remember a crisis day, for one follow-up the next day: only for a participant who
    agreed to check-ins (an active schedule), inside the caller's transaction."""
    row = await uow.session.get(CheckinSettings, user_id, populate_existing=True)
    if row is None or not row.active or row.timezone is None:
        return False
    try:
        row.crisis_on = local_today(row.timezone, now)
    except (ValueError, LookupError):
        row.crisis_on = now.astimezone(UTC).date()
    await uow.session.flush()
    return True


async def queue_due_batch(
    uow: UnitOfWork,
    now: datetime,
    limit: int = BATCH,
    grace: timedelta = GRACE,
    program: Program = DEFAULT_PROGRAM,
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
            table.c.crisis_on,
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
    followed: list[tuple[int, date]] = []
    asks_mood = "mood" in program.items
    for row, decision in decisions:
        day = decision.local_date
        assert day is not None
        if row.crisis_on is not None and day > row.crisis_on:
            followed.append((row.user_id, day))
        if (row.user_id, day) in answered:
            result.skipped += 1
            continue
        text, buttons = checkin_message(day, mood=asks_mood)
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
    if followed:
        result.followups = await outbox.enqueue_many(
            uow, [followup_message(u, d) for u, d in followed], now=now
        )
    if followed:
        await uow.session.execute(
            update(table)
            .where(table.c.user_id.in_([u for u, _ in followed]))
            .values(crisis_on=None)
        )
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
    store,
    now: datetime,
    *,
    batch: int = BATCH,
    grace: timedelta = GRACE,
    program: Program = DEFAULT_PROGRAM,
) -> DueResult:
    """Queue every due check-in, one committed transaction per batch of `batch` participants."""
    total = DueResult()
    while True:

        async def work(uow: UnitOfWork) -> DueResult:
            return await queue_due_batch(uow, now, batch, grace, program)

        result = await store.run(None, work)
        total.add(result)
        if result.scanned < batch:
            return total


async def snooze(
    uow: UnitOfWork,
    user_id: int,
    day: date,
    now: datetime,
    program: Program = DEFAULT_PROGRAM,
) -> datetime | None:
    """Ask again in an hour (after quiet hours); None when already snoozed or answered."""
    settings = await get_settings(uow, user_id)
    rule = settings.rule if settings else None
    if rule is None:
        return None
    existing = await _get(uow, user_id, day)
    if existing is not None:
        return None
    when = snooze_until(rule, now)
    text, buttons = checkin_message(day, snoozed=True, mood="mood" in program.items)
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

LEVELS = frozenset(str(n) for n in range(6))
PRACTICE_WINDOW = timedelta(days=14)  # a scenario finished longer ago isn't "this week"
PRACTICE_AFTER = timedelta(hours=6)  # nor one finished a moment ago
LEVEL_COLUMNS = {
    "urge": "urge",
    "self_harm": "self_harm",
    "suicidal": "suicidal",
    "quit": "quit_urge",
}


@dataclass(frozen=True, slots=True)
class Answer:
    status: str  # 'ok' | 'expired' | 'invalid' | 'already'
    checkin: CheckinRecord | None = None
    recovery: bool = False
    skill_options: tuple[str, ...] = ()  # the program's skill keys
    practice_text: str | None = None  # the "try this week" the practice question asks about
    safety: bool = False  # this very answer was a high-risk one: the channel asks directly
    closing: Closing | None = None  # what to say, once the check-in is complete


async def _get(uow: UnitOfWork, user_id: int, day: date) -> Checkin | None:
    return await uow.session.scalar(
        select(Checkin)
        .where(Checkin.user_id == user_id, Checkin.local_date == day)
        .execution_options(populate_existing=True)
    )


async def practice_text(
    uow: UnitOfWork, user_id: int, now: datetime, program: Program = DEFAULT_PROGRAM
) -> str | None:
    """The "try this week" of the scenario this participant finished last (within a fortnight,
    and not within the last few hours), or None: then the practice question is not asked."""
    if program.try_this_week is None or "practice" not in program.items:
        return None
    last = (
        await uow.session.execute(
            select(Run.scenario_id, Run.node, Run.ended_at)
            .where(Run.user_id == user_id, Run.status == "ended", Run.ended_at.is_not(None))
            .order_by(Run.ended_at.desc())
            .limit(1)
        )
    ).first()
    if last is None or not (now - PRACTICE_WINDOW <= last.ended_at <= now - PRACTICE_AFTER):
        return None
    return program.try_this_week(last.scenario_id, last.node) or None


def asks(
    step: str,
    program: Program,
    hidden: tuple[str, ...],
    recovery: bool,
    row: Checkin | CheckinRecord,
    practice: bool,
) -> bool:
    """Whether this check-in asks `step`: the program's items less the hidden ones; urges only
    on a recovery track; "did you act on it" only after an urge; practice only when there is
    one to ask about."""
    if step == "done":
        return True
    item = STEP_ITEM[step]
    if item not in program.items or (item in hidden and item != "mood"):
        return False
    if item == "urge" and not recovery:
        return False
    if step == "acted" and not row.urge:
        return False
    if item == "skills" and not program.skills:
        return False
    return item != "practice" or practice


def next_step(current: str, asked) -> str:  # noqa: ANN001 - a predicate on step names
    """The first question after `current` that this check-in asks."""
    i = STEPS.index(current) + 1
    while not asked(STEPS[i]):
        i += 1
    return STEPS[i]


def answerable_day(settings: SettingsRecord | None, day: date, now: datetime) -> bool:
    """A check-in can be answered on its own day and the next (a late-evening one)."""
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    return today - timedelta(days=1) <= day <= today


@dataclass(frozen=True, slots=True)
class _Context:
    program: Program
    settings: SettingsRecord | None
    practice: str | None

    @property
    def recovery(self) -> bool:
        return bool(self.settings and self.settings.recovery_track)

    def asked(self, row: Checkin | CheckinRecord):  # noqa: ANN201 - a predicate
        hidden = self.settings.hidden_items if self.settings else ()
        return lambda step: asks(
            step, self.program, hidden, self.recovery, row, self.practice is not None
        )


async def _context(uow: UnitOfWork, user_id: int, now: datetime, program: Program) -> _Context:
    settings = await get_settings(uow, user_id)
    return _Context(program, settings, await practice_text(uow, user_id, now, program))


def _value(step: str, value: str, program: Program) -> Any:
    """The stored value a button means, or raise ValueError for anything we did not make."""
    if step in LEVEL_COLUMNS:
        if value not in LEVELS:
            raise ValueError(value)
        return int(value)
    if step == "acted" and value in ("y", "n"):
        return value == "y"
    if step == "meds" and value in MEDS:
        return value
    if step == "practice" and value in PRACTICE:
        return value
    if step == "sleep" and value.isdigit() and 0 <= int(value) <= SLEEP_MAX:
        return int(value)
    if step == "skill_rating" and value.isdigit() and 0 <= int(value) <= 7:
        return int(value)
    raise ValueError(value)


async def answer(
    uow: UnitOfWork,
    user_id: int,
    day: date,
    step: str,
    value: str,
    now: datetime,
    program: Program = DEFAULT_PROGRAM,
) -> Answer:
    """Apply one button of the check-in; anything out of turn or unknown changes nothing."""
    settings = await get_settings(uow, user_id)
    if not answerable_day(settings, day, now):
        return Answer("expired")
    ctx = _Context(program, settings, await practice_text(uow, user_id, now, program))
    row = await _get(uow, user_id, day)
    if step == "mood":
        if value not in LEVELS and value != "go":
            return Answer("invalid")
        if row is not None:
            return _result("already", row, ctx)
        row = Checkin(user_id=user_id, local_date=day, step="mood", created_at=now)
        uow.session.add(row)
        row.mood = int(value) if value in LEVELS else None
        return await _advance(uow, row, ctx, now)
    if row is None:
        return Answer("expired")
    if row.step != step:
        return _result("already", row, ctx)
    safety = False
    if step == "emotion":
        key, _, level = value.partition("-")
        if value == "done":
            rated = row.emotions or {}
            if rated:
                row.emotion = max(rated, key=lambda k: rated[k])
        elif not level and key in EMOTIONS:  # a keyboard from before intensities
            row.emotion = key
        elif key in program.emotions and level in LEVELS:
            row.emotions = {**(row.emotions or {}), key: int(level)}
            await uow.session.flush()
            return _result("ok", row, ctx)
        else:
            return Answer("invalid")
    elif step in ("halt", "skills"):
        options = list(HALT if step == "halt" else dict(program.skills))
        if value == "done":
            setattr(row, step, sorted(row.pending or (), key=options.index))
            row.pending = None
        elif value in options:
            picks = set(row.pending or ())
            picks ^= {value}
            row.pending = sorted(picks)
            await uow.session.flush()
            return _result("ok", row, ctx)
        else:
            return Answer("invalid")
    elif step == "note":
        if value != "skip":
            return Answer("invalid")
    elif step in STEP_ITEM:
        try:
            stored = _value(step, value, program)
        except ValueError:
            return Answer("invalid")
        setattr(row, LEVEL_COLUMNS.get(step, "sleep_hours" if step == "sleep" else step), stored)
        if step in ("suicidal", "self_harm") and stored >= SAFETY_LEVEL:
            safety = True
            await mark_crisis(uow, user_id, now)
    else:
        return Answer("invalid")
    result = await _advance(uow, row, ctx, now)
    return replace(result, safety=safety)


async def _advance(uow: UnitOfWork, row: Checkin, ctx: _Context, now: datetime) -> Answer:
    row.step = next_step(row.step, ctx.asked(row))
    settings = await uow.session.get(CheckinSettings, row.user_id)
    closing = None
    if row.step == "note":
        settings = settings or await _row(uow, row.user_id)
        settings.awaiting, settings.awaiting_since = f"note:{ymd(row.local_date)}", now
    elif row.step == "done":
        row.completed_at = now
        if settings is not None and (settings.awaiting or "").startswith("note:"):
            settings.awaiting, settings.awaiting_since = None, None
        await uow.session.flush()
        record = _checkin(row)
        recent = await history(uow, row.user_id, row.local_date - timedelta(days=HARD_DAYS))
        days = await checkin_days(uow, row.user_id)
        zone_name = ctx.settings.timezone if ctx.settings and ctx.settings.timezone else "UTC"
        today = local_today(zone_name, now)
        closing = checkin_replies.closing(record, recent, streak(days, max(today, row.local_date)))
    await uow.session.flush()
    return Answer(
        "ok", _checkin(row), ctx.recovery, _skill_keys(ctx.program), ctx.practice, False, closing
    )


def _skill_keys(program: Program) -> tuple[str, ...]:
    return tuple(k for k, _ in program.skills)


def _result(status: str, row: Checkin, ctx: _Context) -> Answer:
    return Answer(status, _checkin(row), ctx.recovery, _skill_keys(ctx.program), ctx.practice)


async def save_note(
    uow: UnitOfWork, user_id: int, text: str, now: datetime, program: Program = DEFAULT_PROGRAM
) -> Answer:
    """The typed note for the check-in waiting for one (the crisis check has already run)."""
    ctx = await _context(uow, user_id, now, program)
    awaiting = ctx.settings.awaiting_now(now) if ctx.settings else None
    if awaiting is None or not awaiting.startswith("note:"):
        return Answer("expired")
    day = parse_ymd(awaiting.removeprefix("note:"))
    row = await _get(uow, user_id, day) if day else None
    if row is None or row.step != "note":
        await clear_awaiting(uow, user_id)
        return Answer("expired")
    row.note = clean_text(text).strip()[:NOTE_LIMIT]
    return await _advance(uow, row, ctx, now)


async def share_note(uow: UnitOfWork, user_id: int, day: date, shared: bool) -> bool:
    row = await _get(uow, user_id, day)
    if row is None or row.note is None:
        return False
    row.shared_note = shared
    await uow.session.flush()
    return True


async def current(
    uow: UnitOfWork,
    user_id: int,
    day: date,
    now: datetime | None = None,
    program: Program = DEFAULT_PROGRAM,
) -> Answer:
    """Where today's check-in is (for "check in now")."""
    ctx = await _context(uow, user_id, now or datetime.now(UTC), program)
    row = await _get(uow, user_id, day)
    if row is None:
        return Answer("ok", None, ctx.recovery, _skill_keys(program), ctx.practice)
    return _result("already", row, ctx)


async def hide_item(
    uow: UnitOfWork, user_id: int, item: str, hidden: bool
) -> SettingsRecord | None:
    """Hide (or show again) one of the program's items for this participant; the mood opens
    every check-in and stays. None for an item that isn't hideable."""
    if item not in ITEMS or item == "mood":
        return None
    row = await _row(uow, user_id)
    items = set(row.hidden_items or ())
    items = items | {item} if hidden else items - {item}
    row.hidden_items = [i for i in ITEMS if i in items]
    await uow.session.flush()
    return _settings(row)


async def followup_answer(uow: UnitOfWork, user_id: int, struggling: bool, now: datetime) -> None:
    """The answer to the day-after follow-up. Still struggling: the channel shows the lines and
    the plan, and tomorrow's check-in asks once more; okay: nothing more is asked."""
    if struggling:
        await mark_crisis(uow, user_id, now)
    else:
        await uow.session.execute(
            update(CheckinSettings).where(CheckinSettings.user_id == user_id).values(crisis_on=None)
        )


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
            + escape(
                ", ".join(
                    FRAMEWORKS.get(s) or DEFAULT_PROGRAM.skill_label(s)
                    for s, _ in skills.most_common(3)
                )
            )
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Week:
    """What /week draws: the diary card's last seven days, and the fortnight's ridden-out urges."""

    days: tuple[date, ...]
    records: dict[date, CheckinRecord]
    items: tuple[str, ...]  # the program's items this participant sees
    rode_out: int  # urges of 3+ not acted on, over the last 14 days
    recovery: bool


async def week(
    uow: UnitOfWork, user_id: int, now: datetime, program: Program = DEFAULT_PROGRAM
) -> Week:
    settings = await get_settings(uow, user_id)
    today = local_today(settings.timezone if settings and settings.timezone else "UTC", now)
    records = await history(uow, user_id, today - timedelta(days=13))
    hidden = settings.hidden_items if settings else ()
    recovery = bool(settings and settings.recovery_track)
    items = tuple(
        i
        for i in program.items
        if (i not in hidden or i == "mood") and (i != "urge" or recovery) and i != "note"
    )
    days = tuple(today - timedelta(days=n) for n in range(6, -1, -1))
    return Week(
        days,
        {r.local_date: r for r in records if r.local_date in days},
        items,
        checkin_replies.rode_out_count(records),
        recovery,
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def card_data(week: Week, program: Program = DEFAULT_PROGRAM, name: str = "") -> dict[str, Any]:
    """The week as plain data (what the card means; channels draw it, as a picture or a PDF,
    and a card sent to a leader is queued as this): day labels, and rows of (label, cells,
    whether a cell of 3+ there is a safety signal)."""
    rows: list[list[Any]] = []

    def row(label: str, cells: list[object], safety: bool = False) -> None:
        rows.append([label, [_cell(c) for c in cells], safety])

    recs = [week.records.get(d) for d in week.days]

    def each(get) -> list[object]:  # noqa: ANN001 - a getter
        return [get(r) if r is not None else None for r in recs]

    for item in week.items:
        if item == "mood":
            row("Mood (0-5)", each(lambda r: r.mood))
        elif item == "emotions":
            rated = [e for e in program.emotions if any(r and e in r.emotions for r in recs)]
            for key in rated:
                row(f"{EMOTIONS[key]} (0-5)", each(lambda r, k=key: r.emotions.get(k)))
            if not rated:
                row("Strongest feeling", each(lambda r: EMOTIONS.get(r.emotion or "")))
        elif item == "urge":
            row("Urge to use (0-5)", each(lambda r: r.urge))
            row("Acted on it", each(lambda r: r.acted))
        elif item == "self_harm":
            row("Self-harm urge (0-5)", each(lambda r: r.self_harm), True)
        elif item == "suicidal":
            row("Suicidal thoughts (0-5)", each(lambda r: r.suicidal), True)
        elif item == "quit":
            row("Urge to skip or quit (0-5)", each(lambda r: r.quit_urge))
        elif item == "meds":
            row("Meds as prescribed", each(lambda r: MEDS.get(r.meds or "")))
        elif item == "sleep":
            row("Sleep (hours)", each(lambda r: r.sleep_hours))
        elif item == "halt":
            row("HALT", each(lambda r: "".join(h[0].upper() for h in r.halt or ()) or None))
        elif item == "skills":
            row("Skills used", each(lambda r: len(r.skills) if r.skills is not None else None))
            row("Skill use (0-7)", each(lambda r: r.skill_rating))
        elif item == "practice":
            row("Tried the practice", each(lambda r: PRACTICE.get(r.practice or "")))
    skills = Counter(s for r in recs if r for s in r.skills or ())
    return {
        "name": name,
        "days": [f"{d:%a} {d.day}" for d in week.days],
        "period": f"{week.days[0]:%b} {week.days[0].day} to {week.days[-1]:%b} {week.days[-1].day}",
        "rows": rows,
        "skills": [program.skill_label(s) for s, _ in skills.most_common()],
        "rode_out": week.rode_out,
        "recovery": week.recovery,
    }


CARD_KIND = "diary-card"


async def send_card(
    uow: UnitOfWork,
    user_id: int,
    group_id: int,
    now: datetime,
    program: Program = DEFAULT_PROGRAM,
) -> str | None:
    """Queue this week's card to the leader of a group the participant is in, because they
    confirmed it: the only way a leader sees one participant's answers. The row holds what the
    card says (the bot draws the PDF when it sends). The leader's name, or None if not a member.
    """
    from state.groups import member_groups  # state.groups is the larger module: import late

    found = [(g, m) for g, m in await member_groups(uow, user_id) if g.id == group_id]
    if not found:
        return None
    group, member = found[0]
    card = card_data(await week(uow, user_id, now, program), program, member.display_name)
    await outbox.enqueue(
        uow,
        chat_id=group.leader_id,
        user_id=group.leader_id,
        subject_id=user_id,  # about the member: theirs to export and erase too
        kind=CARD_KIND,
        ref=str(group.id),
        text=(
            f"🗂 {escape(member.display_name)} from <b>{escape(group.name)}</b> sent you their "
            f"diary card for {escape(card['period'])}."
        ),
        extra={"card": card},
        dedupe_key=f"diary-card:{group.id}:{user_id}:{now:%Y%m%d%H%M}",
        not_before=now,
    )
    return group.leader_name


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
