"""Peer models for bench/quality.py, served from the same histories: EASE, implicit ALS, item-kNN, recent items."""
from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from tastemaker.data.types import History, Interactions
from tastemaker.evaluation.offline import evaluate
from tastemaker.data.split import temporal_split
from tastemaker.recipes._common import ArrayModel, item_stats, popularity_fallback, recency_weights, user_item_matrix
from tastemaker.recipes.ease import fit_ease, head_items
from tastemaker.recipes.sims import cooccurrence_neighbors


class _Peer(ArrayModel):
    def __init__(self, inter: Interactions):
        pop, first = item_stats(inter)
        super().__init__({"item_ids": inter.item_ids, "item_popularity": pop, "item_first_seen": first})
        self.fallback = popularity_fallback(pop)


class EasePeer(_Peer):
    def __init__(self, inter: Interactions, max_items: int = 4000, l2: float = 200.0):
        super().__init__(inter)
        self.items = head_items(self.item_popularity, max_items)
        self.b = fit_ease(user_item_matrix(inter), self.items, l2)
        self.pos = np.full(self.n_items, -1)
        self.pos[self.items] = np.arange(len(self.items))

    def scores(self, history: History) -> np.ndarray:
        x = np.zeros(len(self.items), dtype=np.float32)
        p = self.pos[np.asarray(history.items, dtype=np.int64)]
        x[p[p >= 0]] = 1.0
        out = self.fallback.copy()
        out[self.items] += x @ self.b
        return out


class AlsPeer(_Peer):
    """implicit's ALS; users are folded in from their history with implicit's recalculate_user."""

    def __init__(self, inter: Interactions, factors: int = 64, iterations: int = 15, alpha: float = 10.0,
                 seed: int = 0):
        from implicit.cpu.als import AlternatingLeastSquares
        super().__init__(inter)
        self.als = AlternatingLeastSquares(factors=factors, iterations=iterations, alpha=alpha,
                                           regularization=0.05, random_state=seed, num_threads=2)
        self.als.fit(user_item_matrix(inter), show_progress=False)

    def scores(self, history: History) -> np.ndarray:
        items = np.unique(np.asarray(history.items, dtype=np.int64))
        row = sp.csr_matrix((np.ones(len(items), np.float32), (np.zeros(len(items), int), items)),
                            shape=(1, self.n_items))
        user = self.als.recalculate_user(0, row)
        return self.fallback + np.asarray(self.als.item_factors @ np.asarray(user).ravel(), dtype=np.float64)


class ItemKnnPeer(_Peer):
    def __init__(self, inter: Interactions, k: int = 100):
        super().__init__(inter)
        self.nbr = cooccurrence_neighbors(user_item_matrix(inter), 0.5, 1, k)

    def scores(self, history: History) -> np.ndarray:
        items = np.unique(np.asarray(history.items, dtype=np.int64))
        return self.fallback + np.asarray(self.nbr[items].sum(axis=0)).ravel()


class RecentPeer(_Peer):
    """Re-recommend the newest history items (newest first), then popular items."""

    def scores(self, history: History) -> np.ndarray:
        items = np.asarray(history.items, dtype=np.int64)
        out = self.fallback.copy()
        np.maximum.at(out, items, 1.0 + recency_weights(len(items), 0.9))
        return out


PEERS = {"EASE": EasePeer, "implicit-ALS": AlsPeer, "item-kNN": ItemKnnPeer, "recent-items": RecentPeer}

# Each peer's own hyperparameter, picked per split the way user-personalization picks its blend: on the training
# users' newest 10% (never the held-out users), so the comparison is with peers tuned to the dataset.
GRIDS = {"EASE": ("l2", [50.0, 100.0, 200.0, 500.0, 1000.0]),
         "implicit-ALS": ("alpha", [1.0, 3.0, 10.0, 30.0]),
         "item-kNN": ("k", [20, 50, 100, 200])}
VALIDATION_USERS = 1000


def tuned_peer(name: str, inter: Interactions, seed: int, exclude_seen: bool) -> tuple[_Peer, dict]:
    """The peer fitted on `inter` with the grid value that scores the best NDCG@10 on a validation split of
    `inter` (its users' oldest 90% -> newest 10%), and the value picked ({} for a peer without a grid)."""
    cls = PEERS[name]
    if name not in GRIDS:
        return cls(inter), {}
    param, values = GRIDS[name]
    split = temporal_split(inter, seed + 1)
    keep = np.sort(np.random.default_rng(seed).permutation(len(split.histories))[:VALIDATION_USERS])
    split = dataclasses.replace(
        split, test_users=split.test_users[keep], histories=[split.histories[i] for i in keep],
        truths=[split.truths[i] for i in keep],
        truth_weights=None if split.truth_weights is None else [split.truth_weights[i] for i in keep])

    def score(value) -> float:
        model = cls(split.train, **{param: value})
        return evaluate(model, "USER_PERSONALIZATION", split, exclude_seen=exclude_seen)[
            "normalized_discounted_cumulative_gain_at_10"]
    best = max(values, key=score)
    return cls(inter, **{param: best}), {param: best}
