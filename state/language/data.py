"""The labelled text the readers are trained and tuned on, gathered from the repository.

Training reads only what is listed here. The held-out split (``tests/data/heldout/``) is never
read by training or tuning: it was written by someone else from a written specification, and
only the benchmarks score it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scenarios.library import load_library
from state.crisis import detect_crisis

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
LANGUAGE = DATA / "language"
CRISIS_FILES = (*sorted(LANGUAGE.glob("crisis*.jsonl")), DATA / "crisis_eval.jsonl")
STYLE_FILES = (*sorted(LANGUAGE.glob("styles*.jsonl")), DATA / "coach_replies.jsonl")
HELDOUT = DATA / "heldout"  # never read here: see the module's docstring

NONE = "none"
CATEGORY_OF = {  # construct -> crisis category (the card's resources follow the category)
    "wish-dead": "suicide",
    "suicidal-thoughts": "suicide",
    "method": "suicide",
    "intent": "suicide",
    "plan": "suicide",
    "preparation": "suicide",
    "suicide": "suicide",
    "self-harm": "self-harm",
    "overdose": "overdose",
    "danger-from-others": "danger-from-others",
    "harm-to-others": "harm-to-others",
}


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # a crisis category or "none"; or a style
    group: str  # the construct, context or source: what reports break figures down by
    source: str


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def crisis_label(row: dict) -> tuple[str, str]:
    """(category or "none", construct) of one labelled crisis row, old or new format."""
    construct = row.get("construct") or row.get("category") or ("crisis" if row["crisis"] else "")
    if not row["crisis"]:
        return NONE, construct or "ordinary"
    return CATEGORY_OF.get(construct, row.get("category") or "suicide"), construct


PORTRAYS_CRISIS = "portrays-crisis"


def scenario_lines() -> list[tuple[str, str | None]]:
    """(text, style) of every line the library puts in anyone's mouth, and every button's words;
    style for the player's lines.

    A node tagged `portrays-crisis` (a peer texting in crisis, say) puts danger in a character's
    mouth on purpose: its lines are not ordinary text, so they are not taught as such.
    """
    out: list[tuple[str, str | None]] = []
    for sc in load_library().scenarios.values():
        for node in sc.nodes.values():
            if PORTRAYS_CRISIS not in node.tags:
                for line in node.lines:
                    out.extend((t, None) for t in line.texts)
            for choice in node.choices:
                out.append((choice.spoken, choice.style.value))
                if PORTRAYS_CRISIS in node.tags:  # "Are you thinking about suicide?" (a reviewer)
                    continue
                # the button's words too, as ordinary text: a participant types them ("not for me
                # tonight", a button's, drew the crisis question in a trial). Not as a style: with
                # them the style model read "k thanks i guess" as passive, not as a dig
                button = choice.text.strip().strip('"\u201c\u201d').strip()
                if button and button != choice.spoken and not detect_crisis(button).crisis:
                    out.append((button, None))
    # each text once, where it first appears (the crisis model's rows, in order), with a style
    # if any of its appearances has one (a button's words that are also a line)
    styles: dict[str, str | None] = {}
    for t, s in out:
        if styles.get(t) is None:
            styles[t] = s
    return list(styles.items())


def crisis_examples() -> list[Example]:
    rows: list[Example] = []
    for path in CRISIS_FILES:
        for row in read_jsonl(path):
            label, construct = crisis_label(row)
            rows.append(Example(row["text"], label, construct, path.name))
    rows += [Example(t, NONE, "scenario-line", "scenarios") for t, _ in scenario_lines()]
    return _unique(rows)


def style_examples() -> list[Example]:
    rows = [
        Example(r["text"], r["style"], r.get("context", "?"), path.name)
        for path in STYLE_FILES
        for r in read_jsonl(path)
    ]
    rows += [Example(t, s, "scripted", "scenarios") for t, s in scenario_lines() if s]
    return _unique(rows)


def heldout(name: str) -> list[dict]:
    """The held-out rows, for the benchmarks only (training never calls this)."""
    return read_jsonl(HELDOUT / f"{name}.jsonl")


def _unique(rows: list[Example]) -> list[Example]:
    """First label wins for a text seen twice; order is kept so training is deterministic."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = row.text.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(row)
    return out
