"""The check-in as a DBT diary card: the new items, hidden items, and the crisis follow-up.

Revision ID: 0013_diary_card
Revises: 0011_live
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_diary_card"
down_revision: str | Sequence[str] | None = "0012_exposure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKIN_COLUMNS = (
    ("emotions", sa.JSON),
    ("self_harm", sa.Integer),
    ("suicidal", sa.Integer),
    ("quit_urge", sa.Integer),
    ("meds", lambda: sa.String(8)),
    ("sleep_hours", sa.Integer),
    ("skill_rating", sa.Integer),
    ("practice", lambda: sa.String(8)),
)


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        for name, kind in CHECKIN_COLUMNS:
            batch.add_column(sa.Column(name, kind()))
    with op.batch_alter_table("checkin_settings") as batch:
        batch.add_column(sa.Column("hidden_items", sa.JSON()))
        batch.add_column(sa.Column("crisis_on", sa.Date()))


def downgrade() -> None:
    with op.batch_alter_table("checkin_settings") as batch:
        batch.drop_column("crisis_on")
        batch.drop_column("hidden_items")
    with op.batch_alter_table("checkins") as batch:
        for name, _ in reversed(CHECKIN_COLUMNS):
            batch.drop_column(name)
