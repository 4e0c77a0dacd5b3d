"""The learned blend's pure parts: NDCG over score rows, candidate unions, coordinate ascent."""
from __future__ import annotations

import numpy as np

from tastemaker.evaluation.metrics import ndcg, weighted_ndcg
from tastemaker.recipes import blend as bl


def test_ndcg_at_matches_the_metric_definition():
    rng = np.random.default_rng(0)
    scores = rng.random((20, 30))
    relevant = rng.random((20, 30)) < 0.2
    relevant[:, 0] = True
    expected = np.mean([ndcg(np.argsort(-s, kind="stable")[:10], np.flatnonzero(r), 10)
                        for s, r in zip(scores, relevant)])
    assert np.isclose(bl.ndcg_at(scores, relevant, 10), expected)


def test_ndcg_on_candidates_equals_ndcg_on_the_full_rows_when_the_top_is_kept():
    rng = np.random.default_rng(1)
    a, b = rng.random((15, 200)), rng.random((15, 200))
    relevant = rng.random((15, 200)) < 0.05
    relevant[:, 3] = True
    cand, dup = bl.candidates([a, b], 10)
    assert cand.shape == (15, 20)
    assert not np.any(np.diff(cand, axis=1)[~dup[:, 1:]] == 0)  # duplicates are flagged
    full = bl.ndcg_at(a + b * 0.0, relevant, 10)
    a_c = np.take_along_axis(a, cand, axis=1) + np.where(dup, -np.inf, 0.0)
    rel_c = np.take_along_axis(relevant, cand, axis=1)
    assert np.isclose(bl.ndcg_at(a_c, rel_c, 10, relevant.sum(axis=1)), full)


def test_gain_rows_give_the_event_weights_ndcg_and_plain_gains_the_plain_one():
    rng = np.random.default_rng(2)
    scores = rng.random((12, 40))
    truths = [rng.choice(40, 5) for _ in range(12)]
    weights = [rng.choice([0.0, 0.5, 1.5], 5) for _ in range(12)]
    gains = bl.gain_matrix(truths, weights, 40)
    n_rel = np.asarray([len(np.unique(t)) for t in truths])
    expected = []
    for s, t, w in zip(scores, truths, weights):
        best = {}
        for i, g in zip(t.tolist(), w.tolist()):
            best[i] = max(best.get(i, 0.0), g)
        expected.append(weighted_ndcg(np.argsort(-s, kind="stable"), best, 10))
    assert np.isclose(bl.ndcg_at(scores, gains, 10, n_rel), np.mean(expected))
    plain = bl.gain_matrix(truths, None, 40)
    assert np.isclose(bl.ndcg_at(scores, plain, 10), bl.ndcg_at(scores, plain > 0, 10))


def test_candidates_of_a_narrow_matrix_are_all_columns():
    cand, dup = bl.candidates([np.ones((2, 3))], 10)
    assert cand.tolist() == [[0, 1, 2], [0, 1, 2]] and not dup.any()


def test_coordinate_ascent_finds_the_best_grid_point_of_a_separable_objective():
    space = {"x": [0, 1, 2, 3], "y": [-1, 0, 1]}
    best, value = bl.coordinate_ascent(lambda p: -(p["x"] - 2) ** 2 - (p["y"] - 1) ** 2, space, {"x": 0, "y": -1})
    assert best == {"x": 2, "y": 1} and value == 0
