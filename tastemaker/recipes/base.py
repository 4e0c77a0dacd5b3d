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


class RecipeTraits:
    """What a recipe is, declared on the recipe (read through the registry): how it serves, what it supports.
    Recipes subclass this and override what differs from these defaults."""

    name: ClassVar[str]
    recipe_type: ClassVar[str]  # USER_PERSONALIZATION | RELATED_ITEMS | PERSONALIZED_RANKING | ...
    returns_scores: ClassVar[bool] = True
    """GetRecommendations / GetPersonalizedRanking answer a score per item (Personalize: not for popularity,
    trending and related-items recipes)."""
    user_independent: ClassVar[bool] = False
    """The same list for every user (popularity count, trending now): served without a history."""
    user_optional: ClassVar[bool] = False
    """GetRecommendations without a userId is allowed although the recipe is USER_PERSONALIZATION."""
    explores: ClassVar[bool] = False
    """A campaign's itemExplorationConfig mixes new, little-interacted items into its lists."""
    optimization_objective: ClassVar[bool] = False
    """solutionConfig.optimizationObjective (an item attribute to favour) is supported."""
    incremental_update: ClassVar[bool] = False
    """trainingMode UPDATE refreshes the latest FULL model with new data (the recipe has `update`)."""
    batch_inference: ClassVar[bool] = True
    """CreateBatchInferenceJob accepts its solution versions."""
    algorithm: ClassVar[str | None] = None
    """Its algorithm's name in Personalize's catalogue where it differs from the recipe's."""
    feature_transformation: ClassVar[str | None] = None
    """The feature transformation Personalize pairs it with ('sims', 'JSON-percentile-filtering')."""
    feature_defaults: ClassVar[bool] = False
    """Its FeatureParameters give that feature transformation's default parameters."""


class Recipe(Protocol):
    name: ClassVar[str]
    recipe_type: ClassVar[str]  # USER_PERSONALIZATION | RELATED_ITEMS | PERSONALIZED_RANKING | ...
    HyperParameters: ClassVar[type[BaseModel]]
    FeatureParameters: ClassVar[type[BaseModel]]

    def train(self, data: TrainingData, params: BaseModel, features: BaseModel, options: TrainingOptions) -> Model: ...

    def load(self, arrays: dict[str, np.ndarray]) -> Model: ...


Params = dict[str, Any]
