"""Persistence: SQLAlchemy models, the engine factory and the migration runner.

Channels never import this package; they go through `state.store` and `state.practice`.
"""

from state.db.models import Base, ProcessedUpdate, Run, Turn, User
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
