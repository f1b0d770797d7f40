"""Live rehearsals: linked group chats, the group's runs and votes, members' lines.

Revision ID: 0011_live
Revises: 0010_screening
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_live"
down_revision: str | Sequence[str] | None = "0010_screening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    name = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{name}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "live_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", TIME, server_default=NOW, nullable=False),
        _fk("live_chats", "group_id", "groups.id"),
        _fk("live_chats", "linked_by", "users.id"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_live_chats"),
    )
    op.create_index("ix_live_chats_group_id", "live_chats", ["group_id"])
    op.create_index("ix_live_chats_linked_by", "live_chats", ["linked_by"])
    op.create_table(
        "live_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("scenario_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), server_default="active", nullable=False),
        sa.Column("vote_seconds", sa.Integer(), nullable=True),
        sa.Column("started_at", TIME, server_default=NOW, nullable=False),
        sa.Column("updated_at", TIME, server_default=NOW, nullable=False),
        sa.Column("ended_at", TIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'ended', 'abandoned')", name="ck_live_runs_status"
        ),
        _fk("live_runs", "group_id", "groups.id"),
        sa.PrimaryKeyConstraint("id", name="pk_live_runs"),
    )
    op.create_index("ix_live_runs_group_id", "live_runs", ["group_id"])
    op.create_index(
        "uq_live_runs_chat_id_active",
        "live_runs",
        ["chat_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "live_steps",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node", sa.String(100), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), server_default="posting", nullable=False),
        sa.Column("poll_id", sa.String(64), nullable=True),
        sa.Column("poll_message_id", sa.BigInteger(), nullable=True),
        sa.Column("closes_at", TIME, nullable=True),
        sa.Column("chosen", sa.String(100), nullable=True),
        sa.Column("chosen_by", sa.String(8), nullable=True),
        sa.Column("lines", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lines_shown", sa.Integer(), server_default="0", nullable=False),
        sa.Column("opened_at", TIME, server_default=NOW, nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.Column("shown_at", TIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('posting', 'voting', 'closing', 'closed', 'followed')",
            name="ck_live_steps_status",
        ),
        _fk("live_steps", "run_id", "live_runs.id"),
        sa.PrimaryKeyConstraint("run_id", "step", name="pk_live_steps"),
    )
    op.create_index("ix_live_steps_poll_id", "live_steps", ["poll_id"])
    op.create_index("ix_live_steps_status_closes_at", "live_steps", ["status", "closes_at"])
    op.create_table(
        "live_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), server_default="writing", nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reading", sa.JSON(), nullable=True),
        sa.Column("created_at", TIME, server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "status IN ('writing', 'waiting', 'shown', 'withdrawn')", name="ck_live_lines_status"
        ),
        _fk("live_lines", "run_id", "live_runs.id"),
        _fk("live_lines", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_live_lines"),
    )
    op.create_index("ix_live_lines_run_id", "live_lines", ["run_id"])
    op.create_index("ix_live_lines_user_id", "live_lines", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_live_lines_user_id", table_name="live_lines")
    op.drop_index("ix_live_lines_run_id", table_name="live_lines")
    op.drop_table("live_lines")
    op.drop_index("ix_live_steps_status_closes_at", table_name="live_steps")
    op.drop_index("ix_live_steps_poll_id", table_name="live_steps")
    op.drop_table("live_steps")
    op.drop_index("uq_live_runs_chat_id_active", table_name="live_runs")
    op.drop_index("ix_live_runs_group_id", table_name="live_runs")
    op.drop_table("live_runs")
    op.drop_index("ix_live_chats_linked_by", table_name="live_chats")
    op.drop_index("ix_live_chats_group_id", table_name="live_chats")
    op.drop_table("live_chats")
