"""Check-ins: the service a channel calls, one user action per method.

Each method runs in ONE transaction (`Store.run`, retried whole on a conflict; `Store.read` for
a pure read) and returns frozen records; the channel renders and sends them only after the
commit, bar one: the safety question a high answer brings goes out first, once the update
gate's read (`answers.in_turn`, in `Onboarding.admit`) or `in_turn` has read that the answer
will be taken, and `answer` then keeps it open in its transaction
(bot/features/checkins/conversation.py's `_answer_asking`). A user action's `update_id` (the
Telegram update it answers) is marked applied in that same transaction, so a redelivery
changes nothing (`AlreadyApplied`). The functions it calls (settings.py, answers.py,
summaries.py, due.py) each work inside a caller's transaction, so another feature's
transaction can use them too (a crisis card marks the day with `settings.mark_crisis`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from state import groups
from state.checkin_items import DEFAULT_PROGRAM, Program
from state.checkins import answers, due, settings, summaries
from state.checkins.records import Answer, DueResult, SettingsRecord
from state.groups import GroupRecord
from state.schedule import local_today
from state.store import Store, UnitOfWork


@dataclass(frozen=True, slots=True)
class Snoozed:
    status: str  # 'ok' | 'expired' (the day has passed) | 'already' (snoozed or answered)
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Shared:
    status: str  # 'ok' (shared with `groups`) | 'nobody' (no leader would see it) | 'expired'
    groups: tuple[GroupRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Stopped:
    stopped: bool  # False: there was nothing to stop
    settings: SettingsRecord | None


@dataclass(frozen=True, slots=True)
class Today:
    """Where today's check-in is, for "check in now"."""

    day: date
    answer: Answer


@dataclass(frozen=True, slots=True)
class Card:
    """The diary card's week as plain data (`summaries.card_data`), and the groups it could
    be sent to."""

    card: dict[str, Any]
    groups: tuple[GroupRecord, ...]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


