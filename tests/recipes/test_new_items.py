"""Items nobody has interacted with: item metadata (categorical tokens and numeric deciles), creation times, and
how user-personalization orders such items by metadata without letting them displace the top of the list."""
from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from tastemaker.data.build import interactions_from_table
from tastemaker.data.types import History, TrainingData
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.item_metadata import creation_times, metadata_matrix, metadata_popularity, profile_match
from tastemaker.recipes.registry import get_recipe
from tastemaker.recipes.user_personalization_model import UserPersonalizationModel
from tastemaker.testing.recipes import checkerboard

FIELDS = {"GENRE": {"name": "GENRE", "type": "string", "categorical": True},
          "YEAR": {"name": "YEAR", "type": ["null", "int"]},
          "CREATION_TIMESTAMP": {"name": "CREATION_TIMESTAMP", "type": "long"}}


def with_new_items(data: TrainingData, new: dict[str, str]) -> TrainingData:
    """The checkerboard plus items `new` ({id: genre}) in the Items dataset, without interactions."""
    items = data.items.to_pylist() + [{"ITEM_ID": i, "GENRE": g} for i, g in new.items()]
    table = pa.Table.from_pylist(items)
    inter = data.interactions
    rows = pa.table({"USER_ID": inter.user_ids[inter.user].astype(str),
                     "ITEM_ID": inter.item_ids[inter.item].astype(str), "TIMESTAMP": inter.timestamp})
    catalogue = table["ITEM_ID"].to_pylist()
    inter = interactions_from_table(rows, extra_items=catalogue)
    return dataclasses.replace(data, interactions=inter, items=table)


def test_metadata_matrix_tokens_numeric_columns_by_decile_and_skips_creation_time():
    table = pa.table({"ITEM_ID": ["a", "b", "c", "d"], "GENRE": ["x|y", "x", None, "y"],
                      "YEAR": pa.array([1990, 2000, None, 2010], pa.int64()),
                      "CREATION_TIMESTAMP": pa.array([1, 2, 3, 4], pa.int64())})
    data = TrainingData(None, items=table, item_fields=FIELDS)
    m = metadata_matrix(data, np.asarray(["a", "b", "c", "d", "e"], dtype=object))
    assert m.shape == (5, 5)  # x, y and three YEAR deciles; no CREATION_TIMESTAMP token
    assert m[2].nnz == 0 and m[4].nnz == 0  # c has no values, e is not in the Items table
    assert np.allclose(np.asarray(m.multiply(m).sum(axis=1)).ravel()[[0, 1, 3]], 1.0)
    assert (m[0] @ m[1].T).toarray()[0, 0] > 0 and (m[1] @ m[3].T).toarray()[0, 0] == 0
    assert np.array_equal(creation_times(data, np.asarray(["d", "a", "e"], dtype=object)), [4.0, 1.0, np.nan],
                          equal_nan=True)
    assert np.isnan(creation_times(TrainingData(None, items=table.drop(["CREATION_TIMESTAMP"])),
                                   np.asarray(["a"], dtype=object))).all()


def test_profile_match_and_metadata_popularity():
    data = TrainingData(None, items=pa.table({"ITEM_ID": ["a1", "a2", "b1", "b2", "a3", "b3"],
                                              "GENRE": ["A", "A", "B", "B", "A", "B"]}), item_fields=FIELDS)
    m = metadata_matrix(data, np.asarray(["a1", "a2", "b1", "b2", "a3", "b3"], dtype=object))
    match = profile_match(m, np.asarray([0, 1]), np.ones(2), np.asarray([4, 5]))
    assert np.allclose(match, [1.0, 0.0])
    newer_b = profile_match(m, np.asarray([0, 2]), np.asarray([0.1, 1.0]), np.asarray([4, 5]))
    assert newer_b[1] > newer_b[0]  # the newer (heavier) B item pulls the profile towards B
    popular_a = metadata_popularity(m, np.asarray([9, 7, 1, 1, 0, 0], dtype=np.float32), np.asarray([4, 5]))
    assert np.allclose(popular_a, [1.0, 1 / 8])


def test_user_personalization_orders_new_items_by_metadata_below_the_top():
    data = with_new_items(checkerboard(), {"newA": "A", "newB": "B"})
    model = get_recipe("aws-user-personalization").train(data, {}, {}, TrainingOptions(seed=0))
    index = {str(v): k for k, v in enumerate(model.item_ids)}
    new_a, new_b = index["newA"], index["newB"]
    assert model.item_popularity[[new_a, new_b]].tolist() == [0.0, 0.0]
    plain = UserPersonalizationModel({k: v for k, v in model.arrays().items() if not k.startswith("meta_")})
    for history, first, second in ((["a0", "a1", "a2"], new_a, new_b), (["b0", "b1", "b2"], new_b, new_a)):
        h = History.of([index[i] for i in history])
        s = model.scores(h)
        assert s[first] > s[second]
        others = np.setdiff1d(np.flatnonzero(model.item_popularity > 0), h.items)
        assert s[[new_a, new_b]].max() < s[others].min()  # fewer than 25 others: below all of them
        assert np.array_equal(model.recommend(h, len(others))[0], plain.recommend(h, len(others))[0])
    # a new item in the user's own history keeps the score the blend gives it
    h = History.of([index["a0"], new_a])
    assert np.isclose(model.scores(h)[new_a], plain.scores(h)[new_a])


def test_update_gives_new_items_their_metadata():
    recipe = get_recipe("aws-user-personalization")
    data = checkerboard()
    model = recipe.train(data, {}, {}, TrainingOptions(seed=0))
    updated = recipe.update(model, with_new_items(data, {"newA": "A", "newB": "B"}), TrainingOptions(seed=0))
    index = {str(v): k for k, v in enumerate(updated.item_ids)}
    s = updated.scores(History.of([index["a0"], index["a1"]]))
    assert updated.meta.shape[0] == len(updated.item_ids) and s[index["newA"]] > s[index["newB"]]


def test_an_optimization_objective_also_orders_new_items():
    from tastemaker.data.types import ItemObjective

    data = with_new_items(checkerboard(), {"cheap": "A", "dear": "A"})
    ids = [str(v) for v in data.interactions.item_ids]
    price = np.asarray([100.0 if i == "dear" else 1.0 for i in ids])
    recipe = get_recipe("aws-user-personalization")
    plain = recipe.train(data, {}, {}, TrainingOptions(seed=0))
    model = recipe.train(dataclasses.replace(data, objective=ItemObjective("PRICE", price, 0.3)), {}, {},
                         TrainingOptions(seed=0))
    h = History.of([ids.index("a0"), ids.index("a1")])
    cheap, dear = ids.index("cheap"), ids.index("dear")
    assert plain.scores(h)[cheap] == plain.scores(h)[dear]  # the same metadata
    s = model.scores(h)
    others = np.setdiff1d(np.flatnonzero(model.item_popularity > 0), h.items)
    assert s[dear] > s[cheap] and s[dear] < s[others].min()
