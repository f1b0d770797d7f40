"""Live rehearsal: a group plays one scenario together in its Telegram group chat.

`Live` (service.py) is the service a channel calls, one user action per method; `records`
holds what it returns, `results` the pure reckoning (tallies, the group debrief, the coach's
reading of a line), `repo` the tables (state/db/live.py).
"""

from state.live.records import (
    LINE_GONE_KIND,
    LINE_KIND,
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
from state.live.results import reading_from
from state.live.service import LINE_MAX, TIMER_MAX, TIMER_MIN, Live

__all__ = [
    "LINE_GONE_KIND",
    "LINE_KIND",
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
    "reading_from",
]
