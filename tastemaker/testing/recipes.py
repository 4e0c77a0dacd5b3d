"""The recipe contract (DESIGN §4): a pytest mixin every recipe's test class inherits.

    class TestSims(RecipeContract):
        recipe_name = "aws-sims"
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, ClassVar, get_args

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError

from ..data.build import interactions_from_table
from ..data.types import History, TrainingData
from ..recipes.base import RecipeTraits, TrainingOptions
from ..recipes.registry import get_recipe, recipe_class

GROUP_A = [f"a{i}" for i in range(5)]
GROUP_B = [f"b{i}" for i in range(5)]
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def checkerboard(seed: int = 0) -> TrainingData:
    """40 users interact with 4 of the 5 'a' items (older), 20 users with 4 of the 5 'b' items (the newest
    hour, so 'b' is trending); 'cold' is in the catalogue with no interactions. Items carry a GENRE column."""
    rng = np.random.default_rng(seed)
    users, items, ts = [], [], []
    for u in range(60):
        group, t0 = (GROUP_A, 1_000_000) if u < 40 else (GROUP_B, 2_000_000 - 3000)
        for k, item in enumerate(rng.permutation(group)[:4]):
            users.append(f"u{u}"); items.append(str(item)); ts.append(t0 + 10 * k + u)
    table = pa.table({"USER_ID": users, "ITEM_ID": items, "TIMESTAMP": pa.array(ts, pa.int64())})
    catalogue = GROUP_A + GROUP_B + ["cold"]
    genres = ["A"] * 5 + ["B"] * 5 + ["B"]
    item_table = pa.table({"ITEM_ID": catalogue, "GENRE": genres})
    return TrainingData(interactions_from_table(table, extra_items=catalogue), items=item_table,
                        item_fields={"GENRE": {"name": "GENRE", "type": "string", "categorical": True}},
                        now=float(max(ts)))


@functools.lru_cache(maxsize=2)
def ml_latest_small_split(seed: int = 0):
    """ml-latest-small ratings (one row per rating) split with Personalize's protocol; None if absent."""
    import pyarrow.csv as pcsv

    from ..data.split import personalize_split
    path = (SHARED_DATA / "ml-latest-small" / "ratings.csv").resolve()
    if not path.exists():
        return None
    t = pcsv.read_csv(path)
    table = pa.table({"USER_ID": t["userId"], "ITEM_ID": t["movieId"], "TIMESTAMP": t["timestamp"]})
    return personalize_split(interactions_from_table(table), seed)


