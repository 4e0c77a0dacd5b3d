"""The sequential components: item transitions and the learned next-items model (SLIT)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from tastemaker.data.build import interactions_from_table
from tastemaker.recipes.sequential import collapse_repeats, fit_next_items, next_items_input, transitions


def chains(n_users: int = 60, seed: int = 0):
    """Users walk the cycle a0 -> a1 -> ... -> a9 -> a0 from a random start; each step is logged twice
    (a click and a watch in the same second)."""
    rng = np.random.default_rng(seed)
    users, items, ts = [], [], []
    for u in range(n_users):
        start = int(rng.integers(10))
        for k in range(12):
            for _ in range(2):
                users.append(f"u{u}"); items.append(f"a{(start + k) % 10}"); ts.append(k)
    return interactions_from_table(pa.table({"USER_ID": users, "ITEM_ID": items,
                                             "TIMESTAMP": pa.array(ts, pa.int64())}))


def index(inter, item_id: str) -> int:
    return int(np.flatnonzero(inter.item_ids == item_id)[0])


def test_collapse_repeats_merges_consecutive_rows_of_one_item_per_user():
    user = np.array([0, 0, 0, 1, 1, 1])
    item = np.array([5, 5, 6, 6, 6, 5])
    u, i = collapse_repeats(user, item)
    assert u.tolist() == [0, 0, 1, 1] and i.tolist() == [5, 6, 6, 5]


def test_next_items_model_learns_the_order_of_steps():
    inter = chains()
    items = np.arange(inter.n_items)
    b = fit_next_items(inter, items, l2=1.0, window=3, future=2)
    assert b.shape == (10, 10) and b.dtype == np.float32
    pos = np.arange(inter.n_items)
    for k in range(10):
        history = [index(inter, f"a{(k + j) % 10}") for j in range(3)]  # ... a(k+1), a(k+2) newest
        x = next_items_input([np.asarray(history)], pos, window=3)
        scores = np.asarray(x @ b).ravel()
        assert int(np.argmax(scores)) == index(inter, f"a{(k + 3) % 10}")


def test_next_items_input_weights_newest_steps_first_and_skips_unmodelled_items():
    pos = np.array([0, -1, 1, 2])  # item 1 is not modelled
    x = next_items_input([np.array([3, 3, 2, 1, 0]), np.array([], dtype=np.int64)], pos, window=3, decay=0.5)
    assert x.shape == (2, 3)
    row = x.toarray()[0]  # steps newest first: 0 (w 1), 1 (w .5, unmodelled), 2 (w .25); 3 is beyond the window
    assert np.allclose(row, [1.0, 0.25, 0.0]) and not x.toarray()[1].any()


def test_next_items_model_caps_its_training_rows_and_handles_no_items():
    inter = chains(n_users=30)
    b = fit_next_items(inter, np.arange(inter.n_items), l2=1.0, max_rows=50, seed=3)
    assert np.isfinite(b).all() and np.abs(b).sum() > 0
    assert fit_next_items(inter, np.zeros(0, dtype=np.int64), l2=1.0).shape == (0, 0)


def test_transitions_rows_are_normalised_next_steps():
    inter = chains()
    t = transitions(inter, window=1)
    a3, a4 = index(inter, "a3"), index(inter, "a4")
    row = t[a3].toarray().ravel()
    assert np.isclose(row.sum(), 1.0) and int(np.argmax(row)) == a4
