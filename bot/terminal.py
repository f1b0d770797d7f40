"""The terminal player: the same core as the Telegram bot, rendered with rich.

It reads one answer per line, so it plays from a keyboard or from piped input alike, saves after
every step, and exits 0 at the end of input.
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from bot.settings import Settings
from scenarios.library import Library, heavy, level_words, load_library
from scenarios.skills import CONTEXT_LABELS, FRAMEWORKS, SKILL_CARDS, card_title, what_you_did
from state import safety
from state.crisis import ASK, CrisisResult
from state.engine import Ask, Choose, Debrief, Feedback, Notice, Offer, Output, Pick, Reply, Say
from state.practice.exposure import AFTER, COMPARE
from state.practice.prelude import SKIP

if TYPE_CHECKING:
    from state.practice.service import Practice

_BUTTON = re.compile(r"\b(pick|press|tap) (a|one of the) buttons?\b")
# A sentence that points to a command only the bot has ("/progress shows your ratings over
# time", after an exposure): the terminal has none, and a trial was told to use it there.
_BOT_ONLY = re.compile(r"\s*/progress\b[^.]*\.")
# the card's words where there is no Telegram: no /practice, no /safety
# A card at once ends the run for good (a participant trial read "stopped" as paused);
# TERMINAL_CLOSING says how to start again
TERMINAL_STOPPED = "I've stopped the role-play; it won't pick up where it was."
# The numbers asked for in a scene: it goes on at once below, so it does not "wait"
TERMINAL_KEPT = "Your scene is paused where you were."
TERMINAL_KEPT_CLOSING = "Whenever you're ready, it goes on below, at the same moment."
TERMINAL_CLOSING = "Whenever you're ready, `rehearse play` goes back to practicing."
# "I'm safe" where no scene waits (the menu, after a debrief): what comes next instead
TERMINAL_GO_ON = "Whenever you're ready, go on below."

TERMINAL_USER_ID = 0  # Telegram ids are positive; the local player is user 0
STYLE_COLOURS = {
    "assertive": "green",
    "passive": "blue",
    "aggressive": "red",
    "passive-aggressive": "magenta",
}


class EndOfInput(Exception):
    """Standard input is exhausted: leave quietly with everything saved."""


class CrisisTyped(Exception):
    """Crisis language typed at any prompt (a scene's, the menu's, "Resume?"): the session stops
    the scenario, if one is open, and shows the card."""

    def __init__(self, screened: CrisisResult) -> None:
        super().__init__(screened.category)
        self.screened = screened


@dataclass
class Player:
    """Plays the scenarios of `library` on `console` through the practice service."""

    practice: Practice
    library: Library
    console: Console
    read: Callable[[], str | None]  # the next line of input, None at its end
    seed: int | None
    in_scene: bool = False  # a run is open at this prompt: what the card and the thanks say
    # the lines the scene's prompt answers: the last turn's that had any
    moment: list[Say] = field(default_factory=list)

    # ---- input ---------------------------------------------------------------------------

    def ask(
        self, prompt: str, *, screen: bool = True, again: Callable[[], None] | None = None
    ) -> str:
        """The next answer. Every typed text is screened first, at every prompt, as the bot
        screens every message: explicit danger raises `CrisisTyped`; a probable signal asks
        directly, and "I'm safe" asks this prompt again (after `again`, which shows what the
        prompt is about: a scene's choices). A number is never screened."""
        while True:
            self.console.print(f"[bold]{escape(prompt)}[/bold] ", end="")
            line = self.read()
            if line is None:
                self.console.print()
                raise EndOfInput
            answer = line.strip()
            if not screen or not answer or answer.isdecimal():
                return answer
            screened = safety.screen_text(answer)
            if not screened.crisis:
                return answer
            if not self.safe_to_go_on(screened):
                raise CrisisTyped(screened)
            if again is not None:
                again()

    # ---- output --------------------------------------------------------------------------

    def show(self, outputs: list[Output]) -> Ask | Offer | None:
        """Print outputs; return the pending question, if any."""
        pending = None
        said = [out for out in outputs if isinstance(out, Say)]
        if said:
            self.moment = said
        for out in outputs:
            if isinstance(out, Say):
                self.say(out)
            elif isinstance(out, Feedback):
                colour = STYLE_COLOURS.get(out.style, "white")
                self.console.print(f"  [dim]You:[/] {escape(out.said)}")
                if out.move:  # a listening, exposure or coping move: not one of the styles
                    self.console.print(f"  [cyan]● {out.move} move[/] {escape(out.text)}")
                else:
                    self.console.print(f"  [{colour}]● {out.style}[/] {escape(out.text)}")
                did = what_you_did(out.skills, out.text)
                if did:  # as Telegram shows it: the tag alone when the note said it all
                    done = f"✓ {escape(did[0])} " if did[0] else ""
                    self.console.print(f"  {done}[dim]({escape(did[1])})[/]")
            elif isinstance(out, Notice):
                self.console.print(f"[yellow]{escape(_BOT_ONLY.sub('', out.text))}[/]")
            elif isinstance(out, Debrief):
                self.show_debrief(out)
            elif isinstance(out, Offer):
                self.console.print(f"[bold magenta]{escape(out.text)}[/]")
                pending = out
            elif isinstance(out, Ask):
                pending = out
        return pending

    def show_debrief(self, d: Debrief) -> None:
        body = [escape(d.text), "", escape(d.summary)]
        if d.previous:
            body += ["", escape(d.previous)]
        if d.missing:
            body += ["", "[bold]To add next time:[/]"] + [f"• {escape(m)}" for m in d.missing]
        body += ["", f"[bold]Try this week:[/] {escape(d.try_this_week)}"]
        self.console.print(
            Panel("\n".join(body), title=f"Debrief: {escape(d.title)}", subtitle=d.outcome)
        )

    def show_choices(self, ask: Ask | Offer) -> None:
        if isinstance(ask, Offer):
            self.show_offer(ask)
            return
        for i, opt in enumerate(ask.options, 1):
            self.console.print(f"  [bold]{i}[/]. {escape(opt.text)}")
        # a scene's prompt is written for Telegram ("... or pick a button"); here, a number
        hint = _BUTTON.sub("pick a number", ask.prompt) if ask.prompt else ""
        hint = hint or "Pick a number, or type your own reply."
        self.console.print(f"[dim]{escape(hint)} (q to pause and quit)[/]")

    def show_offer(self, offer: Offer) -> None:
        if _keypad(offer):
            self.console.print("[dim]Type a number from 0 to 10, or s to skip.[/]")
            return
        for i, opt in enumerate(offer.options, 1):
            self.console.print(f"  [bold]{i}[/]. {escape(opt.text)}")
        hint = "Pick a number, or type your answer." if offer.typed else "Pick a number."
        self.console.print(f"[dim]{hint} (q to pause and quit)[/]")

    def offered_value(self, offer: Offer, answer: str) -> str | None:
        """The option an answer to a step outside the scene means, or None."""
        if _keypad(offer):
            if answer.lower() in ("s", "skip"):
                return SKIP
            return answer if answer in {o.id for o in offer.options} else None
        if answer.isdecimal() and 1 <= int(answer) <= len(offer.options):
            return offer.options[int(answer) - 1].id
        return None

    # ---- flow ----------------------------------------------------------------------------

    async def menu(self) -> str | None:
        contexts = [c for c in CONTEXT_LABELS if self.library.by_context(c)]
        if not contexts:
            self.console.print("[red]No valid scenarios found: run `rehearse validate`.[/]")
            return None

        def list_contexts() -> None:
            self.console.print("[bold]What would you like to practice?[/]")
            for i, c in enumerate(contexts, 1):
                self.console.print(f"  {i}. {CONTEXT_LABELS[c]}")

        list_contexts()
        ctx = contexts[self.pick(len(contexts), again=list_contexts) - 1]
        items = self.library.by_context(ctx)

        def list_items() -> None:
            for i, s in enumerate(items, 1):
                skills = ", ".join(FRAMEWORKS.get(k, k) for k in s.skills)
                level = level_words(s.difficulty).lower() + ("; heavy topic" if heavy(s) else "")
                self.console.print(f"  {i}. {escape(s.title)} [dim]({level}; {escape(skills)})[/]")

        list_items()
        return items[self.pick(len(items), again=list_items) - 1].id

    def yes_or_no(self, question: str) -> bool:
        """Yes (the default) or no; anything else asks again rather than guessing."""
        while True:
            answer = self.ask(question).lower().strip(" .!")
            if answer in ("", "y", "yes", "yeah", "sure"):
                return True
            if answer in ("n", "no", "nope"):
                return False
            if answer in ("q", "quit"):
                raise EndOfInput
            self.console.print("[yellow]Please type y or n.[/]")

    def pick(self, n: int, again: Callable[[], None] | None = None) -> int:
        while True:
            answer = self.ask(f"Choose 1-{n}:", again=again)
            if answer.isdecimal() and 1 <= int(answer) <= n:
                return int(answer)
            if answer.lower() in ("q", "quit"):
                raise EndOfInput
            self.number_please(n)

    def number_please(self, n: int) -> None:
        self.console.print(f"[yellow]Please type a number from 1 to {n}.[/]")

    def safe_to_go_on(self, screened: CrisisResult) -> bool:
        """The card for explicit danger; for a probable signal, ask first, as the bot does."""
        if screened.action != ASK:
            return False
        question = safety.question_text(screened.category, someone_else=screened.someone_else)
        self.console.print(Panel(question, title="Checking in", border_style="yellow"))
        self.console.print(
            "  1. Yes\n  2. I'm safe, back to the scene\n  3. Show me support numbers"
        )
        try:
            answer = self.check_in_answer(screened.category)
        except EndOfInput:  # no answer at all: the numbers, not silence; nothing goes on below
            scene = TERMINAL_KEPT if self.in_scene else None
            self.show_card(screened, scene=scene, closing=TERMINAL_CLOSING)
            raise
        if answer == safety.THEIRS:  # "no, it's my brother": the numbers, on their card
            self.show_numbers(replace(screened, someone_else=True))
        elif answer == safety.NUMBERS:
            self.show_numbers(screened)
        elif answer == safety.SAFE:
            then = safety.SAME_MOMENT if self.in_scene else TERMINAL_GO_ON
            thanks = safety.back_to_scene_text(screened.category, then=then)
            self.console.print(f"[italic]{escape(thanks)}[/]")
        return answer != safety.YES

    def check_in_answer(self, category: str | None = None) -> str:
        """YES, SAFE, NUMBERS or THEIRS (state.safety): a button's number, or words meaning one
        (`typed_answer`); anything else that reads as crisis counts as yes."""
        by_number = {"1": safety.YES, "2": safety.SAFE, "3": safety.NUMBERS}
        while True:
            answer = self.ask("Choose 1-3:", screen=False)  # crisis words count as yes below
            said = answer.lower().strip(" .!?")
            if said in ("q", "quit"):
                raise EndOfInput
            chosen = by_number.get(said) or safety.typed_answer(answer)
            if chosen is not None:
                return chosen
            if said and safety.screen_text(answer).crisis:
                return safety.YES
            again = safety.ask_again_text(category, how="Type 1, 2 or 3")
            self.console.print(f"[yellow]{escape(again)}[/]")

    def show_numbers(self, screened: CrisisResult) -> None:
        """The card; the scene, or the menu, goes on below it at once."""
        if self.in_scene:
            self.show_card(screened, scene=TERMINAL_KEPT, closing=TERMINAL_KEPT_CLOSING)
        else:
            self.show_card(screened, scene=None, closing=TERMINAL_GO_ON)

    def show_moment(self, pending: Ask | Offer) -> None:
        """The scene's moment again after the question (a participant trial found the choices
        alone, without the line they answer): the last turn's lines, then the choices."""
        self.say_moment(pending)
        self.show_choices(pending)

    def say_moment(self, pending: Ask | Offer) -> None:
        if isinstance(pending, Ask):  # a scene's step: its lines (an Offer is outside one)
            for out in self.moment:
                self.say(out)

    def say(self, out: Say) -> None:
        if out.name:
            self.console.print(f"[bold cyan]{escape(out.name)}:[/] {escape(out.text)}")
        else:
            self.console.print(f"[italic]{escape(out.text)}[/]")

    def show_card(
        self,
        screened: CrisisResult | None,
        scene: str | None,
        opening: str | None = None,
        closing: str = TERMINAL_CLOSING,
    ) -> None:
        """The card, as the bot's: its category's resources and the substance-use line (every
        resource for /safety, `screened` None), and what happened to the scene."""
        resources = (
            safety.DEFAULT_RESOURCES
            if screened is None
            else safety.resources_for(
                safety.DEFAULT_RESOURCES, screened.category, screened.substances
            )
        )
        card = safety.crisis_card(
            resources,
            scene=scene,
            opening=opening,
            closing=closing,
            category=screened.category if screened else None,
            someone_else=screened.someone_else if screened else False,
        )
        self.console.print(Panel(card, title="You matter", border_style="red"))

    async def play_turns(self, turn) -> str:
        """Play until the run ends ('ended') or the player quits ('quit'); crisis language
        raises `CrisisTyped` from `ask`."""
        pending = self.show(turn.outputs)
        # After the debrief only a step outside the scene (the exposure after-rating) goes on.
        while pending is not None and (not turn.ended or isinstance(pending, Offer)):
            self.in_scene = not turn.ended  # after the debrief, only the after-rating is left
            self.show_choices(pending)
            answer = self.ask(">", again=functools.partial(self.show_moment, pending))
            if answer.lower() in ("q", "quit", "/stop"):
                self.console.print(
                    "[dim]Saved. Run `rehearse play` again to pick up on the same line.[/]"
                )
                return "quit"
            if answer.lower() == "/safety":  # as in the bot: every resource, the scene kept
                self.show_card(
                    None, scene=None, opening=safety.ASKED_OPENING, closing=safety.SAME_MOMENT
                )
                self.say_moment(pending)  # the choices follow, as after the question
                continue
            if answer.lower() == "/skills":  # as in the bot (the coach's skill notes name it)
                for card in SKILL_CARDS:
                    self.console.print(f"[bold]{escape(card_title(card))}[/]\n{escape(card[2])}\n")
                self.say_moment(pending)
                continue
            value = self.offered_value(pending, answer) if isinstance(pending, Offer) else None
            if isinstance(pending, Offer) and value is not None:
                if pending.stage in (AFTER, COMPARE):
                    if turn.run_id is None:
                        break
                    turn = await self.practice.after(
                        TERMINAL_USER_ID, turn.run_id, pending.stage, value
                    )
                else:
                    turn = await self.practice.act(TERMINAL_USER_ID, Pick(pending.stage, value))
                pending = self.show(turn.outputs)
                continue
            if isinstance(pending, Offer) and (not pending.typed or not answer):
                self.console.print("[yellow]Please pick one of the numbers shown.[/]")
                continue
            if not answer:
                continue
            if isinstance(pending, Ask) and answer.isdecimal():
                if not 1 <= int(answer) <= len(pending.options):  # "4" of three: not a reply
                    self.number_please(len(pending.options))
                    continue
                inp = Choose(pending.options[int(answer) - 1].id)
            else:  # `ask` screened it: no crisis language, or "I'm safe" and typed again
                inp = Reply(answer)
            turn = await self.practice.act(TERMINAL_USER_ID, inp)
            new_pending = self.show(turn.outputs)
            pending = new_pending or (None if turn.ended else pending)
        self.in_scene = False
        return "ended"

    async def session(self, scenario_id: str | None) -> int:
        try:
            return await self._session(scenario_id)
        except CrisisTyped as typed:
            # the card first, as the bot sends it before any write; then the scene stops
            self.show_card(typed.screened, scene=TERMINAL_STOPPED if self.in_scene else None)
            try:
                await self.practice.stop(TERMINAL_USER_ID)
            except Exception:  # noqa: BLE001 - the card is out; a paused run stays paused
                self.console.print(
                    "[dim]The scenario could not be closed after all: `rehearse play` may "
                    "offer to resume it.[/]"
                )
            return 0

    async def _session(self, scenario_id: str | None) -> int:
        turn = None
        if scenario_id is not None and scenario_id not in self.library.scenarios:
            self.console.print(
                f"[red]There is no valid scenario {escape(scenario_id)!s}. See `rehearse list`.[/]"
            )
            return 1
        # `rehearse play` and `rehearse play <the open scenario>` both pick the run up on the
        # words the player last saw; starting afresh would draw the lines again, in other words.
        # A --seed asks for a fresh, reproducible run (scripts pipe their answers): no question.
        resumed = await self.practice.resume(TERMINAL_USER_ID)
        if (
            resumed is not None
            and resumed.scenario_id in self.library.scenarios
            and (scenario_id is None or (scenario_id == resumed.scenario_id and self.seed is None))
        ):
            # a title that is a quote ('"Come by tonight…"') isn't quoted twice (a fifth trial)
            title = self.library.scenarios[resumed.scenario_id].title.strip('"\u201c\u201d')
            self.in_scene = True  # paused, waiting for this answer
            if self.yes_or_no(f"You were in the middle of “{title}”. Resume? [Y/n]"):
                turn = resumed
            self.in_scene = False
        while True:
            if turn is None:
                sid = scenario_id or await self.menu()
                if sid is None:
                    return 1
                turn = await self.begin(sid)
            result = await self.play_turns(turn)
            if result == "quit":
                return 0
            answer = self.ask("[r]eplay, [m]enu or [q]uit?").lower()
            if answer.startswith("r"):
                turn = await self.begin(turn.scenario_id or scenario_id or "")
            elif answer.startswith("m"):
                scenario_id, turn = None, None
            else:
                return 0

    async def begin(self, scenario_id: str):
        sc = self.library.scenarios[scenario_id]
        self.moment = []
        self.console.rule(escape(sc.title))
        if sc.content_warnings:
            self.console.print(f"[dim]Content note: {escape(', '.join(sc.content_warnings))}[/]")
        if sc.intro:
            self.console.print(f"[dim]{escape(sc.intro)}[/]")
        seed = self.seed if self.seed is not None else random.randrange(1 << 30)
        return await self.practice.begin(TERMINAL_USER_ID, scenario_id, seed)


async def _main(settings: Settings, scenario_id: str | None, seed: int | None) -> int:
    from pathlib import Path

    from state.coach import match_reply
    from state.practice.service import Practice
    from state.store import Store

    folder = settings.scenarios_dir
    library = load_library([Path(folder)]) if folder else load_library()
    store = await Store.open(settings.database_url)
    try:
        practice = Practice(store, library, matcher=match_reply)
        console = Console(highlight=False)

        def read() -> str | None:
            line = sys.stdin.readline()
            return None if line == "" else line

        player = Player(practice, library, console, read, seed)
        try:
            return await player.session(scenario_id)
        except EndOfInput:
            return 0
    finally:
        await store.close()


def _keypad(offer: Offer) -> bool:
    """A 0-10 rating: typed as the number itself."""
    return any(o.id.isdigit() for o in offer.options)


def run_player(settings: Settings, scenario_id: str | None, seed: int | None) -> int:
    try:
        return asyncio.run(_main(settings, scenario_id, seed))
    except KeyboardInterrupt:
        return 0
