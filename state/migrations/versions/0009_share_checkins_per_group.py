"""Check-in sharing is chosen per group (`memberships.share_checkins`), not once for every
leader of every group (`checkin_settings.share_with_leader`, dropped).

Whoever shared before keeps sharing with the groups they are in now, which is what they had
agreed to; anyone joining a group later chooses for that group.

Revision ID: 0009_share_checkins_per_group
Revises: 0008_outbox_subject
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_share_checkins_per_group"
down_revision: str | None = "0008_outbox_subject"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FALSE = sa.text("false")
memberships = sa.table(
    "memberships",
    sa.column("user_id", sa.BigInteger()),
    sa.column("left_at", sa.DateTime(timezone=True)),
    sa.column("share_checkins", sa.Boolean()),
)
settings = sa.table(
    "checkin_settings",
    sa.column("user_id", sa.BigInteger()),
    sa.column("share_with_leader", sa.Boolean()),
)


def upgrade() -> None:
    op.add_column(
        "memberships",
        sa.Column("share_checkins", sa.Boolean(), server_default=FALSE, nullable=False),
    )
    sharing = sa.select(settings.c.user_id).where(settings.c.share_with_leader.is_(True))
    op.execute(
        sa.update(memberships)
        .where(memberships.c.user_id.in_(sharing), memberships.c.left_at.is_(None))
        .values(share_checkins=True)
    )
    with op.batch_alter_table("checkin_settings") as batch:
        batch.drop_column("share_with_leader")


def downgrade() -> None:
    op.add_column(
        "checkin_settings",
        sa.Column("share_with_leader", sa.Boolean(), server_default=FALSE, nullable=False),
    )
    sharing = sa.select(memberships.c.user_id).where(
        memberships.c.share_checkins.is_(True), memberships.c.left_at.is_(None)
    )
    op.execute(
        sa.update(settings).where(settings.c.user_id.in_(sharing)).values(share_with_leader=True)
    )
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("share_checkins")
