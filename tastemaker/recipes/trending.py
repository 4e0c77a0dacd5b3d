"""aws-trending-now: items whose interactions grew fastest between the last two windows; popular items after."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..data.types import History, TrainingData
from ._common import ArrayModel, Params, item_stats, popularity_fallback
from .base import RecipeTraits, TrainingOptions
from .params import parse_params

WINDOW_SECONDS = {"30 minutes": 1800, "1 hour": 3600, "2 hours": 7200, "3 hours": 10800, "1 day": 86400}


def trend_scores(item: np.ndarray, timestamp: np.ndarray, n_items: int, now: float, window: float) -> np.ndarray:
    """(count in (now-w, now] - count in (now-2w, now-w]) / (previous count + 1); 0 for items not rising."""
    recent = np.bincount(item[timestamp > now - window], minlength=n_items).astype(np.float64)
    prev_mask = (timestamp > now - 2 * window) & (timestamp <= now - window)
    previous = np.bincount(item[prev_mask], minlength=n_items).astype(np.float64)
    return np.maximum(recent - previous, 0.0) / (previous + 1.0)


class TrendingModel(ArrayModel):
    """Rising items first (by growth rate), then the rest by popularity; the same list for everyone."""

    kind = "trending"
    softmax_scores = False

    def setup(self) -> None:
        trend = self._arrays["trend"].astype(np.float64)
        self._scores = np.where(trend > 0, 1.0 + trend, 0.0) + popularity_fallback(self.item_popularity)

    def scores(self, history: History) -> np.ndarray:
        return self._scores


class TrendingNow(RecipeTraits):
    name: ClassVar[str] = "aws-trending-now"
    recipe_type: ClassVar[str] = "USER_PERSONALIZATION"
    returns_scores: ClassVar[bool] = False
    user_independent: ClassVar[bool] = True
    user_optional: ClassVar[bool] = True
    algorithm: ClassVar[str | None] = "aws-trending-now-custom"
    batch_inference: ClassVar[bool] = False
    description: ClassVar[str] = "Items gaining popularity fastest between consecutive time windows."

    class HyperParameters(Params):
        """aws-trending-now has no algorithm hyperparameters."""

    class FeatureParameters(Params):
        trend_discovery_frequency: Literal["30 minutes", "1 hour", "2 hours", "3 hours", "1 day"] = Field(
            "2 hours", description="Length of the windows compared to find rising items.",
            json_schema_extra={"tunable": False})

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> TrendingModel:
        parse_params(self.HyperParameters, params)
        features = parse_params(self.FeatureParameters, features)
        options.progress(0.0)
        inter = data.interactions
        pop, first = item_stats(inter)
        now = float(data.now if data.now is not None else (inter.timestamp.max() if len(inter) else 0.0))
        window = float(WINDOW_SECONDS[features.trend_discovery_frequency])
        trend = trend_scores(inter.item, inter.timestamp, inter.n_items, now, window)
        options.progress(1.0)
        return TrendingModel({"item_ids": inter.item_ids, "item_popularity": pop, "item_first_seen": first,
                              "trend": trend.astype(np.float32), "window_seconds": np.asarray(window),
                              "now": np.asarray(now)})

    def load(self, arrays: dict[str, np.ndarray]) -> TrendingModel:
        return TrendingModel(arrays)
