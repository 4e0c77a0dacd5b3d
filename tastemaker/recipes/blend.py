"""A small learned blend: coordinate ascent of score weights on NDCG@10 over validation users."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relevance_matrix(truths: list[np.ndarray], n_items: int) -> np.ndarray:
    r = np.zeros((len(truths), n_items), dtype=bool)
    for u, t in enumerate(truths):
        r[u, np.asarray(t, dtype=np.int64)] = True
    return r


def gain_matrix(truths: list[np.ndarray], weights: list[np.ndarray] | None, n_items: int) -> np.ndarray:
    """(users, items) float32 gains: 1 for a truth item, or with eventsConfig weights its best truth row's."""
    if weights is None:
        return relevance_matrix(truths, n_items).astype(np.float32)
    g = np.zeros((len(truths), n_items), dtype=np.float32)
    for u, (t, w) in enumerate(zip(truths, weights)):
        np.maximum.at(g[u], np.asarray(t, dtype=np.int64), np.asarray(w, dtype=np.float32))
    return g


def ndcg_at(scores: np.ndarray, relevant: np.ndarray, k: int = 10, n_relevant: np.ndarray | None = None) -> float:
    """Mean NDCG@k of score rows against boolean relevance rows (Personalize's definition), or gain rows (the
    event-weights NDCG: a hit earns its gain, the ideal DCG stays the plain one). `n_relevant`: each row's number
    of relevant items when the rows hold only some candidates or gains (default: the rows' nonzero count)."""
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    hits = np.take_along_axis(relevant, top, axis=1)
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    counts = (relevant != 0).sum(axis=1) if n_relevant is None else np.asarray(n_relevant)
    ideal = np.cumsum(disc)[np.maximum(np.minimum(counts, k), 1) - 1]
    return float(np.mean((hits * disc).sum(axis=1) / ideal))


def candidates(score_matrices: list[np.ndarray], top: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the union of every matrix's `top` highest-scoring columns: (sorted column ids, duplicate mask)."""
    parts = []
    for m in score_matrices:
        t = min(top, m.shape[1])
        parts.append(np.argpartition(-np.asarray(m), t - 1, axis=1)[:, :t] if t < m.shape[1]
                     else np.broadcast_to(np.arange(m.shape[1]), m.shape))
    cand = np.sort(np.concatenate(parts, axis=1), axis=1)
    dup = np.zeros(cand.shape, dtype=bool)
    dup[:, 1:] = cand[:, 1:] == cand[:, :-1]
    return cand, dup


def coordinate_ascent(objective: Callable[[dict], float], space: dict[str, list], start: dict,
                      rounds: int = 3) -> tuple[dict, float]:
    """Improve one coordinate at a time over its candidate values until nothing changes (or `rounds`)."""
    best, best_value = dict(start), objective(start)
    for _ in range(rounds):
        changed = False
        for name, values in space.items():
            for v in values:
                if v == best[name]:
                    continue
                trial = {**best, name: v}
                value = objective(trial)
                if value > best_value + 1e-9:
                    best, best_value, changed = trial, value, True
        if not changed:
            break
    return best, best_value


def normalise_rows(m: np.ndarray) -> np.ndarray:
    """Scale each row to max |value| 1 (rows of zeros stay zero)."""
    scale = np.abs(m).max(axis=1, keepdims=True)
    return m / np.where(scale > 0, scale, 1.0)
