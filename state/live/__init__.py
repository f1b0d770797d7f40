"""Live rehearsal: a group plays one scenario together in its Telegram group chat.

`Live` (service.py) is the service a channel calls, one user action per method; `records`
holds what it returns, `results` the pure reckoning (tallies, the group debrief, the coach's
reading of a line), `repo` the tables (state/db/live.py).
"""

from state.live.records import (
    Closing,
    GroupDebrief,
    Line,
    Linked,
    Moment,
    Option,
    Outcome,
    PathStep,
    Reading,
    Tally,
    Where,
)
from state.live.service import LINE_MAX, TIMER_MAX, TIMER_MIN, Live, sureness

__all__ = [
    "LINE_MAX",
    "TIMER_MAX",
    "TIMER_MIN",
    "Closing",
    "GroupDebrief",
    "Line",
    "Linked",
    "Live",
    "Moment",
    "Option",
    "Outcome",
    "PathStep",
    "Reading",
    "Tally",
    "Where",
    "sureness",
]
