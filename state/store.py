"""The store: repositories and one unit of work per user action. Channels never write SQL.

Usage (the retrying form; prefer it)::

    store = await Store.open()              # DATABASE_URL or state/rehearse.db; migrates to head
    run_id = await store.run(user_id, lambda uow: uow.runs.create(user_id, state))
    await store.close()

`store.run(user_id, fn)` calls `await fn(uow)` inside ONE database transaction and commits; if
the database reports a transient conflict (SQLite "database is locked"/busy, PostgreSQL
serialization failure or deadlock, a dropped connection) the transaction is rolled back and the
whole of `fn` is called again after a short backoff, so such errors never reach a user. `fn` must
therefore only touch the database through `uow` (no sends, no other side effects).

`store.transaction(user_id)` is the same transaction as an `async with` block, without retry
(a `with` body cannot be re-run); use it in tests and one-off scripts.

Every transaction for a user first makes sure the user's row exists (storing only the Telegram
id; a step skips this, see `ensure_user`) and then, on PostgreSQL, locks it (`SELECT … FOR
UPDATE`) so one user's actions serialise across bot processes; on SQLite `BEGIN IMMEDIATE`
already serialises all writers.

Repositories return small frozen dataclasses (`UserRecord`, `RunRecord`, `TurnRecord`), never
ORM objects, so nothing lazy-loads after the transaction ends and nothing is cached across
transactions: memory does not grow with the number of stored users.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import random
import time
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from state.db import migrate
from state.db.models import Base, ProcessedUpdate, Run, Turn, User, utcnow
from state.db.session import READ_ONLY, default_url, make_engine, safe_url
from state.engine import RunState
from state.errors import AlreadyApplied, AppliedUnconfirmed, StoreBusy

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 10
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
# Connection exceptions; server shutting down or starting up. Class 08 includes 08P01
# (protocol_violation): usually deterministic, but PgBouncer reports its own passing failures
# ("server conn crashed?", query_wait_timeout) with it, so it is retried like the rest.
_RETRY_CLASSES = ("08", "57P")
_NOT_CONNECTED = (ConnectionRefusedError, ConnectionResetError)  # raw, from opening a connection
_SQLITE_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)
# The database can't take writes: SQLite READONLY, IOERR, FULL, CANTOPEN (primary codes);
# PostgreSQL classes 53 (insufficient resources: disk full, out of memory) and 58 (system
# error: I/O), and 25006 (read-only transaction: a standby).
_SQLITE_REFUSED_CODES = {8, 10, 13, 14}
_REFUSED_SQLSTATES = ("53", "58", "25006")


# ---- records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    role: str
    consented_at: datetime | None
    consent_version: str | None
    timezone: str | None
    active: bool
    keep_typed_text: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    user_id: int
    scenario_id: str
    content_hash: str
    node: str
    state: RunState
    status: str  # 'active' | 'ended' | 'abandoned'
    outcome: str | None
    started_at: datetime
    ended_at: datetime | None
    updated_at: datetime
    anxiety_before: int | None = None
    prediction: str | None = None
    anxiety_after: int | None = None
    compared: str | None = None


@dataclass(frozen=True, slots=True)
class TurnRecord:
    id: int
    run_id: int
    user_id: int
    step: int
    node: str
    choice_id: str
    style: str | None
    skills: tuple[str, ...]
    typed_text: str | None
    created_at: datetime
    move: str | None = None  # listening, exposure or coping: kept out of the style tallies


R = TypeVar("R")


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, type | None], ...]:
    """Each field of the record `cls`: its name, and what stands for a NULL where the field is
    a tuple or a dict that can't be None (an empty one), else None."""
    hints = typing.get_type_hints(cls)
    fields = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        shape = typing.get_origin(hint)
        nullable = type(None) in typing.get_args(hint)
        if shape in (types.UnionType, typing.Union):
            shape = next(
                (typing.get_origin(a) for a in typing.get_args(hint) if a is not type(None)), None
            )
        fields.append((f.name, shape if not nullable and shape in (tuple, dict) else None))
    return tuple(fields)


