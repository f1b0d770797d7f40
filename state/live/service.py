"""Live rehearsal: a group plays one scenario together in its Telegram group chat.

Each public method is one user action (or one thing the bot noticed: a `poll` update, a timer
that ran out) and runs in ONE transaction (`Store.run`, retried whole on a conflict); a channel
sends what it returns only after the commit. A vote needs Telegram in the middle (the poll is
posted, then stopped), so its steps are separate actions that record how far they got:

    posting ─ posted() ─▶ voting ─ close() ─▶ closing ─ count() ─▶ closed ─ follow() ─▶ followed

`interrupted()` lists what a restart left half-way, for the channel to finish: a poll not known
to be out is posted again, a vote being stopped is stopped and counted, results not known to be
shown are shown. An open vote simply goes on.

Who may do what is decided here: only the leader of the group a chat is linked to acts there
(anyone else gets `ignore`, and a group chat stays silent); only current members of that group
send lines. The run is the group's: its path, vote counts and times. A member's line is kept
only while its vote is open, screened for crisis language first and never stored when it has
any; the leader sees it without a name and the group only if the leader shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from scenarios.library import Library
from scenarios.model import Scenario
from state import engine, outbox
from state.db.live import LiveRun, LiveStep
from state.db.models import utcnow
from state.engine import Choose, Debrief, Output, RunState, Say
from state.groups import GroupRecord, get_group, is_leader, is_member, leader_groups
from state.language.screen import adjacent
from state.live.records import (
    LINE_KIND,
    Closing,
    Line,
    Linked,
    Moment,
    Outcome,
    Tally,
    Where,
)
from state.live.repo import LiveRepo, line_key, line_ref
from state.live.results import (
    group_debrief,
    offered,
    options_at,
    reading,
    reading_dict,
    reading_from,
    tally,
)
from state.safety import screen_text
from state.store import Store, UnitOfWork, new_run_columns
from state.text import clean_text

LINE_MAX = 600  # characters: a line for one moment of a scene, said aloud in a group
LINES_PER_STEP = 3  # lines one member may send for one vote
SHOWN_PER_STEP = 1  # lines the leader may show the group at one vote
TIMER_MIN, TIMER_MAX = 15, 600  # seconds a vote's timer may run


def _where(run: LiveRun) -> Where:
    return Where(run.id, run.chat_id, run.thread_id)


def _linked(chat_id: int, group: GroupRecord) -> Linked:
    return Linked(chat_id, group.id, group.name, group.leader_id)


def _record_votes(row: LiveStep, numbers: Sequence[int]) -> None:
    """Telegram's counts, one per option in the poll's order, as the step's votes: from a
    `poll` update while the vote is open, and from stopPoll's answer once it closes. Counts
    that don't match the options (never expected) leave the last ones known."""
    if len(numbers) == len(row.options):
        row.votes = {c: max(0, int(n)) for c, n in zip(row.options, numbers, strict=True)}


async def _chat_group(uow: UnitOfWork, chat_id: int) -> GroupRecord | None:
    """The group a chat is linked to: live keeps the link, the groups feature the group."""
    chat = await LiveRepo(uow).chat(chat_id)
    return await get_group(uow, chat.group_id) if chat is not None else None


