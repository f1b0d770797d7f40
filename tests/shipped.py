"""The shipped scenario library, loaded and validated once per test process.

Loading it (every YAML file parsed, checked for alias bombs, built into models, validated and
read for writing habits) takes about a second. A dozen test modules did it at import, so each
pytest-xdist worker spent most of its collection loading the same files over and over. Nothing
changes a loaded `Library` (a test wanting a variant copies a scenario with `model_copy`), so
one copy per process serves them all. Tests of loading itself still call `load_library()`: the
CLI's, the validator's and those of a library written under tmp_path.
"""

from __future__ import annotations

from functools import cache

from scenarios.library import Library, load_library


@cache
def shipped_library() -> Library:
    return load_library()
