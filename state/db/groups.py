"""Tables for group leaders: groups, invitations, memberships and pushes.

Every column that names a user references `users.id` ON DELETE CASCADE, so /mydata exports a
leader's groups and a member's memberships, and /delete erases them, without either module
knowing these tables exist. A group goes with its leader; its memberships, invitations and
pushes go with the group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from state.db.base import NOW, Base, utcnow

FALSE = text("false")
INVITE_KINDS = ("group", "leader")


class Group(Base):
    """A leader's group. `leader_name` is what participants are shown on the join screen."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    leader_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    leader_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=NOW)


class Invite(Base):
    """An invitation code: into a group (`kind='group'`), or to become a leader (one-time)."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint("kind IN ('group', 'leader')", name="kind"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=NOW)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    used_at: Mapped[datetime | None]


class Membership(Base):
    """A participant in a group, with what they agreed to share with its leader (transcripts,
    crisis alerts, check-ins). `left_at` set means left."""

    __tablename__ = "memberships"

    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,
    )
    display_name: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=NOW)
    left_at: Mapped[datetime | None]
    share_transcripts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=FALSE)
    alert_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=FALSE)
    # Whether this group's leader may see the member's check-ins (pooled with the group's, and
    # notes they share): chosen per group, when joining or in /mygroups.
    share_checkins: Mapped[bool] = mapped_column(Boolean, default=False, server_default=FALSE)


class Push(Base):
    """A scenario a leader sent to a group; its messages are outbox rows with `ref` = its id.

    `delivered` keeps the counts of those rows once the retention purge has erased them
    ({"sent": n, "blocked": n, "failed": n}), so the leader's view stays true without them.
    """

    __tablename__ = "pushes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    scenario_id: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=NOW)
    reported_at: Mapped[datetime | None]
    delivered: Mapped[dict[str, Any] | None]
