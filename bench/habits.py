"""The library's writing habits in figures: how often the right answer is the longest, and how
many habit warnings each check raises. Prints them and writes BENCHMARKS.md's section
"Scenario habits".

Run: .venv/bin/python -m bench.habits
"""

from __future__ import annotations

from collections import Counter

from bench.report import write_section
from scenarios.habits import CODES, longest_counts
from scenarios.library import load_library


def figures() -> str:
    lib = load_library()
    decisions = 0
    buttons: Counter[str] = Counter()
    spoken: Counter[str] = Counter()
    worst = (0.0, "")
    for sid, sc in sorted(lib.scenarios.items()):
        n, b, s = longest_counts(sc)
        decisions += n
        buttons.update(b)
        spoken.update(s)
        share = max(b["assertive"], s["assertive"]) / n if n else 0.0
        worst = max(worst, (share, sid))
    warnings = Counter(p.code for p in lib.problems if p.code in CODES)
    rows = [
        f"{len(lib.scenarios)} scenarios, {decisions} decisions (nodes offering choices of at "
        "least two kinds; a near-miss is its own kind). A style is the longest in a decision when "
        "its choice is strictly longer than every other kind's.",
        "",
        "| Longest in a decision | Button | Spoken line |",
        "|---|---:|---:|",
    ]
    for kind in ("assertive", "passive", "aggressive", "passive-aggressive", "near-miss"):
        rows.append(
            f"| {kind} | {_pct(buttons[kind], decisions)} | {_pct(spoken[kind], decisions)} |"
        )
    rows += [
        "",
        f"Highest per-scenario share for the assertive answer: {worst[0]:.0%} (`{worst[1]}`); "
        "the validator warns above 50%.",
        "",
        "| Warning | Count |",
        "|---|---:|",
    ]
    rows += [f"| `{code}` | {warnings[code]} |" for code in CODES]
    return "\n".join(rows)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part})" if whole else "–"


def main() -> None:
    body = figures()
    print(body)
    write_section("Scenario habits", "python -m bench.habits", body)


if __name__ == "__main__":
    main()
