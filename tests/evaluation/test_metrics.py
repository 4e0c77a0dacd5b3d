"""Personalize's metric definitions (spec §6.4): hand-computed examples and properties."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tastemaker.evaluation.metrics import (EVENT_WEIGHTS_KEY, METRIC_KEYS, aggregate, ndcg, precision,
                                           reciprocal_rank, user_metrics, weighted_ndcg)


def test_spec_worked_example_relevant_at_ranks_2_and_5():
    recommended = np.asarray([10, 1, 11, 12, 2, 13])
    value = ndcg(recommended, {1, 2}, 25)
    expected = (1 / math.log(3) + 1 / math.log(6)) / (1 / math.log(2) + 1 / math.log(3))
    assert round(value, 4) == 0.6241 == round(expected, 4)


def test_event_weights_ndcg_gives_each_hit_its_reward():
    # a click (reward 0.5) at rank 1 and a purchase (1.5) at rank 2, over the plain ideal of two relevant items
    value = weighted_ndcg(np.asarray([7, 3, 9]), {3: 1.5, 7: 0.5}, 25)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert math.isclose(value, (0.5 / math.log2(2) + 1.5 / math.log2(3)) / ideal)
    assert weighted_ndcg(np.asarray([3, 7]), {3: 1.5, 7: 0.5}, 25) > value  # the heavier hit first earns more
    assert weighted_ndcg(np.asarray([3, 7]), {3: 1.0, 7: 1.0}, 25) == 1.0  # equal weights: the plain NDCG
    assert weighted_ndcg(np.asarray([3]), {3: 0.0, 5: 1.0}, 25) == 0.0 and weighted_ndcg(np.asarray([3]), {}) == 0.0
    assert ndcg(np.asarray([7, 3, 9]), {3, 7}, 25) == 1.0  # the plain metric ignores the rewards


def test_precision_uses_k_in_the_denominator():
    assert precision(np.asarray([1, 2]), {1, 2}, 5) == 0.4
    assert precision(np.asarray([1, 2, 3, 4, 5, 6]), {6}, 5) == 0.0
    assert precision(np.asarray([9, 1, 8, 2, 7, 3]), {1, 2, 3}, 10) == 0.3


def test_reciprocal_rank_first_hit_within_25():
    assert reciprocal_rank(np.asarray([5, 6, 7]), {7, 6}) == 0.5
    assert reciprocal_rank(np.arange(100), {30}) == 0.0
    assert reciprocal_rank(np.arange(100), {24}) == 1 / 25


def test_ideal_dcg_is_capped_at_k():
    # 6 relevant items, all 5 slots hit: perfect NDCG@5
    assert ndcg(np.asarray([1, 2, 3, 4, 5]), {1, 2, 3, 4, 5, 6}, 5) == 1.0
    # 1 relevant at rank 1
    assert ndcg(np.asarray([3, 1]), {3}, 10) == 1.0


def test_aggregate_keys_rounding_and_coverage():
    per_user = [user_metrics(np.asarray([1, 2, 3]), {2}), user_metrics(np.asarray([4, 5, 6]), {9})]
    out = aggregate(per_user, {1, 2, 3, 4, 5, 6}, 9)
    assert tuple(out) == METRIC_KEYS
    assert out["coverage"] == round(6 / 9, 4)
    assert out["mean_reciprocal_rank_at_25"] == 0.25
    assert out["precision_at_5"] == 0.1
    assert all(v == round(v, 4) for v in out.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=0, max_size=30, unique=True),
       st.sets(st.integers(0, 40), min_size=1, max_size=10))
def test_metric_properties(recommended, relevant):
    rec = np.asarray(recommended, dtype=np.int64)
    m = user_metrics(rec, relevant)
    assert all(0.0 <= v <= 1.0 + 1e-12 for v in m.values())
    for k in (5, 10, 25):
        hits = len(set(recommended[:k]) & relevant)
        assert m[f"precision_at_{k}"] == hits / k
        assert (m[f"normalized_discounted_cumulative_gain_at_{k}"] > 0) == (hits > 0)
    # putting every relevant item first is ideal
    best = np.asarray(sorted(relevant) + [r for r in recommended if r not in relevant], dtype=np.int64)
    for k in (5, 10, 25):
        assert abs(ndcg(best, relevant, k) - 1.0) < 1e-12
        assert ndcg(rec, relevant, k) <= 1.0 + 1e-12
    # MRR matches the first hit
    first = next((i for i, r in enumerate(recommended[:25]) if r in relevant), None)
    assert m["mean_reciprocal_rank_at_25"] == (0.0 if first is None else 1 / (first + 1))