def to_record(cls: type[R], row: Any, **given: Any) -> R:
    """A row (an ORM object or a Core row) as the frozen record `cls`, field by field by name.

    One mapper for every record instead of one written out per table: a JSON list becomes a
    tuple (records are immutable) and a JSON object a copy, and a NULL where the record's field
    can't be None becomes an empty tuple or dict. `given` are fields the caller works out
    itself (the row doesn't hold them as the record does): they are taken as they are."""
    values = {}
    for name, empty in _fields(cls):
        if name in given:
            values[name] = given[name]
            continue
        value = getattr(row, name)
        if value is None and empty is not None:
            value = empty()
        elif isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, dict):
            value = dict(value)
        values[name] = value
    if unknown := given.keys() - values.keys():  # a misspelt field is an error, not dropped
        raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")
    return cls(**values)


def _user(u: User) -> UserRecord:
    return to_record(UserRecord, u)


def _run(r: Run | Row) -> RunRecord:
    return to_record(RunRecord, r, state=RunState.from_dict(r.state))


def _turn(t: Turn) -> TurnRecord:
    return to_record(TurnRecord, t)


_RUNS_T = Run.__table__
_RUNS = select(_RUNS_T)
_TURNS_T = Turn.__table__
_USERS_T = User.__table__
_UPDATES_T = ProcessedUpdate.__table__

# The statements every step runs, built once with bound parameters: a statement built per call
# costs about twice the CPU of executing a prebuilt one (construction, coercion and its cache
# key, which SQLAlchemy memoises on the statement object). Measured by `python -m bench.bot`.
_ACTIVE_RUN = _RUNS.where(_RUNS_T.c.user_id == bindparam("uid"), _RUNS_T.c.status == "active")
_ACTIVE_RUN_ID = select(_RUNS_T.c.id).where(
    _RUNS_T.c.user_id == bindparam("uid"), _RUNS_T.c.status == "active"
)
_SAVE_RUN = update(_RUNS_T).where(_RUNS_T.c.id == bindparam("rid"))  # SET: the params' columns
_ADD_TURN = insert(_TURNS_T).returning(_TURNS_T.c.id)  # VALUES: the params' columns
_LOCK_USER = select(_USERS_T.c.id).where(_USERS_T.c.id == bindparam("uid")).with_for_update()
_INSERT = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_ENSURE_USER = {
    name: fn(_USERS_T).on_conflict_do_nothing(index_elements=["id"]) for name, fn in _INSERT.items()
}
_CLAIM_UPDATE = {
    name: fn(_UPDATES_T)
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(_UPDATES_T.c.update_id)
    for name, fn in _INSERT.items()
}


def new_run_columns(state: RunState, now: datetime) -> dict[str, Any]:
    """What a new active run's row starts with, a participant's (`runs`) or a group's
    (`live_runs`) alike: the scenario it plays, its state, and since when."""
    return dict(
        scenario_id=state.scenario_id,
        content_hash=state.content_hash,
        state=state.to_dict(),
        status="active",
        started_at=now,
        updated_at=now,
    )


# ---- repositories ----------------------------------------------------------------------------


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name


