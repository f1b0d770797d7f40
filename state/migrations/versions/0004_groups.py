"""Groups, invitations, memberships and pushes (group leaders).

Revision ID: 0004_groups
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_groups"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
FALSE = sa.text("false")


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=f"fk_{table}_{column}_users", ondelete="CASCADE"
    )


def _group_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["group_id"], ["groups.id"], name=f"fk_{table}_group_id_groups", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("leader_id", sa.BigInteger(), nullable=False),
        sa.Column("leader_name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        _user_fk("groups", "leader_id"),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
    )
    op.create_index("ix_groups_leader_id", "groups", ["leader_id"])
    op.create_table(
        "invites",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('group', 'leader')", name="ck_invites_kind"),
        _group_fk("invites"),
        _user_fk("invites", "created_by"),
        _user_fk("invites", "used_by"),
        sa.PrimaryKeyConstraint("code", name="pk_invites"),
    )
    op.create_index("ix_invites_group_id", "invites", ["group_id"])
    op.create_index("ix_invites_created_by", "invites", ["created_by"])
    op.create_index("ix_invites_used_by", "invites", ["used_by"])
    op.create_table(
        "memberships",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("share_transcripts", sa.Boolean(), server_default=FALSE, nullable=False),
        sa.Column("alert_leader", sa.Boolean(), server_default=FALSE, nullable=False),
        _group_fk("memberships"),
        _user_fk("memberships", "user_id"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_memberships"),
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(200), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        _group_fk("pushes"),
        _user_fk("pushes", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_pushes"),
    )
    op.create_index("ix_pushes_group_id", "pushes", ["group_id"])
    op.create_index("ix_pushes_created_by", "pushes", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_pushes_created_by", table_name="pushes")
    op.drop_index("ix_pushes_group_id", table_name="pushes")
    op.drop_table("pushes")
    op.drop_index("ix_memberships_user_id", table_name="memberships")
    op.drop_table("memberships")
    op.drop_index("ix_invites_used_by", table_name="invites")
    op.drop_index("ix_invites_created_by", table_name="invites")
    op.drop_index("ix_invites_group_id", table_name="invites")
    op.drop_table("invites")
    op.drop_index("ix_groups_leader_id", table_name="groups")
    op.drop_table("groups")
