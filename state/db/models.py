"""The tables, as SQLAlchemy 2 declarative models.

- Telegram ids are BIGINT (SQLite hides an overflow, PostgreSQL would fail "integer out of range").
- Every datetime is timezone-aware UTC in Python, whatever the database stores (`UTCDateTime`).
- Constraint and index names come from one naming convention, so Alembic can find them again on
  both databases (SQLite batch migrations need names to drop or alter a constraint).
- A change here needs a new migration under `state/migrations/versions/`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from state.db.base import (  # noqa: F401  (NOW, UTCDateTime, utcnow, RUN_STATUSES: their old home)
    NOW,
    RUN_STATUSES,
    Base,
    UTCDateTime,
    flag,
    parent_ref,
    run_rules,
    serial_id,
    status_check,
    timestamp,
    user_ref,
    utcnow,
)


class User(Base):
    """One Telegram user. A new row holds only the Telegram id; the rest comes with consent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(
        String(20), default="participant", server_default="participant"
    )
    consented_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = flag(True)
    keep_typed_text: Mapped[bool] = flag(False)
    # The confirmation /delete last asked for: its buttons carry this nonce, and only a press
    # carrying it, soon after `erase_asked_at`, erases anything (see state.privacy).
    erase_nonce: Mapped[str | None] = mapped_column(String(32))
    erase_asked_at: Mapped[datetime | None]
    # The direct question ("are you thinking about ending your life...?") waiting for an
    # answer, and the category that raised it: a typed "yes" answers it, not the role-play.
    question_asked_at: Mapped[datetime | None]
    question_category: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = timestamp()


class Run(Base):
    """One play-through of a scenario; `state` is the engine's whole `RunState.to_dict()`."""

    __tablename__ = "runs"
    __table_args__ = run_rules("runs", "user_id")  # at most one active run per user

    id: Mapped[int] = serial_id()
    user_id: Mapped[int] = user_ref(index=True)
    scenario_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(100))
    state: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    outcome: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime] = timestamp()
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = timestamp(onupdate=True)
    # Exposure practice (a scenario with `exposure: true`): anxiety 0-10 before and after, what
    # the participant typed they expected (their words: exported by /mydata, erased by /delete,
    # never logged) and how it went compared with that (better, same, worse).
    anxiety_before: Mapped[int | None] = mapped_column(Integer)
    prediction: Mapped[str | None] = mapped_column(Text)
    anxiety_after: Mapped[int | None] = mapped_column(Integer)
    compared: Mapped[str | None] = mapped_column(String(16))


class Turn(Base):
    """One applied choice. `typed_text` is kept only when the user allowed it."""

    __tablename__ = "turns"

    id: Mapped[int] = serial_id()
    run_id: Mapped[int] = parent_ref("runs.id", index=True)
    user_id: Mapped[int] = user_ref(index=True)
    step: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(100))
    choice_id: Mapped[str] = mapped_column(String(100))
    style: Mapped[str | None] = mapped_column(String(32))  # None for a move (below)
    move: Mapped[str | None] = mapped_column(String(16))  # listening, exposure or coping
    skills: Mapped[list[str]]
    typed_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp()


class ProcessedUpdate(Base):
    """A Telegram update already applied, so a redelivery is recognised and skipped."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = user_ref(index=True)
    processed_at: Mapped[datetime] = timestamp()


class SafetyEvent(Base):
    """Crisis language was detected. Never the text: the category, tier and rule only."""

    __tablename__ = "safety_events"

    id: Mapped[int] = serial_id()
    user_id: Mapped[int] = user_ref(index=True)
    category: Mapped[str] = mapped_column(String(32))
    tier: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String(64))
    lexicon_version: Mapped[str] = mapped_column(String(32))
    # "card" (shown at once), "ask" (the participant answered yes to the direct question)
    action: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[str | None] = mapped_column(String(64))  # the model that scored it
    created_at: Mapped[datetime] = timestamp()


class SafetyPlan(Base):
    """A participant's own Stanley-Brown safety plan; `editing` is the step being answered."""

    __tablename__ = "safety_plans"

    user_id: Mapped[int] = user_ref(primary_key=True, autoincrement=False)
    answers: Mapped[dict[str, Any]]
    editing: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = timestamp(onupdate=True)


OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(Base):
    """A message decided in some transaction and sent later by the one outbox sender.

    `dedupe_key` is unique, so deciding twice (a retried transaction, a second worker, a job
    that ran again after a crash) still queues one message. `user_id` is whom it goes to;
    `subject_id` whom it is about, when that is someone else (a crisis alert to a leader names
    a member): both reference `users`, so /mydata exports the row and /delete erases it for
    either. Sent and failed rows are erased after OUTBOX_RETENTION_DAYS (state.privacy).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        status_check(OUTBOX_STATUSES),
        Index("ix_outbox_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = serial_id()
    user_id: Mapped[int | None] = user_ref(index=True)
    subject_id: Mapped[int | None] = user_ref(index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime] = timestamp()
    created_at: Mapped[datetime] = timestamp()
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(200))