class Users(_Repo):
    async def get(self, user_id: int) -> UserRecord | None:
        row = await self.session.scalar(select(User).where(User.id == user_id))
        return _user(row) if row else None

    async def ensure(self, user_id: int) -> None:
        """Create the row (Telegram id only) if it is missing; never overwrite."""
        await self.session.execute(_ENSURE_USER[self._dialect], {"id": user_id})

    async def get_or_create(self, user_id: int) -> UserRecord:
        await self.ensure(user_id)
        user = await self.get(user_id)
        assert user is not None
        return user

    async def set_consent(
        self, user_id: int, version: str | None, at: datetime | None = None
    ) -> None:
        """Record consent to `version` (at `at`, default now); `None` withdraws it."""
        await self.ensure(user_id)
        when = (at or utcnow()) if version is not None else None
        await self.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(consented_at=when, consent_version=version)
        )

    async def set_active(self, user_id: int, active: bool) -> None:
        """Reachable or not: a user who blocked the bot is sent nothing until they are back."""
        await self.session.execute(update(User).where(User.id == user_id).values(active=active))

    async def set_keep_typed_text(self, user_id: int, keep: bool) -> None:
        await self.ensure(user_id)
        await self.session.execute(
            update(User).where(User.id == user_id).values(keep_typed_text=keep)
        )

    async def set_question(self, user_id: int, category: str | None, at: datetime) -> None:
        """Open the direct question for `category` (asked at `at`); None closes it."""
        when = at if category is not None else None
        await self._set(user_id, question_asked_at=when, question_category=category)

    async def question(self, user_id: int) -> tuple[str, datetime] | None:
        """The open question's category and when it was asked, if one is open."""
        return await self._pending(user_id, User.question_category, User.question_asked_at)

    async def set_erase_request(self, user_id: int, nonce: str | None, at: datetime) -> bool:
        """Issue /delete's confirmation `nonce` (at `at`); None withdraws the current one."""
        when = at if nonce is not None else None
        return await self._set(user_id, erase_nonce=nonce, erase_asked_at=when)

    async def withdraw_erase_request(self, user_id: int, nonce: str) -> bool:
        """Withdraw the confirmation if `nonce` is the current one; False if it was not."""
        result = await self.session.execute(
            update(User)
            .where(User.id == user_id, User.erase_nonce == nonce)
            .values(erase_nonce=None, erase_asked_at=None)
        )
        return bool(result.rowcount)

    async def erase_request(self, user_id: int) -> tuple[str, datetime] | None:
        """The confirmation /delete last issued and when, if one stands."""
        return await self._pending(user_id, User.erase_nonce, User.erase_asked_at)

    async def _set(self, user_id: int, **values: object) -> bool:
        result = await self.session.execute(update(User).where(User.id == user_id).values(**values))
        return bool(result.rowcount)

    async def _pending(self, user_id: int, what: Any, since: Any) -> tuple[Any, datetime] | None:
        """Something the bot asked and waits for (`what`, asked at `since`), if it stands."""
        row = (await self.session.execute(select(what, since).where(User.id == user_id))).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        return row[0], row[1]

    async def delete_everything(self, user_id: int) -> int:
        """Delete every row about the user in every table; returns how many rows went.

        Walks the metadata (children first), so a table added later that references `users`
        is covered without touching this method; rows that hang off the user's rows only
        indirectly go with them through ON DELETE CASCADE.
        """
        deleted = 0
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == User.__tablename__:
                continue
            for column in table.columns:
                if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                    result = await self.session.execute(delete(table).where(column == user_id))
                    deleted += result.rowcount or 0
        result = await self.session.execute(delete(User).where(User.id == user_id))
        return deleted + (result.rowcount or 0)


