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

# A scenario file is trusted content but checked like a stranger's: none of these can make the
# validator or the bot hang or run out of memory. Each breach is an error at the file's line.
SCENARIO_FILE_BYTES = 1_000_000  # the largest shipped file is about 40 KB
# YAML aliases (`*name`) repeat what an anchor (`&name`) marks: counted with every repetition,
# a file holds at most this many values (the largest shipped file has about 3,000). A "billion
# laughs" file of 1.6 KB would otherwise expand to hundreds of millions.
YAML_EXPANDED_NODES = 100_000
# Arithmetic in `if:` and `set:` works on numbers only, and its results stay within this bound
# (a counter that keeps growing stops here instead of growing without end).
EXPR_NUMBER_LIMIT = 10**15


def choice_token(node: str, choice: str) -> str:
    return f"{node}/{choice}"


def choice_callback_bytes(node: str, choice: str) -> int:
    return CHOICE_CALLBACK_HEADER + len(choice_token(node, choice).encode("utf-8"))