class RecipeContract:
    """Subclass with `recipe_name`; override `expect_known_answer` / `quality_floor` where needed."""

    recipe_name: ClassVar[str]
    quality_floor: ClassVar[float] = 0.02  # NDCG@10 on ml-latest-small (seen items kept)
    quality_params: ClassVar[dict[str, Any]] = {}

    @pytest.fixture(scope="class")
    @classmethod
    def data(cls) -> TrainingData:
        return checkerboard()

    @pytest.fixture(scope="class")
    @classmethod
    def model(cls, data):
        return get_recipe(cls.recipe_name).train(data, {}, {}, TrainingOptions(seed=0))

    def index(self, data: TrainingData, item_id: str) -> int:
        return int(list(data.interactions.item_ids).index(item_id))

    def expect_known_answer(self, model, data) -> None:
        """Default: a history of 'a' items gets 'a' items first; 'a0' is most similar to other 'a' items."""
        history = History.of([self.index(data, i) for i in ("a1", "a2")])
        ids, _ = model.recommend(history, 3)
        assert {str(model.item_ids[i]) for i in ids} <= set(GROUP_A)
        ids, _ = model.similar(self.index(data, "a0"), 3)
        assert {str(model.item_ids[i]) for i in ids} <= set(GROUP_A) - {"a0"}

    def test_known_answer(self, model, data):
        self.expect_known_answer(model, data)

    def test_class_attributes(self):
        recipe = get_recipe(self.recipe_name)
        assert recipe.name == self.recipe_name
        assert recipe.recipe_type in {"USER_PERSONALIZATION", "PERSONALIZED_RANKING", "RELATED_ITEMS"}
        assert recipe.description

    def test_declared_traits_hold(self):
        """What the recipe declares about itself (recipes.base.RecipeTraits) is consistent with what it does."""
        cls = recipe_class(self.recipe_name)
        assert issubclass(cls, RecipeTraits)
        if cls.incremental_update:  # trainingMode UPDATE calls it
            assert callable(getattr(cls, "update", None))
        if cls.user_independent or cls.explores or cls.user_optional:
            assert cls.recipe_type == "USER_PERSONALIZATION"
        if cls.feature_defaults:
            assert cls.feature_transformation
        assert all(isinstance(getattr(cls, trait), bool) for trait in (
            "returns_scores", "user_independent", "user_optional", "explores", "optimization_objective",
            "incremental_update", "batch_inference", "feature_defaults"))

    def test_model_attributes(self, model, data):
        n = data.interactions.n_items
        assert len(model.item_ids) == n and model.item_popularity.shape == (n,)
        assert model.item_popularity.dtype == np.float32 and model.item_first_seen.dtype == np.float64
        assert np.isnan(model.item_first_seen[self.index(data, "cold")])
        assert model.item_popularity[self.index(data, "a0")] > 0

    def test_unknown_user_empty_history(self, model):
        ids, scores = model.recommend(History.of([]), 5)
        assert len(ids) == 5 and len(set(ids.tolist())) == 5 and np.all(np.isfinite(scores))
        assert np.all(np.diff(scores) <= 1e-12)

    def test_unknown_item(self, model, data):
        cold = self.index(data, "cold")
        ids, scores = model.similar(cold, 4)
        assert len(ids) == 4 and cold not in ids.tolist() and np.all(np.isfinite(scores))

    def test_n_larger_than_catalogue(self, model, data):
        n = data.interactions.n_items
        ids, _ = model.recommend(History.of([0]), 10 * n)
        assert sorted(ids.tolist()) == list(range(n))
        ids, _ = model.similar(0, 10 * n)
        assert sorted(ids.tolist()) == list(range(1, n))

    def test_exclude(self, model, data):
        ids, _ = model.recommend(History.of([0, 1]), 100, exclude=np.asarray([0, 1]))
        assert len(ids) == data.interactions.n_items - 2 and not {0, 1} & set(ids.tolist())

    def test_rank_is_softmax_over_given_items(self, model):
        items = np.asarray([3, 0, 7])
        scores = model.rank(History.of([1, 2]), items)
        assert scores.shape == (3,) and abs(scores.sum() - 1.0) < 1e-9 and np.all(scores >= 0)

    def test_save_load_equality(self, model, tmp_path):
        np.savez(tmp_path / "m.npz", **model.arrays())
        with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
            loaded = get_recipe(self.recipe_name).load({k: f[k] for k in f.files})
        history = History.of([0, 2, 1])
        for a, b in zip(model.recommend(history, 20), loaded.recommend(history, 20)):
            np.testing.assert_allclose(a, b)
        np.testing.assert_allclose(model.similar(1, 5)[0], loaded.similar(1, 5)[0])
        assert list(loaded.item_ids) == list(model.item_ids)

    def test_hyperparameters_round_trip(self):
        recipe = get_recipe(self.recipe_name)
        for cls in (recipe.HyperParameters, recipe.FeatureParameters):
            defaults = cls()
            as_strings = {k: str(v).lower() if isinstance(v, bool) else str(v)
                          for k, v in defaults.model_dump().items()}
            assert cls.model_validate(as_strings) == defaults
            for name, field in cls.model_fields.items():
                assert field.description and "tunable" in (field.json_schema_extra or {}), name

    def test_bad_hyperparameters_rejected(self):
        recipe = get_recipe(self.recipe_name)
        for cls in (recipe.HyperParameters, recipe.FeatureParameters):
            with pytest.raises(ValidationError):
                cls.model_validate({"no_such_parameter": "1"})
            for name, field in cls.model_fields.items():
                bounds = {type(m).__name__: m for m in field.metadata}
                if "Le" in bounds:
                    with pytest.raises(ValidationError):
                        cls.model_validate({name: str(bounds["Le"].le + 1)})
                if get_args(field.annotation):
                    with pytest.raises(ValidationError):
                        cls.model_validate({name: "not one of the choices"})
                if field.annotation in (int, float, bool):
                    with pytest.raises(ValidationError):
                        cls.model_validate({name: "abc"})

    def test_progress_reported_and_stop_honoured(self, data):
        seen: list[float] = []
        get_recipe(self.recipe_name).train(data, {}, {}, TrainingOptions(progress=seen.append))
        assert seen and all(0.0 <= f <= 1.0 for f in seen) and seen[-1] == 1.0

        def stop(fraction: float) -> None:
            raise KeyboardInterrupt("stop requested")

        with pytest.raises(KeyboardInterrupt):
            get_recipe(self.recipe_name).train(data, {}, {}, TrainingOptions(progress=stop))

    def test_quality_floor_on_real_data(self):
        from ..evaluation.offline import evaluate
        split = ml_latest_small_split(0)
        if split is None:
            pytest.skip("ml-latest-small not available")
        recipe = get_recipe(self.recipe_name)
        model = recipe.train(TrainingData(split.train), self.quality_params, {}, TrainingOptions(seed=0))
        metrics = evaluate(model, recipe.recipe_type, split)
        assert metrics["normalized_discounted_cumulative_gain_at_10"] >= self.quality_floor, metrics
