"""Every recipe passes the recipe contract (tastemaker.testing.recipes.RecipeContract)."""
from __future__ import annotations

import numpy as np

from tastemaker.data.types import History
from tastemaker.recipes.registry import RECIPES, get_recipe
from tastemaker.recipes.user_personalization_model import BLEND_KEYS
from tastemaker.testing.recipes import GROUP_A, GROUP_B, RecipeContract

FAST_UP = {"hidden_dimension": "32"}  # a 1,280-item EASE keeps the real-data floor test quick


class TestUserPersonalization(RecipeContract):
    recipe_name = "aws-user-personalization"
    quality_floor = 0.04  # measured 0.052 (1000-item EASE, seed 0); popularity-count: 0.026
    quality_params = FAST_UP


class TestUserPersonalizationV2(RecipeContract):
    recipe_name = "aws-user-personalization-v2"
    quality_floor = 0.04
    quality_params = {"ease_max_items": "1000"}


class TestPersonalizedRanking(RecipeContract):
    recipe_name = "aws-personalized-ranking"
    quality_floor = 0.04  # whole-catalogue ranking: as hard as user-personalization
    quality_params = FAST_UP


class TestPersonalizedRankingV2(RecipeContract):
    recipe_name = "aws-personalized-ranking-v2"
    quality_floor = 0.04  # whole-catalogue ranking: as hard as user-personalization
    quality_params = {"ease_max_items": "1000"}


class TestSims(RecipeContract):
    recipe_name = "aws-sims"
    quality_floor = 0.03  # measured 0.0385


class TestSimilarItems(RecipeContract):
    recipe_name = "aws-similar-items"
    quality_floor = 0.04  # measured 0.054

    def expect_known_answer(self, model, data):
        super().expect_known_answer(model, data)
        ids, _ = model.similar(self.index(data, "cold"), 5)  # metadata: cold has GENRE B
        assert {str(model.item_ids[i]) for i in ids} == set(GROUP_B)


class TestPopularityCount(RecipeContract):
    recipe_name = "aws-popularity-count"
    quality_floor = 0.02  # measured 0.026

    def expect_known_answer(self, model, data):
        for history in (History.of([]), History.of([self.index(data, "b0")])):
            ids, _ = model.recommend(history, 5)
            assert {str(model.item_ids[i]) for i in ids} == set(GROUP_A)


class TestTrendingNow(RecipeContract):
    recipe_name = "aws-trending-now"
    quality_floor = 0.015  # measured 0.0198

    def expect_known_answer(self, model, data):
        ids, _ = model.recommend(History.of([self.index(data, "a0")]), 5)
        assert {str(model.item_ids[i]) for i in ids} == set(GROUP_B)  # all 'b' rows are in the last window
        ids, _ = model.recommend(History.of([]), 10)
        assert {str(model.item_ids[i]) for i in ids[5:]} == set(GROUP_A)  # then popular items


def test_registry_names_and_unknown():
    assert set(RECIPES) == {"aws-user-personalization", "aws-user-personalization-v2",
                            "aws-personalized-ranking", "aws-personalized-ranking-v2", "aws-sims",
                            "aws-similar-items", "aws-popularity-count", "aws-trending-now"}
    try:
        get_recipe("aws-nope")
    except KeyError as e:
        assert "aws-nope" in str(e)
    else:
        raise AssertionError("unknown recipe accepted")


def test_user_personalization_scores_are_softmax_over_catalogue():
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.testing.recipes import checkerboard
    data = checkerboard()
    model = get_recipe("aws-user-personalization").train(data, {}, {}, TrainingOptions())
    ids, scores = model.recommend(History.of([0, 1]), 1000)
    assert abs(scores.sum() - 1.0) < 1e-9 and np.all(scores > 0)


def test_user_personalization_update_adds_new_items():
    import dataclasses

    import pyarrow as pa

    from tastemaker.data.build import interactions_from_table
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.testing.recipes import checkerboard
    data = checkerboard()
    recipe = get_recipe("aws-user-personalization")
    model = recipe.train(data, {}, {}, TrainingOptions())
    inter = data.interactions
    table = pa.table({"USER_ID": list(inter.user_ids[inter.user]) + ["u0"] * 3,
                      "ITEM_ID": list(inter.item_ids[inter.item]) + ["new1", "new1", "a0"],
                      "TIMESTAMP": pa.array(list(inter.timestamp) + [3_000_000] * 3, pa.int64())})
    updated = recipe.update(model, dataclasses.replace(data, interactions=interactions_from_table(table)),
                            TrainingOptions())
    assert list(updated.item_ids[:len(model.item_ids)]) == list(model.item_ids)
    assert "new1" in set(updated.item_ids) and len(updated.item_ids) == len(model.item_ids) + 1
    new = list(updated.item_ids).index("new1")
    assert updated.item_first_seen[new] == 3_000_000 and updated.item_popularity[new] == 1
    ids, _ = updated.recommend(History.of([new]), len(updated.item_ids))
    assert new in ids.tolist()
    ids, _ = updated.recommend(History.of([0, 1]), 3)
    assert {str(updated.item_ids[i]) for i in ids} <= set(GROUP_A)


def test_user_personalization_loads_arrays_saved_before_the_als_component():
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.testing.recipes import checkerboard
    recipe = get_recipe("aws-user-personalization")
    arrays = recipe.train(checkerboard(), {}, {}, TrainingOptions()).arrays()
    old = {k: v for k, v in arrays.items() if k not in ("als_items", "blend_names")}
    by_name = dict(zip(arrays["blend_names"], arrays["blend"]))
    old["blend"] = np.asarray([by_name[k] for k in BLEND_KEYS[:6]])  # older models: six keys, by position
    loaded = recipe.load(old)
    assert loaded.blend["w_cf"] == by_name["w_cf"] and loaded.blend["cf_decay"] == by_name["cf_decay"]
    ids, _ = loaded.recommend(History.of([0, 1]), 3)
    assert {str(loaded.item_ids[i]) for i in ids} <= set(GROUP_A)


def test_user_personalization_saves_its_blend_weights_by_name():
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.testing.recipes import checkerboard
    recipe = get_recipe("aws-user-personalization")
    model = recipe.train(checkerboard(), {}, {}, TrainingOptions())
    arrays = model.arrays()
    assert list(arrays["blend_names"]) == list(model.blend) and len(arrays["blend"]) == len(model.blend)
    shuffled = dict(arrays, blend_names=arrays["blend_names"][::-1], blend=arrays["blend"][::-1])
    assert recipe.load(shuffled).blend == model.blend  # the order on disk does not matter

