"""The Mult-DAE component: it learns which items go together, stays within its step budget, warm-starts from
given layers and stops when asked."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tastemaker.recipes.autoencoder import LAYERS, dae_logits, fit_dae


def two_tastes(n_users: int = 120, seed: int = 0) -> sp.csr_matrix:
    """Half the users take 6 of items 0-9, the other half 6 of items 10-19."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(n_users):
        base = 0 if u % 2 == 0 else 10
        cols.extend(base + rng.choice(10, 6, replace=False))
        rows.extend([u] * 6)
    return sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_users, 20))


def test_the_dae_scores_the_items_of_a_users_taste_above_the_others():
    layers = fit_dae(two_tastes(), hidden=8, seed=0, epochs=60, batch=32)
    assert {k: v.dtype for k, v in layers.items()} == dict.fromkeys(LAYERS, np.dtype(np.float32))
    assert layers["dae_w1"].shape == (20, 8) and layers["dae_w2"].shape == (8, 20)
    histories = sp.csr_matrix(np.array([[1, 1, 1] + [0] * 17, [0] * 10 + [1, 1, 1] + [0] * 7], np.float32))
    logits = dae_logits(histories, layers)
    assert logits[0, 3:10].min() > logits[0, 10:].max()  # the unseen items of the first taste come first
    assert logits[1, 13:].min() > logits[1, :10].max()


def test_the_same_seed_gives_the_same_layers_and_another_seed_other_layers():
    x = two_tastes()
    a, b, c = (fit_dae(x, hidden=4, seed=s, epochs=3, batch=32) for s in (1, 1, 2))
    assert all(np.array_equal(a[k], b[k]) for k in LAYERS)
    assert not np.array_equal(a["dae_w1"], c["dae_w1"])


def test_the_step_budget_bounds_the_minibatches_and_check_runs_every_50_steps():
    calls = []
    fit_dae(two_tastes(), hidden=4, seed=0, epochs=100, batch=32, max_steps=120, check=lambda: calls.append(1))
    assert len(calls) == 3  # steps 0, 50 and 100 of 120 (not 100 epochs x 4 minibatches)


def test_a_warm_start_begins_from_the_given_layers():
    x = two_tastes()
    init = fit_dae(x, hidden=4, seed=0, epochs=5, batch=32)
    same = fit_dae(x, hidden=4, seed=1, max_steps=0, init=init)
    assert all(np.array_equal(same[k], init[k]) and same[k] is not init[k] for k in LAYERS)
    tuned = fit_dae(x, hidden=4, seed=1, epochs=1, batch=32, init=init)
    assert 0 < np.abs(tuned["dae_w2"] - init["dae_w2"]).max() < 0.05  # a few small Adam steps away


def test_a_stop_raised_by_check_ends_the_fit():
    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        fit_dae(two_tastes(), hidden=4, seed=0, check=stop)


def test_no_interactions_give_untrained_layers_of_the_right_shapes():
    layers = fit_dae(sp.csr_matrix((5, 7), dtype=np.float32), hidden=3, seed=0)
    assert layers["dae_w1"].shape == (7, 3) and layers["dae_b2"].shape == (7,)
    assert dae_logits(sp.csr_matrix((2, 7), dtype=np.float32), layers).shape == (2, 7)
