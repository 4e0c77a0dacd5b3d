"""aws-user-personalization, -v2, aws-personalized-ranking and -v2: what each recipe is, its hyperparameters, its
training (components fitted, blend weights learned on the training users' held-out newest rows) and its UPDATE.
The model is in user_personalization_model.py, the blend search in user_personalization_blend.py."""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..data.types import Interactions, TrainingData
from ._common import Params, csr_arrays, csr_from, history_length_filter, hp, item_stats, rank_scores
from .base import RecipeTraits, TrainingOptions
from .params import parse_params
from .item_metadata import creation_times, metadata_matrix
from .user_segments import fit_segments
from .user_personalization_blend import fit_blend
from .user_personalization_model import UserPersonalizationModel, build_arrays


def effective_params(params):
    """The hyperparameters the components train with: EASE's item count capped at 40 x hidden_dimension."""
    return params.model_copy(update={"ease_max_items": min(params.ease_max_items, 40 * params.hidden_dimension)})


class UserPersonalization(RecipeTraits):
    name: ClassVar[str] = "aws-user-personalization"
    recipe_type: ClassVar[str] = "USER_PERSONALIZATION"
    explores: ClassVar[bool] = True
    optimization_objective: ClassVar[bool] = True
    incremental_update: ClassVar[bool] = True
    description: ClassVar[str] = ("Personalized recommendations from each user's history: collaborative (EASE, "
                                  "ALS), learned next-items, transition and repeat signals blended by weights "
                                  "learned on held-out rows of the training users.")

    class HyperParameters(Params):
        hidden_dimension: int = hp(149, "Model capacity: the number of catalogue items the collaborative "
                                   "component covers is 40 x hidden_dimension (capped by ease_max_items).",
                                   ge=32, le=256, tunable=True)
        bptt: int = hp(32, "How many of the newest history items the sequential component looks back over.",
                       ge=2, le=32, tunable=True)
        recency_mask: bool = hp(True, "Learn recency weighting of the history (false: all history weighs the "
                                "same).", tunable=True)
        ease_max_items: int = hp(5000, "Most popular items the EASE component models (memory ~ 4 x items^2 "
                                 "bytes).", ge=100, le=20000)
        ease_l2: float = hp(200.0, "EASE L2 regularisation.", ge=1.0, le=10000.0)
        transition_neighbors: int = hp(100, "Next items kept per item in the transition model.", ge=10, le=1000)
        next_items_l2: float = hp(30.0, "L2 regularisation of the learned next-items model.", ge=0.1, le=10000.0)
        blend_max_users: int = hp(2000, "Validation users used to learn the blend weights.", ge=20, le=100000)

    class FeatureParameters(Params):
        min_user_history_length_percentile: float = hp(0.0, "Users below this history-length percentile are left "
                                                       "out of training.", ge=0.0, le=1.0)
        max_user_history_length_percentile: float = hp(0.99, "Histories above this percentile are cut to their "
                                                       "newest interactions.", ge=0.0, le=1.0)

    def _rows(self, data: TrainingData, features) -> Interactions:
        return history_length_filter(data.interactions, features.min_user_history_length_percentile,
                                     features.max_user_history_length_percentile)

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> UserPersonalizationModel:
        params = parse_params(self.HyperParameters, params)
        return self._train(data, params, parse_params(self.FeatureParameters, features), options)

    def _train(self, data: TrainingData, params, features, options: TrainingOptions) -> UserPersonalizationModel:
        params = effective_params(params)
        options.progress(0.0)
        inter = self._rows(data, features)
        blend = fit_blend(inter, params, options.seed, params.recency_mask, options.progress)
        options.progress(0.6)
        arrays = build_arrays(inter, params, blend, options.seed, check=lambda: options.progress(0.8))
        pop, first = item_stats(data.interactions)
        ids = data.interactions.item_ids
        arrays.update(item_popularity=pop, item_first_seen=first, item_created=creation_times(data, ids),
                      **csr_arrays("meta", metadata_matrix(data, ids)), **fit_segments(data, data.interactions))
        if data.objective is not None:
            arrays.update(objective=rank_scores(data.objective.values).astype(np.float32),
                          objective_share=np.asarray(data.objective.share))
        options.progress(1.0)
        return UserPersonalizationModel(arrays)

    def load(self, arrays: dict[str, np.ndarray]) -> UserPersonalizationModel:
        return UserPersonalizationModel(arrays)

    def update(self, model: UserPersonalizationModel, data: TrainingData, options: TrainingOptions
               ) -> UserPersonalizationModel:
        """trainingMode UPDATE: append items new in `data` (served by popularity/repeat until the next FULL
        training) and refresh popularity; the learned components are kept."""
        options.progress(0.0)
        old = {str(i): k for k, i in enumerate(model.item_ids)}
        new_ids = [i for i in data.interactions.item_ids if str(i) not in old]
        ids = np.asarray(list(model.item_ids) + new_ids, dtype=object)
        index = {str(i): k for k, i in enumerate(ids)}
        remap = np.asarray([index[str(i)] for i in data.interactions.item_ids], dtype=np.int64)
        inter = data.interactions
        moved = Interactions(inter.user_ids, ids, inter.user, remap[inter.item].astype(np.int32), inter.timestamp,
                             inter.event_type, inter.event_types, inter.event_value)
        pop, first = item_stats(moved)
        first = np.where(np.isnan(first), np.concatenate([model.item_first_seen,
                                                         np.full(len(new_ids), np.nan)]), first)
        arrays = {k: v for k, v in model.arrays().items() if not k.startswith("seg_")}
        arrays.update(fit_segments(data, moved))
        trans = csr_from("trans", arrays)
        trans.resize((len(ids), len(ids)))
        als = model.als_y
        arrays["als_items"] = np.vstack([als, np.zeros((len(new_ids), als.shape[1]), dtype=als.dtype)])
        if "objective" in arrays:  # new items have no objective rank until the next FULL training
            arrays["objective"] = np.concatenate([arrays["objective"], np.zeros(len(new_ids), dtype=np.float32)])
        arrays.update(item_ids=ids, item_popularity=pop, item_first_seen=first, **csr_arrays("trans", trans),
                      item_created=creation_times(data, ids), **csr_arrays("meta", metadata_matrix(data, ids)))
        options.progress(1.0)
        return UserPersonalizationModel(arrays)