class Runs(_Repo):
    async def get(self, run_id: int) -> RunRecord | None:
        row = (await self.session.execute(_RUNS.where(_RUNS_T.c.id == run_id))).first()
        return _run(row) if row else None

    async def active(self, user_id: int) -> RunRecord | None:
        """The user's active run; a Core read (no ORM identity map), as every step does it."""
        row = (await self.session.execute(_ACTIVE_RUN, {"uid": user_id})).first()
        return _run(row) if row else None

    async def active_id(self, user_id: int) -> int | None:
        """The id of the user's active run, without loading it (is a scene open?)."""
        return await self.session.scalar(_ACTIVE_RUN_ID, {"uid": user_id})

    async def latest(self, user_id: int) -> RunRecord | None:
        row = await self.session.scalar(
            select(Run).where(Run.user_id == user_id).order_by(Run.id.desc()).limit(1)
        )
        return _run(row) if row else None

    async def for_user(self, user_id: int) -> list[RunRecord]:
        rows = await self.session.scalars(
            select(Run).where(Run.user_id == user_id).order_by(Run.id)
        )
        return [_run(r) for r in rows]

    async def create(self, user_id: int, state: RunState) -> int:
        """A new active run (the user must have no active run: abandon it first)."""
        run = Run(user_id=user_id, node=state.node, **new_run_columns(state, utcnow()))
        self.session.add(run)
        await self.session.flush()
        return run.id

    async def save(self, run_id: int, state: RunState) -> None:
        """Store the run's new state (node, content hash and the whole RunState)."""
        await self.session.execute(
            _SAVE_RUN,
            {
                "rid": run_id,
                "node": state.node,
                "content_hash": state.content_hash,
                "state": state.to_dict(),
                "updated_at": utcnow(),
            },
        )

    async def end(self, run_id: int, outcome: str | None) -> None:
        now = utcnow()
        await self.session.execute(
            update(_RUNS_T)
            .where(_RUNS_T.c.id == run_id)
            .values(status="ended", outcome=outcome, ended_at=now, updated_at=now)
        )

    async def set_exposure(self, run_id: int, **values: int | str | None) -> None:
        """Store exposure answers (anxiety_before, prediction, anxiety_after, compared)."""
        allowed = {"anxiety_before", "prediction", "anxiety_after", "compared"}
        if not values or set(values) - allowed:
            raise ValueError(f"not an exposure column: {sorted(set(values) - allowed)}")
        await self.session.execute(
            update(_RUNS_T).where(_RUNS_T.c.id == run_id).values(**values, updated_at=utcnow())
        )

    async def previous_ended(
        self, user_id: int, scenario_id: str, before_run_id: int
    ) -> RunRecord | None:
        """The user's last finished run of this scenario before `before_run_id`."""
        row = (
            await self.session.execute(
                _RUNS.where(
                    _RUNS_T.c.user_id == user_id,
                    _RUNS_T.c.scenario_id == scenario_id,
                    _RUNS_T.c.status == "ended",
                    _RUNS_T.c.id < before_run_id,
                )
                .order_by(_RUNS_T.c.id.desc())
                .limit(1)
            )
        ).first()
        return _run(row) if row else None

    async def abandon(self, run_id: int) -> None:
        now = utcnow()
        await self.session.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == "active")
            .values(status="abandoned", ended_at=now, updated_at=now)
        )

    async def abandon_active(self, user_id: int) -> int | None:
        """Abandon the user's active run, if any; returns its id."""
        run_id = await self.active_id(user_id)
        if run_id is not None:
            await self.abandon(run_id)
        return run_id


class Turns(_Repo):
    async def add(
        self,
        run_id: int,
        user_id: int,
        step: int,
        node: str,
        choice_id: str,
        style: str | None = None,
        skills: list[str] | tuple[str, ...] = (),
        typed_text: str | None = None,
        move: str | None = None,
    ) -> int:
        row = {
            "run_id": run_id,
            "user_id": user_id,
            "step": step,
            "node": node,
            "choice_id": choice_id,
            "style": style,
            "skills": list(skills),
            "typed_text": typed_text,
            "move": move,
            "created_at": utcnow(),
        }
        return (await self.session.execute(_ADD_TURN, row)).scalar_one()

    async def for_user(self, user_id: int) -> list[TurnRecord]:
        rows = await self.session.scalars(
            select(Turn).where(Turn.user_id == user_id).order_by(Turn.id)
        )
        return [_turn(t) for t in rows]

    async def forget_typed_text(self, user_id: int) -> None:
        """Blank every typed reply the user's turns kept (the turns themselves stay)."""
        await self.session.execute(
            update(Turn).where(Turn.user_id == user_id).values(typed_text=None)
        )

    async def for_run(self, run_id: int) -> list[TurnRecord]:
        rows = await self.session.scalars(
            select(Turn).where(Turn.run_id == run_id).order_by(Turn.id)
        )
        return [_turn(t) for t in rows]


class Updates(_Repo):
    async def mark(self, update_id: int, user_id: int | None) -> None:
        await self.claim(update_id, user_id)

    async def claim(self, update_id: int, user_id: int | None) -> bool:
        """Mark the update processed; False if it already was (one statement, not two)."""
        row = {"update_id": update_id, "user_id": user_id, "processed_at": utcnow()}
        return (await self.session.scalar(_CLAIM_UPDATE[self._dialect], row)) is not None

    async def gate(self, update_id: int, user_id: int) -> tuple[bool, bool]:
        """(already processed, has consented), in one read for the update gate."""
        seen = exists().where(ProcessedUpdate.update_id == update_id)
        consented = (
            select(User.consented_at.is_not(None)).where(User.id == user_id).scalar_subquery()
        )
        row = (await self.session.execute(select(seen, consented))).one()
        return bool(row[0]), bool(row[1])


