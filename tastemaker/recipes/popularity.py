"""aws-popularity-count: the items with the most interactions from distinct users, the same list for everyone."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..data.types import History, TrainingData
from ._common import ArrayModel, Params, item_stats
from .base import RecipeTraits, TrainingOptions
from .params import parse_params


class PopularityModel(ArrayModel):
    """Scores are distinct-user counts (internal; the API omits them)."""

    kind = "popularity"
    softmax_scores = False

    def scores(self, history: History) -> np.ndarray:
        return self.item_popularity.astype(np.float64)


class PopularityCount(RecipeTraits):
    name: ClassVar[str] = "aws-popularity-count"
    recipe_type: ClassVar[str] = "USER_PERSONALIZATION"
    returns_scores: ClassVar[bool] = False
    user_independent: ClassVar[bool] = True
    feature_transformation: ClassVar[str | None] = "sims"
    description: ClassVar[str] = "Most popular items: the most interactions from distinct users."

    class HyperParameters(Params):
        """aws-popularity-count has no hyperparameters."""

    class FeatureParameters(Params):
        """aws-popularity-count has no featurization parameters."""

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> PopularityModel:
        parse_params(self.HyperParameters, params)
        parse_params(self.FeatureParameters, features)
        options.progress(0.0)
        pop, first = item_stats(data.interactions)
        options.progress(1.0)
        return PopularityModel({"item_ids": data.interactions.item_ids, "item_popularity": pop,
                                "item_first_seen": first})

    def load(self, arrays: dict[str, np.ndarray]) -> PopularityModel:
        return PopularityModel(arrays)