class UserPersonalizationV2(UserPersonalization):
    name: ClassVar[str] = "aws-user-personalization-v2"
    optimization_objective: ClassVar[bool] = False
    description: ClassVar[str] = "User-Personalization v2: the same model with Personalize's v2 parameters."

    class HyperParameters(Params):
        apply_recency_bias: bool = hp(True, "Weigh recent history more (learned decay; false: all history "
                                      "weighs the same).")
        ease_max_items: int = hp(5000, "Most popular items the EASE component models.", ge=100, le=20000)
        ease_l2: float = hp(200.0, "EASE L2 regularisation.", ge=1.0, le=10000.0)
        transition_neighbors: int = hp(100, "Next items kept per item in the transition model.", ge=10, le=1000)
        next_items_l2: float = hp(30.0, "L2 regularisation of the learned next-items model.", ge=0.1, le=10000.0)
        blend_max_users: int = hp(2000, "Validation users used to learn the blend weights.", ge=20, le=100000)

    def train(self, data, params, features, options):
        params = parse_params(self.HyperParameters, params)
        v1 = UserPersonalization.HyperParameters(
            hidden_dimension=256, recency_mask=params.apply_recency_bias,
            **params.model_dump(exclude={"apply_recency_bias"}))
        return self._train(data, v1, parse_params(self.FeatureParameters, features), options)


class PersonalizedRanking(UserPersonalization):
    name: ClassVar[str] = "aws-personalized-ranking"
    recipe_type: ClassVar[str] = "PERSONALIZED_RANKING"
    feature_transformation: ClassVar[str | None] = "JSON-percentile-filtering"
    feature_defaults: ClassVar[bool] = True
    explores: ClassVar[bool] = False
    incremental_update: ClassVar[bool] = False
    description: ClassVar[str] = "Re-ranks a given list of items for a user (the User-Personalization model)."


class PersonalizedRankingV2(UserPersonalizationV2):
    name: ClassVar[str] = "aws-personalized-ranking-v2"
    recipe_type: ClassVar[str] = "PERSONALIZED_RANKING"
    explores: ClassVar[bool] = False
    incremental_update: ClassVar[bool] = False
    description: ClassVar[str] = "Personalized-Ranking v2: re-ranks a given list (the User-Personalization model)."
