"""Model cache keyed by solution version ARN, and a short-lived cache of campaign records."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..domain.status import ACTIVE
from ..errors import InvalidInputException, ResourceNotFoundException

CAMPAIGN_TTL_S = 1.0
NO_SCORE_RECIPES = ("aws-popularity-count", "aws-trending-now", "aws-sims", "aws-similar-items")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class ServedModel:
    """A loaded model plus what serving needs beside it (vocabulary index, popularity order)."""

    solution_version_arn: str
    dataset_group_arn: str
    recipe_name: str
    recipe_type: str
    model: Any
    item_ids: np.ndarray
    index: dict[str, int]
    popular: np.ndarray  # internal ids, most popular first
    popularity: np.ndarray
    first_seen: np.ndarray  # first interaction, epoch seconds (NaN: none)
    returns_scores: bool
    created: np.ndarray | None = None  # CREATION_TIMESTAMP from the Items dataset where the model kept it
    group_codes: dict[str, Any] = field(default_factory=dict)  # histories: group vocabulary -> model ids
    memo: dict[Any, Any] = field(default_factory=dict)  # derived arrays (exploration candidates, ...)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def popular_scores(self, ids: np.ndarray) -> np.ndarray:
        """Popularity shares: the scores of popular items served to users without a history."""
        total = float(self.popularity.sum()) or 1.0
        return self.popularity[ids] / total


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _recipe_type(recipe_name: str) -> str:
    from ..recipes.registry import get_recipe

    return get_recipe(recipe_name).recipe_type


def _build(ctx: Any, solution_version_arn: str) -> ServedModel:
    from ..training.artifacts import load_model

    version = ctx.store.get("solution_version", solution_version_arn)
    recipe_name, model = load_model(ctx, solution_version_arn)
    recipe_name = str(recipe_name).rsplit("/", 1)[-1]
    recipe_type = _recipe_type(recipe_name)
    item_ids = np.asarray(model.item_ids).astype(str).astype(object)
    popularity = np.asarray(getattr(model, "item_popularity", np.zeros(len(item_ids))), dtype=np.float64)
    first_seen = np.asarray(getattr(model, "item_first_seen", np.full(len(item_ids), np.nan)), dtype=np.float64)
    return ServedModel(
        solution_version_arn=solution_version_arn, dataset_group_arn=version["dataset_group_arn"],
        recipe_name=recipe_name, recipe_type=recipe_type, model=model, item_ids=item_ids,
        index={str(v): i for i, v in enumerate(item_ids)},
        popular=np.argsort(-popularity, kind="stable").astype(np.int64), popularity=popularity,
        first_seen=first_seen, created=getattr(model, "item_created", None),
        returns_scores=recipe_type in ("USER_PERSONALIZATION", "PERSONALIZED_RANKING")
        and recipe_name not in NO_SCORE_RECIPES,
    )


def served_model(ctx: Any, solution_version_arn: str) -> ServedModel:
    """The loaded model of a solution version (loaded once per process, thread-safe)."""
    models = ctx.caches.setdefault("models", {})
    found = models.get(solution_version_arn)
    if found is not None:
        return found
    with _lock_for("model:" + solution_version_arn):
        found = models.get(solution_version_arn)
        if found is None:
            found = models[solution_version_arn] = _build(ctx, solution_version_arn)
    return found


def campaign(ctx: Any, campaign_arn: str) -> dict[str, Any]:
    """The campaign record, cached for CAMPAIGN_TTL_S (updates in this process invalidate it at once)."""
    cache = ctx.caches.setdefault("campaigns", {})
    now = time.monotonic()
    hit = cache.get(campaign_arn)
    if hit is not None and now - hit[0] < CAMPAIGN_TTL_S:
        return hit[1]
    record = ctx.store.find("campaign", campaign_arn)
    if record is None:
        raise ResourceNotFoundException(f"Resource Arn {campaign_arn} does not exist.")
    if record.get("status") != ACTIVE:
        raise InvalidInputException(f"Campaign {campaign_arn} is {record.get('status')}; it must be ACTIVE to serve.")
    record = _follow_latest(ctx, record)
    cache[campaign_arn] = (now, record)
    return record


def _follow_latest(ctx: Any, record: dict[str, Any]) -> dict[str, Any]:
    """syncWithLatestSolutionVersion: switch to the solution's newest ACTIVE version once its model is loaded."""
    requested = record.get("requested_solution_version_arn") or ""
    syncing = (record.get("campaign_config") or {}).get("sync_with_latest_solution_version")
    if not (requested.endswith("/$LATEST") and syncing):
        return record
    versions = [v for v in ctx.store.list("solution_version", solution_arn=requested[: -len("/$LATEST")])
                if v.get("status") == ACTIVE]
    if not versions or versions[-1]["arn"] == record["solution_version_arn"]:
        return record
    served_model(ctx, versions[-1]["arn"])  # load first: the old version serves until this returns
    return ctx.store.update("campaign", record["arn"], {"solution_version_arn": versions[-1]["arn"]}) or record


def forget_campaign(ctx: Any, campaign_arn: str) -> None:
    ctx.caches.setdefault("campaigns", {}).pop(campaign_arn, None)
