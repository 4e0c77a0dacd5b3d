"""Evaluate a trained model on a held-out split with Personalize's metric keys (see docs/evaluation.md)."""
from __future__ import annotations

import numpy as np

from ..data.types import History
from .metrics import EVENT_WEIGHTS_KEY, REWARDS_KEY, aggregate, average_rewards, user_metrics, weighted_ndcg
from ..data.split import EvalSplit

def ranked_list(model, recipe_type: str, history: History, n: int, exclude_seen: bool,
                related: str = "history") -> np.ndarray:
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
    if recipe_type == "PERSONALIZED_RANKING":  # the input list is the whole catalogue (no sampled negatives)
        items = np.arange(len(model.item_ids), dtype=np.int64)
        if seen is not None:
            items = items[~np.isin(items, seen)]
        scores = model.rank(history, items)
        order = np.lexsort((np.arange(len(items)), -np.asarray(scores)))
        return items[order][:n]
    ids, _ = model.recommend(history, n, exclude=seen)
    return np.asarray(ids, dtype=np.int64)


def evaluate(model, recipe_type: str, split: EvalSplit, n: int = 25, exclude_seen: bool = False,
             related: str = "history", rewards: np.ndarray | None = None) -> dict[str, float]:
    """Personalize's metrics over the split's held-out users (values rounded to 4 decimals).
    RELATED_ITEMS: related="history" scores items related to the user's recent input history
    (model.recommend), related="item" asks model.similar(newest input item). `rewards` (optimizationObjective:
    each item's value) adds average_rewards_at_k."""
    per_user, recommended = [], set()
    weights = split.truth_weights or [None] * len(split.truths)
    for history, truth, weight in zip(split.histories, split.truths, weights):
        relevant = np.unique(truth)
        if exclude_seen:
            relevant = relevant[~np.isin(relevant, history.items)]
            if not len(relevant):
                continue
        ids = ranked_list(model, recipe_type, history, n, exclude_seen, related)
        recommended.update(int(i) for i in ids)
        per_user.append(user_metrics(ids, relevant))
        if weight is not None:  # eventsConfig: a relevant item earns its best truth row's reward
            per_user[-1][EVENT_WEIGHTS_KEY] = weighted_ndcg(ids, truth_gains(truth, weight, relevant))
        if rewards is not None:
            per_user[-1][REWARDS_KEY] = average_rewards(ids, relevant, rewards)
    return aggregate(per_user, recommended, len(model.item_ids))


def truth_gains(truth: np.ndarray, weight: np.ndarray, relevant: np.ndarray) -> dict[int, float]:
    """{item: the highest reward among its truth rows} for the relevant items."""
    gains: dict[int, float] = {}
    for item, w in zip(truth.tolist(), weight.tolist()):
        gains[item] = max(gains.get(item, 0.0), float(w))
    return {int(i): gains[int(i)] for i in relevant}
