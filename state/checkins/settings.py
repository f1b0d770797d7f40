"""A participant's check-in settings: the setup questions, pause, resume, stop, the options
and which diary items they hide. Each function runs inside the caller's transaction; the
service (service.py) gives each its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from state import groups
from state.checkin_items import ITEMS
from state.checkins.records import SettingsRecord
from state.checkins.repo import CheckinRepo, settings_record
from state.db.checkins import CheckinSettings
from state.schedule import local_today, next_due
from state.store import UnitOfWork

SETUP_STEPS = ("zone", "time", "quiet", "recovery")
# Asked last before sharing became a choice per group (/mygroups): a button from then still
# answers, and finishes the setup.
LEGACY_SETUP_STEPS = ("share",)


async def get_settings(uow: UnitOfWork, user_id: int) -> SettingsRecord | None:
    row = await CheckinRepo(uow).settings(user_id)
    return settings_record(row) if row else None


def _reschedule(row: CheckinSettings, now: datetime) -> None:
    rule = settings_record(row).rule
    row.next_due_at = next_due(rule, now) if rule is not None and row.active else None


async def start_setup(uow: UnitOfWork, user_id: int, now: datetime) -> SettingsRecord:
    """Begin (or redo) the setup questions; an existing schedule keeps running meanwhile."""
    repo = CheckinRepo(uow)
    row = await repo.settings_or_new(user_id)
    row.setup_step = SETUP_STEPS[0]
    row.awaiting, row.awaiting_since = "zone", now
    await repo.flush()
    return settings_record(row)


async def setup_answer(
    uow: UnitOfWork, user_id: int, step: str, value: Any, now: datetime
) -> SettingsRecord | None:
    """Store one setup answer and move to the next question (None: not at that question).

    `value` is already validated by the caller's parser: a zone name from
    `schedule.parse_zone`, a `time`, a `(start, end)` pair or None, or a bool.
    """
    repo = CheckinRepo(uow)
    row = await repo.settings(user_id)
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
        for group, _ in await groups.member_groups(uow, user_id):
            await groups.set_sharing(uow, group.id, user_id, groups.Share.CHECKINS, bool(value))
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
            settings_record(row).rule,
            now.replace(second=0, microsecond=0) - timedelta(microseconds=1),
        )
    await repo.flush()
    return settings_record(row)


async def pause(uow: UnitOfWork, user_id: int, until: datetime, now: datetime) -> SettingsRecord:
    repo = CheckinRepo(uow)
    row = await repo.settings_or_new(user_id)
    row.paused_until = until
    _reschedule(row, now)
    await repo.flush()
    return settings_record(row)


async def resume(uow: UnitOfWork, user_id: int, now: datetime) -> SettingsRecord | None:
    """Clear a pause, or turn a stopped schedule back on; None if it was never set up."""
    repo = CheckinRepo(uow)
    row = await repo.settings(user_id)
    if row is None or row.local_time is None or row.timezone is None:
        return None
    row.paused_until, row.active = None, True
    _reschedule(row, now)
    await repo.flush()
    return settings_record(row)


async def stop(uow: UnitOfWork, user_id: int) -> bool:
    """No more check-ins (answers and settings are kept); False if there was nothing to stop."""
    repo = CheckinRepo(uow)
    row = await repo.settings(user_id)
    if row is None or not row.active:
        return False
    row.active, row.next_due_at, row.setup_step, row.awaiting = False, None, None, None
    await repo.flush()
    return True


async def set_option(uow: UnitOfWork, user_id: int, name: str, on: bool) -> SettingsRecord:
    """Toggle `weekly_summary` or `recovery_track` (sharing is per group: state.groups)."""
    if name not in ("weekly_summary", "recovery_track"):
        raise ValueError(name)
    repo = CheckinRepo(uow)
    row = await repo.settings_or_new(user_id)
    setattr(row, name, on)
    await repo.flush()
    return settings_record(row)


async def hide_item(
    uow: UnitOfWork, user_id: int, item: str, hidden: bool
) -> SettingsRecord | None:
    """Hide (or show again) one of the program's items for this participant; the mood opens
    every check-in and stays. None for an item that isn't hideable."""
    if item not in ITEMS or item == "mood":
        return None
    repo = CheckinRepo(uow)
    row = await repo.settings_or_new(user_id)
    items = set(row.hidden_items or ())
    items = items | {item} if hidden else items - {item}
    row.hidden_items = [i for i in ITEMS if i in items]
    await repo.flush()
    return settings_record(row)


async def clear_awaiting(uow: UnitOfWork, user_id: int) -> None:
    await CheckinRepo(uow).clear_awaiting(user_id)


async def mark_crisis(uow: UnitOfWork, user_id: int, now: datetime) -> bool:
    """Remember a crisis day, for one follow-up the next day: only for a participant who
    agreed to check-ins (an active schedule), inside the caller's transaction."""
    repo = CheckinRepo(uow)
    row = await repo.settings(user_id)
    if row is None or not row.active or row.timezone is None:
        return False
    try:
        row.crisis_on = local_today(row.timezone, now)
    except (ValueError, LookupError):
        row.crisis_on = now.astimezone(UTC).date()
    await repo.flush()
    return True
