"""user-personalization's Mult-DAE component: trained with the model, scored over its own items, weighted by the
blend, and absent from models saved before it existed."""
from __future__ import annotations

import numpy as np

from tastemaker.data.types import History
from tastemaker.recipes.autoencoder import LAYERS
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.registry import get_recipe
from tastemaker.recipes.user_personalization import BLEND_KEYS, UserPersonalizationModel
from tastemaker.testing.recipes import checkerboard


def trained() -> UserPersonalizationModel:
    return get_recipe("aws-user-personalization").train(checkerboard(), {}, {}, TrainingOptions(seed=0))


def test_the_model_carries_a_dae_over_the_items_with_interactions():
    model = trained()
    arrays = model.arrays()
    assert all(k in arrays for k in LAYERS)
    ids = [str(model.item_ids[i]) for i in arrays["dae_items"]]
    assert sorted(ids) == sorted(f"{g}{i}" for g in "ab" for i in range(5))  # not the cold item
    assert arrays["dae_w1"].shape == (10, 149)  # hidden_dimension's default
    assert "w_dae" in model.blend and len(arrays["blend"]) == len(BLEND_KEYS)


def test_dae_scores_favour_the_unseen_items_of_the_history_s_group():
    model = trained()
    ids = list(map(str, model.item_ids))
    a = [ids.index(f"a{i}") for i in range(3)]
    scores = model.dae_batch([np.asarray(a)])[0]
    rest_a = [ids.index(f"a{i}") for i in (3, 4)]
    b = [ids.index(f"b{i}") for i in range(5)]
    assert scores[rest_a].min() > scores[b].max()
    assert scores[ids.index("cold")] == 0.0 and scores.min() >= 0.0


def test_the_blend_weight_moves_the_scores_and_a_zero_weight_leaves_them_as_without_a_dae():
    model = trained()
    history = History(items=np.asarray([0, 1, 2]), timestamps=np.asarray([1.0, 2.0, 3.0]))
    arrays = model.arrays()
    older = {k: v for k, v in arrays.items() if k not in (*LAYERS, "dae_items")}
    older["blend"] = arrays["blend"][:-1]  # a model saved before the DAE: nine blend weights
    before = UserPersonalizationModel(older)
    assert before.dae is None and not before.dae_batch([np.asarray([0, 1])]).any()
    with_zero = UserPersonalizationModel({**arrays, "blend": np.concatenate([arrays["blend"][:-1], [0.0]])})
    assert np.allclose(with_zero.scores(history), before.scores(history))
    with_dae = UserPersonalizationModel({**arrays, "blend": np.concatenate([arrays["blend"][:-1], [10.0]])})
    assert not np.allclose(with_dae.scores(history), before.scores(history))
