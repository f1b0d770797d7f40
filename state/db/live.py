"""Tables for live rehearsals: a group plays one scenario together in its Telegram group chat.

A live run belongs to the group, not to any member: what is kept is the path the story took,
how many votes each option got at each step, and when. Members' own lines ("say it your way")
live only while their vote is open: `live_lines` rows are deleted when it closes, and reference
`users.id` ON DELETE CASCADE so /mydata shows one and /delete erases it. Everything else goes
with the group (ON DELETE CASCADE on `groups.id`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from state.db.base import Base, parent_ref, run_rules, serial_id, status_check, timestamp, user_ref

# posting: decided, the poll not yet known to be out; voting: the poll is open; closing: it is
# being stopped; closed: the votes are counted (`shown_at` once the results are out); followed:
# the story went on from it.
STEP_STATUSES = ("posting", "voting", "closing", "closed", "followed")
LINE_STATUSES = ("writing", "waiting", "shown", "withdrawn")


class LiveChat(Base):
    """A Telegram group chat a leader linked to one of their groups (`/live` there)."""

    __tablename__ = "live_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    group_id: Mapped[int] = parent_ref("groups.id", index=True)
    linked_by: Mapped[int] = user_ref(index=True)
    linked_at: Mapped[datetime] = timestamp()


class LiveRun(Base):
    """One scenario played by a group in its chat; `state` is the engine's `RunState`."""

    __tablename__ = "live_runs"
    __table_args__ = run_rules("live_runs", "chat_id")  # one rehearsal at a time in a chat

    id: Mapped[int] = serial_id()
    group_id: Mapped[int] = parent_ref("groups.id", index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # a forum topic
    scenario_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    vote_seconds: Mapped[int | None] = mapped_column(Integer)  # each vote's timer, if set
    started_at: Mapped[datetime] = timestamp()
    updated_at: Mapped[datetime] = timestamp()
    ended_at: Mapped[datetime | None]


class LiveStep(Base):
    """One vote of a live run: the options offered, the counts, and which way the story went."""

    __tablename__ = "live_steps"
    __table_args__ = (
        status_check(STEP_STATUSES),
        Index("ix_live_steps_status_closes_at", "status", "closes_at"),
    )

    run_id: Mapped[int] = parent_ref("live_runs.id", primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node: Mapped[str] = mapped_column(String(100))
    options: Mapped[list[str]]  # choice ids, in the poll's order
    votes: Mapped[dict[str, Any]]  # choice id -> votes, the latest count known
    status: Mapped[str] = mapped_column(String(16), default="posting", server_default="posting")
    poll_id: Mapped[str | None] = mapped_column(String(64), index=True)
    poll_message_id: Mapped[int | None] = mapped_column(BigInteger)
    closes_at: Mapped[datetime | None]
    chosen: Mapped[str | None] = mapped_column(String(100))
    chosen_by: Mapped[str | None] = mapped_column(String(8))  # 'votes' | 'leader'
    lines: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lines_shown: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opened_at: Mapped[datetime] = timestamp()
    closed_at: Mapped[datetime | None]
    shown_at: Mapped[datetime | None]


class LiveLine(Base):
    """A member's own line for an open vote, seen by the leader without a name; deleted when
    the vote closes. `writing` is the invitation to type, before the line arrives."""

    __tablename__ = "live_lines"
    __table_args__ = (status_check(LINE_STATUSES),)

    id: Mapped[int] = serial_id()
    run_id: Mapped[int] = parent_ref("live_runs.id", index=True)
    step: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = user_ref(index=True)
    status: Mapped[str] = mapped_column(String(16), default="writing", server_default="writing")
    text: Mapped[str | None] = mapped_column(Text)
    reading: Mapped[dict[str, Any] | None]  # the coach's: style, confidence, markers, feedback
    created_at: Mapped[datetime] = timestamp()
