"""Format checks for the held-out reply-style set B (tests/data/heldout/styles-b.jsonl).

Failures name only line numbers and counts, never a text, so the set stays held out.
"""

import json
from collections import Counter
from pathlib import Path

HELDOUT = Path(__file__).parent / "data" / "heldout"
SET_B = HELDOUT / "styles-b.jsonl"
SET_A = HELDOUT / "styles.jsonl"

FIELDS = {"text", "style", "context"}
STYLES = {"assertive", "passive", "aggressive", "passive-aggressive"}
CONTEXTS = {"family", "friendship", "workplace", "recovery", "social-anxiety"}
MIN_PER_STYLE = 110
MIN_PER_STYLE_CONTEXT = 20


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _load(path: Path) -> list[tuple[int, object]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError:
            rows.append((number, None))
    return rows


def _rows() -> list[tuple[int, dict]]:
    rows = _load(SET_B)
    bad = [n for n, row in rows if not isinstance(row, dict)]
    assert not bad, f"lines that are not JSON objects: {bad}"
    return rows


def test_fields_and_values():
    rows = _rows()
    assert rows, "styles-b.jsonl is empty"
    bad_fields = [n for n, row in rows if set(row) != FIELDS]
    assert not bad_fields, f"lines without exactly the fields text, style, context: {bad_fields}"
    bad_text = [n for n, row in rows if not isinstance(row["text"], str) or not row["text"].strip()]
    assert not bad_text, f"lines with an empty or non-string text: {bad_text}"
    bad_style = [n for n, row in rows if row["style"] not in STYLES]
    assert not bad_style, f"lines with an unknown style: {bad_style}"
    bad_context = [n for n, row in rows if row["context"] not in CONTEXTS]
    assert not bad_context, f"lines with an unknown context: {bad_context}"


def test_minimum_counts():
    rows = _rows()
    per_style = Counter(row["style"] for _, row in rows)
    low = {s: per_style[s] for s in sorted(STYLES) if per_style[s] < MIN_PER_STYLE}
    assert not low, f"styles under {MIN_PER_STYLE}: {low}"
    cells = Counter((row["style"], row["context"]) for _, row in rows)
    low_cells = {
        f"{s}/{c}": cells[(s, c)]
        for s in sorted(STYLES)
        for c in sorted(CONTEXTS)
        if cells[(s, c)] < MIN_PER_STYLE_CONTEXT
    }
    assert not low_cells, f"style/context cells under {MIN_PER_STYLE_CONTEXT}: {low_cells}"


def test_no_duplicates():
    first: dict[str, int] = {}
    repeats = []
    for n, row in _rows():
        key = _key(row["text"])
        if key in first:
            repeats.append((first[key], n))
        else:
            first[key] = n
    assert not repeats, f"duplicate texts (first line, repeat line): {repeats}"


def test_no_line_shared_with_first_set():
    other = set()
    for _, row in _load(SET_A):
        if isinstance(row, dict) and isinstance(row.get("text"), str):
            other.add(_key(row["text"]))
    shared = [n for n, row in _rows() if _key(row["text"]) in other]
    assert not shared, f"{len(shared)} lines also in styles.jsonl, at lines: {shared}"
