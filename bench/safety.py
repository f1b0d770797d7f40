"""Crisis-detection quality and speed on the labelled set tests/data/crisis_eval.jsonl.

Run from the project root: ``python -m bench.safety``. Prints the figures and writes them to
the "Safety: crisis detection" section of BENCHMARKS.md. No message text is printed.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bench.report import write_section
from state.crisis import CATEGORIES, LEXICON_VERSION, detect_crisis

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "crisis_eval.jsonl"
GOAL_RECALL, GOAL_FPR = 0.95, 0.05
REPEATS = 21


def load() -> list[dict]:
    lines = EVAL_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def scores(rows: list[dict]) -> dict:
    """Recall, false-positive rate, precision and per-category recall for `rows`."""
    tp = fp = fn = tn = 0
    per_cat: dict[str, list[int]] = {c: [0, 0] for c in CATEGORIES}  # [caught, total]
    for row in rows:
        hit = detect_crisis(row["text"]).crisis
        if row["crisis"]:
            tp, fn = tp + hit, fn + (not hit)
            per_cat[row["category"]][0] += hit
            per_cat[row["category"]][1] += 1
        else:
            fp, tn = fp + hit, tn + (not hit)
    return {
        "n_pos": tp + fn,
        "n_neg": fp + tn,
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "fpr": fp / (fp + tn) if fp + tn else float("nan"),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "per_cat": {c: (k, n) for c, (k, n) in per_cat.items() if n},
    }


def median_us_per_message(texts: list[str]) -> float:
    """Median over REPEATS passes of the whole set, divided by the number of messages."""
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for text in texts:
            detect_crisis(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / len(texts) * 1e6


def main() -> None:
    rows = load()
    overall = scores(rows)
    heldout = scores([r for r in rows if r["split"] == "heldout"])
    long_text = " ".join(r["text"] for r in rows)[:10_000]
    us = median_us_per_message([r["text"] for r in rows])
    us_long = median_us_per_message([long_text])
    met = heldout["recall"] >= GOAL_RECALL and heldout["fpr"] <= GOAL_FPR

    def row(name: str, s: dict) -> str:
        return (
            f"| {name} | {s['n_pos']} / {s['n_neg']} | {s['recall']:.3f} | {s['fpr']:.3f} "
            f"| {s['precision']:.3f} |"
        )

    lines = [
        f"Goal: recall >= {GOAL_RECALL} and false-positive rate <= {GOAL_FPR} on messages the "
        f"lexicon was not tuned on (heldout split). **{'Met' if met else 'Not met'}** "
        f"(heldout recall {heldout['recall']:.3f}, false positives {heldout['fpr']:.3f}).",
        "",
        f"Lexicon {LEXICON_VERSION}; set `tests/data/crisis_eval.jsonl` ({len(rows)} messages, "
        "written by the lexicon's author, heldout part written before any rule; a small "
        "synthetic set, not real participant messages).",
        "",
        "| split | crisis / non-crisis | recall | false-positive rate | precision |",
        "|---|---|---|---|---|",
        row("heldout", heldout),
        row("all", overall),
        "",
        "| category | recall (all) | recall (heldout) |",
        "|---|---|---|",
    ]
    for cat in CATEGORIES:
        k, n = overall["per_cat"].get(cat, (0, 0))
        hk, hn = heldout["per_cat"].get(cat, (0, 0))
        lines.append(f"| {cat} | {k}/{n} | {hk}/{hn} |")
    lines += [
        "",
        f"Time per message: median {us:.1f} µs over {REPEATS} passes of the whole set; "
        f"{us_long:.0f} µs for one 10,000-character message.",
    ]
    body = "\n".join(lines)
    print(body)
    write_section("Safety: crisis detection", "python -m bench.safety", body)


if __name__ == "__main__":
    main()
