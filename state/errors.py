"""What the core raises for a channel to answer: one small tree.

The hierarchy::

    Exception
    ├── AlreadyApplied ........ the update was applied before: this action did nothing
    │   └── AppliedUnconfirmed   a retry found its own earlier attempt committed unseen
    └── RuntimeError
        └── StoreBusy ......... the database stayed contended through every retry

    UNAVAILABLE = (StoreBusy, DBAPIError, OSError, PoolTimeout)
                                the database is down or refusing: nothing was saved

The one convention for "this update was already applied": an action that writes takes the
update's id (`update_id=`) and marks it first in its own transaction (`Store.run(...,
update_id=...)`, or `UnitOfWork.claim` inside the work where the mark must come later, as a
step's does); when the id is taken, the action raises `AlreadyApplied` before it changes
anything, and its transaction writes nothing. No action answers a redelivery with None, False
or a flag. The channel (bot/app.py's `on_error`) answers `AlreadyApplied` with nothing (a press
still gets its spinner stopped), and `AppliedUnconfirmed` with "that's done": the work ran once,
but the reply the first attempt would have sent never went.

A read takes no `update_id` and never raises these: a redelivered read answers again.

`UNAVAILABLE` is not a class but the tuple a channel catches for "not saved, try again"; the
store has retried transient conflicts before any of them reaches it.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

__all__ = ["UNAVAILABLE", "AlreadyApplied", "AppliedUnconfirmed", "StoreBusy"]


class AlreadyApplied(Exception):
    """The update this action was for is already applied (a redelivery the gate could not
    see: two workers, or its read skipped with the database away). Raised when the action
    claims the update, before it does anything, so its transaction writes nothing; the
    channel sends nothing for it."""

    def __init__(self, update_id: int) -> None:
        super().__init__(update_id)
        self.update_id = update_id


class AppliedUnconfirmed(AlreadyApplied):
    """A retry found its own update applied: the attempt before committed, but the answer to
    the commit was lost (a connection dropped). The work is done once; the channel says so,
    since the reply it would have sent wasn't."""


class StoreBusy(RuntimeError):
    """The database stayed contended through every retry (should not happen in practice)."""


# What a caller sees when the database is down or failing, once the store's retries are spent
# (a pool with every connection stuck raises SQLAlchemy's TimeoutError).
UNAVAILABLE = (StoreBusy, DBAPIError, OSError, PoolTimeout)
