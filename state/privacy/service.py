"""Export and erase everything stored about one user, table by table.

Both walk the SQLAlchemy metadata for columns that reference `users.id`, so a table added by a
later migration is covered without touching this module (a test checks every table).

Erasing is asked for, then confirmed: `ask_to_erase` issues a nonce that the confirmation's
buttons carry, and `confirm_erase` erases only for that nonce, within ERASE_CONFIRM_TTL, once.
A "keep it", a newer request or the time running out makes the old buttons do nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update

from state.db.models import Base, User, utcnow
from state.store import Store, UnitOfWork
from state.text import clean_value

ERASE_CONFIRM_TTL = timedelta(minutes=5)


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


async def export_user(store: Store, user_id: int) -> dict[str, Any]:
    data, _ = await export_and_summary(store, user_id)
    return data


@dataclass(frozen=True, slots=True)
class ScenarioPlayed:
    scenario_id: str
    started: int
    finished: int
    last: date


@dataclass(frozen=True, slots=True)
class GroupJoined:
    name: str
    joined: date
    share_transcripts: bool
    alert_leader: bool


@dataclass(frozen=True, slots=True)
class DataSummary:
    """What the bot knows about one person, as facts a reader can take in: the export's rows
    counted and named, without its bookkeeping."""

    user_id: int
    known: bool  # is anything stored at all (not even the id after /delete)
    since: date | None = None
    consented: date | None = None
    keep_typed: bool = False
    scenarios: tuple[ScenarioPlayed, ...] = ()
    styles: dict[str, int] = field(default_factory=dict)
    typed_kept: int = 0
    crises: tuple[tuple[date, str], ...] = ()
    plan_steps: int = 0
    checkin_time: str | None = None  # "09:00"
    checkin_zone: str | None = None
    checkins_on: bool = False
    checkins: int = 0
    checkin_notes: int = 0
    groups: tuple[GroupJoined, ...] = ()
    leads: tuple[str, ...] = ()
    waiting: int = 0  # messages queued for them, not yet sent
    bookkeeping: dict[str, int] = field(default_factory=dict)  # table -> rows


def _day(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def summarise_export(tables: dict[str, list[dict[str, Any]]], user_id: int,
                     group_names: dict[int, str]) -> DataSummary:  # fmt: skip
    """The export's tables as a summary (pure: the rows in, the facts out)."""
    users = tables.get("users") or []
    if not users:
        return DataSummary(user_id, known=False)
    me = users[0]
    played: dict[str, list[dict[str, Any]]] = {}
    for run in tables.get("runs", []):
        played.setdefault(str(run.get("scenario_id")), []).append(run)
    scenarios = tuple(
        sorted(
            (
                ScenarioPlayed(
                    sid,
                    len(runs),
                    sum(r.get("status") == "ended" for r in runs),
                    max(_day(r.get("updated_at") or r.get("started_at")) or date.min for r in runs),
                )  # fmt: skip
                for sid, runs in played.items()
            ),
            key=lambda p: p.last,
            reverse=True,
        )
    )
    styles: dict[str, int] = {}
    for turn in tables.get("turns", []):
        if turn.get("style"):
            styles[turn["style"]] = styles.get(turn["style"], 0) + 1
    plans = tables.get("safety_plans") or []
    answers = plans[0].get("answers") if plans else None
    settings = (tables.get("checkin_settings") or [{}])[0]
    checkins = [c for c in tables.get("checkins", []) if c.get("step") == "done"]
    members = [m for m in tables.get("memberships", []) if not m.get("left_at")]
    outbox = tables.get("outbox", [])
    return DataSummary(
        user_id,
        known=True,
        since=_day(me.get("created_at")),
        consented=_day(me.get("consented_at")),
        keep_typed=bool(me.get("keep_typed_text")),
        scenarios=scenarios,
        styles=styles,
        typed_kept=sum(1 for t in tables.get("turns", []) if t.get("typed_text")),
        crises=tuple(
            (_day(e.get("created_at")) or date.min, str(e.get("category") or ""))
            for e in tables.get("safety_events", [])
        ),
        plan_steps=sum(1 for v in (answers or {}).values() if v)
        if isinstance(answers, dict)
        else 0,
        checkin_time=str(settings["local_time"])[:5] if settings.get("local_time") else None,
        checkin_zone=settings.get("timezone"),
        checkins_on=bool(settings.get("active")),
        checkins=len(checkins),
        checkin_notes=sum(1 for c in checkins if c.get("note")),
        groups=tuple(
            GroupJoined(
                group_names.get(int(m["group_id"]), "a group"),
                _day(m.get("joined_at")) or date.min,
                bool(m.get("share_transcripts")),
                bool(m.get("alert_leader")),
            )
            for m in members
        ),
        leads=tuple(str(g.get("name")) for g in tables.get("groups", [])),
        waiting=sum(1 for o in outbox if o.get("status") in ("queued", "sending")),
        bookkeeping={
            name: len(tables[name]) for name in ("processed_updates", "outbox") if tables.get(name)
        },
    )


