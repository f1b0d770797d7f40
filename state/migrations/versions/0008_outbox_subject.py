"""Messages about someone other than their recipient name that person (`outbox.subject_id`),
so /mydata exports them and /delete erases them; pushes keep their delivery counts once the
retention purge has erased the messages (`pushes.delivered`).

Crisis alerts already queued or sent get their subject from the dedupe key
(`crisis:<group>:<member>:<bucket>`); those about someone already erased are erased now.

Revision ID: 0008_outbox_subject
Revises: 0007_erase_confirm
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outbox_subject"
down_revision: str | None = "0007_erase_confirm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_outbox_subject_id_users"
INDEX = "ix_outbox_subject_id"


def upgrade() -> None:
    bind = op.get_bind()
    # On SQLite the table is copied with the new column and its foreign key (SQLite has no
    # ALTER … ADD CONSTRAINT); on PostgreSQL these are plain ALTERs.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("subject_id", sa.BigInteger(), nullable=True))
        batch.create_foreign_key(FK, "users", ["subject_id"], ["id"], ondelete="CASCADE")
        batch.create_index(INDEX, ["subject_id"])
    op.add_column("pushes", sa.Column("delivered", sa.JSON(), nullable=True))

    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("dedupe_key", sa.String()),
        sa.column("subject_id", sa.BigInteger()),
    )
    users = sa.table("users", sa.column("id", sa.BigInteger()))
    alerts = bind.execute(
        sa.select(outbox.c.id, outbox.c.dedupe_key).where(outbox.c.kind == "crisis-alert")
    ).all()
    about: dict[int, int | None] = {}
    for row_id, key in alerts:
        parts = (key or "").split(":")
        about[row_id] = int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else None
    known = {
        u
        for (u,) in bind.execute(
            sa.select(users.c.id).where(users.c.id.in_({u for u in about.values() if u}))
        )
    }
    for row_id, member in about.items():
        if member in known:
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(subject_id=member))
        else:  # about someone who has used /delete since (or can't be told): erased
            bind.execute(sa.delete(outbox).where(outbox.c.id == row_id))


def downgrade() -> None:
    with op.batch_alter_table("pushes") as batch:
        batch.drop_column("delivered")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(INDEX)
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("subject_id")
