"""The direct question waiting for an answer: when it was asked, and for which category.

Revision ID: 0014_safety_question
Revises: 0013_diary_card
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_safety_question"
down_revision: str | Sequence[str] | None = "0013_diary_card"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("question_asked_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("question_category", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("question_category")
        batch.drop_column("question_asked_at")
