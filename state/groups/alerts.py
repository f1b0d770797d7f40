"""Crisis alerts to leaders: no text, only the group, the member's name, the time and which
response fired; to each group where the member allowed it, at most one per 10 minutes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from state import outbox
from state.db.groups import Group, Membership
from state.db.models import User, utcnow
from state.groups.records import ALERT_BUCKET_SECONDS, ALERT_KIND
from state.groups.roles import still_leads
from state.store import Store, UnitOfWork


def _local(moment: datetime, timezone: str | None) -> str:
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = moment.astimezone(zone)
    label = "UTC" if zone is UTC else (local.tzname() or str(zone))
    return f"{local:%H:%M} {label} on {local:%d %b}"


ALERT_HOW = {  # what happened, by the response that fired (state.crisis.CARD / ASK)
    "card": "the bot read crisis language and showed them crisis resources",
    "ask": "they answered yes when the bot asked whether they were thinking of ending their life "
    "or hurting themselves, and it showed them crisis resources",
}


async def alert_leaders(
    store: Store,
    user_id: int,
    now: datetime | None = None,
    *,
    action: str | None = "card",
    admins: Iterable[int] = (),
) -> int:
    """`alert_work` in a transaction of its own."""
    work = alert_work(user_id, now, action=action, admins=admins)
    return await store.run(user_id, work, ensure_user=False)  # no member, no row to create


def alert_work(
    user_id: int,
    now: datetime | None = None,
    *,
    action: str | None = "card",
    admins: Iterable[int] = (),
) -> Callable[[UnitOfWork], Awaitable[int]]:
    """Queue a no-text alert to the leader of each group where this member allowed alerts,
    inside the caller's transaction (the crisis record's: the event and its alerts are kept
    together).

    Called when crisis language was detected. The alert carries the group, the member's name,
    the time and which response fired (the card at once, or yes to the direct question), never
    what they wrote or the kind of crisis; one per group per 10 minutes.
    Only to someone who still leads groups: a leader, or one of `admins` (the admins now).
    """
    how = ALERT_HOW.get(action or "card", ALERT_HOW["card"])
    now = now or utcnow()
    bucket = int(now.timestamp()) // ALERT_BUCKET_SECONDS

    async def work(uow: UnitOfWork) -> int:
        rows = await uow.session.execute(
            select(Membership, Group, User.timezone)
            .join(Group, Group.id == Membership.group_id)
            .join(User, User.id == Group.leader_id)
            .where(
                Membership.user_id == user_id,
                Membership.left_at.is_(None),
                Membership.alert_leader.is_(True),
                still_leads(admins),
            )
        )
        alerts = [
            outbox.Message(
                chat_id=group.leader_id,
                user_id=group.leader_id,
                subject_id=user_id,  # about the member: theirs to export and erase too
                kind=ALERT_KIND,
                ref=str(group.id),
                text=(
                    f"🔔 A member of <b>{escape(group.name)}</b>, {escape(member.display_name)}, "
                    f"may need support: {how} at {_local(now, timezone)}. It did not store "
                    "what they wrote."
                ),
                dedupe_key=f"crisis:{group.id}:{user_id}:{bucket}",
                not_before=now,
            )
            for member, group, timezone in rows
        ]
        return await outbox.enqueue_many(uow, alerts)

    return work