class Checkins:
    def __init__(self, store: Store, program: Program = DEFAULT_PROGRAM) -> None:
        self.store = store
        self.program = program

    # ---- settings ----------------------------------------------------------------------------

    async def settings(self, user_id: int) -> SettingsRecord | None:
        """The participant's settings (what /checkin shows, what typed text would answer)."""
        return await self.store.read(lambda uow: settings.get_settings(uow, user_id))

    async def start_setup(
        self, user_id: int, now: datetime | None = None, *, update_id: int | None = None
    ) -> SettingsRecord:
        return await self.store.run(
            user_id, lambda uow: settings.start_setup(uow, user_id, _now(now)), update_id=update_id
        )

    async def setup_answer(
        self,
        user_id: int,
        step: str,
        value: Any,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
    ) -> SettingsRecord | None:
        """One setup answer, already parsed (see `settings.setup_answer`); None: that question
        isn't the one being asked."""
        return await self.store.run(
            user_id,
            lambda uow: settings.setup_answer(uow, user_id, step, value, _now(now)),
            update_id=update_id,
        )

    async def pause(
        self, user_id: int, days: int, now: datetime | None = None, *, update_id: int | None = None
    ) -> SettingsRecord | None:
        """Pause for `days`; None (nothing changed) for someone who never set check-ins up."""
        at = _now(now)

        async def work(uow: UnitOfWork) -> SettingsRecord | None:
            if await settings.get_settings(uow, user_id) is None:
                return None
            return await settings.pause(uow, user_id, at + timedelta(days=days), at)

        return await self.store.run(user_id, work, update_id=update_id)

    async def resume(
        self, user_id: int, now: datetime | None = None, *, update_id: int | None = None
    ) -> SettingsRecord | None:
        return await self.store.run(
            user_id, lambda uow: settings.resume(uow, user_id, _now(now)), update_id=update_id
        )

    async def stop(self, user_id: int, *, update_id: int | None = None) -> Stopped:
        async def work(uow: UnitOfWork) -> Stopped:
            stopped = await settings.stop(uow, user_id)
            return Stopped(stopped, await settings.get_settings(uow, user_id))

        return await self.store.run(user_id, work, update_id=update_id)

    async def set_option(
        self, user_id: int, name: str, on: bool, *, update_id: int | None = None
    ) -> SettingsRecord:
        return await self.store.run(
            user_id, lambda uow: settings.set_option(uow, user_id, name, on), update_id=update_id
        )

    async def hide_item(
        self, user_id: int, item: str, hidden: bool, *, update_id: int | None = None
    ) -> SettingsRecord | None:
        return await self.store.run(
            user_id,
            lambda uow: settings.hide_item(uow, user_id, item, hidden),
            update_id=update_id,
        )

    # ---- answering ---------------------------------------------------------------------------

    async def today(self, user_id: int, now: datetime | None = None) -> Today:
        """ "Check in now": today's date where the participant is, and where its check-in is."""
        at = _now(now)

        async def work(uow: UnitOfWork) -> Today:
            found = await settings.get_settings(uow, user_id)
            day = local_today(found.timezone if found and found.timezone else "UTC", at)
            return Today(day, await answers.current(uow, user_id, day, at, self.program))

        return await self.store.read(work)

    async def current(self, user_id: int, day: date, now: datetime | None = None) -> Answer:
        """Where the check-in of `day` is (to go on with it, or redraw a question)."""
        return await self.store.read(
            lambda uow: answers.current(uow, user_id, day, _now(now), self.program)
        )

    async def go_on(
        self,
        user_id: int,
        day: date,
        now: datetime | None = None,
        *,
        also: Callable[[UnitOfWork], Awaitable[object]],
        update_id: int | None = None,
    ) -> Answer:
        """Where the check-in of `day` waits, to go on with it after its safety question, in
        the write that closes that question (`also`, `Safety.answered_work`) and marks
        `update_id` first (`AlreadyApplied` when it already was: nothing is closed), so the
        press is the gate's read and this one write, with no read of its own."""

        async def work(uow: UnitOfWork) -> Answer:
            await also(uow)
            return await answers.current(uow, user_id, day, _now(now), self.program)

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def answer(
        self,
        user_id: int,
        day: date,
        step: str,
        value: str,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
        also: Callable[[UnitOfWork], Awaitable[object]] | None = None,
    ) -> Answer:
        """One button of the check-in (see `answers.answer`); a finished check-in with a note
        carries the groups whose leader could see it (`note_groups`). `also` is written in the
        same transaction, whatever the answer's status: the safety question already sent for
        this answer, kept open (`Safety.ask_work`), so the update is one write."""

        async def work(uow: UnitOfWork) -> Answer:
            result = await self._noted(
                uow, answers.answer(uow, user_id, day, step, value, _now(now), self.program)
            )
            if also is not None:
                await also(uow)
            return result

        return await self.store.run(user_id, work, update_id=update_id)

    async def in_turn(
        self, user_id: int, day: date, step: str, now: datetime | None = None
    ) -> bool:
        """Whether `answer` would take a button of `step` for the check-in of `day` now: a read
        (no write lock), so that the safety question, which a high answer brings, goes out
        before the answer's write (see `answers.in_turn`)."""
        return await self.store.read(
            lambda uow: answers.in_turn(uow, user_id, day, step, _now(now))
        )

    async def save_note(self, user_id: int, text: str, now: datetime | None = None) -> Answer:
        """The typed note of the check-in waiting for one (the crisis check has already run)."""
        return await self.store.run(
            user_id,
            lambda uow: self._noted(
                uow, answers.save_note(uow, user_id, text, _now(now), self.program)
            ),
        )

    async def _noted(self, uow: UnitOfWork, pending: Any) -> Answer:
        """The answer, with the groups a finished check-in's note could be shared with."""
        result: Answer = await pending
        record = result.checkin
        if result.status != "ok" or record is None or not record.done or not record.note:
            return result
        found = await groups.checkin_groups(uow, record.user_id)
        return replace(result, note_groups=tuple(found))

    async def snooze(
        self, user_id: int, day: date, now: datetime | None = None, *, update_id: int | None = None
    ) -> Snoozed:
        """Ask the check-in of `day` again in an hour (after quiet hours)."""
        at = _now(now)

        async def work(uow: UnitOfWork) -> Snoozed:
            found = await settings.get_settings(uow, user_id)
            if not answers.answerable_day(found, day, at):
                return Snoozed("expired")
            until = await answers.snooze(uow, user_id, day, at, self.program)
            return Snoozed("already") if until is None else Snoozed("ok", until)

        return await self.store.run(user_id, work, update_id=update_id)

    async def share_note(self, user_id: int, day: date, *, update_id: int | None = None) -> Shared:
        """Share the note of `day` with the leaders of the groups this participant shares
        check-ins with; marked shared only where some leader would see it."""

        async def work(uow: UnitOfWork) -> Shared:
            found = tuple(await groups.checkin_groups(uow, user_id))
            if not await answers.share_note(uow, user_id, day, bool(found)):
                return Shared("expired")
            return Shared("ok", found) if found else Shared("nobody")

        return await self.store.run(user_id, work, update_id=update_id)

    async def followup_answer(
        self,
        user_id: int,
        struggling: bool,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
    ) -> None:
        """The day after a crisis: okay, or still struggling (asked again tomorrow)."""
        await self.store.run(
            user_id,
            lambda uow: answers.followup_answer(uow, user_id, struggling, _now(now)),
            update_id=update_id,
        )

    # ---- the diary card ----------------------------------------------------------------------

    async def week_card(self, user_id: int, now: datetime | None = None) -> Card:
        """This week's card and the groups it could go to: a read, which marks no update (the
        gate marks /week after the card went out, so a crash before it is answered again)."""
        at = _now(now)

        async def work(uow: UnitOfWork) -> Card:
            week = await summaries.week(uow, user_id, at, self.program)
            found = tuple(g for g, _ in await groups.member_groups(uow, user_id))
            return Card(summaries.card_data(week, self.program), found)

        return await self.store.read(work)

    async def send_card(
        self,
        user_id: int,
        group_id: int,
        now: datetime | None = None,
        *,
        update_id: int | None = None,
    ) -> str | None:
        """Queue this week's card to a group's leader; the leader's name, or None if the
        participant isn't in that group."""
        return await self.store.run(
            user_id,
            lambda uow: summaries.send_card(uow, user_id, group_id, _now(now), self.program),
            update_id=update_id,
        )

    # ---- the due job -------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> DueResult:
        """Queue every check-in that has come due (one transaction per batch)."""
        return await due.run_due(self.store, _now(now), due.DueJob(program=self.program))
