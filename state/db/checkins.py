"""Tables for daily check-ins: each participant's schedule, and their answers.

`next_due_at` is indexed so the one repeating job finds who is due with a range scan, however
many participants are stored. Both tables reference `users.id` ON DELETE CASCADE, so /mydata
exports them and /delete erases them without either knowing they exist.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from state.db.base import Base, flag, serial_id, timestamp, user_ref


class CheckinSettings(Base):
    """One participant's check-in schedule. `active` false means stopped (or not set up yet);
    `next_due_at` is NULL whenever nothing is scheduled."""

    __tablename__ = "checkin_settings"

    user_id: Mapped[int] = user_ref(primary_key=True, autoincrement=False)
    local_time: Mapped[time | None] = mapped_column(Time)
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    paused_until: Mapped[datetime | None]
    active: Mapped[bool] = flag(False)
    recovery_track: Mapped[bool] = flag(False)
    weekly_summary: Mapped[bool] = flag(False)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    setup_step: Mapped[str | None] = mapped_column(String(16))
    awaiting: Mapped[str | None] = mapped_column(String(24))  # typed input expected next
    awaiting_since: Mapped[datetime | None]
    hidden_items: Mapped[list[str] | None]  # diary items this participant chose not to see
    # The participant's local day of a crisis card or a high-risk answer: the next day's
    # check-in run brings one "how are you today?" and clears it.
    crisis_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = timestamp()
    updated_at: Mapped[datetime] = timestamp(onupdate=True)


class Checkin(Base):
    """One day's check-in, filled one button at a time; `step` is the question being asked
    ('done' once complete), `pending` the picks of a multi-select question in progress."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("user_id", "local_date", name="uq_checkins_user_id_date"),)

    id: Mapped[int] = serial_id()
    user_id: Mapped[int] = user_ref(index=True)
    local_date: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(16))
    mood: Mapped[int | None] = mapped_column(Integer)
    emotion: Mapped[str | None] = mapped_column(String(16))
    urge: Mapped[int | None] = mapped_column(Integer)
    acted: Mapped[bool | None] = mapped_column(Boolean)
    halt: Mapped[list[str] | None]
    skills: Mapped[list[str] | None]
    pending: Mapped[list[str] | None]
    emotions: Mapped[dict[str, int] | None] = mapped_column(JSON)  # the day's peak, 0-5 each
    self_harm: Mapped[int | None] = mapped_column(Integer)  # urge to self-harm, 0-5
    suicidal: Mapped[int | None] = mapped_column(Integer)  # thoughts of suicide, 0-5
    quit_urge: Mapped[int | None] = mapped_column(Integer)  # urge to skip group or quit, 0-5
    meds: Mapped[str | None] = mapped_column(String(8))  # yes | partly | no
    sleep_hours: Mapped[int | None] = mapped_column(Integer)
    skill_rating: Mapped[int | None] = mapped_column(Integer)  # DBT's 0-7 overall skill use
    practice: Mapped[str | None] = mapped_column(String(8))  # tried "try this week": y|some|n
    note: Mapped[str | None] = mapped_column(Text)
    shared_note: Mapped[bool] = flag(False)
    created_at: Mapped[datetime] = timestamp()
    completed_at: Mapped[datetime | None]
