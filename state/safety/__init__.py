"""Safety: what happens when a message contains crisis language, and the safety plan.

`card` holds the crisis card, the deployment's resources and the screen every typed message
passes first (`screen_text`; its result says whether the danger told is someone else's,
`CrisisResult.someone_else`); `question` the direct question asked when a signal is
probable, and its answers typed in words; `service` the `Safety` service a channel calls, one
transaction per user action; `repo` its queries on the unit of work (the safety events and
plans). The texts are re-exported here; the service is imported from `state.safety.service`,
so a channel that only screens a message loads no database code.
"""

from state.safety.card import (
    ASKED_OPENING,
    CARD_LIMIT,
    CLOSING,
    DEFAULT_RESOURCES,
    OPENING,
    SCENE_KEPT,
    SCENE_STOPPED,
    SOMEONE_OPENING,
    SUBSTANCE_USE,
    Resource,
    ResourcesError,
    crisis_card,
    parse_resources,
    resources_for,
    screen_text,
)
from state.safety.question import (
    ASK_AGAIN,
    ASK_TEXT,
    BACK_TO_SCENE,
    NUMBERS,
    SAFE,
    SAME_MOMENT,
    SOMEONE_ELSE,
    THEIRS,
    YES,
    ask_again_text,
    back_to_scene_text,
    question_text,
    still_reach_out_text,
    typed_answer,
)

__all__ = [
    "ASKED_OPENING",
    "ASK_AGAIN",
    "ASK_TEXT",
    "BACK_TO_SCENE",
    "CARD_LIMIT",
    "CLOSING",
    "DEFAULT_RESOURCES",
    "NUMBERS",
    "OPENING",
    "SAFE",
    "SAME_MOMENT",
    "SCENE_KEPT",
    "SCENE_STOPPED",
    "SOMEONE_ELSE",
    "SOMEONE_OPENING",
    "THEIRS",
    "SUBSTANCE_USE",
    "YES",
    "Resource",
    "ResourcesError",
    "ask_again_text",
    "back_to_scene_text",
    "crisis_card",
    "parse_resources",
    "question_text",
    "resources_for",
    "screen_text",
    "still_reach_out_text",
    "typed_answer",
]