async def export_and_summary(store: Store, user_id: int) -> tuple[dict[str, Any], DataSummary]:
    """The complete export (every row, each table explained) and its readable summary, read in
    one transaction so the two agree."""

    async def work(uow: UnitOfWork) -> tuple[dict[str, Any], dict[int, str]]:
        tables = await export_rows(uow, user_id)
        ids = {int(m["group_id"]) for m in tables.get("memberships", [])}
        names: dict[int, str] = {}
        groups = Base.metadata.tables.get("groups")
        if ids and groups is not None:
            rows = await uow.session.execute(
                select(groups.c.id, groups.c.name).where(groups.c.id.in_(ids))
            )
            names = {int(i): str(n) for i, n in rows}
        return tables, names

    tables, names = await store.run(None, work)
    data = {
        "about": "Everything this bot stores about you, table by table.",
        "about_tables": {name: ABOUT_TABLES[name] for name in tables if name in ABOUT_TABLES},
        "exported_at": datetime.now().astimezone().isoformat(),
        "user_id": user_id,
        "tables": tables,
    }
    return data, summarise_export(tables, user_id, names)


async def delete_user(store: Store, user_id: int) -> int:
    async def work(uow: UnitOfWork) -> int:
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(None, work)
    await store.checkpoint()  # the erased rows' old pages leave SQLite's WAL too
    return deleted


async def keeps_typed_text(store: Store, user_id: int) -> bool:
    """Whether the user chose to keep their typed replies (off unless they turned it on)."""

    async def work(uow: UnitOfWork) -> bool:
        record = await uow.users.get(user_id)
        return bool(record and record.keep_typed_text)

    return await store.read(work)


async def keep_typed_text(
    store: Store, user_id: int, keep: bool, *, update_id: int | None = None
) -> None:
    """Keep typed replies from now on, or stop and erase every one kept so far, at once."""

    async def work(uow: UnitOfWork) -> None:
        await uow.users.set_keep_typed_text(user_id, keep)
        if not keep:
            await uow.turns.forget_typed_text(user_id)

    await store.run(user_id, work, update_id=update_id)


async def ask_to_erase(
    store: Store, user_id: int, now: datetime | None = None, *, update_id: int | None = None
) -> str:
    """Issue the nonce for a new erase confirmation (an older one stops working), marking
    `update_id` (the /delete's) in the same transaction: `AlreadyApplied` when it already was."""
    nonce = secrets.token_urlsafe(12)
    asked = now or utcnow()

    async def work(uow: UnitOfWork) -> str:
        await uow.users.set_erase_request(user_id, nonce, asked)
        return nonce

    return await store.run(user_id, work, update_id=update_id)


async def cancel_erase(
    store: Store, user_id: int, nonce: str, *, update_id: int | None = None
) -> bool:
    """ "Keep it": that confirmation can no longer erase. False if it was not the current one."""

    async def work(uow: UnitOfWork) -> bool:
        return await uow.users.withdraw_erase_request(user_id, nonce)

    return await store.run(user_id, work, ensure_user=False, update_id=update_id)


async def confirm_erase(
    store: Store, user_id: int, nonce: str, now: datetime | None = None
) -> int | None:
    """Erase everything if `nonce` is the confirmation last issued and still fresh: the number
    of rows erased; None (nothing changes) for an old, cancelled, expired or forged one."""
    now = now or utcnow()

    async def work(uow: UnitOfWork) -> int | None:
        issued = await uow.users.erase_request(user_id)
        if issued is None:
            return None
        current, asked = issued
        if not secrets.compare_digest(current.encode(), (nonce or "").encode()):
            return None
        if not now - ERASE_CONFIRM_TTL <= asked <= now:
            return None
        return await uow.users.delete_everything(user_id)

    deleted = await store.run(user_id, work, ensure_user=False)
    if deleted is not None:
        await store.checkpoint()
    return deleted


class Purged(NamedTuple):
    typed_text: int  # typed replies erased
    update_ids: int  # processed update ids forgotten
    messages: int  # sent or failed outbox messages erased


async def purge_expired(
    store: Store,
    now: datetime,
    typed_text_days: int,
    update_ids_days: int = 7,
    outbox_days: int = 7,
) -> Purged:
    """Erase typed text past its retention, old processed update ids, and settled messages.

    Typed replies are kept only for participants who allowed it, and only this long; update ids
    are needed only while Telegram might redeliver (a day at most), so a week is generous. Sent
    and failed outbox messages (pushes, check-ins, alerts, each with its words) are kept
    `outbox_days` (OUTBOX_RETENTION_DAYS) for a look at what went out, then erased; a push's
    delivery counts are kept on the push. On SQLite the write-ahead log is then folded in, so
    the erased words leave the files too.
    """
    from sqlalchemy import delete

    from state import groups, outbox
    from state.db.models import ProcessedUpdate, Turn

    async def work(uow: UnitOfWork) -> Purged:
        text = await uow.session.execute(
            update(Turn)
            .where(Turn.typed_text.is_not(None))
            .where(Turn.created_at < now - timedelta(days=typed_text_days))
            .values(typed_text=None)
        )
        ids = await uow.session.execute(
            delete(ProcessedUpdate).where(
                ProcessedUpdate.processed_at < now - timedelta(days=update_ids_days)
            )
        )
        erased = await outbox.purge_settled(uow, now - timedelta(days=outbox_days))
        await groups.keep_delivery(uow, erased)
        return Purged(text.rowcount or 0, ids.rowcount or 0, len(erased))

    purged = await store.run(None, work)
    if any(purged):
        await store.checkpoint()
    return purged
