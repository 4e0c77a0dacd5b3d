"""Users without interactions served from the Users dataset: tokens of a user's metadata, and what
user-personalization ranks for a user known only by them."""
from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from tastemaker.data.build import interactions_from_table
from tastemaker.data.types import History, TrainingData
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.metadata_tokens import SEP, value_tokens
from tastemaker.recipes.registry import get_recipe
from tastemaker.recipes.user_personalization_model import UserPersonalizationModel
from tastemaker.recipes.user_segments import fit_segments
from tastemaker.testing.recipes import checkerboard

FIELDS = {"SEGMENT": {"name": "SEGMENT", "type": "string", "categorical": True},
          "AGE": {"name": "AGE", "type": "int"}}


def with_users(data: TrainingData) -> TrainingData:
    """The checkerboard's users 0-39 (the 'a' items) are segment "A" and 20-30 years old, users 40-59 (the 'b'
    items) segment "B" and 50-60; "new" is in the Users dataset only."""
    ids = [f"u{u}" for u in range(60)] + ["new"]
    segment = ["A" if u < 40 else "B" for u in range(60)] + ["B"]
    age = [20 + u % 10 if u < 40 else 50 + u % 10 for u in range(60)] + [55]
    table = pa.table({"USER_ID": ids, "SEGMENT": segment, "AGE": pa.array(age, pa.int64())})
    return dataclasses.replace(data, users=table, user_fields=FIELDS)


def test_value_tokens():
    edges = {"AGE": np.asarray([30.0, 40.0])}
    assert value_tokens({"SEGMENT": "A|Big ", "AGE": 35, "X": None}, edges) == [
        f"SEGMENT{SEP}a", f"SEGMENT{SEP}big", f"AGE{SEP}bin 1"]
    assert value_tokens({"AGE": "old"}, edges) == []


def test_segment_ranking_serves_a_user_known_only_by_metadata():
    data = with_users(checkerboard())
    model = get_recipe("aws-user-personalization").train(data, {}, {}, TrainingOptions(seed=0))
    assert model.metadata_columns == ["AGE", "SEGMENT"]
    a_items = {i for i, v in enumerate(model.item_ids) if str(v).startswith("a")}
    b_items = {i for i, v in enumerate(model.item_ids) if str(v).startswith("b")}
    ids, scores = model.segment_ranking({"SEGMENT": "A"})
    assert set(ids[:5].tolist()) == a_items and np.isclose(scores.sum(), 1.0) and np.all(np.diff(scores) <= 0)
    assert set(model.segment_ranking({"SEGMENT": "b"})[0][:5].tolist()) == b_items  # values match in any case
    assert set(model.segment_ranking({"AGE": 57})[0][:5].tolist()) == b_items  # numeric: the decile's users
    assert model.segment_ranking({"SEGMENT": "C"}) is None and model.segment_ranking({}) is None
    # a model without Users metadata (or saved before it) has no columns to read and answers None
    plain = UserPersonalizationModel({k: v for k, v in model.arrays().items() if not k.startswith("seg_")})
    assert plain.metadata_columns == [] and plain.segment_ranking({"SEGMENT": "A"}) is None
    assert np.array_equal(plain.scores(History.of([0])), model.scores(History.of([0])))


def test_values_shared_by_too_few_users_are_dropped_and_update_refits():
    data = with_users(checkerboard())
    arrays = fit_segments(data, data.interactions)
    tokens = arrays["seg_tokens"].tolist()
    assert {f"SEGMENT{SEP}a", f"SEGMENT{SEP}b"} <= set(tokens) and "new" not in "".join(tokens)
    assert arrays["seg_shape"].tolist() == [len(tokens), data.interactions.n_items]
    few = dataclasses.replace(data, users=data.users.slice(0, 3))
    assert fit_segments(few, data.interactions) == {}  # 3 users share "A": fewer than MIN_USERS
    recipe = get_recipe("aws-user-personalization")
    model = recipe.train(checkerboard(), {}, {}, TrainingOptions(seed=0))
    assert model.segment_ranking({"SEGMENT": "A"}) is None
    inter = data.interactions
    table = pa.table({"USER_ID": inter.user_ids[inter.user].astype(str),
                      "ITEM_ID": inter.item_ids[inter.item].astype(str), "TIMESTAMP": inter.timestamp})
    updated = recipe.update(model, dataclasses.replace(data, interactions=interactions_from_table(
        table, extra_items=list(inter.item_ids))), TrainingOptions(seed=0))
    assert updated.segment_ranking({"SEGMENT": "A"}) is not None
