"""Daily check-ins: each participant's schedule (with an indexed next-due time) and answers.

A branch beside the groups migration (0004); both revise 0003 and are upgraded to "heads".

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
FALSE = sa.text("false")


def upgrade() -> None:
    op.create_table(
        "checkin_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("local_time", sa.Time(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("recovery_track", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("weekly_summary", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("share_with_leader", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("setup_step", sa.String(16), nullable=True),
        sa.Column("awaiting", sa.String(24), nullable=True),
        sa.Column("awaiting_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_checkin_settings_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_checkin_settings"),
    )
    op.create_index("ix_checkin_settings_next_due_at", "checkin_settings", ["next_due_at"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("emotion", sa.String(16), nullable=True),
        sa.Column("urge", sa.Integer(), nullable=True),
        sa.Column("acted", sa.Boolean(), nullable=True),
        sa.Column("halt", sa.JSON(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=True),
        sa.Column("pending", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("shared_note", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_checkins_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
        sa.UniqueConstraint("user_id", "local_date", name="uq_checkins_user_id_date"),
    )
    op.create_index("ix_checkins_user_id", "checkins", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_checkins_user_id", table_name="checkins")
    op.drop_table("checkins")
    op.drop_index("ix_checkin_settings_next_due_at", table_name="checkin_settings")
    op.drop_table("checkin_settings")
