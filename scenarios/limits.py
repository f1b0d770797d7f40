"""Limits a scenario must fit, shared by the validator and the channels that enforce them."""

CALLBACK_DATA_BYTES = 64  # Telegram's limit for an inline button's callback_data
# The bot's choice button is "c:<run base36 ≤8>.<step base36 ≤4>:<node>/<choice>"; the header
# before <node> is at most this many bytes.
CHOICE_CALLBACK_HEADER = len("c:") + 8 + len(".") + 4 + len(":")
# A scenario button is "s:<scenario id>".
SCENARIO_CALLBACK_HEADER = len("s:")
BUTTON_TEXT_WARN = 36  # longer wraps or is cut off on a phone
BUTTON_TEXT_MAX = 64
MAX_PATH_STEPS = 60  # a sane bound on decisions in one playthrough


def choice_token(node: str, choice: str) -> str:
    return f"{node}/{choice}"


def choice_callback_bytes(node: str, choice: str) -> int:
    return CHOICE_CALLBACK_HEADER + len(choice_token(node, choice).encode("utf-8"))
