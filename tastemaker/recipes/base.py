"""Recipe and Model protocols: recipes train on TrainingData and return Models that serve by int ids."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
from pydantic import BaseModel

from ..data.types import History, TrainingData


@dataclass
class TrainingOptions:
    """How to train, not what: seed, a progress callback (fraction 0..1) that may raise to stop."""

    seed: int = 0
    progress: Callable[[float], None] = field(default=lambda fraction: None)
    device: str = "cpu"


class Model(Protocol):
    """A trained model. Ids are internal ints: `item_ids[i]` is the string id of item i."""

    item_ids: np.ndarray

    def recommend(self, history: History, n: int, exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (item ids, scores) for a user with this history; scores descending.
        Scores are softmax probabilities over the whole catalogue for user recipes."""

    def rank(self, history: History, items: np.ndarray) -> np.ndarray:
        """Scores for the given items (same order), softmax over those items."""

    def similar(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-n related items for an item (RELATED_ITEMS recipes)."""

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild the model, as numpy arrays (saved as .npz; never pickle)."""


class Recipe(Protocol):
    name: ClassVar[str]
    recipe_type: ClassVar[str]  # USER_PERSONALIZATION | RELATED_ITEMS | PERSONALIZED_RANKING | ...
    HyperParameters: ClassVar[type[BaseModel]]
    FeatureParameters: ClassVar[type[BaseModel]]

    def train(self, data: TrainingData, params: BaseModel, features: BaseModel, options: TrainingOptions) -> Model: ...

    def load(self, arrays: dict[str, np.ndarray]) -> Model: ...


Params = dict[str, Any]
