"""Safety events record how the message was answered and which trained model scored it.

Revision ID: 0010_screening
Revises: 0009_share_checkins_per_group
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_screening"
down_revision: str | Sequence[str] | None = "0009_share_checkins_per_group"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safety_events") as batch:
        batch.add_column(sa.Column("action", sa.String(16), nullable=True))
        batch.add_column(sa.Column("model_version", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("safety_events") as batch:
        batch.drop_column("model_version")
        batch.drop_column("action")
