"""Crisis alerts to leaders: no text, only the group, the member's name, the time and which
response fired; to each group where the member allowed it, at most one per 10 minutes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from sqlalchemy import select

from state import outbox
from state.db.groups import Group, Membership
from state.db.models import User, utcnow
from state.groups.records import ALERT_BUCKET_SECONDS, ALERT_KIND
from state.groups.roles import still_leads
from state.store import Store, UnitOfWork


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
            outbox.meaning(
                {  # drawn by the bot when sent (bot/features/group_messages.py)
                    "kind": ALERT_KIND,
                    "group": group.name,
                    "member": member.display_name,
                    "how": action or "card",  # the response that fired: card or ask
                    "at": now.isoformat(),
                    "timezone": timezone,
                },
                chat_id=group.leader_id,
                user_id=group.leader_id,
                subject_id=user_id,  # about the member: theirs to export and erase too
                ref=str(group.id),
                dedupe_key=f"crisis:{group.id}:{user_id}:{bucket}",
                not_before=now,
            )
            for member, group, timezone in rows
        ]
        return await outbox.enqueue_many(uow, alerts)

    return work
