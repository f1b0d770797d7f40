"""Tables for group leaders: groups, invitations, memberships and pushes.

Every column that names a user references `users.id` ON DELETE CASCADE, so /mydata exports a
leader's groups and a member's memberships, and /delete erases them, without either module
knowing these tables exist. A group goes with its leader; its memberships, invitations and
pushes go with the group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from state.db.base import Base, flag, parent_ref, serial_id, timestamp, user_ref

INVITE_KINDS = ("group", "leader")


class Group(Base):
    """A leader's group. `leader_name` is what participants are shown on the join screen."""

    __tablename__ = "groups"

    id: Mapped[int] = serial_id()
    name: Mapped[str] = mapped_column(String(64))
    leader_id: Mapped[int] = user_ref(index=True)
    leader_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = timestamp()


class Invite(Base):
    """An invitation code: into a group (`kind='group'`), or to become a leader (one-time)."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint("kind IN ('group', 'leader')", name="kind"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int | None] = parent_ref("groups.id", index=True)
    created_by: Mapped[int] = user_ref(index=True)
    created_at: Mapped[datetime] = timestamp()
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = user_ref(index=True)
    used_at: Mapped[datetime | None]


class Membership(Base):
    """A participant in a group, with what they agreed to share with its leader (transcripts,
    crisis alerts, check-ins). `left_at` set means left."""

    __tablename__ = "memberships"

    group_id: Mapped[int] = parent_ref("groups.id", primary_key=True)
    user_id: Mapped[int] = user_ref(primary_key=True, autoincrement=False, index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = timestamp()
    left_at: Mapped[datetime | None]
    share_transcripts: Mapped[bool] = flag(False)
    alert_leader: Mapped[bool] = flag(False)
    # Whether this group's leader may see the member's check-ins (pooled with the group's, and
    # notes they share): chosen per group, when joining or in /mygroups.
    share_checkins: Mapped[bool] = flag(False)


class Push(Base):
    """A scenario a leader sent to a group; its messages are outbox rows with `ref` = its id.

    `delivered` keeps the counts of those rows once the retention purge has erased them
    ({"sent": n, "blocked": n, "failed": n}), so the leader's view stays true without them.
    """

    __tablename__ = "pushes"

    id: Mapped[int] = serial_id()
    group_id: Mapped[int] = parent_ref("groups.id", index=True)
    scenario_id: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int] = user_ref(index=True)
    created_at: Mapped[datetime] = timestamp()
    reported_at: Mapped[datetime | None]
    delivered: Mapped[dict[str, Any] | None]
