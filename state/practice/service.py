"""Practice: the service both channels call (terminal player, Telegram bot).

Each method is one user action and runs in ONE database transaction (`Store.run`, retried whole
on a transient conflict): load the user's active run, step the pure engine, save the new run
state and a turn row, mark the Telegram update processed, commit. The caller sends the returned
outputs only after that commit. Bad input never raises; it comes back as a `Notice`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scenarios.library import Library
from scenarios.model import Scenario
from state import engine
from state.checkins import Overview, overview
from state.db.models import utcnow
from state.engine import Debrief, Feedback, Input, Matcher, Notice, Output, Pick, Reply, RunState
from state.practice import exposure, prelude
from state.practice.attempts import compare_attempts
from state.practice.progress import Progress, summarise
from state.store import RunRecord, Store, UnitOfWork
from state.text import clean_text

log = logging.getLogger(__name__)

NO_RUN = Notice("ended", "You're not in a scenario right now. Pick one to start.")
EXPIRED = Notice("invalid-choice", "That button has expired. Here is where you are now.")
CHANGED = Notice(
    "scenario-changed",
    "This scenario was updated and the line you were on no longer exists. "
    "You can start it again from the beginning.",
)
UNKNOWN = Notice("invalid-choice", "That scenario isn't available any more. Pick another one.")
REDRAW_AFTER = timedelta(seconds=8)  # a re-press this long after the last step redraws it
EXPIRED_AFTER = Notice("invalid-choice", "That button has expired; nothing was changed.")
ALREADY_SAVED = Notice("ended", "Already saved, thank you.")
FAILED = Notice("invalid-choice", "Something went wrong with that step. Please pick an option.")


@dataclass
class Turn:
    """What one action produced, for a channel to render after the commit."""

    run_id: int | None
    step: int
    scenario_id: str | None
    outputs: list[Output] = field(default_factory=list)
    ended: bool = False  # the run reached an ending (the outputs hold its debrief)


@dataclass(frozen=True, slots=True)
class Standing:
    """/progress: what the runs and turns add up to, and the check-ins beside them."""

    practice: Progress
    checkins: Overview


class Practice:
    def __init__(self, store: Store, library: Library, matcher: Matcher | None = None) -> None:
        self.store = store
        self.library = library
        self.matcher = matcher

    # ---- actions -----------------------------------------------------------------------------

    async def begin(
        self, user_id: int, scenario_id: str, seed: int, *, update_id: int | None = None
    ) -> Turn:
        """Abandon any active run and start `scenario_id` from its start node, marking
        `update_id` in the same transaction (`AlreadyApplied` when it already was)."""
        scenario = self.library.get(scenario_id)

        async def work(uow: UnitOfWork) -> Turn:
            if scenario is None:
                return Turn(None, 0, scenario_id, [UNKNOWN])
            await uow.runs.abandon_active(user_id)
            # moving on to a new scene answers the direct question, if one was left open
            await uow.users.set_question(user_id, None, utcnow())
            state, outputs = engine.start(scenario, seed)
            run_id = await uow.runs.create(user_id, state)
            ended = state.status == "ended"
            if ended:
                await uow.runs.end(run_id, state.outcome)
            return Turn(run_id, state.step, scenario.id, outputs, ended=ended)

        return await self.store.run(user_id, work, update_id=update_id)

    async def act(
        self,
        user_id: int,
        inp: Input,
        *,
        update_id: int | None = None,
        expect_run: int | None = None,
        expect_step: int | None = None,
        expect_node: str | None = None,
    ) -> Turn:
        """Apply a choice or typed reply to the user's active run.

        `expect_run`/`expect_step`/`expect_node` are what the button was drawn for; a mismatch
        means the button is from an older message (or forged) and is refused without change.
        """
        if isinstance(inp, Reply):  # quoted back in the feedback, and kept if allowed
            inp = Reply(clean_text(inp.text))

        async def work(uow: UnitOfWork) -> Turn:
            known = uow.user_known  # PostgreSQL: whether the lock found the row; SQLite: None
            run = None if known is False else await uow.runs.active(user_id)
            if run is None and known is None:  # a run implies its user; without one, ask
                known = await uow.users.get(user_id) is not None
            if run is None and not known:
                return Turn(None, 0, None, [NO_RUN])  # unknown or deleted: keep nothing
            await uow.claim(update_id, user_id)
            if run is None:
                again = await self._debrief_again(uow, user_id, expect_run, expect_step)
                return again or Turn(None, 0, None, [NO_RUN])
            state = run.state
            stale = (
                (expect_run is not None and expect_run != run.id)
                or (expect_step is not None and expect_step != state.step)
                or (expect_node is not None and expect_node != state.node)
            )
            scenario = self._scenario_for(run)
            if stale:
                # A re-press of the step just applied, a while after it, means its reply never
                # came (the bot died between commit and send): redraw where the run is now.
                # Anything older, or a double tap, gets the notice alone.
                behind = expect_run == run.id and expect_step == state.step - 1
                redraw = scenario is not None and behind and _settled(run.updated_at)
                here = _current(scenario, state) if redraw else []
                return Turn(run.id, state.step, run.scenario_id, [EXPIRED, *here])
            if scenario is None:
                await uow.runs.abandon(run.id)
                return Turn(run.id, state.step, run.scenario_id, [CHANGED])
            state = engine.adapt(scenario, state)
            try:
                new, outputs = engine.step(scenario, state, inp, self.matcher)
            except Exception:  # a bug must not leave the user stuck or leak their words
                log.exception("engine step failed in %s at %s", run.scenario_id, state.node)
                return Turn(run.id, state.step, run.scenario_id, [FAILED])
            if new.step == state.step:  # not applied (invalid choice, not understood)
                return Turn(run.id, state.step, run.scenario_id, outputs)
            await uow.runs.save(run.id, new)
            if state.prelude:  # a step before the scene: no turn; exposure answers on the run
                await _keep_prelude_answer(uow, run.id, state.prelude[0], inp)
                if new.status == "ended":  # a scenario whose start is an ending (never shipped)
                    await uow.runs.end(run.id, new.outcome)
                return Turn(run.id, new.step, run.scenario_id, outputs)
            feedback = next((o for o in outputs if isinstance(o, Feedback)), None)
            typed = None
            if isinstance(inp, Reply):
                user = await uow.users.get(user_id)
                typed = inp.text if user is not None and user.keep_typed_text else None
            move = feedback.move if feedback else None
            await uow.turns.add(
                run.id,
                user_id,
                new.step,
                state.node,
                feedback.choice_id if feedback else new.path[-1].rsplit("/", 1)[-1],
                feedback.style if feedback and not move else None,
                list(feedback.skills) if feedback else [],
                typed,
                move=move,
            )
            ended = new.status == "ended"
            if ended:
                await uow.runs.end(run.id, new.outcome)
                outputs = await _with_previous(uow, user_id, run.id, new, outputs)
            return Turn(run.id, new.step, run.scenario_id, outputs, ended=ended)

        # A run exists only for a known user, so a step never creates the user row.
        return await self.store.run(user_id, work, ensure_user=False)

    async def after(
        self,
        user_id: int,
        run_id: int,
        stage: str,
        value: str,
        *,
        update_id: int | None = None,
    ) -> Turn:
        """An answer after the debrief of an exposure run: the anxiety rating again, then how it
        went compared with the prediction. Each is kept once; a button from another run, a run
        that isn't finished or an answer already given changes nothing."""

        async def work(uow: UnitOfWork) -> Turn:
            await uow.claim(update_id, user_id)
            run = await uow.runs.get(run_id)
            scenario = self.library.get(run.scenario_id) if run else None
            if (
                run is None
                or run.user_id != user_id
                or run.status != "ended"
                or scenario is None
                or not scenario.exposure
            ):
                return Turn(None, 0, None, [EXPIRED_AFTER])
            if stage == exposure.AFTER and run.anxiety_after is None:
                if value != prelude.SKIP and not (value.isdigit() and 0 <= int(value) <= 10):
                    return Turn(run.id, run.state.step, run.scenario_id, [EXPIRED_AFTER])
                rating = None if value == prelude.SKIP else int(value)
                if rating is not None:
                    await uow.runs.set_exposure(run.id, anxiety_after=rating)
                if run.prediction is None and run.anxiety_before is None and rating is None:
                    done = exposure.closing(None, None, None)
                    return Turn(run.id, run.state.step, run.scenario_id, [done], ended=True)
                offer = exposure.compare_offer(run.prediction)
                return Turn(run.id, run.state.step, run.scenario_id, [offer], ended=True)
            if stage == exposure.COMPARE and run.compared is None:
                if value not in (*exposure.COMPARISONS, prelude.SKIP):
                    return Turn(run.id, run.state.step, run.scenario_id, [EXPIRED_AFTER])
                if value != prelude.SKIP:
                    await uow.runs.set_exposure(run.id, compared=value)
                if run.prediction is not None:
                    # The typed prediction was kept to be quoted back here; past this step it is
                    # kept only for someone who chose to keep what they type (/privacy).
                    user = await uow.users.get(user_id)
                    if user is None or not user.keep_typed_text:
                        await uow.runs.set_exposure(run.id, prediction=None)
                done = exposure.closing(
                    run.anxiety_before,
                    run.anxiety_after,
                    None if value == prelude.SKIP else value,
                )
                return Turn(run.id, run.state.step, run.scenario_id, [done], ended=True)
            return Turn(run.id, run.state.step, run.scenario_id, [ALREADY_SAVED])

        return await self.store.run(user_id, work, ensure_user=False)

    async def resume(
        self,
        user_id: int,
        *,
        also: Callable[[UnitOfWork], Awaitable[object]] | None = None,
        update_id: int | None = None,
    ) -> Turn | None:
        """The active run's current node again (lines and choices), or None without one;
        `also` (closing the direct question the participant just answered) in the same
        transaction, which marks `update_id` first (`AlreadyApplied` when it already was:
        nothing is closed), so the answer is the gate's read and this one write."""

        async def work(uow: UnitOfWork) -> Turn | None:
            if also is not None:
                await also(uow)
            run = await uow.runs.active(user_id)
            if run is None:
                return None
            scenario = self._scenario_for(run)
            if scenario is None:
                await uow.runs.abandon(run.id)
                return Turn(run.id, run.state.step, run.scenario_id, [CHANGED])
            state = engine.adapt(scenario, run.state)
            return Turn(run.id, state.step, run.scenario_id, engine.current(scenario, state))

        return await self.store.run(user_id, work, update_id=update_id)

    async def active_run(self, user_id: int) -> RunRecord | None:
        """The run the user is in, if any (for "Continue" on the menu): a read."""
        return await self.store.read(lambda uow: uow.runs.active(user_id))

    async def standing(self, user_id: int, now: datetime, days: int) -> Standing:
        """The participant's progress, with the last `days` of check-ins: a read. It marks no
        update, and neither does the gate after /progress (a read is never marked): a crash
        before the reply leaves it to a redelivery, which answers again."""

        async def work(uow: UnitOfWork) -> Standing:
            runs = await uow.runs.for_user(user_id)
            turns = await uow.turns.for_user(user_id)
            checked = await overview(uow, user_id, now, days)
            return Standing(summarise(runs, turns, now.date()), checked)

        return await self.store.read(work)

    async def stop(self, user_id: int, *, update_id: int | None = None) -> bool:
        """Leave the active scenario (kept, as abandoned); False if there was none. Marks
        `update_id` in the same transaction (`AlreadyApplied` when it already was)."""

        async def work(uow: UnitOfWork) -> bool:
            await uow.users.set_question(user_id, None, utcnow())  # left: no scene waits
            return await uow.runs.abandon_active(user_id) is not None

        return await self.store.run(user_id, work, update_id=update_id)

    # ---- helpers -----------------------------------------------------------------------------

    async def _debrief_again(
        self, uow: UnitOfWork, user_id: int, run_id: int | None, step: int | None
    ) -> Turn | None:
        """The debrief again, for a re-press of the choice that ended this run.

        If the bot died between committing the last step and sending the debrief, the old
        keyboard is all the participant has; without this they would have to replay.
        """
        if run_id is None or step is None:
            return None
        run = await uow.runs.get(run_id)
        if run is None or run.user_id != user_id or run.status != "ended":
            return None
        scenario = self.library.get(run.scenario_id)
        if scenario is None or run.state.step != step + 1 or not _settled(run.updated_at):
            return None
        # the same debrief as the first time, the comparison with the previous attempt included
        outputs = await _with_previous(
            uow, user_id, run.id, run.state, [EXPIRED, engine.debrief(scenario, run.state)]
        )
        return Turn(run.id, run.state.step, run.scenario_id, outputs, ended=True)

    def _scenario_for(self, run: RunRecord) -> Scenario | None:
        """The run's scenario if it can carry on: None when gone or its node was removed."""
        scenario = self.library.get(run.scenario_id)
        if scenario is None:
            return None
        if scenario.content_hash != run.content_hash and run.state.node not in scenario.nodes:
            return None
        return scenario


