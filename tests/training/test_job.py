"""Pieces of the training job: the minimum-data rule, trainingDataConfig, the seed; artifacts in the lake."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tastemaker.data.build import interactions_from_table
from tastemaker.data.types import TrainingData
from tastemaker.jobs import JobFailed
from tastemaker.training.job import apply_columns, check_minimum, seed_of


def data_of(users: list[int]) -> TrainingData:
    """users[u] interactions for user u, over 50 items."""
    rows = [(f"u{u}", f"i{(u + k) % 50}", 1_000 + k) for u, n in enumerate(users) for k in range(n)]
    table = pa.table({"USER_ID": [r[0] for r in rows], "ITEM_ID": [r[1] for r in rows],
                      "TIMESTAMP": [r[2] for r in rows]})
    return TrainingData(interactions=interactions_from_table(table))


def test_minimum_is_1000_interactions_and_25_users_with_two():
    check_minimum(data_of([40] * 25))
    with pytest.raises(JobFailed, match=r"^Create failed. Dataset has fewer than 1000 interactions. Found 999 "):
        check_minimum(data_of([40] * 24 + [39]))
    with pytest.raises(JobFailed, match=r"^Create failed. Dataset has fewer than 25 users with at least 2 "
                                        r"interactions each. Found 24.$"):
        check_minimum(data_of([1000 // 24 + 1] * 24 + [1] * 10))


def test_training_data_config_drops_or_keeps_metadata_columns():
    data = data_of([40] * 25)
    data.items = pa.table({"ITEM_ID": ["i1"], "GENRE": ["a"], "YEAR": [1999], "PRICE": [1.0]})
    data.users = pa.table({"USER_ID": ["u1"], "AGE": [30], "PLAN": ["x"]})
    out = apply_columns(data, {"items": ("exclude", ["YEAR", "PRICE"]), "users": ("include", ["PLAN"])})
    assert out.items.column_names == ["ITEM_ID", "GENRE"]
    assert out.users.column_names == ["USER_ID", "PLAN"]


def test_seed_comes_from_the_version_id():
    arn = "arn:aws:personalize:us-east-1:000000000000:solution/s/0000002a"
    assert seed_of(arn) == 42
    assert 0 <= seed_of(arn[:-8] + "ffffffff") < 2**31


def test_artifacts_round_trip_through_the_lake(embedded):
    from tastemaker.recipes.registry import get_recipe
    from tastemaker.training.artifacts import delete_model, has_model, load_model, save_model
    from tastemaker.training.job import instance
    from tastemaker.recipes.base import TrainingOptions

    ctx = embedded.service.base
    recipe = instance(get_recipe("aws-sims"))
    data = data_of([40] * 30)
    model = recipe.train(data, recipe.HyperParameters(), recipe.FeatureParameters(), TrainingOptions())
    arn = ctx.arn("solution/s/0123abcd")
    save_model(ctx, arn, "aws-sims", model)
    assert ctx.lake.exists("models/000000000000/us-east-1/s/0123abcd/model.npz")  # scoped by account and region
    name, loaded = load_model(ctx, arn)
    assert name == "aws-sims"
    assert loaded.item_ids.dtype == object and list(loaded.item_ids) == list(model.item_ids)
    for key, value in model.arrays().items():
        np.testing.assert_array_equal(np.asarray(loaded.arrays()[key]), np.asarray(value))
    np.testing.assert_array_equal(loaded.similar(3, 10)[0], model.similar(3, 10)[0])
    delete_model(ctx, arn)
    assert not has_model(ctx, arn)


def test_a_model_an_older_version_saved_unscoped_still_loads(embedded):
    from tastemaker.recipes.base import TrainingOptions
    from tastemaker.recipes.registry import get_recipe
    from tastemaker.training.artifacts import delete_model, has_model, load_model, save_model
    from tastemaker.training.job import instance

    ctx = embedded.service.base
    recipe = instance(get_recipe("aws-sims"))
    model = recipe.train(data_of([40] * 30), recipe.HyperParameters(), recipe.FeatureParameters(), TrainingOptions())
    arn = ctx.arn("solution/old/89abcdef")
    save_model(ctx, arn, "aws-sims", model)
    for name in ("model.npz", "meta.json"):  # where 9414abf kept it: models/<solution>/<8hex>
        ctx.lake.put_bytes(f"models/old/89abcdef/{name}",
                           ctx.lake.get_bytes(f"models/000000000000/us-east-1/old/89abcdef/{name}"))
    ctx.lake.delete_prefix("models/000000000000")
    assert has_model(ctx, arn) and load_model(ctx, arn)[0] == "aws-sims"
    delete_model(ctx, arn)
    assert not ctx.lake.exists("models/old/89abcdef/meta.json")
