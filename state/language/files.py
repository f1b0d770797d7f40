"""Where the shipped model files live, and what reading one that's missing raises."""

from __future__ import annotations

from pathlib import Path

MODELS = Path(__file__).resolve().parent / "models"


class ModelMissing(RuntimeError):
    """A shipped model file is absent or unreadable: run `rehearse train`."""
