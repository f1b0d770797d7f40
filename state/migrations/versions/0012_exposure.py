"""Exposure practice and moves: anxiety before and after, the prediction and how it compared,
on each run; a turn's move (listening, exposure, coping) kept apart from the four styles.

Revision ID: 0012_exposure
Revises: 0011_live
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_exposure"
down_revision: str | Sequence[str] | None = "0011_live"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("anxiety_before", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prediction", sa.Text(), nullable=True))
        batch.add_column(sa.Column("anxiety_after", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("compared", sa.String(16), nullable=True))
    with op.batch_alter_table("turns") as batch:
        batch.add_column(sa.Column("move", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("move")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("compared")
        batch.drop_column("anxiety_after")
        batch.drop_column("prediction")
        batch.drop_column("anxiety_before")
