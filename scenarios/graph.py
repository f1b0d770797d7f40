"""Scenario diagrams as Mermaid (needs nothing installed) or Graphviz DOT text."""

from __future__ import annotations

from scenarios.model import Scenario

STYLE_COLOURS = {
    "assertive": "#2e7d32",
    "passive": "#1565c0",
    "aggressive": "#c62828",
    "passive-aggressive": "#6a1b9a",
}
OUTCOME_COLOURS = {"good": "#c8e6c9", "mixed": "#fff9c4", "hard": "#ffcdd2"}


def _label(text: str, limit: int = 40) -> str:
    text = text.replace('"', "'").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mid(node_id: str) -> str:
    return "n_" + node_id.replace("-", "_")


def to_mermaid(scenario: Scenario) -> str:
    out = ["flowchart TD"]
    for nid, node in scenario.nodes.items():
        if node.ending:
            out.append(f'    {_mid(nid)}(["{_label(nid)}: {_label(node.ending.title)}"])')
        else:
            out.append(f'    {_mid(nid)}["{_label(nid)}"]')
    link = 0
    styles = []
    for nid, node in scenario.nodes.items():
        for c in node.choices:
            out.append(
                f'    {_mid(nid)} -- "{_label(c.text)} ({c.style.value})" --> {_mid(c.target)}'
            )
            styles.append(f"    linkStyle {link} stroke:{STYLE_COLOURS[c.style.value]}")
            link += 1
    for nid, node in scenario.nodes.items():
        if node.ending:
            out.append(f"    style {_mid(nid)} fill:{OUTCOME_COLOURS[node.ending.outcome]}")
    out.append(f"    style {_mid(scenario.start)} stroke-width:3px")
    return "\n".join(out + styles) + "\n"


def to_dot(scenario: Scenario) -> str:
    out = [
        f'digraph "{scenario.id}" {{',
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for nid, node in scenario.nodes.items():
        if node.ending:
            colour = OUTCOME_COLOURS[node.ending.outcome]
            out.append(
                f'  "{nid}" [shape=box, style="rounded,filled", fillcolor="{colour}", '
                f'label="{_label(nid)}\\n{_label(node.ending.title)}"];'
            )
        else:
            width = 3 if nid == scenario.start else 1
            out.append(f'  "{nid}" [shape=box, penwidth={width}];')
        for c in node.choices:
            colour = STYLE_COLOURS[c.style.value]
            out.append(
                f'  "{nid}" -> "{c.target}" [color="{colour}", label="{_label(c.text, 28)}"];'
            )
    out.append("}")
    return "\n".join(out) + "\n"
