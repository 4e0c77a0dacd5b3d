"""The blend search of user-personalization: the weights that predict the training users' newest 10% best from
their oldest 90% (coordinate ascent over a grid, scored on each user's candidates only)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..data.types import Interactions
from ..data.split import temporal_split
from . import blend as bl
from .user_personalization_model import DEFAULT_BLEND, UserPersonalizationModel, build_arrays

WEIGHTS = [0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
# a negative repeat weight is learned where re-interactions do not happen: seen items are pushed down
SPACE = {"w_rep": [-10.0, -1.0] + WEIGHTS, "w_tr": WEIGHTS, "w_pop": WEIGHTS,
         "cf_decay": [1.0, 0.99, 0.97, 0.9, 0.7], "rep_decay": [1.0, 0.95, 0.8, 0.5, 0.2], "w_cf": [0.0, 1.0],
         "w_als": WEIGHTS, "cf_idf": [0.0, 1.0], "w_seq": WEIGHTS}



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

