"""Persistence: SQLAlchemy models, the engine factory and the migration runner.

Channels never import this package; they go through `state.store` and `state.practice`.
"""

# Every table module, imported once here so that Base.metadata knows them all (migrations,
# create_all and the privacy export walk it) wherever any part of the package is used.
from state.db import checkins as _checkins  # noqa: F401
from state.db import groups as _groups  # noqa: F401
from state.db import live as _live  # noqa: F401
from state.db.base import Base
from state.db.models import ProcessedUpdate, Run, Turn, User
from state.db.session import default_url, make_engine, normalize_url, safe_url

__all__ = [
    "Base",
    "ProcessedUpdate",
    "Run",
    "Turn",
    "User",
    "default_url",
    "make_engine",
    "normalize_url",
    "safe_url",
]
