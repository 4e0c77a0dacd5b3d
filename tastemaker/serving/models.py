"""Model cache keyed by solution version ARN (models load on background threads), and a short-lived cache of
campaign records."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..domain.status import ACTIVE
from ..errors import InvalidInputException, ResourceNotFoundException
from ..observability.metrics import metrics_of
from . import loading

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)
CAMPAIGN_TTL_S = 1.0
RETRY_S = 10.0  # a model that failed to load in the background is tried again after this long
FOLLOW_WAIT_S = 2.0  # syncWithLatestSolutionVersion: how long a request waits for the newest model to load


@dataclass
class ServedModel:
    """A loaded model plus what serving needs beside it (vocabulary index, popularity order)."""

    solution_version_arn: str
    dataset_group_arn: str
    recipe_name: str
    recipe_type: str
    recipe: Any  # the recipe class: its declared traits (user_independent, explores, ...)
    model: Any
    item_ids: np.ndarray
    index: dict[str, int]
    popular: np.ndarray  # internal ids, most popular first
    popularity: np.ndarray
    first_seen: np.ndarray  # first interaction, epoch seconds (NaN: none)
    returns_scores: bool
    created: np.ndarray | None = None  # CREATION_TIMESTAMP from the Items dataset where the model kept it
    group_codes: dict[str, Any] = field(default_factory=dict)  # group -> histories load -> model ids
    memo: dict[Any, Any] = field(default_factory=dict)  # derived arrays (exploration candidates, ...)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def popular_scores(self, ids: np.ndarray) -> np.ndarray:
        """Popularity shares: the scores of popular items served to users without a history."""
        total = float(self.popularity.sum()) or 1.0
        return self.popularity[ids] / total


def _build(ctx: Context, solution_version_arn: str) -> ServedModel:
    from ..recipes.registry import recipe_class
    from ..training.artifacts import load_model

    version = ctx.store.get("solution_version", solution_version_arn)
    recipe_name, model = load_model(ctx, solution_version_arn)
    recipe_name = str(recipe_name).rsplit("/", 1)[-1]
    recipe = recipe_class(recipe_name)
    recipe_type = recipe.recipe_type
    item_ids = np.asarray(model.item_ids).astype(str).astype(object)
    popularity = np.asarray(getattr(model, "item_popularity", np.zeros(len(item_ids))), dtype=np.float64)
    first_seen = np.asarray(getattr(model, "item_first_seen", np.full(len(item_ids), np.nan)), dtype=np.float64)
    return ServedModel(
        solution_version_arn=solution_version_arn, dataset_group_arn=version["dataset_group_arn"],
        recipe_name=recipe_name, recipe_type=recipe_type, model=model, item_ids=item_ids,
        index={str(v): i for i, v in enumerate(item_ids)},
        popular=np.argsort(-popularity, kind="stable").astype(np.int64), popularity=popularity,
        first_seen=first_seen, created=getattr(model, "item_created", None),
        recipe=recipe, returns_scores=recipe.returns_scores,
    )


def served_model(ctx: Context, solution_version_arn: str) -> ServedModel:
    """The loaded model of a solution version (loaded once per process, on a background thread; callers wait)."""
    found = ctx.serving.models.get(solution_version_arn)
    if found is not None:
        return found
    return load_model(ctx, solution_version_arn).wait()


def load_model(ctx: Context, solution_version_arn: str) -> loading.Load:
    """The load of a solution version's model in flight, or one started now; once the model is in the cache, the
    histories of its dataset group load too, ahead of the first request."""
    models = ctx.serving.models

    def work() -> ServedModel:
        found = models.get(solution_version_arn)
        if found is None:
            started = time.perf_counter()
            found = _build(ctx, solution_version_arn)
            seconds = time.perf_counter() - started
            metrics_of(ctx).model_load.observe(seconds)
            log.info("loaded the model of %s in %.2f s", solution_version_arn, seconds)
            models[solution_version_arn] = found
        from .histories import prepare

        try:
            prepare(ctx, found)
        except Exception:  # the model is loaded all the same; the first request loads what this could not
            log.exception("could not prepare the histories of %s", found.dataset_group_arn)
        return found

    return loading.start(ctx, "model:" + solution_version_arn, work)


def loaded_within(ctx: Context, solution_version_arn: str, seconds: float) -> bool:
    """Whether the model is loaded, waiting at most `seconds` for it; a load started here goes on in the background
    when it takes longer (a model that failed to load is tried again after RETRY_S)."""
    models = ctx.serving.models
    if solution_version_arn in models:
        return True
    failed = ctx.serving.model_failures
    if time.monotonic() - failed.get(solution_version_arn, -RETRY_S) < RETRY_S:
        return False
    load = load_model(ctx, solution_version_arn)

    def note_failure() -> None:
        if load.error is not None:
            failed[solution_version_arn] = time.monotonic()

    load.on_done(note_failure)
    return load.ended(seconds) and solution_version_arn in models


def campaign(ctx: Context, campaign_arn: str) -> dict[str, Any]:
    """The campaign record, cached for CAMPAIGN_TTL_S (updates in this process invalidate it at once)."""
    cache = ctx.serving.campaigns
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


def _follow_latest(ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
    """syncWithLatestSolutionVersion: switch to the solution's newest ACTIVE version once its model is loaded (the
    request that notices it waits FOLLOW_WAIT_S at most; the load goes on in the background)."""
    requested = record.get("requested_solution_version_arn") or ""
    syncing = (record.get("campaign_config") or {}).get("sync_with_latest_solution_version")
    if not (requested.endswith("/$LATEST") and syncing):
        return record
    versions = [v for v in ctx.store.list("solution_version", solution_arn=requested[: -len("/$LATEST")])
                if v.get("status") == ACTIVE]
    if not versions or versions[-1]["arn"] == record["solution_version_arn"]:
        return record
    if not loaded_within(ctx, versions[-1]["arn"], FOLLOW_WAIT_S):  # the old version serves until it is loaded
        return record
    return ctx.store.update("campaign", record["arn"], {"solution_version_arn": versions[-1]["arn"]}) or record


def forget_campaign(ctx: Context, campaign_arn: str) -> None:
    ctx.serving.campaigns.pop(campaign_arn, None)


def forget_model(ctx: Context, solution_version_arn: str) -> None:
    """Drop a solution version's loaded model (the version was deleted)."""
    ctx.serving.models.pop(solution_version_arn, None)
