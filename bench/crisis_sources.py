"""Crisis screening across writers: each training file scored by models that never saw it.

Run from the project root: ``python -m bench.crisis_sources`` (about 20 minutes on two cores).
Prints the figures and writes them to the "Safety: crisis detection across writers" section of
BENCHMARKS.md. No message text is printed, and no held-out row is read.

Random folds put a writer's own phrasings on both sides of the split, so cross-validation reads
text like its training text. Here each source file (one helper's round, one register) is scored
by models trained on the other files: nearer what the held-out sets and the independent set
see. A keep rule can ask for this figure without anyone opening held-out data.
"""

from __future__ import annotations

from bench.report import write_section
from bench.safety import HEAD, row
from state.language.model import shipped
from state.language.screen import thresholds
from state.language.train import crisis_out_of_source


def main() -> None:
    model = shipped("crisis")
    th = thresholds(model)
    found = crisis_out_of_source(th)
    at, chosen = found["at_shipped"], found["at_chosen"]
    c = found["chosen"]
    random = model.meta["cross_validated"]["tuned"]
    lines = [
        f"Model recipe of `{model.version}`; the scenario lines, one more source, are scored too "
        "but not counted (as in training). The shipped thresholds: card at p >= "
        f"{th.card}, question at p >= {th.ask}. Chosen on these probabilities by the recipe's own "
        f"rule: card {c.card}, question {c.ask}, veto {c.veto}, dismissal {c.dismiss} (the "
        "limits " + ("met" if chosen["limits_met"] else "**not met**") + "; optimistic, as "
        "they are chosen on the figures they report). The shipped thresholds keep the limits "
        "here: " + ("yes" if at["limits_met"] else "**no**") + ". The folds are grouped by "
        "file: the scenario lines, the largest source, fill one fold, so each training file is "
        "scored by models trained on about three quarters of the other files.",
        "",
        *HEAD,
        row("cross-validated, random folds (the model's header)", random),
        row("across writers, the shipped thresholds", at["tuned"]),
        row("across writers, thresholds chosen on them", chosen["tuned"]),
        "",
        "The same texts written otherwise, across writers, at the shipped thresholds "
        "(`train.WRITING_HABITS`: how a sentence ends, a laugh, an emoji or capitals are a "
        "writer's habits and mustn't decide; before `features.flat_marks`, recall with \"!\" "
        "added was 0.806 at the thresholds chosen across writers):",
        "",
        *HEAD,
        *(row(f"across writers, {name}", r) for name, r in found["habits"].items()),
        "",
        "Across writers, the shipped thresholds, by construct:",
        "",
        "| construct | crisis / ordinary | recall | card on ordinary | any on ordinary |",
        "|---|---|---|---|---|",
    ]
    for name, r in sorted(at["by_construct"].items()):
        if name == "scenario-line":
            continue
        if r["n_crisis"]:
            lines.append(f"| {name} | {r['n_crisis']} / 0 | {r['recall']:.3f} | – | – |")
        else:
            lines.append(
                f"| ordinary: {name} | 0 / {r['n_ordinary']} | – | {r['card_fpr']:.3f} "
                f"| {r['any_fpr']:.3f} |"
            )
    lines += [
        "",
        "Across writers, the shipped thresholds, by source file (each scored by models trained "
        "on the others):",
        "",
        "| source | crisis / ordinary | recall | card on ordinary | any on ordinary |",
        "|---|---|---|---|---|",
    ]
    for name, r in sorted(at["by_source"].items()):
        recall = f"{r['recall']:.3f}" if r["n_crisis"] else "–"
        lines.append(
            f"| {name} | {r['n_crisis']} / {r['n_ordinary']} | {recall} "
            f"| {r['card_fpr']:.3f} | {r['any_fpr']:.3f} |"
        )
    body = "\n".join(lines)
    print(body)
    write_section("Safety: crisis detection across writers", "python -m bench.crisis_sources", body)


if __name__ == "__main__":
    main()
