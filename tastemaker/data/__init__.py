"""Training data as arrays: interactions with vocabularies, item and user metadata."""
from __future__ import annotations

from .types import History, Interactions, TrainingData

__all__ = ["History", "Interactions", "TrainingData"]
