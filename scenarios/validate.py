"""Graph and content checks that pydantic cannot express, each tied to a file line."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from scenarios.expr import ExprError, parse
from scenarios.habits import check as habit_warnings
from scenarios.limits import (
    BUTTON_TEXT_MAX,
    BUTTON_TEXT_WARN,
    CALLBACK_DATA_BYTES,
    SCENARIO_CALLBACK_HEADER,
    choice_callback_bytes,
)
from scenarios.loader import LoadedFile, line_for
from scenarios.model import NARRATOR, Scenario
from scenarios.problems import Problem, Severity
from scenarios.skills import COMPONENTS, FRAMEWORKS


def successors(scenario: Scenario, node_id: str) -> list[str]:
    node = scenario.nodes.get(node_id)
    return [c.target for c in node.choices] if node else []


def reachable_from(scenario: Scenario, start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in successors(scenario, queue.popleft()):
            if nxt in scenario.nodes and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def nodes_reaching_an_ending(scenario: Scenario) -> set[str]:
    preds: dict[str, set[str]] = {n: set() for n in scenario.nodes}
    for nid, node in scenario.nodes.items():
        for c in node.choices:
            if c.target in preds:
                preds[c.target].add(nid)
    good = {nid for nid, node in scenario.nodes.items() if node.ending is not None}
    queue = deque(good)
    while queue:
        for p in preds[queue.popleft()]:
            if p not in good:
                good.add(p)
                queue.append(p)
    return good


def endless_loops(scenario: Scenario) -> list[list[str]]:
    """Cycles a participant could repeat forever: no once-only or conditional choice breaks them."""
    edges: dict[str, list[str]] = {n: [] for n in scenario.nodes}
    for nid, node in scenario.nodes.items():
        for c in node.choices:
            if c.target in edges and not c.once and not c.when:
                edges[nid].append(c.target)
    return cycles(edges)


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (a node that reaches itself alone counts), each
    sorted: Tarjan's strongly connected components. Also what tests/test_layers.py asks of the
    import graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges[v]:
                loops.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return loops


def validate(loaded: LoadedFile) -> list[Problem]:
    """Return the graph and content problems of an already-parsed scenario."""
    sc = loaded.scenario
    if sc is None:
        return []
    problems: list[Problem] = []
    path = str(loaded.path)

    def add(loc: tuple, severity: Severity, message: str, code: str) -> None:
        problems.append(Problem(path, line_for(loaded.lines, loc), severity, message, code))

    if len(sc.id.encode()) + SCENARIO_CALLBACK_HEADER > CALLBACK_DATA_BYTES:
        add((), "error", f"scenario id {sc.id!r} is too long for a 64-byte button", "id-too-long")
    for fw in sc.skills:
        if fw not in FRAMEWORKS:
            add(
                ("skills",),
                "error",
                f"unknown skill {fw!r}; known: {', '.join(FRAMEWORKS)}",
                "unknown-skill",
            )
    if sc.start not in sc.nodes:
        add(("start",), "error", f"start node {sc.start!r} does not exist", "unknown-start")

    variables = {k: v.default for k, v in sc.variables.items()}
    node_ids = set(sc.nodes)
    shown_frameworks: set[str] = set()
    for nid, node in sc.nodes.items():
        base = ("nodes", nid)
        if node.ending is not None and node.choices:
            add(base, "error", f"node {nid!r} has both choices and an ending", "choices-and-ending")
        if node.ending is None and not node.choices:
            add(
                base,
                "error",
                f"node {nid!r} is a dead end: give it choices or an ending",
                "dead-end",
            )
        if node.prompt is not None and not node.choices:
            add(
                base + ("prompt",),
                "error",
                f"node {nid!r} asks for a typed reply but has no choices to match it to",
                "prompt-without-choices",
            )
        for comp in node.prompt.looks_for if node.prompt else []:
            if comp not in COMPONENTS:
                add(
                    base + ("prompt", "looks_for"),
                    "error",
                    f"unknown skill component {comp!r}",
                    "unknown-component",
                )
        for i, line in enumerate(node.lines):
            if line.speaker != NARRATOR and line.speaker not in sc.characters:
                add(
                    base + ("lines", i, "speaker"),
                    "error",
                    f"speaker {line.speaker!r} is not in characters",
                    "unknown-speaker",
                )
            if line.when:
                _check_expr(line.when, variables, node_ids, base + ("lines", i, "if"), add)
        seen_choice: dict[str, int] = {}
        unconditional = False
        for i, choice in enumerate(node.choices):
            cbase = base + ("choices", i)
            if choice.id in seen_choice:
                add(
                    cbase + ("id",),
                    "error",
                    f"duplicate choice id {choice.id!r} in node {nid!r}",
                    "duplicate-id",
                )
            seen_choice.setdefault(choice.id, i)
            if choice.target not in sc.nodes:
                add(
                    cbase + ("target",),
                    "error",
                    f"choice {choice.id!r} goes to unknown node {choice.target!r}",
                    "unknown-target",
                )
            if len(choice.text) > BUTTON_TEXT_MAX:
                add(
                    cbase + ("text",),
                    "error",
                    f"button text is {len(choice.text)} characters; at most {BUTTON_TEXT_MAX} fit "
                    "a button (put the full line in 'says')",
                    "button-too-long",
                )
            elif len(choice.text) > BUTTON_TEXT_WARN:
                add(
                    cbase + ("text",),
                    "warning",
                    f"button text is {len(choice.text)} characters; over {BUTTON_TEXT_WARN} wraps "
                    "on a phone (put the full line in 'says')",
                    "button-long",
                )
            if choice_callback_bytes(nid, choice.id) > CALLBACK_DATA_BYTES:
                add(
                    cbase + ("id",),
                    "error",
                    f"node id {nid!r} with choice id {choice.id!r} is too long for Telegram's "
                    f"{CALLBACK_DATA_BYTES}-byte button data; shorten them",
                    "id-too-long",
                )
            if not choice.feedback.strip():
                add(cbase + ("feedback",), "error", "feedback is empty", "no-feedback")
            for comp in choice.skills:
                if comp not in COMPONENTS:
                    add(
                        cbase + ("skills",),
                        "error",
                        f"unknown skill component {comp!r}",
                        "unknown-component",
                    )
                else:
                    shown_frameworks.add(COMPONENTS[comp].framework)
            if choice.when:
                _check_expr(choice.when, variables, node_ids, cbase + ("if",), add)
            else:
                unconditional = True
            for var, value in choice.set.items():
                if var not in variables:
                    add(
                        cbase + ("set", var),
                        "error",
                        f"sets unknown variable {var!r}",
                        "unknown-variable",
                    )
                elif isinstance(value, str) and sc.variables[var].type != "str":
                    _check_expr(value, variables, node_ids, cbase + ("set", var), add)
        if node.choices and not unconditional and not any(c.fallback for c in node.choices):
            add(
                base + ("choices",),
                "warning",
                f"every choice in {nid!r} has a condition: add a fallback choice so it can never "
                "dead-end",
                "may-dead-end",
            )
        if (
            node.choices
            and all(c.once for c in node.choices)
            and not any(c.fallback for c in node.choices)
            and nid in {t for c in node.choices for t in reachable_from(sc, c.target)}
        ):
            add(
                base + ("choices",),
                "warning",
                f"every choice in {nid!r} is once-only: add a fallback for a revisit",
                "may-dead-end",
            )
        if node.ending is not None and not node.ending.debrief.strip():
            add(base + ("ending", "debrief"), "error", "ending has no debrief", "no-debrief")

    if sc.start in sc.nodes:
        reachable = reachable_from(sc, sc.start)
        for nid in sc.nodes:
            if nid not in reachable:
                add(
                    ("nodes", nid),
                    "error",
                    f"node {nid!r} is unreachable from {sc.start!r}",
                    "unreachable",
                )
        finishing = nodes_reaching_an_ending(sc)
        if not any(sc.nodes[n].ending for n in reachable):
            add(("start",), "error", "no ending is reachable from the start", "no-ending")
        for nid in sorted(reachable - finishing):
            add(
                ("nodes", nid), "error", f"from node {nid!r} no ending can be reached", "no-way-out"
            )
    for loop in endless_loops(sc):
        add(
            ("nodes", loop[0]),
            "warning",
            f"nodes {', '.join(loop)} form a loop nothing limits: mark a choice in it `once: "
            "true` or give it a condition, so no playthrough can go round forever",
            "endless-loop",
        )
    for fw in sc.skills:
        if fw in FRAMEWORKS and fw not in shown_frameworks:
            add(
                ("skills",),
                "warning",
                f"the scenario trains {fw!r} but no choice is tagged with one of its components",
                "skill-not-shown",
            )
    if sc.id and "/" in sc.id and sc.id.split("/")[0] != sc.context:
        add(
            ("context",),
            "warning",
            f"context {sc.context!r} differs from its folder {sc.id.split('/')[0]!r}",
            "context-folder",
        )
    problems.extend(habit_warnings(loaded))
    return problems


def _check_expr(source: object, variables: dict, nodes: set[str], loc: tuple, add) -> None:
    try:
        parse(str(source), variables, nodes)
    except ExprError as exc:
        add(loc, "error", f"bad expression: {exc}", "bad-expression")