class UnitOfWork:
    """The repositories of one transaction. `session` is for new repositories only."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # PostgreSQL: whether the user row was there to lock (no row, no lock: the caller
        # must not go on as if serialised). None where nothing was looked up.
        self.user_known: bool | None = None
        # Whether `Store.run`'s attempt before this one failed at its commit (the work done, the
        # answer lost): an update found claimed then may be this work's own, committed unseen.
        # A retry after a conflict earlier in the work finds a claim someone else's.
        self.retry = False
        self.users = Users(session)
        self.runs = Runs(session)
        self.turns = Turns(session)
        self.updates = Updates(session)

    async def claim(self, update_id: int | None, user_id: int | None) -> None:
        """Mark the update applied in this transaction, so it is applied exactly once with
        what the transaction does. Raises `AlreadyApplied` when it already was
        (`AppliedUnconfirmed` on a retry: state/errors.py), before the work changes anything.
        Nothing to mark without an update (the terminal player, the CLI, a job)."""
        if update_id is not None and not await self.updates.claim(update_id, user_id):
            raise (AppliedUnconfirmed if self.retry else AlreadyApplied)(update_id)


# ---- the store -------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """A conflict, or a database restarting, that a fresh attempt of the transaction can get past.

    A connection refused or reset while opening never reached the server (SQLAlchemy wraps
    failures on an open connection in DBAPIError), so nothing was applied. The PostgreSQL-restart
    drill found presses answered "sorry" while the server was coming back: the store now waits
    for it (about two seconds over its attempts) instead.
    """
    if isinstance(exc, _NOT_CONNECTED):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRY_SQLSTATES or (isinstance(code, str) and code.startswith(_RETRY_CLASSES)):
        return True
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int) and sqlite_code & 0xFF in _SQLITE_BUSY_CODES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


def refused_write(exc: BaseException) -> str | None:
    """What kind of refusal, when the database can't take writes at all (its disk is full, an
    I/O error, it is read-only); None for anything else (a conflict, a bug in one statement).
    The kind is a code (SQLITE_FULL, SQLSTATE 53100), never the message, which can quote data.
    """
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if orig is None:
        return None
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(code, str) and code.startswith(_REFUSED_SQLSTATES):
        return f"SQLSTATE {code}"
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int) and sqlite_code & 0xFF in _SQLITE_REFUSED_CODES:
        return str(getattr(orig, "sqlite_errorname", sqlite_code))
    return None


class _Turns:
    """SQLite has one writer: this process's transactions take turns here, on the event loop.

    Otherwise each waits on SQLite's lock inside the driver (see InlineConnection in
    state/db/session.py), blocking the loop. A task that already has the turn keeps it, so a
    transaction opened inside another (before the outer one has touched the database, as
    SQLAlchemy begins lazily) goes ahead as it did before.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task | None = None

    @asynccontextmanager
    async def take(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            yield
            return
        async with self._lock:
            self._holder = task
            try:
                yield
            finally:
                self._holder = None


async def _claim(uow: UnitOfWork, update_id: int, user_id: int | None, ensured: bool) -> None:
    """`UnitOfWork.claim`, for `Store.run`: an action that makes no user row (`ensure_user=False`)
    marks nothing for someone unknown (a stranger's press, or after /delete), as the gate's
    mark doesn't: the processed update would name a user who isn't there."""
    if user_id is not None and not ensured:
        known = uow.user_known
        if known is None:
            known = await uow.users.get(user_id) is not None
        if not known:
            return
    await uow.claim(update_id, user_id)


class Store:
    def __init__(self, engine: AsyncEngine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._postgres = engine.dialect.name == "postgresql"
        self._writers = None if self._postgres else _Turns()
        self._read_options = {
            READ_ONLY: True,
            **({"postgresql_readonly": True} if self._postgres else {}),
        }
        # The last write the database refused (`refused_write`): when (time.monotonic()) and
        # its kind. The health probe reports it; nothing clears it, it ages.
        self.refused_at: float | None = None
        self.refused: str | None = None

    @classmethod
    async def open(cls, url: str | None = None, upgrade: bool = True) -> Store:
        """Connect to `url` (default `DATABASE_URL` or `state/rehearse.db`); migrate to head."""
        url = url or default_url()
        store = cls(make_engine(url), url)
        if upgrade:
            try:
                await store.upgrade()
            except BaseException:
                await store.close()
                raise
        return store

    @property
    def where(self) -> str:
        """The database URL with any password masked, for logs and messages."""
        return safe_url(self.url)

    async def upgrade(self) -> None:
        await migrate.upgrade(self.url, "heads")

    async def close(self) -> None:
        await self.engine.dispose()

    async def checkpoint(self) -> bool:
        """SQLite: fold the write-ahead log into the database file and truncate it.

        With `secure_delete` on (state/db/session.py), erased rows are zeroed in their pages,
        but the WAL still holds the pages as they were written until a checkpoint: called
        after /delete and the retention purge, so erased words leave the files. Best effort:
        False when a reader kept it from finishing (the next checkpoint does). A no-op on
        PostgreSQL, whose dead rows go with VACUUM.
        """
        if self._writers is None:
            return True
        async with self._writers.take(), self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            cursor = await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try:
                row = await cursor.fetchone()
            finally:
                await cursor.close()
        return row is not None and row[0] == 0

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def read(self, fn: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """`await fn(uow)` in a read-only transaction: no user row, no write lock.

        On SQLite it begins with a plain (deferred) `BEGIN`, so a read doesn't queue behind the
        writers for the one write lock. A write in `fn` fails (SQLite `query_only`, PostgreSQL
        `READ ONLY`) instead of being silently rolled back. Retried like `run`.
        """

        async def once() -> T:
            async with self._sessions() as session:
                await session.connection(execution_options=self._read_options)
                try:
                    return await fn(UnitOfWork(session))
                finally:
                    await session.rollback()

        return await self._retried(once, MAX_ATTEMPTS)

    @asynccontextmanager
    async def transaction(
        self, user_id: int | None, *, ensure_user: bool = True
    ) -> AsyncIterator[UnitOfWork]:
        """One transaction, no retry: commit on clean exit, roll back on an exception.

        `ensure_user=False` is for actions that only make sense for a known user (a step):
        no user row is created, so a forgotten user's old button leaves nothing behind.
        """
        turn = self._writers.take() if self._writers else contextlib.nullcontext()
        async with turn, self._sessions() as session, session.begin():
            uow = UnitOfWork(session)
            if user_id is not None:
                if ensure_user:
                    await uow.users.ensure(user_id)
                if self._postgres:
                    locked = await session.execute(_LOCK_USER, {"uid": user_id})
                    uow.user_known = locked.first() is not None
            yield uow

    async def run(
        self,
        user_id: int | None,
        fn: Callable[[UnitOfWork], Awaitable[T]],
        *,
        attempts: int = MAX_ATTEMPTS,
        ensure_user: bool = True,
        update_id: int | None = None,
    ) -> T:
        """`await fn(uow)` in one committed transaction, retried whole on transient conflicts.

        With `update_id` (the Telegram update the action answers), the update is marked applied
        first in the same transaction, so it is applied exactly once with what `fn` does;
        `AlreadyApplied` when it already was (nothing is done), `AppliedUnconfirmed` when a retry
        finds that its own earlier attempt was (state/errors.py). `fn` may claim later itself
        (`uow.claim`), with the same outcome."""

        committing = False  # the attempt before failed at its commit, which may have landed

        async def once() -> T:
            nonlocal committing
            unseen, committing = committing, False
            async with self.transaction(user_id, ensure_user=ensure_user) as uow:
                uow.retry = unseen
                if update_id is not None:
                    await _claim(uow, update_id, user_id, ensure_user)
                result = await fn(uow)
                committing = True
            return result

        try:
            return await self._retried(once, attempts)
        except DBAPIError as exc:
            kind = refused_write(exc)
            if kind is not None:
                self.refused_at, self.refused = time.monotonic(), kind
            raise

    async def _retried(self, once: Callable[[], Awaitable[T]], attempts: int) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return await once()
            except (DBAPIError, *_NOT_CONNECTED) as exc:
                if not is_transient(exc):
                    raise
                if attempt == attempts:
                    raise StoreBusy(f"database still busy after {attempts} attempts") from exc
                delay = min(0.5, 0.005 * 2**attempt) * (0.5 + random.random())
                log.info(
                    "transient database conflict (attempt %d), retrying: %s",
                    attempt,
                    type(getattr(exc, "orig", exc)).__name__,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
