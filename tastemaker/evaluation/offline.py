"""Evaluate a trained model on a held-out split with Personalize's metric keys (see docs/evaluation.md)."""
from __future__ import annotations

import numpy as np

from ..data.types import History
from .metrics import aggregate, user_metrics
from .split import EvalSplit

RANKING_CANDIDATES = 100


def ranking_candidates(model, truth: np.ndarray, rng: np.random.Generator, size: int = RANKING_CANDIDATES
                       ) -> np.ndarray:
    """PERSONALIZED_RANKING input list: the distinct truth items plus items drawn in proportion to
    popularity (+1 smoothing) up to `size`, shuffled."""
    truth = np.unique(truth)[:size]
    n = len(model.item_ids)
    weights = np.asarray(model.item_popularity, dtype=np.float64) + 1.0
    weights[truth] = 0.0
    k = min(size - len(truth), int((weights > 0).sum()))
    negatives = rng.choice(n, size=k, replace=False, p=weights / weights.sum()) if k > 0 else np.zeros(0, int)
    return rng.permutation(np.concatenate([truth, negatives]).astype(np.int64))


def ranked_list(model, recipe_type: str, history: History, truth: np.ndarray, n: int, exclude_seen: bool,
                rng: np.random.Generator, related: str = "history") -> np.ndarray:
    """The top-n list the service would return to this held-out user."""
    seen = np.unique(history.items).astype(np.int64) if exclude_seen else None
    if recipe_type == "RELATED_ITEMS" and related == "item":
        if not len(history):
            return np.zeros(0, dtype=np.int64)
        extra = len(seen) if seen is not None else 0
        ids, _ = model.similar(int(history.items[-1]), n + extra)
        if seen is not None:
            ids = ids[~np.isin(ids, seen)]
        return np.asarray(ids[:n], dtype=np.int64)
    if recipe_type == "PERSONALIZED_RANKING":
        items = ranking_candidates(model, truth, rng)
        if seen is not None:
            items = items[~np.isin(items, seen)]
        scores = model.rank(history, items)
        order = np.lexsort((np.arange(len(items)), -np.asarray(scores)))
        return items[order][:n]
    ids, _ = model.recommend(history, n, exclude=seen)
    return np.asarray(ids, dtype=np.int64)


def evaluate(model, recipe_type: str, split: EvalSplit, n: int = 25, exclude_seen: bool = False,
             related: str = "history") -> dict[str, float]:
    """Personalize's metrics over the split's held-out users (values rounded to 4 decimals).
    RELATED_ITEMS: related="history" scores items related to the user's recent input history
    (model.recommend), related="item" asks model.similar(newest input item)."""
    rng = np.random.default_rng(split.seed + 7919)
    per_user, recommended = [], set()
    for history, truth in zip(split.histories, split.truths):
        relevant = np.unique(truth)
        if exclude_seen:
            relevant = relevant[~np.isin(relevant, history.items)]
            if not len(relevant):
                continue
        ids = ranked_list(model, recipe_type, history, truth, n, exclude_seen, rng, related)
        recommended.update(int(i) for i in ids)
        per_user.append(user_metrics(ids, relevant))
    return aggregate(per_user, recommended, len(model.item_ids))
