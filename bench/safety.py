"""Crisis screening: how often it answers (the card, the question) and how fast, by construct.

Run from the project root: ``python -m bench.safety``. Prints the figures and writes them to the
"Safety: crisis detection" section of BENCHMARKS.md. No message text is printed.

Three kinds of figure, never mixed:
- **held-out**: ``tests/data/heldout/crisis.jsonl``, written by a separate helper from a written
  specification, never read by whoever wrote the rules or trained the model. The goals are
  judged here.
- **held-out set B**: ``tests/data/heldout/crisis-b.jsonl`` (``SPEC-B.md``), written later by
  another helper that read none of the project's data, in the register real adults type.
  Reported apart from everything else; nobody tuning the detector may read its rows.
- **held-out set C**: ``tests/data/heldout/crisis-c.jsonl`` (``SPEC-C.md``), a third helper's,
  in the conversational register (role-play replies, answers to the bot's questions); the same
  rules as set B.
- **held-out set D**: ``tests/data/heldout/crisis-d.jsonl`` (``SPEC-D.md``), a fourth helper's,
  in standard written English, the register the independent set that found recall 0.69 was
  written in; the same rules as set B.
- **cross-validated**: out-of-fold figures on the training data, measured by ``rehearse train``
  and stored in the model's header.
- **trained on**: the training data itself and every scenario line; optimistic by construction.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

from bench.report import write_section
from state.analysis import analyse_message
from state.crisis import CARD
from state.language.data import NONE, Example, crisis_examples, crisis_label, heldout
from state.language.model import shipped
from state.language.screen import screen, thresholds
from state.safety.card import _screen

GOAL_RECALL, GOAL_CARD, GOAL_ANY = 0.95, 0.03, 0.10
GOAL_MS, GOAL_MS_LONG = 1.0, 5.0
REPEATS = 7


def actions(rows: Iterable[Example]) -> list[tuple[Example, str | None]]:
    return [(ex, screen(ex.text).action) for ex in rows]


def rates(rows: list[tuple[Example, str | None]]) -> dict:
    pos = [a for ex, a in rows if ex.label != NONE]
    neg = [a for ex, a in rows if ex.label == NONE]

    def share(xs: list, pred: Callable[[str | None], bool]) -> float:
        return sum(map(pred, xs)) / len(xs) if xs else float("nan")

    return {
        "n_crisis": len(pos),
        "n_ordinary": len(neg),
        "recall": share(pos, lambda a: a is not None),
        "card_recall": share(pos, lambda a: a == CARD),
        "card_fpr": share(neg, lambda a: a == CARD),
        "any_fpr": share(neg, lambda a: a is not None),
    }


def row(name: str, r: dict) -> str:
    def f(x: float) -> str:
        return "–" if x != x else f"{x:.3f}"  # NaN: nothing of that kind in the set

    return (
        f"| {name} | {r['n_crisis']} / {r['n_ordinary']} | {f(r['recall'])} "
        f"| {f(r['card_recall'])} | {f(r['card_fpr'])} | {f(r['any_fpr'])} |"
    )


HEAD = [
    "| set | crisis / ordinary | recall (card or question) | card recall | card on ordinary "
    "| any interruption on ordinary |",
    "|---|---|---|---|---|---|",
]


def by_construct(rows: list[tuple[Example, str | None]]) -> list[str]:
    groups: dict[str, list[tuple[Example, str | None]]] = {}
    for ex, a in rows:
        groups.setdefault(ex.group, []).append((ex, a))
    out = ["| construct | n | caught (card or question) / interrupted | of which the card |"]
    out.append("|---|---|---|---|")
    for name, items in sorted(groups.items(), key=lambda kv: (kv[1][0][0].label == NONE, kv[0])):
        n = len(items)
        hit = sum(a is not None for _, a in items)
        card = sum(a == CARD for _, a in items)
        kind = "ordinary: " if items[0][0].label == NONE else ""
        out.append(f"| {kind}{name} | {n} | {hit / n:.3f} | {card / n:.3f} |")
    return out


def median_ms(texts: list[str]) -> float:
    """Median over REPEATS passes of the mean time per message: the whole analysis
    (`rehearse analyze`: screening, then the coach when the message is not a crisis)."""
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for text in texts:
            _screen.cache_clear()  # the bot screens a message once; never time a cache hit
            analyse_message(text)
        runs.append((time.perf_counter() - t0) / len(texts) * 1000)
    return statistics.median(runs)


def machine_ms() -> float:
    """The machine's speed at the time of the run: a fixed pure-Python workload, median of
    REPEATS. The same bench on one machine has run 2.7 times slower from one hour to the next
    (other jobs, a throttled host); this says which kind of hour a timing comes from."""
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


# The later held-out sets, each written by another helper from the specs alone, reported apart.
LATER_SETS = {
    "b": "a second split written by another helper that read none of the project's data, in "
    "the register real adults type.",
    "c": "a third split, in the conversational register: replies to a role-play character, "
    "answers to the check-in and to the direct question, many of them opening with an "
    "interjection (no, yeah, idk, lol).",
    "d": "a fourth split, in standard written English (sentence case, punctuation, several "
    "sentences with the risk in one of them), the register of the independent set that found "
    "recall 0.69.",
    "e": "a fifth split, in many voices: some thirty writers of different ages, regions, "
    "dialects and habits (all caps, voice-to-text, code-switching, AAVE, misspellings, one "
    "word or a long run-on), each construct spread across them.",
    "f": "a sixth split, in the quiet and indirect register (plans told as errands or a "
    "schedule, preparations, farewells that sound like thanks, a day named, euphemism, flat "
    "intent) with ordinary twins of the same surface (moves, wills, goodbyes, trips, pill "
    "organizers, hunting guns).",
    "g": "a seventh split, written like the independent tester's from the issue's own "
    "description alone, in a texting register of varied voices (plans with a place, saved "
    "pills, a weapon at hand, farewells, recent self-harm, overdoses in progress, and "
    "ordinary lines with idioms, negation, history and everyday method words).",
}


def main() -> None:
    model = shipped("crisis")
    th = thresholds(model)
    held = [Example(r["text"], *crisis_label(r), "heldout") for r in heldout("crisis")]
    held_rows = actions(held)
    held_r = rates(held_rows)
    later = {}  # set name -> its rows, read like the first split's
    for name in LATER_SETS:
        rows = [Example(r["text"], *crisis_label(r), name) for r in heldout(f"crisis-{name}")]
        later[name] = actions(rows)
    trained = crisis_examples()
    trained_rows = actions(trained)
    scenario_rows = [(ex, a) for ex, a in trained_rows if ex.group == "scenario-line"]
    written_rows = [(ex, a) for ex, a in trained_rows if ex.group != "scenario-line"]
    cv = model.meta["cross_validated"]
    texts = [ex.text for ex in held]
    ms = median_ms(texts)
    long_text = " ".join(texts)[:4096]
    ms_long = median_ms([long_text])
    reference = machine_ms()
    met = {
        "recall": held_r["recall"] >= GOAL_RECALL,
        "card": held_r["card_fpr"] <= GOAL_CARD,
        "any": held_r["any_fpr"] <= GOAL_ANY,
        "speed": ms <= GOAL_MS and ms_long <= GOAL_MS_LONG,
    }

    def verdict(key: str) -> str:
        return "met" if met[key] else "**not met**"

    lines = [
        f"Goals, on the held-out split: recall (the card or the question) >= {GOAL_RECALL} "
        f"({verdict('recall')}: {held_r['recall']:.3f}); the card on <= {GOAL_CARD:.0%} of "
        f"ordinary messages ({verdict('card')}: {held_r['card_fpr']:.3f}); any interruption on "
        f"<= {GOAL_ANY:.0%} ({verdict('any')}: {held_r['any_fpr']:.3f}); <= {GOAL_MS:g} ms a "
        f"message median and <= {GOAL_MS_LONG:g} ms for 4,096 characters, the whole analysis "
        f"({verdict('speed')}: {ms:.3f} ms; {ms_long:.2f} ms).",
        "",
        f"Model `{model.version}` (lexicon {model.meta.get('lexicon')}), thresholds: card at "
        f"p >= {th.card}, question at p >= {th.ask}; a rule's card becomes the question below "
        f"p = {th.veto}. Thresholds were chosen on cross-validated probabilities of the "
        "training data only.",
        "",
        *HEAD,
        row("**held-out** (never read by the detector's author)", held_r),
        row("cross-validated, written messages (training data, out of fold)", cv["tuned"]),
        row("trained on: written messages (in-sample)", rates(written_rows)),
        row("trained on: every scenario line (in-sample)", rates(scenario_rows)),
        "",
        "The independent sets the project does not have (run against every release) are "
        "reported by whoever holds them; they are not in this table.",
        "",
        "Held-out, by construct:",
        "",
        *by_construct(held_rows),
        "",
    ]
    for name, about in LATER_SETS.items():
        lines += [
            f"Held-out set {name.upper()} (`tests/data/heldout/crisis-{name}.jsonl`, "
            f"`SPEC-{name.upper()}.md`): {about} Reported apart; not in the goals above, and "
            "nobody tuning the detector may read its rows.",
            "",
            *HEAD,
            row(
                f"**held-out set {name.upper()}** (never read by the detector's author)",
                rates(later[name]),
            ),
            "",
            f"Held-out set {name.upper()}, by construct:",
            "",
            *by_construct(later[name]),
            "",
        ]
    lines += [
        "Cross-validated, by construct (training data, out of fold):",
        "",
        "| construct | n | caught / interrupted | of which the card |",
        "|---|---|---|---|",
    ]
    for name, r in cv["by_construct"].items():
        crisis_row = r["n_crisis"] > 0
        n = r["n_crisis"] if crisis_row else r["n_ordinary"]
        hit = r["recall"] if crisis_row else r["any_fpr"]
        card = r["card_recall"] if crisis_row else r["card_fpr"]
        lines.append(
            f"| {'' if crisis_row else 'ordinary: '}{name} | {n} | {hit:.3f} | {card:.3f} |"
        )
    lines += [
        "",
        f"Time per message: median of {REPEATS} passes over the held-out messages, "
        "`analyse_message` (screening, then coaching when not a crisis). The machine's "
        f"reference (a million-step pure-Python loop, `machine_ms`) took {reference:.0f} ms "
        "in this run: compare timings from different runs through it, not as they stand.",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("Safety: crisis detection", "python -m bench.safety", body)


if __name__ == "__main__":
    main()
