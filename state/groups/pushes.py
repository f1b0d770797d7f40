"""Pushes: a leader sends their group a scenario (one outbox message per reachable member,
queued in the deciding transaction), how its delivery adds up, and the report once it settled."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select

from state import outbox
from state.db.groups import Group, Push
from state.db.models import OutboxMessage, utcnow
from state.groups.membership import members
from state.groups.records import (
    PUSH_KIND,
    REPEAT_WINDOW,
    REPORT_KIND,
    Delivery,
    GroupRecord,
    PushRecord,
    PushResult,
    push_record,
)
from state.store import UnitOfWork


def push_means(group: GroupRecord, scenario_id: str, title: str, summary: str) -> dict[str, str]:
    """What a queued push means: the bot draws its text and Start button when it sends
    (bot/features/group_messages.py), so the button grammar lives only in the bot."""
    return {
        "kind": PUSH_KIND,
        "group": group.name,
        "leader": group.leader_name,
        "scenario_id": scenario_id,
        "title": title,
        "summary": summary,
    }


async def create_push(
    uow: UnitOfWork,
    group: GroupRecord,
    scenario_id: str,
    *,
    title: str,
    summary: str,
    created_by: int,
    now: datetime | None = None,
) -> PushResult:
    """Record the push and queue one message per reachable member, in this transaction.

    Members who blocked the bot are not queued (they are counted as `inactive`). The dedupe key
    `push:<push_id>:<user_id>` makes a retried transaction queue each message once.
    """
    now = now or utcnow()
    recent = await uow.session.scalar(
        select(Push.id).where(
            Push.group_id == group.id,
            Push.scenario_id == scenario_id,
            Push.created_at > now - REPEAT_WINDOW,
        )
    )
    if recent is not None:
        return PushResult("repeat")
    people = await members(uow, group.id)
    reachable = [m for m in people if m.active]
    if not reachable:
        return PushResult("empty", inactive=len(people))
    push = Push(group_id=group.id, scenario_id=scenario_id, created_by=created_by, created_at=now)
    uow.session.add(push)
    await uow.session.flush()
    means = push_means(group, scenario_id, title, summary)
    messages = outbox.meaning_to_each(
        means,
        (m.user_id for m in reachable),
        ref=str(push.id),
        key=lambda uid: f"push:{push.id}:{uid}",
        not_before=now,
    )
    queued = await outbox.enqueue_many(uow, messages)
    return PushResult("ok", push_record(push), queued, len(people) - len(reachable))


async def group_pushes(uow: UnitOfWork, group_id: int) -> list[PushRecord]:
    rows = await uow.session.scalars(
        select(Push).where(Push.group_id == group_id).order_by(Push.created_at, Push.id)
    )
    return [push_record(p) for p in rows]


async def get_push(uow: UnitOfWork, push_id: int) -> PushRecord | None:
    row = await uow.session.scalar(select(Push).where(Push.id == push_id))
    return push_record(row) if row else None


def _outcome(status: str, error: str | None) -> str:
    """Which count of a Delivery an outbox row's status adds to."""
    if status == "sent":
        return "sent"
    if status in ("queued", "sending"):
        return "pending"
    if error == "blocked":
        return "blocked"
    return "unconfirmed" if error == "interrupted" else "failed"


async def delivery(uow: UnitOfWork, push_ids: Iterable[int]) -> dict[int, Delivery]:
    """Counts per push: sent, blocked, unconfirmed (no answer, twice), failed (other),
    pending (queued or sending).

    The outbox rows still there, plus what the retention purge counted into the push
    (`Push.delivered`) before it erased older ones.
    """
    ids = [int(i) for i in push_ids]
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(OutboxMessage.ref, OutboxMessage.status, OutboxMessage.error, func.count())
        .where(OutboxMessage.kind == PUSH_KIND, OutboxMessage.ref.in_([str(i) for i in ids]))
        .group_by(OutboxMessage.ref, OutboxMessage.status, OutboxMessage.error)
    )
    tally: dict[int, dict[str, int]] = {i: {} for i in ids}
    for ref, status, error, n in rows:
        key = _outcome(status, error)
        tally[int(ref)][key] = tally[int(ref)].get(key, 0) + n
    kept = await uow.session.execute(
        select(Push.id, Push.delivered).where(Push.id.in_(ids), Push.delivered.is_not(None))
    )
    for push_id, counts in kept:
        for key, n in (counts or {}).items():
            if key in ("sent", "blocked", "failed", "unconfirmed"):
                tally[push_id][key] = tally[push_id].get(key, 0) + int(n)
    return {i: Delivery(**t) for i, t in tally.items()}


async def keep_delivery(
    uow: UnitOfWork, erased: Iterable[tuple[str, str | None, str, str | None]]
) -> int:
    """Count erased push messages ((kind, ref, status, error), from `outbox.purge_settled`)
    into their pushes, so `delivery` still adds up; the number of pushes updated."""
    added: dict[int, dict[str, int]] = {}
    for kind, ref, status, error in erased:
        if kind != PUSH_KIND or not (ref or "").isdigit() or status not in ("sent", "failed"):
            continue
        counts = added.setdefault(int(ref or 0), {})
        key = _outcome(status, error)
        counts[key] = counts.get(key, 0) + 1
    if not added:
        return 0
    pushes = await uow.session.scalars(select(Push).where(Push.id.in_(list(added))))
    updated = 0
    for push in pushes:
        total = dict(push.delivered or {})
        for key, n in added[push.id].items():
            total[key] = int(total.get(key, 0)) + n
        push.delivered = total  # a new dict: the JSON column sees the change
        updated += 1
    await uow.session.flush()
    return updated


def report_means(group_name: str, title: str, d: Delivery) -> dict[str, object]:
    """What a delivery report means: the counts, drawn by the bot when it is sent."""
    return {"kind": REPORT_KIND, "group": group_name, "title": title, **asdict(d)}


async def settle_reports(
    uow: UnitOfWork, title_of: Callable[[str], str], now: datetime | None = None
) -> list[int]:
    """Queue a delivery report to the leader of every push whose messages are all settled.

    Run by one repeating job; `reported_at` and the dedupe key make a rerun (or a second
    worker) report each push once.
    """
    now = now or utcnow()
    waiting = list(
        await uow.session.execute(
            select(Push, Group)
            .join(Group, Group.id == Push.group_id)
            .where(Push.reported_at.is_(None))
            .order_by(Push.id)
            .limit(200)
        )
    )
    if not waiting:
        return []
    counts = await delivery(uow, [p.id for p, _ in waiting])
    reports, done = [], []
    for push, group in waiting:
        d = counts.get(push.id, Delivery())
        if d.pending:
            continue
        reports.append(
            outbox.meaning(
                report_means(group.name, title_of(push.scenario_id), d),
                chat_id=group.leader_id,
                user_id=group.leader_id,
                ref=str(push.id),
                dedupe_key=f"push-report:{push.id}",
                not_before=now,
            )
        )
        push.reported_at = now
        done.append(push.id)
    await outbox.enqueue_many(uow, reports)
    return done
