"""Answering a check-in: one button (or the typed note) at a time, the questions a
participant's program asks in order, "check in now", snoozing a queued check-in, sharing a
note and the day-after follow-up. Each function runs inside the caller's transaction.

The questions are a program's diary-card items (state/checkin_items.py) less the ones a
participant hid; what is said when a check-in is saved is in state/checkin_replies.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from state import checkin_replies, outbox
from state.checkin_items import (
    DEFAULT_PROGRAM,
    EMOTIONS,
    ITEM_STEPS,
    MEDS,
    PRACTICE,
    SAFETY_LEVEL,
    SLEEP_MAX,
    STEP_ITEM,
    Program,
)
from state.checkin_replies import HARD_DAYS
from state.checkins.messages import checkin_message
from state.checkins.records import Answer, CheckinRecord, SettingsRecord, parse_ymd, ymd
from state.checkins.repo import CheckinRepo, checkin_record
from state.checkins.settings import clear_awaiting, get_settings, mark_crisis
from state.checkins.summaries import HALT, checkin_days, history
from state.db.checkins import Checkin
from state.practice.progress import streak
from state.schedule import local_today, snooze_until
from state.store import UnitOfWork
from state.text import clean_text

NOTE_LIMIT = 1000
STEPS = (*(step for steps in ITEM_STEPS.values() for step in steps), "done")
LEVELS = frozenset(str(n) for n in range(6))
PRACTICE_WINDOW = timedelta(days=14)  # a scenario finished longer ago isn't "this week"
PRACTICE_AFTER = timedelta(hours=6)  # nor one finished a moment ago
LEVEL_COLUMNS = {
    "urge": "urge",
    "self_harm": "self_harm",
    "suicidal": "suicidal",
    "quit": "quit_urge",
}
SAFETY_STEPS = ("self_harm", "suicidal")


def safety_answer(step: str, value: str) -> bool:
    """Whether this button of the check-in, once taken, brings the safety question: thoughts
    of suicide or self-harm urges at SAFETY_LEVEL or more. Told from the button alone, so the
    channel can send the question before the answer's write (`in_turn` says whether it is
    taken)."""
    return step in SAFETY_STEPS and value in LEVELS and int(value) >= SAFETY_LEVEL


async def practice_text(
    uow: UnitOfWork, user_id: int, now: datetime, program: Program = DEFAULT_PROGRAM
) -> str | None:
    """The "try this week" of the scenario this participant finished last (within a fortnight,
    and not within the last few hours), or None: then the practice question is not asked."""
    if program.try_this_week is None or "practice" not in program.items:
        return None
    last = await CheckinRepo(uow).last_ended_run(user_id)
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
    row = await CheckinRepo(uow).checkin(user_id, day)
    turn = _turn(settings, row, day, step, now)
    if turn == "expired":
        return Answer("expired")
    ctx = _Context(program, settings, await practice_text(uow, user_id, now, program))
    if step == "mood" and value not in LEVELS and value != "go":
        return Answer("invalid")
    if turn == "already":
        return _result("already", row, ctx)
    if step == "mood":
        row = Checkin(user_id=user_id, local_date=day, step="mood", created_at=now)
        CheckinRepo(uow).add(row)
        row.mood = int(value) if value in LEVELS else None
        return await _advance(uow, row, ctx, now)
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
            await CheckinRepo(uow).flush()
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
            await CheckinRepo(uow).flush()
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
        if safety_answer(step, value):
            safety = True
            await mark_crisis(uow, user_id, now)
    else:
        return Answer("invalid")
    result = await _advance(uow, row, ctx, now)
    return replace(result, safety=safety)


async def in_turn(uow: UnitOfWork, user_id: int, day: date, step: str, now: datetime) -> bool:
    """Whether `answer` would take a button of `step` for the check-in of `day` now (`_turn`).
    A read, inside the caller's transaction."""
    settings = await get_settings(uow, user_id)
    return _turn(settings, await CheckinRepo(uow).checkin(user_id, day), day, step, now) == "ok"


