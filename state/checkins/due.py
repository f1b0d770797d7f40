"""The due job: who is due a check-in now, asked of the database through the index on
`next_due_at`, never one scheduler job per participant.

For each batch, in ONE transaction, `queue_due_batch` queues the check-in messages in the outbox
(and the Sunday summary, and the follow-up the day after a crisis) and moves `next_due_at` past
now. A retried or repeated run cannot queue a check-in twice: the outbox dedupe key is
`checkin:<user>:<local date>`, and the row it came from has already moved on. The rules of
when (quiet hours, pauses, the grace window) are state/schedule.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from state import outbox
from state.checkin_items import DEFAULT_PROGRAM, Program
from state.checkins.messages import checkin_message, followup_message
from state.checkins.records import DueResult
from state.checkins.repo import CheckinRepo
from state.checkins.summaries import queue_weekly
from state.schedule import GRACE, Decision, Rule, decide
from state.store import Store, UnitOfWork

BATCH = 1000


@dataclass(frozen=True, slots=True)
class DueJob:
    """How the due job runs: participants per transaction, how late a check-in may still go
    out (state/schedule.py's grace window), and the program whose questions it asks."""

    batch: int = BATCH
    grace: timedelta = GRACE
    program: Program = DEFAULT_PROGRAM


async def queue_due_batch(uow: UnitOfWork, now: datetime, job: DueJob = DueJob()) -> DueResult:
    """One batch of the due job, inside the caller's transaction."""
    repo = CheckinRepo(uow)
    rows = await repo.due(now, job.batch)
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
            decision = decide(rule, row.next_due_at, now, job.grace)
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
    answered = await repo.started([(r.user_id, d.local_date) for r, d in decisions])
    messages: list[outbox.Message] = []
    weekly: list[tuple[int, date]] = []
    followed: list[tuple[int, date]] = []
    asks_mood = "mood" in job.program.items
    for row, decision in decisions:
        day = decision.local_date
        assert day is not None
        if row.crisis_on is not None and day > row.crisis_on:
            followed.append((row.user_id, day))
        if (row.user_id, day) in answered:
            result.skipped += 1
            continue
        messages.append(checkin_message(row.user_id, day, mood=asks_mood))
        if row.weekly_summary and day.isoweekday() == 7:
            weekly.append((row.user_id, day))
    result.queued = await outbox.enqueue_many(uow, messages, now=now)
    if followed:
        result.followups = await outbox.enqueue_many(
            uow, [followup_message(u, d) for u, d in followed], now=now
        )
    if followed:
        await repo.clear_crisis([u for u, _ in followed])
    for user_id, day in weekly:
        result.weekly += int(await queue_weekly(uow, user_id, day, now))
    await repo.move_due(moves)
    return result


async def run_due(store: Store, now: datetime, job: DueJob = DueJob()) -> DueResult:
    """Queue every due check-in, one committed transaction per batch of `job.batch` participants."""
    total = DueResult()
    while True:
        result = await store.run(None, lambda uow: queue_due_batch(uow, now, job))
        total.add(result)
        if result.scanned < job.batch:
            return total
