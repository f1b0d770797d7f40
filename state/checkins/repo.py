"""The check-in tables (state/db/checkins.py) on one unit of work: the only place check-ins
touch the session. Rows it hands out are changed in place by the caller inside the same
transaction (as `state.live.repo` does); what leaves the transaction is a record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update

from state.checkins.records import CheckinRecord, SettingsRecord
from state.db.checkins import Checkin, CheckinSettings
from state.db.models import Run, User
from state.store import UnitOfWork, to_record

_SETTINGS = CheckinSettings.__table__


def settings_record(row: CheckinSettings) -> SettingsRecord:
    return to_record(SettingsRecord, row)


def checkin_record(row: Checkin) -> CheckinRecord:
    return to_record(CheckinRecord, row)


class CheckinRepo:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session = uow.session

    async def flush(self) -> None:
        await self.session.flush()

    # ---- settings ----------------------------------------------------------------------------

    async def settings(self, user_id: int) -> CheckinSettings | None:
        return await self.session.get(CheckinSettings, user_id, populate_existing=True)

    async def settings_cached(self, user_id: int) -> CheckinSettings | None:
        """The row as this transaction already holds it (no refresh from the database)."""
        return await self.session.get(CheckinSettings, user_id)

    async def settings_or_new(self, user_id: int) -> CheckinSettings:
        """The participant's row, made (inactive, nothing scheduled) if they have none."""
        row = await self.settings(user_id)
        if row is None:
            await self.uow.users.ensure(user_id)
            row = CheckinSettings(user_id=user_id, active=False)
            self.session.add(row)
            await self.session.flush()
        return row

    async def clear_awaiting(self, user_id: int) -> None:
        await self.session.execute(
            update(CheckinSettings)
            .where(CheckinSettings.user_id == user_id)
            .values(awaiting=None, awaiting_since=None)
        )

    async def clear_crisis(self, user_ids: Sequence[int]) -> None:
        await self.session.execute(
            update(_SETTINGS).where(_SETTINGS.c.user_id.in_(list(user_ids))).values(crisis_on=None)
        )

    async def timezones(self, user_ids: Iterable[int]) -> dict[int, str | None]:
        rows = await self.session.execute(
            select(CheckinSettings.user_id, CheckinSettings.timezone).where(
                CheckinSettings.user_id.in_(list(user_ids))
            )
        )
        return {u: z for u, z in rows.all()}

    # ---- who is due --------------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> Sequence[Row[Any]]:
        """Up to `limit` active schedules due by `now`, earliest first, with whether their user
        is reachable and consented. On PostgreSQL the rows are locked and rows another worker
        holds are skipped, so several bot workers may run the job at once."""
        stmt = (
            select(
                _SETTINGS.c.user_id,
                _SETTINGS.c.local_time,
                _SETTINGS.c.timezone,
                _SETTINGS.c.quiet_start,
                _SETTINGS.c.quiet_end,
                _SETTINGS.c.paused_until,
                _SETTINGS.c.next_due_at,
                _SETTINGS.c.weekly_summary,
                _SETTINGS.c.crisis_on,
                User.active,
                User.consented_at,
            )
            .join(User, User.id == _SETTINGS.c.user_id)
            .where(_SETTINGS.c.next_due_at <= now, _SETTINGS.c.active.is_(True))
            .order_by(_SETTINGS.c.next_due_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=_SETTINGS)
        return (await self.session.execute(stmt)).all()

    async def move_due(self, moves: list[dict[str, Any]]) -> None:
        """Set each `b_user`'s `next_due_at` to `b_due`, in one executemany."""
        await self.session.execute(
            update(_SETTINGS)
            .where(_SETTINGS.c.user_id == bindparam("b_user"))
            .values(next_due_at=bindparam("b_due")),
            moves,
        )

    async def started(self, pairs: list[tuple[int, date | None]]) -> set[tuple[int, date]]:
        """Which of these (user, day) already have a check-in (started with "check in now")."""
        if not pairs:
            return set()
        days = {d for _, d in pairs if d is not None}
        rows = await self.session.execute(
            select(Checkin.user_id, Checkin.local_date).where(
                Checkin.user_id.in_({u for u, _ in pairs}), Checkin.local_date >= min(days)
            )
        )
        return {(u, d) for u, d in rows.all()}

    # ---- answers -----------------------------------------------------------------------------

    async def checkin(self, user_id: int, day: date) -> Checkin | None:
        return await self.session.scalar(
            select(Checkin)
            .where(Checkin.user_id == user_id, Checkin.local_date == day)
            .execution_options(populate_existing=True)
        )

    def add(self, row: Checkin) -> None:
        self.session.add(row)

    async def history(self, user_id: int, since: date) -> list[CheckinRecord]:
        """Completed check-ins from `since` on, oldest first."""
        rows = await self.session.scalars(
            select(Checkin)
            .where(
                Checkin.user_id == user_id,
                Checkin.local_date >= since,
                Checkin.completed_at.is_not(None),
            )
            .order_by(Checkin.local_date)
        )
        return [checkin_record(r) for r in rows]

    async def days(self, user_id: int) -> list[date]:
        rows = await self.session.scalars(
            select(Checkin.local_date).where(
                Checkin.user_id == user_id, Checkin.completed_at.is_not(None)
            )
        )
        return list(rows)

    async def completed(
        self, user_ids: Iterable[int], since: date, until: date
    ) -> Sequence[Row[Any]]:
        """These participants' completed check-ins in `since`..`until`, by day then user."""
        return (
            await self.session.execute(
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
                    Checkin.user_id.in_(list(user_ids)),
                    Checkin.local_date >= since,
                    Checkin.local_date <= until,
                    Checkin.completed_at.is_not(None),
                )
                .order_by(Checkin.local_date, Checkin.user_id)
            )
        ).all()

    async def last_ended_run(self, user_id: int) -> Row[Any] | None:
        """(scenario_id, node, ended_at) of the scenario this participant finished last."""
        return (
            await self.session.execute(
                select(Run.scenario_id, Run.node, Run.ended_at)
                .where(Run.user_id == user_id, Run.status == "ended", Run.ended_at.is_not(None))
                .order_by(Run.ended_at.desc())
                .limit(1)
            )
        ).first()
