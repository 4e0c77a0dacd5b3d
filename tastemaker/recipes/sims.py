"""aws-sims: item-to-item co-occurrence over user histories, discounted by popularity."""
from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from ..data.types import History, Interactions, TrainingData
from ._common import (ArrayModel, Params, csr_arrays, csr_from, history_length_filter, hp, item_stats,
                      popularity_fallback, recency_weights, top_k_rows, top_n, user_item_matrix)
from .base import RecipeTraits, TrainingOptions
from .params import parse_params

NEIGHBOR_DECAY = 0.8  # default recency decay of the newest items' neighbour lists in history-based scores


def cooccurrence_neighbors(x: sp.csr_matrix, discount: float, min_count: int, k: int,
                           column_weight: np.ndarray | None = None, progress=None, chunk: int = 2048
                           ) -> sp.csr_matrix:
    """Top-k neighbours per item: C_ij / pop_j**discount for pairs seen by >= min_count distinct users."""
    x = x.tocsc().astype(np.float32)
    xt = x.T.tocsr()
    pop = np.asarray(x.sum(axis=0)).ravel()
    scale = np.power(np.maximum(pop, 1.0), -float(discount))
    if column_weight is not None:
        scale = scale * column_weight
    n = x.shape[1]
    blocks = []
    for start in range(0, n, chunk):
        c = (xt[start:start + chunk] @ x).tocoo()
        keep = (c.row + start != c.col) & (c.data >= max(min_count, 1))
        c = sp.csr_matrix((c.data[keep] * scale[c.col[keep]], (c.row[keep], c.col[keep])), shape=c.shape)
        blocks.append(top_k_rows(c.tocsr(), k))
        if progress:
            progress(min(start + chunk, n) / n)
    return sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((0, 0), dtype=np.float32)