async def _keep_prelude_answer(uow: UnitOfWork, run_id: int, stage: str, inp: Input) -> None:
    """Store the exposure answers a step before the scene gave (never in the run state)."""
    if stage == prelude.ANXIETY and isinstance(inp, Pick) and inp.value.isdigit():
        await uow.runs.set_exposure(run_id, anxiety_before=int(inp.value))
    elif stage == prelude.PREDICTION and isinstance(inp, Reply) and inp.text.strip():
        await uow.runs.set_exposure(run_id, prediction=inp.text.strip())


async def _with_previous(
    uow: UnitOfWork, user_id: int, run_id: int, new: RunState, outputs: list[Output]
) -> list[Output]:
    """The debrief with how this attempt compares with the last finished one, if any."""
    debrief = next((o for o in outputs if isinstance(o, Debrief)), None)
    if debrief is None:
        return outputs
    before = await uow.runs.previous_ended(user_id, new.scenario_id, run_id)
    note = compare_attempts(before.state if before else None, new)
    if not note:
        return outputs
    with_note = dataclasses.replace(debrief, previous=note)
    return [with_note if o is debrief else o for o in outputs]


def _current(scenario: Scenario, state: RunState) -> list[Output]:
    """The current node's lines and choices again; nothing if it can't be redrawn."""
    if state.node not in scenario.nodes or state.status != "active":
        return []
    try:
        return engine.current(scenario, state)
    except Exception:
        log.exception("could not redraw %s at %s", scenario.id, state.node)
        return []


def _settled(updated_at: datetime) -> bool:
    """Long enough since the run last moved that a re-press means "I never got the reply".

    A double tap arrives within a second or two of the first, whose reply is on its way: it
    gets the toast alone, not the step again.
    """
    return utcnow() - updated_at >= REDRAW_AFTER
