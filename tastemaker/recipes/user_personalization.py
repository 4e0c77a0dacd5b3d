"""aws-user-personalization (+ -v2, personalized-ranking): EASE (optionally idf-weighted history) + implicit ALS
(folded in from the history) + a learned next-items model + transitions + repeats + popularity, blended by weights
learned on the training users' held-out newest rows; users are always served from their history."""
from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from ..data.types import History, Interactions, TrainingData
from ..data.split import temporal_split
from . import blend as bl
from ._common import (ArrayModel, Params, csr_arrays, csr_from, history_length_filter, hp, item_stats,
                      popularity_fallback, rank_scores, recency_weights, user_item_matrix,
                      weighted_user_item_matrix)
from .als import fit_als, fold_in
from .base import RecipeTraits, TrainingOptions
from .params import parse_params
from .ease import fit_ease, head_items
from .item_metadata import creation_times, metadata_matrix, metadata_popularity, profile_match
from .sequential import NEXT_ITEMS, fit_next_items, next_items_input, transitions
from .user_segments import Segments, fit_segments

BLEND_KEYS = ("w_cf", "cf_decay", "w_rep", "rep_decay", "w_tr", "w_pop", "w_als", "cf_idf", "w_seq")
"""The order in which models saved before blend_names kept their weights."""
DEFAULT_BLEND = {"w_cf": 1.0, "cf_decay": 1.0, "w_rep": 0.0, "rep_decay": 0.9, "w_tr": 0.0, "w_pop": 0.01,
                 "w_als": 0.0, "cf_idf": 0.0, "w_seq": 0.0}
ALS = {"factors": 64, "iterations": 15, "alpha": 10.0, "reg": 0.05}  # implicit-ALS component
UNSEEN_BELOW_RANK = 25  # items without interactions are placed below the user's 25th best other item
WEIGHTS = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
# a negative repeat weight is learned where re-interactions do not happen: seen items are pushed down
SPACE = {"w_rep": [-10.0, -1.0] + WEIGHTS, "w_tr": WEIGHTS, "w_pop": WEIGHTS,
         "cf_decay": [1.0, 0.99, 0.97, 0.9, 0.7], "rep_decay": [1.0, 0.95, 0.8, 0.5, 0.2], "w_cf": [0.0, 1.0],
         "w_als": WEIGHTS, "cf_idf": [0.0, 1.0], "w_seq": WEIGHTS}


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


def effective_params(params):
    """The hyperparameters the components train with: EASE's item count capped at 40 x hidden_dimension."""
    return params.model_copy(update={"ease_max_items": min(params.ease_max_items, 40 * params.hidden_dimension)})


