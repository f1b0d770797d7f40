"""Random walks over a scenario's choice graph, for tests and authors' statistics.

Walks follow the graph (choice targets), ignoring conditions, so they over-approximate what a
participant can reach; the engine tests walk the real engine instead.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from scenarios.model import Scenario


@dataclass(frozen=True)
class WalkStats:
    walks: int
    mean_decisions: float
    max_decisions: int
    endings_reached: frozenset[str]
    endings: frozenset[str]


def walk_stats(scenario: Scenario, walks: int = 2000, seed: int = 0, bound: int = 200) -> WalkStats:
    rng = random.Random(seed)
    lengths, reached = [], set()
    for _ in range(walks):
        node, steps = scenario.start, 0
        while scenario.nodes[node].ending is None and steps < bound:
            node = rng.choice(scenario.nodes[node].choices).target
            steps += 1
        lengths.append(steps)
        if scenario.nodes[node].ending is not None:
            reached.add(node)
    endings = frozenset(n for n, node in scenario.nodes.items() if node.ending is not None)
    return WalkStats(walks, statistics.fmean(lengths), max(lengths), frozenset(reached), endings)
