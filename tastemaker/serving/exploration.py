"""Item exploration (User-Personalization): mix new, little-interacted items into the list by weight."""
from __future__ import annotations

from typing import Any

import numpy as np

DEFAULTS = {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}
DAY_S = 86_400.0


def settings(served: Any, config: dict[str, Any] | None) -> tuple[float, float]:
    """(weight, cut-off days) in force: the campaign's values, else Personalize's defaults; weight 0 off."""
    if not served.recipe.explores:
        return 0.0, 0.0
    given = {**DEFAULTS, **((config or {}).get("item_exploration_config") or {})}
    return float(given["explorationWeight"]), float(given["explorationItemAgeCutOff"])


def cold_items(served: Any, cutoff_days: float) -> np.ndarray:
    """Items no older than `cutoff_days` before the newest first interaction and interacted with no more than
    the median item. An item's age comes from its CREATION_TIMESTAMP (Items dataset) where given, else from its
    first interaction, as Personalize documents; so new items nobody interacted with yet are explored too."""
    key = ("cold", cutoff_days)
    found = served.memo.get(key)
    if found is None:
        seen = served.first_seen
        born = seen if served.created is None else np.where(np.isnan(served.created), seen, served.created)
        interacted = ~np.isnan(seen)
        if not interacted.any():
            found = np.zeros(0, np.int64)
        else:
            newest = float(np.nanmax(seen))
            recent = np.nan_to_num(born, nan=-np.inf) >= newest - cutoff_days * DAY_S
            few = served.popularity <= np.median(served.popularity[interacted])
            found = np.flatnonzero(recent & few).astype(np.int64)
        served.memo[key] = found
    return found


def slots(n: int, weight: float) -> int:
    """How many of n places go to exploration: weight 1.0 gives half of the list."""
    return int(n * weight / 2)


def positions(n: int, count: int) -> list[int]:
    """Evenly spread places for explored items, never the first."""
    return sorted({min(n - 1, max(1, round((j + 1) * n / (count + 1)))) for j in range(count)})


def mix(ranked: list[Any], explored: list[Any], n: int) -> list[Any]:
    """Top-n list with the `explored` entries at spread positions, the ranked ones in order around them."""
    places = set(positions(n, len(explored))) if explored else set()
    out, rest, extra = [], iter(ranked), iter(explored)
    for pos in range(n):
        item = next(extra, None) if pos in places else None
        if item is None:
            item = next(rest, None)
        if item is None:
            break
        out.append(item)
    return out
