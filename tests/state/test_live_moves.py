"""Live rehearsal keeps listening, exposure and coping moves out of the style mix, as practice
does (#18): the group is told what a move is, and the mix counts only the four styles."""

from shipped import shipped_library
from state.engine import start
from state.live.results import group_debrief, options_at

LIBRARY = shipped_library()


def _node_with_a_move():
    for scenario in LIBRARY.scenarios.values():
        for node_id, node in scenario.nodes.items():
            moves = [c for c in node.choices if c.move]
            plain = [c for c in node.choices if not c.move]
            if moves and plain:
                return scenario, node_id, moves[0], plain[0]
    raise AssertionError("the library has no step offering a move beside a styled line")


def test_a_move_is_named_as_a_move_and_left_out_of_the_style_mix():
    scenario, node, move, plain = _node_with_a_move()
    opts = {o.choice_id: o for o in options_at(scenario, node, [move.id, plain.id])}
    assert opts[move.id].label == f"{move.move} move"
    assert opts[plain.id].label == plain.style.value
    debrief = group_debrief(
        scenario,
        start(scenario, with_prelude=False)[0],
        [(0, node, [move.id, plain.id], {move.id: 3, plain.id: 2}, move.id, "votes")],
    )
    assert debrief.votes_by_style == {plain.style.value: 2}  # the three move votes aren't styles
    assert [p.option.choice_id for p in debrief.path] == [move.id]
