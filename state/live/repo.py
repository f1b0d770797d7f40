"""The live tables on one unit of work: the only place live rehearsals touch the session.

Methods that change a run take its row FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already
serialises writers), so a leader's press, a timer, a `poll` update and a member's line on the
same run apply one after another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update

from state.db.live import LiveChat, LiveLine, LiveRun, LiveStep
from state.db.models import OutboxMessage, SafetyEvent
from state.live.records import LINE_GONE_KIND, LINE_KIND
from state.store import UnitOfWork

# A copy's payload once its words are gone (outbox.meaning's shape: no text, no buttons).
GONE = {"text": "", "buttons": [], "means": {"kind": LINE_GONE_KIND}}


def line_ref(run_id: int, step: int) -> str:
    return f"{run_id}:{step}"


def line_key(line_id: int) -> str:
    return f"live-line:{line_id}"


class LiveRepo:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    # ---- chats -----------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> LiveChat | None:
        """The chat's link to a group (the group itself is the groups service's to read)."""
        return await self.session.get(LiveChat, chat_id)

    async def link(self, chat_id: int, group_id: int, user_id: int, now: datetime) -> None:
        row = await self.session.get(LiveChat, chat_id)
        if row is None:
            self.session.add(
                LiveChat(chat_id=chat_id, group_id=group_id, linked_by=user_id, linked_at=now)
            )
        else:
            row.group_id, row.linked_by, row.linked_at = group_id, user_id, now
        await self.session.flush()

    async def unlink(self, chat_id: int) -> None:
        await self.session.execute(delete(LiveChat).where(LiveChat.chat_id == chat_id))

    # ---- runs and steps --------------------------------------------------------------------

    async def run(self, run_id: int, *, lock: bool = False) -> LiveRun | None:
        stmt = select(LiveRun).where(LiveRun.id == run_id)
        return await self.session.scalar(stmt.with_for_update() if lock else stmt)

    async def active_run(self, chat_id: int, *, lock: bool = False) -> LiveRun | None:
        stmt = select(LiveRun).where(LiveRun.chat_id == chat_id, LiveRun.status == "active")
        return await self.session.scalar(stmt.with_for_update() if lock else stmt)

    async def add_run(self, **values: Any) -> LiveRun:
        run = LiveRun(**values)
        self.session.add(run)
        await self.session.flush()
        return run

    async def add_step(self, **values: Any) -> LiveStep:
        step = LiveStep(**values)
        self.session.add(step)
        await self.session.flush()
        return step

    async def step(self, run_id: int, step: int) -> LiveStep | None:
        return await self.session.get(LiveStep, (run_id, step))

    async def current_step(self, run_id: int) -> LiveStep | None:
        return await self.session.scalar(
            select(LiveStep)
            .where(LiveStep.run_id == run_id)
            .order_by(LiveStep.step.desc())
            .limit(1)
        )

    async def steps(self, run_id: int) -> list[LiveStep]:
        rows = await self.session.scalars(
            select(LiveStep).where(LiveStep.run_id == run_id).order_by(LiveStep.step)
        )
        return list(rows)

    async def step_by_poll(self, poll_id: str) -> LiveStep | None:
        return await self.session.scalar(select(LiveStep).where(LiveStep.poll_id == poll_id))

    async def due(self, now: datetime) -> list[tuple[int, int]]:
        rows = await self.session.execute(
            select(LiveStep.run_id, LiveStep.step).where(
                LiveStep.status == "voting", LiveStep.closes_at <= now
            )
        )
        return [(r, s) for r, s in rows]

    async def interrupted(self, before: datetime) -> list[tuple[int, int]]:
        """Steps of active runs left half-way before `before`: a poll not known to be out, a
        vote being stopped, results not known to be shown."""
        posting = (LiveStep.status == "posting") & (LiveStep.opened_at < before)
        closing = LiveStep.status.in_(("closing", "closed")) & (LiveStep.closed_at < before)
        rows = await self.session.execute(
            select(LiveStep.run_id, LiveStep.step)
            .join(LiveRun, LiveRun.id == LiveStep.run_id)
            .where(LiveRun.status == "active", LiveStep.shown_at.is_(None), posting | closing)
            .order_by(LiveStep.run_id, LiveStep.step)
        )
        return [(r, s) for r, s in rows]

    # ---- members' lines --------------------------------------------------------------------

    async def draft(self, user_id: int) -> LiveLine | None:
        return await self.session.scalar(
            select(LiveLine)
            .where(LiveLine.user_id == user_id, LiveLine.status == "writing")
            .order_by(LiveLine.id.desc())
            .limit(1)
        )

    async def drop_drafts(self, user_id: int) -> int:
        result = await self.session.execute(
            delete(LiveLine).where(LiveLine.user_id == user_id, LiveLine.status == "writing")
        )
        return result.rowcount or 0

    async def add_line(self, **values: Any) -> LiveLine:
        line = LiveLine(**values)
        self.session.add(line)
        await self.session.flush()
        return line

    async def line(self, line_id: int) -> LiveLine | None:
        return await self.session.get(LiveLine, line_id)

    async def lines_sent(self, run_id: int, step: int, user_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(
                    LiveLine.run_id == run_id,
                    LiveLine.step == step,
                    LiveLine.user_id == user_id,
                    LiveLine.status.in_(("waiting", "shown")),
                )
            )
            or 0
        )

    async def crisis_since(self, user_id: int, since: datetime) -> bool:
        """Whether crisis language was recorded for the user at or after `since`."""
        return bool(
            await self.session.scalar(
                select(
                    exists().where(SafetyEvent.user_id == user_id, SafetyEvent.created_at >= since)
                )
            )
        )

    async def drop_lines(self, run_id: int, step: int | None = None) -> None:
        """Forget the lines of a closed vote (or of every vote of a run): their words, who
        wrote them, and the copies queued for the leader."""
        where = [LiveLine.run_id == run_id] + ([LiveLine.step == step] if step is not None else [])
        await self.session.execute(delete(LiveLine).where(*where))
        refs = [OutboxMessage.kind == LINE_KIND]
        if step is not None:
            refs.append(OutboxMessage.ref == line_ref(run_id, step))
        else:
            refs.append(OutboxMessage.ref.like(f"{run_id}:%"))
        await self._scrub(*refs)

    async def scrub_line(self, line_id: int) -> None:
        key = line_key(line_id)
        await self._scrub(OutboxMessage.kind == LINE_KIND, OutboxMessage.dedupe_key == key)

    async def _scrub(self, *where: Any) -> None:
        """A line's copy for the leader: not sent if still queued, and its words gone either way."""
        await self.session.execute(
            update(OutboxMessage)
            .where(*where, OutboxMessage.status == "queued")
            .values(status="failed", error="withdrawn")
        )
        await self.session.execute(update(OutboxMessage).where(*where).values(payload=GONE))
