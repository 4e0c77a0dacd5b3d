"""Personalize's offline split (spec §6.3)."""
from __future__ import annotations

import numpy as np
import pytest
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.data.build import interactions_from_table
from tastemaker.data.split import personalize_split, truth_count


def make(lengths: list[int], tie: bool = False):
    users, items, ts = [], [], []
    for u, n in enumerate(lengths):
        for k in range(n):
            users.append(f"u{u}"); items.append(f"i{(u * 7 + k) % 23}"); ts.append(100 if tie else 1000 - k)
    return interactions_from_table(pa.table({"USER_ID": users, "ITEM_ID": items,
                                             "TIMESTAMP": pa.array(ts, pa.int64())}))


def test_ten_percent_of_users_held_out_and_oldest_ninety_percent_is_input():
    inter = make([20] * 50 + [1] * 50)
    split = personalize_split(inter, seed=3)
    assert len(split.test_users) == 10 and split.seed == 3 and split.info["seed"] == 3
    lengths = np.bincount(inter.user, minlength=inter.n_users)
    assert (lengths[split.test_users] >= 2).all()  # single-interaction users always train
    offsets = inter.user_offsets()
    for u, h, t in zip(split.test_users, split.histories, split.truths):
        rows = np.arange(offsets[u], offsets[u + 1])
        assert len(h) == 18 and len(t) == 2
        np.testing.assert_array_equal(h.items, inter.item[rows[:18]])
        np.testing.assert_array_equal(t, inter.item[rows[18:]])
        assert (np.diff(h.timestamps) >= 0).all() and h.timestamps[-1] <= inter.timestamp[rows[18]]
    assert not np.isin(split.train.user, split.test_users).any()
    assert len(split.train) == len(inter) - 10 * 20
    assert split.train.n_items == inter.n_items  # vocabulary kept for coverage


def test_seeded_and_reproducible():
    inter = make([10] * 200)
    a, b, c = personalize_split(inter, 1), personalize_split(inter, 1), personalize_split(inter, 2)
    np.testing.assert_array_equal(a.test_users, b.test_users)
    assert not np.array_equal(a.test_users, c.test_users)


def test_ties_keep_import_order():
    inter = make([10] * 10, tie=True)
    split = personalize_split(inter, 0)
    u = split.test_users[0]
    expected = [f"i{(u * 7 + k) % 23}" for k in range(10)]
    got = [inter.item_ids[i] for i in list(split.histories[0].items) + list(split.truths[0])]
    assert got == expected


def test_truth_count_rounding():
    assert [truth_count(n) for n in (2, 4, 5, 9, 10, 14, 15, 25)] == [1, 1, 1, 1, 1, 1, 2, 3]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=60), st.integers(0, 1000))
def test_split_partitions_rows(lengths, seed):
    inter = make(lengths)
    split = personalize_split(inter, seed)
    held = sum(len(h) + len(t) for h, t in zip(split.histories, split.truths))
    assert len(split.train) + held == len(inter)
    assert all(len(t) >= 1 and len(h) >= 1 for h, t in zip(split.histories, split.truths))



def test_temporal_split_holds_out_every_users_newest_rows_and_trains_on_the_rest():
    from tastemaker.data.split import temporal_split
    inter = make([1, 5, 20])
    split = temporal_split(inter)
    assert split.test_users.tolist() == [1, 2]  # the one-row user only trains
    assert [len(h) for h in split.histories] == [4, 18] and [len(t) for t in split.truths] == [1, 2]
    assert len(split.train) == 1 + 4 + 18
    offsets = inter.user_offsets()
    for u, h, t in zip(split.test_users, split.histories, split.truths):
        rows = inter.item[offsets[u]:offsets[u + 1]]
        assert rows[:len(h)].tolist() == h.items.tolist() and rows[len(h):].tolist() == t.tolist()


def test_next_item_mode_keeps_the_users_and_inputs_and_holds_out_only_the_row_that_follows():
    inter = make([20] * 50 + [3] * 30)
    plain, nxt = personalize_split(inter, 4), personalize_split(inter, 4, truth="next-item")
    np.testing.assert_array_equal(plain.test_users, nxt.test_users)
    assert nxt.info["truth"] == "next-item" and plain.info["truth"] == "newest-10%"
    offsets = inter.user_offsets()
    for u, h, h2, t in zip(nxt.test_users, plain.histories, nxt.histories, nxt.truths):
        np.testing.assert_array_equal(h.items, h2.items)
        cut = offsets[u] + len(h2)
        assert t.tolist() == [inter.item[cut]]  # the one row after the input, nothing newer
    assert len(nxt.train) == len(plain.train)  # the training rows do not change
    with pytest.raises(ValueError, match="next-item"):
        personalize_split(inter, 4, truth="last")


def test_the_setting_offers_exactly_the_splits_truth_modes():
    from typing import get_args

    from tastemaker.data.split import TRUTH_MODES
    from tastemaker.settings import Settings
    # the settings keep their own Literal so that importing them stays free of numpy (CLI start-up)
    assert get_args(Settings.model_fields["evaluation_truth"].annotation) == TRUTH_MODES
    assert Settings().evaluation_truth == TRUTH_MODES[0]
