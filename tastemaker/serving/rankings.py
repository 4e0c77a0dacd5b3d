"""Per-user (or per-item) model rankings, cached until the user's history or the model changes."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..data.types import History
from .histories import GroupHistories, user_history
from .items import item_columns

if TYPE_CHECKING:
    from ..context import Context

DEPTH = 1000  # cached prefix of the ranking; deeper requests are computed on the spot
COLD_DEPTH = 200  # best-ranked exploration candidates kept beside it
MAX_ENTRIES = 8192
_lock = threading.Lock()


@dataclass
class Ranking:
    ids: np.ndarray  # model item ids, best first
    scores: np.ndarray  # catalogue softmax scores (popularity shares for cold starts)
    complete: bool  # True when ids covers the whole catalogue
    cold_ids: np.ndarray | None = None  # best exploration candidates, best first
    cold_scores: np.ndarray | None = None


def metadata_values(ctx: Context, served: Any, group: GroupHistories, user_id: str | None) -> tuple | None:
    """(column, value) pairs of a user without interactions from the Users dataset, for models that serve such
    users from it (user-personalization trained with Users metadata); None otherwise."""
    columns = getattr(served.model, "metadata_columns", None)
    if not columns or user_id is None or served.recipe_type == "RELATED_ITEMS" \
            or served.recipe.user_independent:
        return None
    rows = group.users.get(user_id)
    if rows is not None and len(rows.codes):
        return None
    users = item_columns(ctx, served.dataset_group_arn, "USERS")
    found = tuple((c, users.column(c).get(user_id)) for c in columns)
    found = tuple((c, v) for c, v in found if v is not None)
    return found or None


def _key(served: Any, group: GroupHistories, user_id: str | None, item_id: str | None, cold: Any,
         values: tuple | None = None) -> tuple | None:
    if served.recipe_type == "RELATED_ITEMS":
        return (served.solution_version_arn, "item", item_id, cold)
    if served.recipe.user_independent:
        return (served.solution_version_arn, "everyone", None, cold)
    if values is not None:
        return (served.solution_version_arn, "metadata", values, cold)
    rows = group.users.get(user_id) if user_id is not None else None
    if rows is None:
        return (served.solution_version_arn, "popular", None, cold)
    return (served.solution_version_arn, group.token, user_id, len(rows.codes), cold)


def _full(served: Any, group: GroupHistories, user_id: str | None, item_id: str | None,
          values: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The whole catalogue in model order: from the user's history, else from its Users metadata (`values`)
    where the model can, else by popularity."""
    n = served.n_items
    if served.recipe_type == "RELATED_ITEMS":
        item = served.index.get(item_id) if item_id is not None else None
        if item is not None:
            ids, scores = served.model.similar(item, n)
            return np.asarray(ids, np.int64), np.asarray(scores, np.float64)
    elif served.recipe.user_independent:  # the same list for everyone (trending, popularity)
        ids, scores = served.model.recommend(History(np.zeros(0, np.int32)), n)
        return np.asarray(ids, np.int64), np.asarray(scores, np.float64)
    else:
        history = user_history(served, group, user_id)
        if len(history):
            ids, scores = served.model.recommend(history, n)
            return np.asarray(ids, np.int64), np.asarray(scores, np.float64)
        found = served.model.segment_ranking(dict(values)) if values is not None else None
        if found is not None:
            return np.asarray(found[0], np.int64), np.asarray(found[1], np.float64)
    return served.popular, served.popular_scores(served.popular)


def alternate(where: np.ndarray, untried: np.ndarray) -> np.ndarray:
    """Exploration candidates (positions in a ranking, best first) reordered to take turns: an item nobody has
    interacted with yet (`untried[position]`; ordered by the model, for user-personalization by item metadata),
    then one with few interactions, and so on, so new items get exposure beside the little-known ones."""
    new, few = where[untried[where]], where[~untried[where]]
    out = np.empty(len(where), dtype=where.dtype)
    k = min(len(new), len(few))
    out[0:2 * k:2], out[1:2 * k:2] = new[:k], few[:k]
    out[2 * k:] = new[k:] if len(new) > k else few[k:]
    return out


def _build(served: Any, group: GroupHistories, user_id: str | None, item_id: str | None,
           cold: np.ndarray | None, values: tuple | None = None) -> Ranking:
    ids, scores = _full(served, group, user_id, item_id, values)
    out = Ranking(ids[:DEPTH], scores[:DEPTH], len(ids) <= DEPTH)
    if cold is not None and len(cold):
        is_cold = np.zeros(served.n_items, dtype=bool)
        is_cold[cold] = True
        where = alternate(np.flatnonzero(is_cold[ids]), served.popularity[ids] == 0)[:COLD_DEPTH]
        out.cold_ids, out.cold_scores = ids[where], scores[where]
    return out


def ranking(ctx: Context, served: Any, group: GroupHistories, user_id: str | None, item_id: str | None,
            cold: np.ndarray | None = None, cold_key: Any = None) -> Ranking:
    """The cached ranking for this user (or item); computed once per history state."""
    cache: OrderedDict = ctx.serving.rankings
    values = metadata_values(ctx, served, group, user_id)
    key = _key(served, group, user_id, item_id, cold_key, values)
    found = cache.get(key)
    if found is not None:
        return found
    found = _build(served, group, user_id, item_id, cold, values)
    with _lock:
        cache[key] = found
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
    return found


def full(ctx: Context, served: Any, group: GroupHistories, user_id: str | None, item_id: str | None) -> Ranking:
    """The whole-catalogue ranking, uncached (for filters that removed most of the cached prefix)."""
    ids, scores = _full(served, group, user_id, item_id, metadata_values(ctx, served, group, user_id))
    return Ranking(ids, scores, True)
