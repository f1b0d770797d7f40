"""The declarative base every table module builds on, and the column conventions they share.

Apart from the tables so that a feature's table module (`state/db/checkins.py`, ...) and the core
tables (`models.py`) import it downward and never each other; `state/db/__init__.py` imports every
table module once, so `Base.metadata` knows them all wherever the package is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NOW = text("CURRENT_TIMESTAMP")
FALSE = text("false")
TRUE = text("true")

# A run's life, for a participant's own run (`runs`) and a group's live one (`live_runs`) alike.
RUN_STATUSES = ("active", "ended", "abandoned")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so the value is stored as naive UTC
    and UTC is attached again on the way out. A naive datetime from Python is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status_check(statuses: Sequence[str]) -> CheckConstraint:
    """`status` is one of `statuses`, checked by the database (`ck_<table>_status`): the tuple
    a table module lists is the one rule, so the constraint cannot drift from it."""
    quoted = ", ".join(f"'{s}'" for s in statuses)
    return CheckConstraint(f"status IN ({quoted})", name="status")


def run_rules(table: str, owner: str) -> tuple[CheckConstraint, Index]:
    """A run table's `__table_args__`: its status is one of RUN_STATUSES, and the database
    itself keeps at most one active run per `owner` (a partial unique index, which SQLite and
    PostgreSQL both enforce), whatever a racing second request does."""
    return (
        status_check(RUN_STATUSES),
        Index(
            f"uq_{table}_{owner}_active",
            owner,
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )


def serial_id() -> MappedColumn[Any]:
    """A table's own id, numbered by the database."""
    return mapped_column(Integer, primary_key=True, autoincrement=True)


def user_ref(**kw: Any) -> MappedColumn[Any]:
    """A column that names a user: `users.id` (a Telegram id, so BIGINT) ON DELETE CASCADE, so
    /mydata exports the row and /delete erases it without knowing the table exists."""
    return mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), **kw)


def parent_ref(column: str, **kw: Any) -> MappedColumn[Any]:
    """A column that names the row this one belongs to by its id (`groups.id`, `runs.id`...):
    the row goes with it (ON DELETE CASCADE)."""
    return mapped_column(Integer, ForeignKey(column, ondelete="CASCADE"), **kw)


def flag(default: bool) -> MappedColumn[Any]:
    """A yes/no column with its default, in Python and in the database alike."""
    return mapped_column(Boolean, default=default, server_default=TRUE if default else FALSE)


def timestamp(*, onupdate: bool = False) -> MappedColumn[Any]:
    """A moment that is now unless given, whether Python or plain SQL inserts the row; with
    `onupdate`, an ORM update of the row moves it to now too."""
    return mapped_column(default=utcnow, onupdate=utcnow if onupdate else None, server_default=NOW)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}
