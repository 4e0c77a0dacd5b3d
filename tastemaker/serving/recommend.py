"""Candidates -> score -> filter -> rank: the item lists of GetRecommendations, ranking and batch jobs."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import exploration, rankings
from .histories import GroupHistories, user_history
from .masks import FilterUse, mask, mask_strings
from .models import ServedModel
from .rankings import Ranking

if TYPE_CHECKING:
    from ..context import Context


@dataclass
class Ask:
    """One recommendation request, resolved to internal objects."""

    served: ServedModel
    group: GroupHistories
    n: int
    user_id: str | None = None
    item_id: str | None = None
    filter: FilterUse | None = None
    config: dict[str, Any] = field(default_factory=dict)


@dataclass
class Picked:
    item: int
    score: float | None
    reason: str | None = None
    promotion: str | None = None


def _passing(ctx: Context, ask: Ask, found: Ranking, use: FilterUse | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids (and scores) of a ranking that pass `use`, stopping once n are found."""
    if use is None:
        return found.ids[:n], found.scores[:n]
    start, ids, scores = 0, [], []
    step = max(4 * n, n + 200)
    while start < len(found.ids) and sum(len(i) for i in ids) < n:
        part = found.ids[start:start + step]
        keep = mask(ctx, use, ask.group, ask.served, part)
        ids.append(part[keep])
        scores.append(found.scores[start:start + step][keep])
        start, step = start + step, step * 4
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(ids)[:n], np.concatenate(scores)[:n]


def ranked(ctx: Context, ask: Ask, use: FilterUse | None, n: int, cold: np.ndarray | None = None,
           cold_key: Any = None) -> tuple[np.ndarray, np.ndarray, Ranking]:
    """The best n items that pass `use`: from the cached ranking, else from the whole catalogue."""
    found = rankings.ranking(ctx, ask.served, ask.group, ask.user_id, ask.item_id, cold, cold_key)
    ids, scores = _passing(ctx, ask, found, use, n)
    if len(ids) < n and not found.complete:
        whole = rankings.full(ctx, ask.served, ask.group, ask.user_id, ask.item_id)
        ids, scores = _passing(ctx, ask, whole, use, n)
    return ids, scores, found


def recommend(ctx: Context, ask: Ask) -> list[Picked]:
    """Top-n items for a user (or related to an item), filtered, with exploration mixed in when configured."""
    served, n = ask.served, ask.n
    weight, cutoff = exploration.settings(served, ask.config)
    cold = exploration.cold_items(served, cutoff) if weight > 0 else None
    explore = exploration.slots(n, weight) if cold is not None and len(cold) else 0
    ids, scores, found = ranked(ctx, ask, ask.filter, n, cold if explore else None, cutoff if explore else None)
    picks: list[Picked] = [Picked(i, s) for i, s in zip(ids.tolist(), scores.tolist())]
    if explore and found.cold_ids is not None and len(found.cold_ids):
        top = set(ids.tolist())
        outside = ~np.isin(found.cold_ids, ids)
        cold_ids, cold_scores = found.cold_ids[outside], found.cold_scores[outside]
        if ask.filter is not None and len(cold_ids):
            keep = mask(ctx, ask.filter, ask.group, served, cold_ids)
            cold_ids, cold_scores = cold_ids[keep], cold_scores[keep]
        reason = "Exploration" if served.recipe_name.endswith("-v2") else None
        extra = [Picked(i, s, reason) for i, s in zip(cold_ids[:explore].tolist(), cold_scores[:explore].tolist())
                 if i not in top]
        picks = exploration.mix(picks, extra, n)
    return picks


def promote(ctx: Context, ask: Ask, plain: list[Picked], promotion: dict[str, Any], use: FilterUse,
            seed: str) -> list[Picked]:
    """Give a share of the slots to items of the promotion's own filter, at random places, in their order."""
    n = ask.n
    count = min(n, max(1, math.ceil(n * int(promotion["percent_promoted_items"]) / 100)))
    pool = Ask(ask.served, ask.group, count, ask.user_id, ask.item_id, None, ask.config)
    ids, scores, _ = ranked(ctx, pool, use, count)
    name = promotion["name"]
    reason = "Promoted item" if ask.served.recipe_name.endswith("-v2") else None
    promoted = [Picked(i, s, reason, name) for i, s in zip(ids.tolist()[:count], scores.tolist()[:count])]
    taken = {p.item for p in promoted}
    others = [p for p in plain if p.item not in taken][: n - len(promoted)]
    rng = random.Random(seed)
    places = sorted(rng.sample(range(len(others) + len(promoted)), len(promoted)))
    out, rest, extra = [], iter(others), iter(promoted)
    for pos in range(len(others) + len(promoted)):
        out.append(next(extra) if pos in places else next(rest))
    return out


def rank_items(ctx: Context, ask: Ask, input_list: list[str]) -> list[tuple[str, float | None]]:
    """Known input items by the model's softmax over them (sum 1), then unknown ones unscored, in input order."""
    served = ask.served
    seen: set[str] = set()
    items = [i for i in input_list if not (i in seen or seen.add(i))]
    if ask.filter is not None and items:
        allowed = mask_strings(ctx, ask.filter, ask.group, items)
        items = [i for i, ok in zip(items, allowed.tolist()) if ok]
    known = [i for i in items if i in served.index]
    unknown = [(i, None) for i in items if i not in served.index]
    if not known:
        return unknown
    ids = np.fromiter((served.index[i] for i in known), np.int64, len(known))
    history = user_history(served, ask.group, ask.user_id)
    values = rankings.metadata_values(ctx, served, ask.group, ask.user_id) if len(history) == 0 else None
    by_metadata = served.model.segment_ranking(dict(values)) if values is not None else None
    if by_metadata is not None:  # a user known only from the Users dataset
        whole = np.zeros(served.n_items)
        whole[by_metadata[0]] = by_metadata[1]
        weights = whole[ids] + 1e-12
        scores = weights / weights.sum()
    elif len(history) == 0:
        weights = served.popularity[ids] + 1e-12
        scores = weights / weights.sum()
    else:
        scores = np.asarray(served.model.rank(history, ids), np.float64)
    order = np.argsort(-scores, kind="stable")
    return [(known[j], float(scores[j])) for j in order] + unknown
