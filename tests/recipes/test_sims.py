"""aws-sims specifics: what it learns for history-based recommendations, and older artifacts still load."""
from __future__ import annotations

import numpy as np

from tastemaker.recipes._common import csr_arrays
from tastemaker.recipes.base import TrainingOptions
from tastemaker.recipes.registry import get_recipe
from tastemaker.recipes.sims import NEIGHBOR_DECAY, NeighborModel
from tastemaker.testing.recipes import checkerboard


def test_sims_learns_own_items_weight_and_both_decays():
    model = get_recipe("aws-sims").train(checkerboard(), {}, {}, TrainingOptions(seed=0))
    weight, decay, neighbor_decay = model.setup_repeat()
    assert weight in (-10.0, -1.0, 0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
    assert decay in (0.9, 0.5, 0.2) and neighbor_decay in (0.5, 0.8, 0.95)


def test_a_model_saved_with_two_repeat_values_uses_the_default_neighbour_decay():
    import scipy.sparse as sp
    arrays = {"item_ids": np.asarray(["a", "b"], dtype=object), "item_popularity": np.ones(2),
              "item_first_seen": np.zeros(2), "repeat": np.asarray([1.0, 0.5]),
              **csr_arrays("nbr", sp.csr_matrix(np.asarray([[0, 1.0], [1.0, 0]], dtype=np.float32)))}
    assert NeighborModel(arrays).setup_repeat() == (1.0, 0.5, NEIGHBOR_DECAY)
    del arrays["repeat"]
    assert NeighborModel(arrays).setup_repeat() == (0.0, 0.5, NEIGHBOR_DECAY)
