"""The /delete confirmation is bound to its request: the nonce issued with it, and when.

Revision ID: 0007_erase_confirm
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_erase_confirm"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("erase_nonce", sa.String(32), nullable=True))
    op.add_column("users", sa.Column("erase_asked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erase_asked_at")
        batch.drop_column("erase_nonce")