def _turn(
    settings: SettingsRecord | None, row: Checkin | None, day: date, step: str, now: datetime
) -> str:
    """ "ok" when the check-in of `day` waits on a button of `step` now (the mood's: none begun
    yet); else "expired" (the day no longer answerable, or its check-in never begun) or
    "already" (the check-in is past that question)."""
    if not answerable_day(settings, day, now):
        return "expired"
    if step == "mood":
        return "ok" if row is None else "already"
    if row is None:
        return "expired"
    return "ok" if row.step == step else "already"


async def _advance(uow: UnitOfWork, row: Checkin, ctx: _Context, now: datetime) -> Answer:
    row.step = next_step(row.step, ctx.asked(row))
    repo = CheckinRepo(uow)
    settings = await repo.settings_cached(row.user_id)
    closing = None
    if row.step == "note":
        settings = settings or await repo.settings_or_new(row.user_id)
        settings.awaiting, settings.awaiting_since = f"note:{ymd(row.local_date)}", now
    elif row.step == "done":
        row.completed_at = now
        if settings is not None and (settings.awaiting or "").startswith("note:"):
            settings.awaiting, settings.awaiting_since = None, None
        await repo.flush()
        record = checkin_record(row)
        recent = await history(uow, row.user_id, row.local_date - timedelta(days=HARD_DAYS))
        days = await checkin_days(uow, row.user_id)
        zone_name = ctx.settings.timezone if ctx.settings and ctx.settings.timezone else "UTC"
        today = local_today(zone_name, now)
        closing = checkin_replies.closing(record, recent, streak(days, max(today, row.local_date)))
    await repo.flush()
    return Answer(
        "ok",
        checkin_record(row),
        ctx.recovery,
        _skill_keys(ctx.program),
        ctx.practice,
        False,
        closing,
    )


def _skill_keys(program: Program) -> tuple[str, ...]:
    return tuple(k for k, _ in program.skills)


def _result(status: str, row: Checkin, ctx: _Context) -> Answer:
    return Answer(status, checkin_record(row), ctx.recovery, _skill_keys(ctx.program), ctx.practice)


async def save_note(
    uow: UnitOfWork, user_id: int, text: str, now: datetime, program: Program = DEFAULT_PROGRAM
) -> Answer:
    """The typed note for the check-in waiting for one (the crisis check has already run)."""
    ctx = await _context(uow, user_id, now, program)
    awaiting = ctx.settings.awaiting_now(now) if ctx.settings else None
    if awaiting is None or not awaiting.startswith("note:"):
        return Answer("expired")
    day = parse_ymd(awaiting.removeprefix("note:"))
    row = await CheckinRepo(uow).checkin(user_id, day) if day else None
    if row is None or row.step != "note":
        await clear_awaiting(uow, user_id)
        return Answer("expired")
    row.note = clean_text(text).strip()[:NOTE_LIMIT]
    return await _advance(uow, row, ctx, now)


async def share_note(uow: UnitOfWork, user_id: int, day: date, shared: bool) -> bool:
    row = await CheckinRepo(uow).checkin(user_id, day)
    if row is None or row.note is None:
        return False
    row.shared_note = shared
    await CheckinRepo(uow).flush()
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
    row = await CheckinRepo(uow).checkin(user_id, day)
    if row is None:
        return Answer("ok", None, ctx.recovery, _skill_keys(program), ctx.practice)
    return _result("already", row, ctx)


async def followup_answer(uow: UnitOfWork, user_id: int, struggling: bool, now: datetime) -> None:
    """The answer to the day-after follow-up. Still struggling: the channel shows the lines and
    the plan, and tomorrow's check-in asks once more; okay: nothing more is asked."""
    if struggling:
        await mark_crisis(uow, user_id, now)
    else:
        await CheckinRepo(uow).clear_crisis([user_id])


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
    existing = await CheckinRepo(uow).checkin(user_id, day)
    if existing is not None:
        return None
    when = snooze_until(rule, now)
    message = checkin_message(
        user_id, day, snoozed=True, mood="mood" in program.items, not_before=when
    )
    queued = await outbox.enqueue_many(uow, [message])
    return when if queued else None
