"""The user-personalization model: EASE (optionally idf-weighted history) + implicit ALS (folded in from the
history) + a learned next-items model + transitions + repeats + popularity, blended by named weights; and the
arrays its components are fitted into (build_arrays)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from ..data.types import History, Interactions
from . import blend as bl
from ._common import (ArrayModel, csr_arrays, csr_from, item_stats,
                      popularity_fallback, recency_weights, user_item_matrix,
                      weighted_user_item_matrix)
from .als import fit_als, fold_in
from .ease import fit_ease, head_items
from .item_metadata import metadata_popularity, profile_match
from .sequential import NEXT_ITEMS, fit_next_items, next_items_input, transitions
from .user_segments import Segments

BLEND_KEYS = ("w_cf", "cf_decay", "w_rep", "rep_decay", "w_tr", "w_pop", "w_als", "cf_idf", "w_seq")
"""The order in which models saved before blend_names kept their weights."""
DEFAULT_BLEND = {"w_cf": 1.0, "cf_decay": 1.0, "w_rep": 0.0, "rep_decay": 0.9, "w_tr": 0.0, "w_pop": 0.01,
                 "w_als": 0.0, "cf_idf": 0.0, "w_seq": 0.0}
ALS = {"factors": 64, "iterations": 15, "alpha": 10.0, "reg": 0.05}  # implicit-ALS component
UNSEEN_BELOW_RANK = 25  # items without interactions are placed below the user's 25th best other item


class UserPersonalizationModel(ArrayModel):
    """Scores = softmax over the catalogue of a weighted sum of per-user-normalised component scores."""

    kind = "user-personalization"

    def setup(self) -> None:
        a = self._arrays
        self.ease_items = a["ease_items"].astype(np.int64)
        self.ease_b = np.ascontiguousarray(a["ease_b"])  # sparse @ dense copies a Fortran-ordered B each call
        self.ease_pos = np.full(self.n_items, -1, dtype=np.int64)
        self.ease_pos[self.ease_items] = np.arange(len(self.ease_items))
        self.trans = csr_from("trans", a)
        self.window = int(a["window"])
        names = [str(n) for n in a["blend_names"]] if "blend_names" in a else BLEND_KEYS  # older: by position
        self.blend = {**DEFAULT_BLEND, **dict(zip(names, (float(v) for v in a["blend"])))}
        self.als_y = a.get("als_items", np.zeros((self.n_items, 0), dtype=np.float32))
        self.als_gram = self.als_y.T.astype(np.float64) @ self.als_y
        self.next_b = np.ascontiguousarray(a.get("next_b", np.zeros((0, 0), dtype=np.float32)))
        pop = np.log1p(self.item_popularity.astype(np.float64))
        self.pop_score = pop / max(pop.max(initial=0.0), 1e-12)
        count = np.maximum(self.item_popularity.astype(np.float64), 1.0)
        self.idf = np.log1p(count.max(initial=1.0) / count)  # history weights that favour rarer items
        self.objective = a.get("objective", np.zeros(self.n_items, dtype=np.float32)).astype(np.float64)
        self.objective_share = float(a.get("objective_share", 0.0))
        self.meta = csr_from("meta", a) if "meta_shape" in a else sp.csr_matrix((self.n_items, 0), dtype=np.float32)
        self.unseen = np.flatnonzero(self.item_popularity == 0)
        self.unseen_prior = metadata_popularity(self.meta, self.item_popularity, self.unseen)
        self.item_created = np.asarray(a.get("item_created", np.full(self.n_items, np.nan)), dtype=np.float64)
        self.segments = Segments(a, self.n_items)
        self.metadata_columns = self.segments.columns  # the Users columns that segment_ranking reads

    def segment_ranking(self, values: dict) -> tuple[np.ndarray, np.ndarray] | None:
        """The whole catalogue for a user without interactions, from its Users metadata (`values`: column ->
        value): the items most shared among training users with the same values, then by popularity; scores
        sum to 1. None when none of the values is known to the model (serve popular items then)."""
        s = self.segments.scores(values)
        if s is None:
            return None
        s = s + popularity_fallback(self.item_popularity)
        ids = np.argsort(-s, kind="stable")
        return ids, s[ids] / s.sum()

    def cf_batch(self, histories: list[np.ndarray], decay: float, idf: float = 0.0) -> np.ndarray:
        """(len(histories), n) EASE scores of recency- (and idf ** `idf`-) weighted histories."""
        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        if not len(self.ease_items):
            return out
        rows, cols, vals = [], [], []
        for r, items in enumerate(histories):
            pos = self.ease_pos[items]
            known = pos >= 0
            rows.append(np.full(int(known.sum()), r)); cols.append(pos[known])
            vals.append((recency_weights(len(items), decay) * self.idf[items] ** idf)[known])
        x = sp.csr_matrix((np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(len(histories), len(self.ease_items)))
        out[:, self.ease_items] = x @ self.ease_b
        return out

    def cf(self, items: np.ndarray, decay: float, idf: float = 0.0) -> np.ndarray:
        return self.cf_batch([items], decay, idf)[0].astype(np.float64)

    def als_batch(self, histories: list[np.ndarray]) -> np.ndarray:
        """(len(histories), n) implicit-ALS scores of users folded in from their histories."""
        return fold_in(self.als_y, self.als_gram, histories, ALS["alpha"], ALS["reg"])

    def next_batch(self, histories: list[np.ndarray]) -> np.ndarray:
        """(len(histories), n) scores of the learned next-items model from each history's newest steps."""
        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        if self.next_b.shape[0] != len(self.ease_items) or not len(self.ease_items):
            return out
        x = next_items_input(histories, self.ease_pos, NEXT_ITEMS["window"], NEXT_ITEMS["past_decay"])
        out[:, self.ease_items] = x @ self.next_b
        return out

    def repeat(self, items: np.ndarray, decay: float) -> np.ndarray:
        out = np.zeros(self.n_items)
        np.add.at(out, items, recency_weights(len(items), decay))
        return out

    def sequential(self, items: np.ndarray) -> np.ndarray:
        recent = items[-self.window:]
        w = recency_weights(len(recent), 0.7)
        if not len(recent):
            return np.zeros(self.n_items)
        rows = self.trans[recent]
        weights = rows.data * np.repeat(w, np.diff(rows.indptr))
        return np.bincount(rows.indices, weights=weights, minlength=self.n_items)

    def features(self, history: History, cf_decay: float, rep_decay: float, cf_idf: float = 0.0) -> np.ndarray:
        """(5, n) normalised cf / repeat / transition / ALS / next-items scores for one history."""
        items = np.asarray(history.items, dtype=np.int64)
        items = items[(items >= 0) & (items < self.n_items)]
        if not len(items):
            return np.zeros((5, self.n_items))
        raw = np.stack([self.cf(items, cf_decay, cf_idf), self.repeat(items, rep_decay), self.sequential(items),
                        self.als_batch([items])[0].astype(np.float64),
                        self.next_batch([items])[0].astype(np.float64)])
        return bl.normalise_rows(raw)

    def scores(self, history: History) -> np.ndarray:
        b = self.blend
        f = self.features(history, b["cf_decay"], b["rep_decay"], b["cf_idf"])
        s = (b["w_cf"] * f[0] + b["w_rep"] * f[1] + b["w_tr"] * f[2] + b["w_als"] * f[3] + b["w_seq"] * f[4]
             + b["w_pop"] * self.pop_score)
        if self.objective_share > 0:  # optimizationObjective: part of the score is the item's objective rank
            s = (1.0 - self.objective_share) * s / max(float(np.abs(s).max()), 1e-12) \
                + self.objective_share * self.objective
        return self.place_unseen(s, np.asarray(history.items, dtype=np.int64), b["cf_decay"])

    def place_unseen(self, s: np.ndarray, items: np.ndarray, decay: float) -> np.ndarray:
        """Items nobody interacted with in training (new items of the Items dataset) have no collaborative
        signal: with item metadata they are ordered half by how well it matches the history (recency-weighted),
        half by how popular items with the same metadata are (bench/cold_items.py measured both halves and their
        mix), and placed just below the user's UNSEEN_BELOW_RANK-th best other item, so they never displace the
        top of the list but lead the exploration candidates. Items in the history keep their score."""
        items = items[(items >= 0) & (items < self.n_items)]
        if not len(self.unseen) or self.meta.shape[1] == 0 or not len(items):
            return s
        fresh = ~np.isin(self.unseen, items)
        unseen = self.unseen[fresh]
        others = np.ones(self.n_items, dtype=bool)
        others[self.unseen] = False
        others[items] = False
        rest = s[others]
        if not len(unseen) or not len(rest):
            return s
        k = min(UNSEEN_BELOW_RANK, len(rest))
        ref = float(np.partition(rest, len(rest) - k)[len(rest) - k])
        match = profile_match(self.meta, items, recency_weights(len(items), decay), unseen)
        match = 0.5 * match + 0.5 * self.unseen_prior[fresh]
        if self.objective_share > 0:  # optimizationObjective: the item's objective rank counts here too
            match = (1.0 - self.objective_share) * match + self.objective_share * self.objective[unseen]
        s = np.array(s, dtype=np.float64)
        if ref > 0:
            s[unseen] = 0.999 * ref * match
        else:
            s[unseen] = ref - 1e-6 * (1.0 + abs(ref)) * (2.0 - match)
        return s