class Live:
    def __init__(self, store: Store, library: Library, admins: Sequence[int] = ()) -> None:
        self.store = store
        self.library = library
        self.admins = tuple(admins)

    # ---- who may -----------------------------------------------------------------------------

    async def _leads(self, uow: UnitOfWork, user_id: int, group_id: int) -> bool:
        """Whether `user_id` leads this group now (a removed leader's groups wait for them)."""
        group = await get_group(uow, group_id)
        return (
            group is not None
            and group.leader_id == user_id
            and await is_leader(uow, user_id, self.admins)
        )

    async def _led_step(
        self, uow: UnitOfWork, user_id: int, run_id: int, step: int, status: str, refused: str
    ) -> tuple[LiveRun, LiveStep] | Outcome:
        """The run (locked) and the step a leader's button acts on; or `ignore` for anyone but
        the group's leader, and `refused` once the run is over or the step is no longer at
        `status` (a second press, a button from an earlier vote). Every leader button at a
        step asks this first, so who may press it and when is decided in one place."""
        repo = LiveRepo(uow)
        run = await repo.run(run_id, lock=True)
        if run is None or not await self._leads(uow, user_id, run.group_id):
            return Outcome("ignore")
        row = await repo.step(run_id, step)
        if run.status != "active" or row is None or row.status != status:
            return Outcome(refused)
        return run, row

    # ---- linking a chat ----------------------------------------------------------------------

    async def entry(self, user_id: int, chat_id: int) -> Outcome:
        """`/live` alone in a group chat: link it, pick a scenario, or where the run is."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            group = await _chat_group(uow, chat_id)
            if not await is_leader(uow, user_id, self.admins):
                return Outcome("ignore")
            if group is None:
                groups = tuple(await leader_groups(uow, user_id))
                return Outcome("choose" if groups else "no-groups", groups=groups)
            if group.leader_id != user_id:
                return Outcome("ignore")  # another leader's group meets here
            link = _linked(chat_id, group)
            run = await repo.active_run(chat_id)
            row = await repo.current_step(run.id) if run is not None else None
            if run is None or row is None:
                return Outcome("idle", link=link)
            out = self._pick_up(run, row, again=True)
            return Outcome("running", link=link, **_carried(out))

        return await self.store.read(work)

    async def link(
        self, user_id: int, chat_id: int, group_id: int, *, update_id: int | None = None
    ) -> Outcome:
        """Link the chat to one of the leader's groups (again, to another of theirs)."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            if not await self._leads(uow, user_id, group_id):
                return Outcome("ignore")
            found = await _chat_group(uow, chat_id)
            if found is not None and found.leader_id != user_id:
                return Outcome("ignore")  # never take another leader's chat
            if await repo.active_run(chat_id) is not None:
                return Outcome("running", link=_linked(chat_id, found) if found else None)
            await repo.link(chat_id, group_id, user_id, utcnow())
            group = await get_group(uow, group_id)
            return Outcome("ok", link=_linked(chat_id, group))

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def unlink(self, user_id: int, chat_id: int, *, update_id: int | None = None) -> Outcome:
        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            found = await _chat_group(uow, chat_id)
            if found is None or not await self._leads(uow, user_id, found.id):
                return Outcome("ignore")
            if await repo.active_run(chat_id) is not None:
                return Outcome("running", link=_linked(chat_id, found))
            await repo.unlink(chat_id)
            return Outcome("ok", link=_linked(chat_id, found))

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    # ---- playing -------------------------------------------------------------------------------

    async def start(
        self,
        user_id: int,
        chat_id: int,
        scenario_id: str,
        *,
        thread_id: int | None = None,
        seed: int = 0,
        vote_seconds: int | None = None,
        update_id: int | None = None,
    ) -> Outcome:
        """Start a scenario in the chat: the first moment to post (status ok), or why not."""
        scenario = self.library.get(scenario_id)

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            found = await _chat_group(uow, chat_id)
            if found is None:
                leader = await is_leader(uow, user_id, self.admins)
                return Outcome("not-linked" if leader else "ignore")
            if not await self._leads(uow, user_id, found.id):
                return Outcome("ignore")
            link = _linked(chat_id, found)
            if scenario is None:
                return Outcome("unknown", link=link)
            if await repo.active_run(chat_id, lock=True) is not None:
                return Outcome("busy", link=link)
            now = utcnow()
            # A group goes straight into the scene: no worked example, frame or ratings.
            state, outputs = engine.start(scenario, seed, with_prelude=False)
            run = await repo.add_run(
                group_id=found.id,
                chat_id=chat_id,
                thread_id=thread_id,
                vote_seconds=vote_seconds,
                **new_run_columns(state, now),
            )
            moment = await self._enter(repo, run, scenario, state, outputs, 0, now, opening=True)
            return Outcome("ok", link=link, moment=moment)

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def posted(self, run_id: int, step: int, poll_id: str, message_id: int) -> Outcome:
        """The step's poll is out: record it, and start its timer if the run has one."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.run(run_id, lock=True)
            row = await repo.step(run_id, step)
            if run is None or row is None or row.status != "posting":
                return Outcome("stale")
            now = utcnow()
            row.status, row.poll_id, row.poll_message_id = "voting", poll_id, message_id
            row.opened_at = now
            if run.vote_seconds:
                row.closes_at = now + timedelta(seconds=run.vote_seconds)
            return Outcome("ok", extra={"seconds": run.vote_seconds or 0})

        return await self.store.run(None, work)

    async def set_timer(
        self, user_id: int, run_id: int, step: int, seconds: int, *, update_id: int | None = None
    ) -> Outcome:
        """The leader's timer: the vote closes by itself `seconds` from now."""
        seconds = max(TIMER_MIN, min(TIMER_MAX, seconds))

        async def work(uow: UnitOfWork) -> Outcome:
            found = await self._led_step(uow, user_id, run_id, step, "voting", "closed")
            if isinstance(found, Outcome):
                return found
            _, row = found
            row.closes_at = utcnow() + timedelta(seconds=seconds)
            return Outcome("ok", extra={"seconds": seconds})

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def close(
        self, user_id: int | None, run_id: int, step: int, *, update_id: int | None = None
    ) -> Outcome:
        """Close a vote: the leader's button (`user_id`), or its timer (None, once due).

        Lines not shown by now are forgotten. The channel then stops the poll and calls
        `count` with what Telegram says.
        """

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.run(run_id, lock=True)
            if run is None:
                return Outcome("gone")
            if user_id is not None and not await self._leads(uow, user_id, run.group_id):
                return Outcome("ignore")
            row = await repo.step(run_id, step)
            if run.status != "active":
                return Outcome("gone")
            if row is None:
                return Outcome("stale")
            if row.status == "posting":
                return Outcome("opening")  # the poll is on its way, or never went out
            if row.status != "voting":
                return Outcome("closed")
            now = utcnow()
            if user_id is None and (row.closes_at is None or row.closes_at > now):
                return Outcome("stale")  # the leader moved the timer on, or closed it already
            row.status, row.closed_at = "closing", now
            await repo.drop_lines(run_id, step)
            return Outcome(
                "ok", closing=Closing(_where(run), step, row.poll_message_id), phase=row.status
            )

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def count(self, run_id: int, step: int, final: Sequence[int] | None) -> Outcome:
        """The stopped poll's counts (one per option, as stopPoll answered; None when Telegram
        couldn't stop it: the last counts a `poll` update brought stand). The tally to show."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.run(run_id, lock=True)
            row = await repo.step(run_id, step)
            if run is None or row is None or row.status not in ("closing", "closed"):
                return Outcome("stale")
            if row.status == "closing":
                if final is not None:
                    _record_votes(row, final)
                row.status = "closed"
            return Outcome("ok", tally=self._tally(run, row))

        return await self.store.run(None, work)

    async def results_shown(self, run_id: int, step: int) -> None:
        async def work(uow: UnitOfWork) -> None:
            row = await LiveRepo(uow).step(run_id, step)
            if row is not None and row.shown_at is None:
                row.shown_at = utcnow()

        await self.store.run(None, work)

    async def poll_state(self, poll_id: str, numbers: Sequence[int]) -> bool:
        """A `poll` update: the latest counts of an open vote (kept for when stopPoll fails)."""

        async def work(uow: UnitOfWork) -> bool:
            row = await LiveRepo(uow).step_by_poll(poll_id)
            if row is None or row.status not in ("voting", "closing"):
                return False
            _record_votes(row, numbers)
            return True

        return await self.store.run(None, work)

    async def follow(
        self, user_id: int, run_id: int, step: int, index: int, *, update_id: int | None = None
    ) -> Outcome:
        """Go on with option `index` of a closed vote: the next moment, or the ending."""

        async def work(uow: UnitOfWork) -> Outcome:
            found = await self._led_step(uow, user_id, run_id, step, "closed", "stale")
            if isinstance(found, Outcome):
                return found
            run, row = found
            repo = LiveRepo(uow)
            scenario = self._scenario(run)
            if scenario is None or not 0 <= index < len(row.options):
                return await self._changed(repo, run)
            state = engine.adapt(scenario, RunState.from_dict(run.state))
            choice_id = row.options[index]
            new, outputs = engine.step(scenario, state, Choose(choice_id))
            if new.step == state.step:  # the choice no longer applies (the scenario changed)
                return await self._changed(repo, run)
            now = utcnow()
            top = self._tally(run, row).follow
            row.status, row.chosen = "followed", choice_id
            row.chosen_by = "votes" if top in (None, choice_id) else "leader"
            moment = await self._enter(repo, run, scenario, new, outputs, step + 1, now)
            picked = options_at(scenario, row.node, [choice_id])
            after = picked[0] if picked else None
            moment = replace(moment, after=after, by_leader=row.chosen_by == "leader")
            return Outcome("ok", moment=moment)

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def stop(self, user_id: int, chat_id: int, *, update_id: int | None = None) -> Outcome:
        """End the chat's rehearsal early; an open poll comes back to be stopped."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.active_run(chat_id, lock=True)
            if run is None:
                found = await _chat_group(uow, chat_id)
                if found is None or not await self._leads(uow, user_id, found.id):
                    return Outcome("ignore")
                return Outcome("idle", link=_linked(chat_id, found))
            if not await self._leads(uow, user_id, run.group_id):
                return Outcome("ignore")
            row = await repo.current_step(run.id)
            now = utcnow()
            run.status, run.ended_at, run.updated_at = "abandoned", now, now
            await repo.drop_lines(run.id)
            closing = None
            if row is not None and row.status in ("voting", "closing"):
                closing = Closing(_where(run), row.step, row.poll_message_id)
                row.status, row.closed_at = "closed", now
            return Outcome("ok", closing=closing)

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    # ---- the bot's own bookkeeping ---------------------------------------------------------------

    async def due(self, now: datetime | None = None) -> list[tuple[int, int]]:
        """Votes whose timer has run out: (run id, step)."""
        when = now or utcnow()
        return await self.store.read(lambda uow: LiveRepo(uow).due(when))

    async def interrupted(self, before: datetime) -> list[tuple[int, int]]:
        """(run id, step) of steps a restart left half-way (see the module's doc), last
        changed before `before` (the process's start: nothing of its own is in flight)."""
        return await self.store.read(lambda uow: LiveRepo(uow).interrupted(before))

    async def pick_up(self, run_id: int, step: int) -> Outcome:
        """Where a step is, with what it takes to carry on: `phase` posting (the moment, to
        post again), voting, closing (the poll to stop), closed (the tally, to show again)."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.run(run_id)
            row = await repo.step(run_id, step)
            if run is None or row is None or run.status != "active":
                return Outcome("stale")
            return self._pick_up(run, row, again=True)

        return await self.store.read(work)

    # ---- members' lines -------------------------------------------------------------------------

    async def open_line(
        self, user_id: int, run_id: int, *, update_id: int | None = None
    ) -> Outcome:
        """A member asks to say it their way: they may type one line for the open vote."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            run = await repo.run(run_id, lock=True)
            if run is None or run.status != "active":
                return Outcome("gone")
            if not await is_member(uow, run.group_id, user_id):
                return Outcome("not-member")
            row = await repo.current_step(run.id)
            if row is None or row.status != "voting":
                return Outcome("closed")
            if await repo.lines_sent(run.id, row.step, user_id) >= LINES_PER_STEP:
                return Outcome("limit")
            scenario = self._scenario(run)
            if scenario is None:
                return Outcome("gone")
            await repo.drop_drafts(user_id)
            await repo.add_line(
                run_id=run.id, step=row.step, user_id=user_id, status="writing", created_at=utcnow()
            )
            return Outcome("ok", moment=self._moment_now(run, row, scenario))

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def drafting(self, user_id: int) -> bool:
        """Whether the member's next typed message is their line (asked of every one).

        Not after crisis language was recorded for them since they asked: the card has
        stopped everything, and what they type next is not a line for the group.
        """

        return await self.store.read(lambda uow: drafting(uow, user_id))

    async def cancel_draft(self, user_id: int, *, update_id: int | None = None) -> bool:
        dropped = await self.store.run(
            user_id,
            lambda uow: LiveRepo(uow).drop_drafts(user_id),
            ensure_user=False,
            update_id=update_id,
        )
        return dropped > 0

    async def write_line(self, user_id: int, text: str) -> Outcome:
        """The member's line: screened first (crisis language is never kept, nor passed on),
        then read by the coach and queued, without a name, for the group's leader."""
        result = screen_text(text)

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            draft = await repo.draft(user_id)
            if draft is None or await repo.crisis_since(user_id, draft.created_at):
                await repo.drop_drafts(user_id)
                return Outcome("no-draft")
            if result.crisis:
                await repo.drop_drafts(user_id)
                return Outcome("crisis", crisis=result)
            if adjacent(result):
                await repo.drop_drafts(user_id)
                return Outcome("adjacent")
            run = await repo.run(draft.run_id, lock=True)
            row = await repo.step(draft.run_id, draft.step)
            if run is None or row is None or run.status != "active" or row.status != "voting":
                await repo.drop_drafts(user_id)
                return Outcome("closed")
            if not await is_member(uow, run.group_id, user_id):  # left since they asked
                await repo.drop_drafts(user_id)
                return Outcome("not-member")
            words = clean_text(text).strip()
            if not words:
                return Outcome("empty")
            if len(words) > LINE_MAX:
                return Outcome("too-long", extra={"limit": LINE_MAX})
            scenario = self._scenario(run)
            node = scenario.nodes.get(row.node) if scenario else None
            looks_for = list(node.prompt.looks_for) if node and node.prompt else []
            read = reading(words, looks_for)
            draft.text, draft.reading, draft.status = words, reading_dict(read), "waiting"
            row.lines += 1
            group = await get_group(uow, run.group_id)
            title = scenario.title if scenario else run.scenario_id
            line = Line(draft.id, _where(run), row.step, title, words, read)
            if group is not None:
                copy = outbox.meaning(
                    line_means(group.name, line),
                    chat_id=group.leader_id,
                    user_id=group.leader_id,
                    ref=line_ref(run.id, row.step),
                    dedupe_key=line_key(draft.id),
                    subject_id=user_id,  # /delete erases their words in the copy too
                )
                await outbox.enqueue_many(uow, [copy])
            return Outcome("ok", line=line)

        return await self.store.run(user_id, work, ensure_user=False)

    async def withdraw(
        self, user_id: int, line_id: int, *, update_id: int | None = None
    ) -> Outcome:
        """The member takes their line back: it is never shown, and its words are gone."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            line = await repo.line(line_id)
            if line is None or line.user_id != user_id:
                return Outcome("closed")  # its vote closed (lines go with it), or not theirs
            await repo.run(line.run_id, lock=True)
            if line.status == "shown":
                return Outcome("shown")
            if line.status == "withdrawn":
                return Outcome("withdrawn")
            line.status, line.text, line.reading = "withdrawn", None, None
            await repo.scrub_line(line.id)
            return Outcome("ok")

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    async def show_line(
        self, user_id: int, line_id: int, *, update_id: int | None = None
    ) -> Outcome:
        """The leader shows one line to the group (one a vote), while its vote is open."""

        async def work(uow: UnitOfWork) -> Outcome:
            repo = LiveRepo(uow)
            line = await repo.line(line_id)
            if line is None:
                return Outcome("closed")
            found = await self._led_step(uow, user_id, line.run_id, line.step, "voting", "closed")
            if isinstance(found, Outcome):
                return found
            run, row = found
            if line.status == "withdrawn" or line.text is None:
                return Outcome("withdrawn")
            if line.status == "shown":
                return Outcome("shown")
            if row.lines_shown >= SHOWN_PER_STEP:
                return Outcome("limit")
            line.status = "shown"
            row.lines_shown += 1
            scenario = self._scenario(run)
            title = scenario.title if scenario else run.scenario_id
            read = reading_from(line.reading)
            return Outcome("ok", line=Line(line.id, _where(run), line.step, title, line.text, read))

        return await self.store.run(user_id, work, ensure_user=False, update_id=update_id)

    # ---- helpers -------------------------------------------------------------------------------

    def _scenario(self, run: LiveRun) -> Scenario | None:
        scenario = self.library.get(run.scenario_id)
        if scenario is None:
            return None
        state = RunState.from_dict(run.state)
        if scenario.content_hash != run.content_hash and state.node not in scenario.nodes:
            return None
        return scenario

    async def _changed(self, repo: LiveRepo, run: LiveRun) -> Outcome:
        """The scenario left the library or changed under the run: end it, say so."""
        now = utcnow()
        run.status, run.ended_at, run.updated_at = "abandoned", now, now
        await repo.drop_lines(run.id)
        return Outcome("gone")

    def _title(self, run: LiveRun) -> str:
        scenario = self.library.get(run.scenario_id)
        return scenario.title if scenario else run.scenario_id

    def _tally(self, run: LiveRun, row: LiveStep) -> Tally:
        scenario = self.library.get(run.scenario_id)
        opts = options_at(scenario, row.node, row.options) if scenario else ()
        return tally(_where(run), row.step, self._title(run), opts, row.votes or {})

    async def _enter(
        self,
        repo: LiveRepo,
        run: LiveRun,
        scenario: Scenario,
        state: RunState,
        outputs: list[Output],
        step: int,
        now: datetime,
        *,
        opening: bool = False,
    ) -> Moment:
        """Save the run's new state and open its next vote (or end it at an ending)."""
        run.state, run.content_hash, run.updated_at = state.to_dict(), state.content_hash, now
        lines = tuple(o for o in outputs if isinstance(o, Say))
        ending = next((o for o in outputs if isinstance(o, Debrief)), None)
        where = _where(run)
        if ending is not None or state.status == "ended":
            run.status, run.ended_at = "ended", now
            steps = [
                (r.step, r.node, r.options, r.votes or {}, r.chosen or "", r.chosen_by or "")
                for r in await repo.steps(run.id)
                if r.status == "followed"
            ]
            debrief = group_debrief(scenario, state, steps)
            return Moment(where, step, scenario.id, scenario.title, lines, (), ending=debrief)
        opts = offered(scenario, state)
        ids = [o.choice_id for o in opts]
        await repo.add_step(
            run_id=run.id,
            step=step,
            node=state.node,
            options=ids,
            votes={i: 0 for i in ids},
            status="posting",
            opened_at=now,
        )
        return Moment(
            where,
            step,
            scenario.id,
            scenario.title,
            lines,
            opts,
            opening=opening,
            vote_seconds=run.vote_seconds,
        )

    def _moment_now(
        self, run: LiveRun, row: LiveStep, scenario: Scenario, *, again: bool = False
    ) -> Moment:
        """The current step's moment, rebuilt: the node's lines and the options offered."""
        state = engine.adapt(scenario, RunState.from_dict(run.state))
        lines = tuple(o for o in engine.current(scenario, state) if isinstance(o, Say))
        opts = options_at(scenario, row.node, row.options)
        return Moment(
            _where(run),
            row.step,
            scenario.id,
            scenario.title,
            lines,
            opts,
            closes_at=row.closes_at,
            opening=row.step == 0,
            again=again,
            vote_seconds=run.vote_seconds,
        )

    def _pick_up(self, run: LiveRun, row: LiveStep, *, again: bool) -> Outcome:
        phase = row.status
        where = _where(run)
        scenario = self._scenario(run)
        if scenario is None:
            return Outcome("ok", phase="gone")
        if phase in ("posting", "voting"):
            moment = self._moment_now(run, row, scenario, again=again and phase == "posting")
            closing = Closing(where, row.step, row.poll_message_id)
            return Outcome("ok", phase=phase, moment=moment, closing=closing)
        if phase == "closing":
            return Outcome("ok", phase=phase, closing=Closing(where, row.step, row.poll_message_id))
        return Outcome("ok", phase=phase, tally=self._tally(run, row))


def _carried(out: Outcome) -> dict[str, object]:
    return {"phase": out.phase, "moment": out.moment, "closing": out.closing, "tally": out.tally}


async def drafting(uow: UnitOfWork, user_id: int) -> bool:
    """`Live.drafting` inside the caller's transaction (the update gate's read asks it)."""
    repo = LiveRepo(uow)
    draft = await repo.draft(user_id)
    if draft is None:
        return False
    return not await repo.crisis_since(user_id, draft.created_at)


def line_means(group_name: str, line: Line) -> dict[str, object]:
    """What the leader's copy of a member's line means: the words and the coach's reading,
    never a name; the line's id is what "show it to the group" names."""
    return {
        "kind": LINE_KIND,
        "group": group_name,
        "step": line.step,
        "title": line.title,
        "text": line.text,
        "reading": reading_dict(line.reading),
        "line": line.id,
    }