def fit_blend(inter: Interactions, params, seed: int, recency: bool, progress=lambda f: None) -> dict:
    """Pick the blend weights that predict the training users' newest 10% best from their oldest 90%, with the
    components trained on those older rows only (one model, every user validates). `progress` is called often
    (between components, before every evaluation of the search) and may raise to stop."""
    space = dict(SPACE) if recency else {**SPACE, "cf_decay": [1.0], "rep_decay": [1.0]}
    split = temporal_split(inter, seed + 1)
    if len(split.test_users) < 5:
        return dict(DEFAULT_BLEND)
    scored = _split_objective(split, params, seed, space, check=lambda: progress(0.2))
    progress(0.45)

    def objective(p: dict) -> float:
        progress(0.45)
        return scored(p)

    mid = {"cf_decay": space["cf_decay"][len(space["cf_decay"]) // 2],
           "rep_decay": space["rep_decay"][len(space["rep_decay"]) // 2]}
    starts = [{**DEFAULT_BLEND, **mid}, {**DEFAULT_BLEND, **mid, "w_rep": 1.0, "w_tr": 0.3},
              {**DEFAULT_BLEND, **mid, "w_als": 1.0}, {**DEFAULT_BLEND, **mid, "w_seq": 1.0, "w_rep": 1.0}]
    best, value = max((bl.coordinate_ascent(objective, space, s) for s in starts), key=lambda r: r[1])
    return less_popularity(best, value, objective)


def _split_objective(split, params, seed: int, space: dict, top: int = 50, check: Callable[[], None] = lambda: None):
    """NDCG@10 of a blend on one validation split (a model trained on the split's training rows). Scores are
    kept for each user's candidates only: the union of every component's `top` items."""
    model = UserPersonalizationModel(build_arrays(split.train, params, DEFAULT_BLEND, seed, check))
    cap = max(20, min(params.blend_max_users, int(6e6 // model.n_items)))  # bounds the scoring time
    users = np.random.default_rng(seed).permutation(len(split.histories))[:cap]
    keys = ([("cf", d, i) for d in space["cf_decay"] for i in space["cf_idf"]]
            + [("rep", d) for d in space["rep_decay"]] + ["tr", "als", "seq", "pop"])
    chunk = max(1, int(4e6 // (model.n_items * len(keys))))  # bounds the (users x items) score matrices
    parts = []
    for lo in range(0, len(users), chunk):
        check()
        parts.append(_candidate_scores(model, split, users[lo:lo + chunk], keys, top))
    comp = {k: np.concatenate([p[0][k] for p in parts]) for k in keys}
    gain_c, n_rel, penalty = (np.concatenate([p[i] for p in parts]) for i in (1, 2, 3))
    f32 = np.float32

    def objective(p: dict) -> float:
        s = f32(p["w_cf"]) * comp["cf", p["cf_decay"], p["cf_idf"]] + f32(p["w_rep"]) * comp["rep", p["rep_decay"]]
        s += f32(p["w_tr"]) * comp["tr"] + f32(p["w_als"]) * comp["als"] + f32(p["w_seq"]) * comp["seq"]
        return bl.ndcg_at(s + f32(p["w_pop"]) * comp["pop"] + penalty, gain_c, 10, n_rel)
    return objective


def _candidate_scores(model: UserPersonalizationModel, split, users: np.ndarray, keys: list, top: int):
    """For some validation users: every component's normalised scores on their candidates, the candidates'
    gains (1 per truth item, or its eventsConfig reward), each user's number of truth items and a -inf penalty
    on duplicate candidates."""
    truths = [split.truths[u] for u in users]
    weights = None if split.truth_weights is None else [split.truth_weights[u] for u in users]
    rel = bl.gain_matrix(truths, weights, model.n_items)
    items = [np.asarray(split.histories[u].items, dtype=np.int64) for u in users]
    norm = bl.normalise_rows
    full = {}
    for key in keys:
        if key[0] == "cf":
            full[key] = norm(model.cf_batch(items, key[1], key[2]))
        elif key[0] == "rep":
            full[key] = norm(np.stack([model.repeat(h, key[1]) for h in items]))
    full.update({"tr": norm(np.stack([model.sequential(h) for h in items])), "als": norm(model.als_batch(items)),
                 "seq": norm(model.next_batch(items)), "pop": np.broadcast_to(model.pop_score, rel.shape)})
    cand, dup = bl.candidates([full[k] for k in keys], top)
    comp = {k: np.take_along_axis(np.asarray(full[k], dtype=np.float32), cand, axis=1) for k in keys}
    penalty = np.where(dup, np.float32(-np.inf), np.float32(0.0))
    n_rel = np.asarray([len(np.unique(t)) for t in truths], dtype=np.int64)
    return comp, np.take_along_axis(rel, cand, axis=1), n_rel, penalty


def less_popularity(best: dict, value: float, objective) -> dict:
    """Lower the popularity weight while NDCG@10 stays within 1% of the best (more catalogue coverage)."""
    for w in sorted((w for w in WEIGHTS if w < best["w_pop"]), reverse=True):
        if objective({**best, "w_pop": w}) < 0.99 * value:
            break
        best = {**best, "w_pop": w}
    return best


class UserPersonalization(RecipeTraits):
    name: ClassVar[str] = "aws-user-personalization"
    recipe_type: ClassVar[str] = "USER_PERSONALIZATION"
    explores: ClassVar[bool] = True
    optimization_objective: ClassVar[bool] = True
    incremental_update: ClassVar[bool] = True
    description: ClassVar[str] = ("Personalized recommendations from each user's history: collaborative (EASE, "
                                  "ALS), learned next-items, transition and repeat signals blended by weights "
                                  "learned on held-out rows of the training users.")

    class HyperParameters(Params):
        hidden_dimension: int = hp(149, "Model capacity: the number of catalogue items the collaborative "
                                   "component covers is 40 x hidden_dimension (capped by ease_max_items).",
                                   ge=32, le=256, tunable=True)
        bptt: int = hp(32, "How many of the newest history items the sequential component looks back over.",
                       ge=2, le=32, tunable=True)
        recency_mask: bool = hp(True, "Learn recency weighting of the history (false: all history weighs the "
                                "same).", tunable=True)
        ease_max_items: int = hp(5000, "Most popular items the EASE component models (memory ~ 4 x items^2 "
                                 "bytes).", ge=100, le=20000)
        ease_l2: float = hp(200.0, "EASE L2 regularisation.", ge=1.0, le=10000.0)
        transition_neighbors: int = hp(100, "Next items kept per item in the transition model.", ge=10, le=1000)
        next_items_l2: float = hp(30.0, "L2 regularisation of the learned next-items model.", ge=0.1, le=10000.0)
        blend_max_users: int = hp(2000, "Validation users used to learn the blend weights.", ge=20, le=100000)

    class FeatureParameters(Params):
        min_user_history_length_percentile: float = hp(0.0, "Users below this history-length percentile are left "
                                                       "out of training.", ge=0.0, le=1.0)
        max_user_history_length_percentile: float = hp(0.99, "Histories above this percentile are cut to their "
                                                       "newest interactions.", ge=0.0, le=1.0)

    def _rows(self, data: TrainingData, features) -> Interactions:
        return history_length_filter(data.interactions, features.min_user_history_length_percentile,
                                     features.max_user_history_length_percentile)

    def train(self, data: TrainingData, params, features, options: TrainingOptions) -> UserPersonalizationModel:
        params = parse_params(self.HyperParameters, params)
        return self._train(data, params, parse_params(self.FeatureParameters, features), options)

    def _train(self, data: TrainingData, params, features, options: TrainingOptions) -> UserPersonalizationModel:
        params = effective_params(params)
        options.progress(0.0)
        inter = self._rows(data, features)
        blend = fit_blend(inter, params, options.seed, params.recency_mask, options.progress)
        options.progress(0.6)
        arrays = build_arrays(inter, params, blend, options.seed, check=lambda: options.progress(0.8))
        pop, first = item_stats(data.interactions)
        ids = data.interactions.item_ids
        arrays.update(item_popularity=pop, item_first_seen=first, item_created=creation_times(data, ids),
                      **csr_arrays("meta", metadata_matrix(data, ids)), **fit_segments(data, data.interactions))
        if data.objective is not None:
            arrays.update(objective=rank_scores(data.objective.values).astype(np.float32),
                          objective_share=np.asarray(data.objective.share))
        options.progress(1.0)
        return UserPersonalizationModel(arrays)

    def load(self, arrays: dict[str, np.ndarray]) -> UserPersonalizationModel:
        return UserPersonalizationModel(arrays)

    def update(self, model: UserPersonalizationModel, data: TrainingData, options: TrainingOptions
               ) -> UserPersonalizationModel:
        """trainingMode UPDATE: append items new in `data` (served by popularity/repeat until the next FULL
        training) and refresh popularity; the learned components are kept."""
        options.progress(0.0)
        old = {str(i): k for k, i in enumerate(model.item_ids)}
        new_ids = [i for i in data.interactions.item_ids if str(i) not in old]
        ids = np.asarray(list(model.item_ids) + new_ids, dtype=object)
        index = {str(i): k for k, i in enumerate(ids)}
        remap = np.asarray([index[str(i)] for i in data.interactions.item_ids], dtype=np.int64)
        inter = data.interactions
        moved = Interactions(inter.user_ids, ids, inter.user, remap[inter.item].astype(np.int32), inter.timestamp,
                             inter.event_type, inter.event_types, inter.event_value)
        pop, first = item_stats(moved)
        first = np.where(np.isnan(first), np.concatenate([model.item_first_seen,
                                                         np.full(len(new_ids), np.nan)]), first)
        arrays = {k: v for k, v in model.arrays().items() if not k.startswith("seg_")}
        arrays.update(fit_segments(data, moved))
        trans = csr_from("trans", arrays)
        trans.resize((len(ids), len(ids)))
        als = model.als_y
        arrays["als_items"] = np.vstack([als, np.zeros((len(new_ids), als.shape[1]), dtype=als.dtype)])
        if "objective" in arrays:  # new items have no objective rank until the next FULL training
            arrays["objective"] = np.concatenate([arrays["objective"], np.zeros(len(new_ids), dtype=np.float32)])
        arrays.update(item_ids=ids, item_popularity=pop, item_first_seen=first, **csr_arrays("trans", trans),
                      item_created=creation_times(data, ids), **csr_arrays("meta", metadata_matrix(data, ids)))
        options.progress(1.0)
        return UserPersonalizationModel(arrays)


class UserPersonalizationV2(UserPersonalization):
    name: ClassVar[str] = "aws-user-personalization-v2"
    optimization_objective: ClassVar[bool] = False
    description: ClassVar[str] = "User-Personalization v2: the same model with Personalize's v2 parameters."

    class HyperParameters(Params):
        apply_recency_bias: bool = hp(True, "Weigh recent history more (learned decay; false: all history "
                                      "weighs the same).")
        ease_max_items: int = hp(5000, "Most popular items the EASE component models.", ge=100, le=20000)
        ease_l2: float = hp(200.0, "EASE L2 regularisation.", ge=1.0, le=10000.0)
        transition_neighbors: int = hp(100, "Next items kept per item in the transition model.", ge=10, le=1000)
        next_items_l2: float = hp(30.0, "L2 regularisation of the learned next-items model.", ge=0.1, le=10000.0)
        blend_max_users: int = hp(2000, "Validation users used to learn the blend weights.", ge=20, le=100000)

    def train(self, data, params, features, options):
        params = parse_params(self.HyperParameters, params)
        v1 = UserPersonalization.HyperParameters(
            hidden_dimension=256, recency_mask=params.apply_recency_bias,
            **params.model_dump(exclude={"apply_recency_bias"}))
        return self._train(data, v1, parse_params(self.FeatureParameters, features), options)


class PersonalizedRanking(UserPersonalization):
    name: ClassVar[str] = "aws-personalized-ranking"
    recipe_type: ClassVar[str] = "PERSONALIZED_RANKING"
    feature_transformation: ClassVar[str | None] = "JSON-percentile-filtering"
    feature_defaults: ClassVar[bool] = True
    explores: ClassVar[bool] = False
    incremental_update: ClassVar[bool] = False
    description: ClassVar[str] = "Re-ranks a given list of items for a user (the User-Personalization model)."


class PersonalizedRankingV2(UserPersonalizationV2):
    name: ClassVar[str] = "aws-personalized-ranking-v2"
    recipe_type: ClassVar[str] = "PERSONALIZED_RANKING"
    explores: ClassVar[bool] = False
    incremental_update: ClassVar[bool] = False
    description: ClassVar[str] = "Personalized-Ranking v2: re-ranks a given list (the User-Personalization model)."
