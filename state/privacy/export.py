"""The export's rows: everything stored about one user, table by table, inside a caller's
transaction, and what each table is, for the person reading their own export.

It walks the SQLAlchemy metadata for columns that reference `users.id`, so a table added by a
later migration is covered without touching this module (a test checks every table).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from state.db.models import Base, User
from state.store import UnitOfWork
from state.text import clean_value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return clean_value(value)  # a row stored before text was cleaned must still export


def user_columns():
    """(table, column) pairs that point at a user."""
    for table in Base.metadata.sorted_tables:
        if table.name == User.__tablename__:
            continue
        for column in table.columns:
            if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                yield table, column


async def export_rows(uow: UnitOfWork, user_id: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    users = Base.metadata.tables[User.__tablename__]
    rows = (await uow.session.execute(select(users).where(users.c.id == user_id))).mappings()
    out[users.name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    for table, column in user_columns():
        rows = (await uow.session.execute(select(table).where(column == user_id))).mappings()
        found = [{k: _plain(v) for k, v in r.items()} for r in rows]
        if found:
            out.setdefault(table.name, []).extend(found)
    return out


# What each table is, for the person reading their own export: the ones that are only
# bookkeeping say so (and why they exist), so nobody has to guess what "dedupe_key" means.
ABOUT_TABLES: dict[str, str] = {
    "users": "You: your Telegram id, when you agreed to the terms, whether your typed replies "
    "are kept, and whether the bot can reach you (`question_asked_at` and `question_category` "
    "are bookkeeping: when the bot last asked whether you were safe, kept until you answered; "
    "after an hour it no longer waits for the answer).",
    "runs": "Each scenario you started: where you were in it (`state` is the bot's own "
    "bookmark: the line you were on and the choices so far) and how it ended; for anxiety "
    "practice, your ratings before and after, what you expected (`prediction`, in your "
    "words, kept past the comparison only if you chose to keep what you type) and how it "
    "compared.",
    "turns": "Each answer you gave in a scenario: the button (`choice_id`), its style (or "
    "`move`: a listening, exposure or coping move) and skills, and what you typed if you chose "
    "to keep typed replies.",
    "safety_events": "Each time the bot showed you crisis resources: when, its kind and how it "
    "answered. Never your words.",
    "safety_plans": "Your safety plan, in your own words.",
    "checkin_settings": "Your daily check-in schedule and choices (`setup_step` and `awaiting` "
    "are bookkeeping: which question the bot is waiting for; `hidden_items` the questions you "
    "hid; `crisis_on` the day after which one follow-up asks how you are).",
    "checkins": "Your daily check-ins, the diary card: mood, feelings at their peak "
    "(`emotions`), urges, `self_harm` and `suicidal` (0-5), `quit_urge`, `meds`, "
    "`sleep_hours`, HALT, skills and `skill_rating` (0-7), `practice` (`pending` is "
    "bookkeeping: the picks of a question you hadn't finished).",
    "memberships": "The groups you joined, and what you agreed to share with their leaders.",
    "groups": "The groups you lead.",
    "invites": "Invitation links you made (as a leader) or used.",
    "pushes": "Scenarios you sent to your groups (as a leader).",
    "processed_updates": "Bookkeeping only: the ids of messages and taps you sent in the last "
    "week, so that one Telegram delivers twice is not handled twice. Not their content.",
    "outbox": "Bookkeeping: messages the bot queued for you (check-ins, scenarios your group "
    "leader sent, alerts) and whether they were sent. `payload` is the message as it was sent; "
    "`dedupe_key` only stops one message from being queued twice.",
}