def build_arrays(inter: Interactions, params, blend: dict, seed: int = 0,
                 check: Callable[[], None] = lambda: None) -> dict[str, np.ndarray]:
    """Fit the components on `inter` (the model's own training rows); `check` runs between components and may
    raise to stop."""
    pop, first = item_stats(inter)
    x = user_item_matrix(inter)
    y = None if inter.weight is None else weighted_user_item_matrix(inter)  # eventsConfig: weighted targets
    head = head_items(pop, params.ease_max_items)
    b = fit_ease(x, head, params.ease_l2, y)
    check()
    trans = transitions(inter, window=3, k=params.transition_neighbors)
    als = fit_als(x if y is None else y, ALS["factors"], ALS["iterations"], ALS["alpha"], ALS["reg"], seed)
    check()
    nxt = fit_next_items(inter, head, params.next_items_l2, seed, **NEXT_ITEMS)
    check()
    return {"item_ids": inter.item_ids, "item_popularity": pop, "item_first_seen": first,
            "ease_items": head, "ease_b": b, **csr_arrays("trans", trans), "window": np.asarray(params.bptt),
            "als_items": als, "next_b": nxt,
            "blend_names": np.asarray(list(blend), dtype=str),  # saved by name: keys may come and go
            "blend": np.asarray(list(blend.values()), dtype=np.float64)}