def item_count_weights(inter: Interactions, min_pct: float, max_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """Featurization on item counts: rows of items below the min percentile are dropped (mask), items above
    the max percentile are down-weighted to that count (weight = cap / count, as if subsampled)."""
    counts = np.bincount(inter.item, minlength=inter.n_items).astype(np.float64)
    present = counts[counts > 0]
    if not len(present):
        return np.ones(inter.n_items, dtype=bool), np.ones(inter.n_items)
    lo = np.quantile(present, min_pct)
    cap = np.quantile(present, max_pct, weights=present, method="inverted_cdf")  # share of interactions
    weight = np.where(counts > cap, cap / np.maximum(counts, 1.0), 1.0)
    return counts >= lo, weight


def normalise(v: np.ndarray) -> np.ndarray:
    m = np.abs(v).max(initial=0.0)
    return v / m if m > 0 else v


def learn_repeat(inter: Interactions, neighbors_of, seed: int) -> np.ndarray:
    """[weight, decay] of the history items' own score and the recency decay of their neighbour lists, chosen by
    NDCG@10 of every training user's newest 10% of rows (the neighbours fitted on the other rows)."""
    from ..data.split import temporal_split
    from . import blend as bl

    split = temporal_split(inter, seed + 1)
    if len(split.test_users) < 5:
        return np.asarray([0.0, 0.5, NEIGHBOR_DECAY])
    pop, first = item_stats(split.train)
    model = NeighborModel({"item_ids": inter.item_ids, "item_popularity": pop, "item_first_seen": first,
                           **csr_arrays("nbr", neighbors_of(split.train))})
    cap = max(20, int(6e6 // max(inter.n_items, 1)))  # bounds the (users x items) score matrices
    users = np.random.default_rng(seed).permutation(len(split.histories))[:cap]
    items = [np.asarray(split.histories[u].items, dtype=np.int64) for u in users]
    rel = bl.relevance_matrix([split.truths[u] for u in users], inter.n_items)
    base = {d: np.stack([normalise(model.neighbor_scores(i, d)) + model._fallback for i in items]).astype(np.float32)
            for d in (0.5, 0.8, 0.95)}
    reps = {d: bl.normalise_rows(np.stack([np.bincount(i, weights=recency_weights(len(i), d),
                                                       minlength=inter.n_items) for i in items])).astype(np.float32)
            for d in (0.9, 0.5, 0.2)}
    space = {"w": [-10.0, -1.0, 0.0, 0.1, 0.3, 1.0, 3.0, 10.0], "d": [0.9, 0.5, 0.2], "nd": list(base)}
    best, _ = bl.coordinate_ascent(lambda p: bl.ndcg_at(base[p["nd"]] + p["w"] * reps[p["d"]], rel, 10), space,
                                   {"w": 0.0, "d": 0.5, "nd": NEIGHBOR_DECAY})
    return np.asarray([best["w"], best["d"], best["nd"]])


class NeighborModel(ArrayModel):
    """Serves from a sparse top-k neighbour matrix; thin rows are filled with popular items."""

    kind = "neighbors"
    softmax_scores = False
    history_window: ClassVar[int] = 10

    def setup(self) -> None:
        self.neighbors = csr_from("nbr", self._arrays)
        self._fallback = popularity_fallback(self.item_popularity)
        self.own_weight, self.own_decay, self.neighbor_decay = self.setup_repeat()

    def setup_repeat(self) -> tuple[float, float, float]:
        """(own-items weight, own-items recency decay, neighbour-list recency decay) learned in training."""
        r = self._arrays.get("repeat")
        r = [] if r is None else [float(v) for v in r]
        return tuple(r + [0.0, 0.5, NEIGHBOR_DECAY][len(r):])

    def neighbor_scores(self, items: np.ndarray, decay: float = NEIGHBOR_DECAY) -> np.ndarray:
        recent = np.asarray(items[-self.history_window:], dtype=np.int64)
        if not len(recent):
            return np.zeros(self.n_items)
        rows = self.neighbors[recent]
        w = recency_weights(len(recent), decay)
        return np.bincount(rows.indices, weights=rows.data * np.repeat(w, np.diff(rows.indptr)),
                           minlength=self.n_items)

    def scores(self, history: History) -> np.ndarray:
        """Recommendations for a history: neighbours of the newest items, plus the history items themselves
        with the weight learned from data (how much re-interactions pay)."""
        items = np.asarray(history.items, dtype=np.int64)
        out = self._fallback.copy()
        if not len(items):
            return out
        out += normalise(self.neighbor_scores(items, self.neighbor_decay))
        if self.own_weight:
            out += self.own_weight * normalise(np.bincount(items, weights=recency_weights(len(items), self.own_decay),
                                                           minlength=self.n_items))
        return out

    def similar(self, item: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        row = self.neighbors[int(item)]
        raw = self._fallback.copy()
        raw[row.indices] += row.data
        ids = top_n(raw, n, np.asarray([item]))
        return ids, raw[ids]


class Sims(RecipeTraits):
    name: ClassVar[str] = "aws-sims"
    recipe_type: ClassVar[str] = "RELATED_ITEMS"
    returns_scores: ClassVar[bool] = False
    feature_transformation: ClassVar[str | None] = "sims"
    feature_defaults: ClassVar[bool] = True
    description: ClassVar[str] = "Items frequently interacted with together (item-to-item co-occurrence)."

    class HyperParameters(Params):
        popularity_discount_factor: float = hp(0.5, "0: most popular co-occurring items; 1: co-interaction "
                                               "regardless of popularity.", ge=0.0, le=1.0, tunable=True)
        min_cointeraction_count: int = hp(3, "Distinct users needed to interact with both items of a pair.",
                                          ge=0, le=10, tunable=True)
        max_neighbors: int = hp(200, "Neighbours kept per item (Tastemaker).", ge=10, le=1000)
        learn_repeats: bool = hp(True, "Learn on a validation split how much a user's own recent items should "
                                 "score in history-based recommendations (Tastemaker).")

    class FeatureParameters(Params):
        min_user_history_length_percentile: float = hp(0.005, "Users below this history-length percentile are "
                                                       "left out.", ge=0.0, le=1.0)
        max_user_history_length_percentile: float = hp(0.995, "Histories above this percentile are cut to "
                                                       "their newest interactions.", ge=0.0, le=1.0)
        min_item_interaction_count_percentile: float = hp(0.01, "Items below this interaction-count percentile "
                                                          "are left out.", ge=0.0, le=1.0)
        max_item_interaction_count_percentile: float = hp(0.9, "Items above this percentile are down-weighted "
                                                          "to its count.", ge=0.0, le=1.0)

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> NeighborModel:
        params = parse_params(self.HyperParameters, params)
        features = parse_params(self.FeatureParameters, features)
        options.progress(0.0)
        full = data.interactions
        pop, first = item_stats(full)
        inter = history_length_filter(full, features.min_user_history_length_percentile,
                                      features.max_user_history_length_percentile)
        keep, weight = item_count_weights(inter, features.min_item_interaction_count_percentile,
                                          features.max_item_interaction_count_percentile)

        def neighbors_of(rows: Interactions, progress=None) -> sp.csr_matrix:
            x = user_item_matrix(rows) @ sp.diags(keep.astype(np.float32))
            return cooccurrence_neighbors(x, params.popularity_discount_factor, params.min_cointeraction_count,
                                          params.max_neighbors, column_weight=weight, progress=progress)

        repeat = learn_repeat(inter, neighbors_of, options.seed) if params.learn_repeats else np.zeros(2)
        nbr = neighbors_of(inter, options.progress)
        options.progress(1.0)
        return NeighborModel({"item_ids": full.item_ids, "item_popularity": pop, "item_first_seen": first,
                              "repeat": repeat, **csr_arrays("nbr", nbr)})

    def load(self, arrays: dict[str, np.ndarray]) -> NeighborModel:
        return NeighborModel(arrays)
