"""Personalize's ranking metrics for one user (spec §6.4) and their aggregation."""
from __future__ import annotations

import numpy as np

KS = (5, 10, 25)
METRIC_KEYS = ("coverage", "mean_reciprocal_rank_at_25",
               *(f"normalized_discounted_cumulative_gain_at_{k}" for k in KS), *(f"precision_at_{k}" for k in KS))
EVENT_WEIGHTS_KEY = "normalized_discounted_cumulative_gain_with_event_weights_at_k"
EVENT_WEIGHTS_K = 25  # the whole evaluated list, as for average_rewards_at_k
REWARDS_KEY = "average_rewards_at_k"


def _hits(recommended: np.ndarray, relevant: set[int] | np.ndarray) -> np.ndarray:
    relevant = set(int(r) for r in relevant)
    return np.fromiter((int(r) in relevant for r in recommended), dtype=bool, count=len(recommended))


def reciprocal_rank(recommended: np.ndarray, relevant, k: int = 25) -> float:
    """1/rank of the first relevant item within the top k, 0 if none."""
    hits = np.flatnonzero(_hits(np.asarray(recommended)[:k], relevant))
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


def ndcg(recommended: np.ndarray, relevant, k: int) -> float:
    """DCG@k with gain 1/log(1+position) divided by the ideal DCG (all relevant first, at most k)."""
    relevant = set(int(r) for r in relevant)
    if not relevant:
        return 0.0
    hits = _hits(np.asarray(recommended)[:k], relevant)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(discounts[:len(hits)][hits].sum())
    ideal = float(discounts[:min(len(relevant), k)].sum())
    return dcg / ideal


def weighted_ndcg(recommended: np.ndarray, gains: dict[int, float], k: int = EVENT_WEIGHTS_K) -> float:
    """The event-weights NDCG@k: a relevant item earns its gain (its event type's reward, mean 1 over the types)
    instead of 1, divided by the plain ideal DCG (as many relevant items as there are, at most k). It exceeds 1
    when the heavier event types are hit."""
    if not gains:
        return 0.0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    got = np.asarray([gains.get(int(r), 0.0) for r in np.asarray(recommended)[:k]], dtype=np.float64)
    return float((got * discounts[:len(got)]).sum()) / float(discounts[:min(len(gains), k)].sum())


def average_rewards(recommended: np.ndarray, relevant, rewards: np.ndarray, k: int = 25) -> float:
    """optimizationObjective: the reward (item value) of the relevant items in the top k over the reward of all
    relevant items; NaN when the relevant items have no reward."""
    relevant = np.asarray(sorted(set(int(r) for r in relevant)), dtype=np.int64)
    total = float(np.clip(rewards[relevant], 0, None).sum()) if len(relevant) else 0.0
    if total <= 0:
        return float("nan")
    hit = relevant[np.isin(relevant, np.asarray(recommended)[:k])]
    return float(np.clip(rewards[hit], 0, None).sum()) / total


def precision(recommended: np.ndarray, relevant, k: int) -> float:
    """Relevant items in the top k divided by k (k even when fewer were recommended)."""
    return float(_hits(np.asarray(recommended)[:k], relevant).sum()) / k


def user_metrics(recommended: np.ndarray, relevant) -> dict[str, float]:
    """Every per-user metric for one ranked list (coverage is computed over users, not here)."""
    out = {"mean_reciprocal_rank_at_25": reciprocal_rank(recommended, relevant, 25)}
    for k in KS:
        out[f"normalized_discounted_cumulative_gain_at_{k}"] = ndcg(recommended, relevant, k)
    for k in KS:
        out[f"precision_at_{k}"] = precision(recommended, relevant, k)
    return out


def aggregate(per_user: list[dict[str, float]], recommended_items: set[int] | int, n_items: int,
              digits: int = 4) -> dict[str, float]:
    """Mean over users of each metric plus coverage = distinct recommended items / catalogue size. A metric
    beyond the standard keys (the event-weights NDCG, average_rewards_at_k) is averaged over the users that have a
    value for it."""
    distinct = recommended_items if isinstance(recommended_items, int) else len(recommended_items)
    out = {"coverage": distinct / n_items if n_items else 0.0}
    for key in METRIC_KEYS[1:]:
        out[key] = float(np.mean([u[key] for u in per_user])) if per_user else 0.0
    extra = sorted({k for u in per_user for k in u} - set(METRIC_KEYS))
    for key in extra:
        values = [u[key] for u in per_user if key in u and not np.isnan(u[key])]
        out[key] = float(np.mean(values)) if values else 0.0
    return {k: round(float(out[k]), digits) for k in (*METRIC_KEYS, *extra)}
