"""Solutions: Create/Describe/List/Delete/Update (spec §6.1). Training happens in solution versions."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.status import ACTIVE, IN_FLIGHT
from ..errors import InvalidInputException, ResourceInUseException
from ..serving.models import forget_model
from ..training import artifacts, catalog
from ..training.config import check_config, check_schedule
from ..training.automl import check_auto_ml
from ..training.events import check_events_config
from ..training.objective import check_objective
from ._common import check_name, create_active, new_record, remove, require_active

KIND = "solution"
VERSION_KIND = "solution_version"


def create_solution(ctx: Context, *, name: str, dataset_group_arn: str, recipe_arn: str | None = None,
                    perform_hpo: bool | None = None, perform_auto_ml: bool | None = None,
                    perform_auto_training: bool | None = None, perform_incremental_update: bool | None = None,
                    event_type: str | None = None, solution_config: dict[str, Any] | None = None,
                    tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    check_auto_ml(bool(perform_auto_ml), recipe_arn, solution_config)
    if not recipe_arn and not perform_auto_ml:
        raise InvalidInputException("recipeArn is required (unless performAutoML is true).")
    require_active(ctx.store.get("dataset_group", dataset_group_arn), "Dataset group")
    recipe = catalog.recipe_class(recipe_arn) if recipe_arn else None
    if perform_incremental_update:
        raise InvalidInputException(f"performIncrementalUpdate is only for aws-semantic-similarity, "
                                    f"not {catalog.recipe_name(recipe_arn) if recipe_arn else 'AutoML'}.")
    check_config(recipe, solution_config, bool(perform_hpo), event_type)
    if recipe is not None:
        check_objective(recipe.name, solution_config, _item_fields(ctx, dataset_group_arn))
    record = new_record(
        ctx, "solution_arn", ctx.arn(f"solution/{name}"), name, dataset_group_arn=dataset_group_arn,
        recipe_arn=recipe_arn, perform_hpo=bool(perform_hpo), perform_auto_ml=bool(perform_auto_ml),
        perform_auto_training=True if perform_auto_training is None else perform_auto_training,
        perform_incremental_update=False, event_type=event_type, solution_config=solution_config or {},
    )
    create_active(ctx, KIND, record, tags)
    return {"solution_arn": record["arn"]}


def _item_fields(ctx: Context, dataset_group_arn: str) -> list[dict] | None:
    from ..data.loader import dataset_arns, schema_fields

    arn = dataset_arns(ctx, dataset_group_arn).get("ITEMS")
    return schema_fields(ctx, arn) if arn else None


def version_summary(version: dict[str, Any] | None) -> dict[str, Any] | None:
    if version is None:
        return None
    keys = ("solution_version_arn", "status", "training_mode", "training_type", "creation_date_time",
            "last_updated_date_time", "failure_reason")
    return {k: version.get(k) for k in keys}


def describe_solution(ctx: Context, *, solution_arn: str) -> dict[str, Any]:
    solution = ctx.store.get(KIND, solution_arn)
    versions = ctx.store.list(VERSION_KIND, solution_arn=solution_arn)
    return {"solution": {**solution, "latest_solution_version": version_summary(versions[-1] if versions else None)}}


def list_solutions(ctx: Context, *, dataset_group_arn: str | None = None) -> dict[str, Any]:
    where = {"dataset_group_arn": dataset_group_arn} if dataset_group_arn else {}
    return {"solutions": ctx.store.list(KIND, **where)}


def delete_solution(ctx: Context, *, solution_arn: str) -> dict[str, Any]:
    """Not while a campaign serves one of its versions or a version trains; removes versions and models."""
    ctx.store.get(KIND, solution_arn)
    versions = ctx.store.list(VERSION_KIND, solution_arn=solution_arn)
    own = {v["arn"] for v in versions} | {solution_arn, solution_arn + "/$LATEST"}
    campaigns = [c for c in ctx.store.list("campaign")
                 if c.get("solution_arn") == solution_arn or c.get("solution_version_arn") in own]
    if campaigns:
        raise ResourceInUseException(f"Cannot delete {solution_arn}: campaign {campaigns[0]['arn']} uses it. "
                                     "Delete the campaign first.")
    training = [v for v in versions if v["status"] in IN_FLIGHT]
    if training:
        raise ResourceInUseException(f"Cannot delete {solution_arn}: solution version {training[0]['arn']} is "
                                     f"{training[0]['status']}. Stop it (StopSolutionVersionCreation) or wait.")
    remove(ctx, KIND, solution_arn)  # first: of two concurrent deletes, one goes on
    for version in versions:
        ctx.store.delete(VERSION_KIND, version["arn"])
        artifacts.delete_model(ctx, version["arn"])
        forget_model(ctx, version["arn"])
    return {}


def update_solution(ctx: Context, *, solution_arn: str, perform_auto_training: bool | None = None,
                    perform_incremental_update: bool | None = None,
                    solution_update_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Stores the new settings: versions created afterwards train with the new eventsConfig, and the automatic
    training (control/auto_training.py) follows the new schedule."""
    solution = ctx.store.get(KIND, solution_arn)
    require_active(solution, "Solution")
    if perform_incremental_update:
        raise InvalidInputException("performIncrementalUpdate is only for aws-semantic-similarity.")
    check_schedule((solution_update_config or {}).get("auto_training_config"))
    events = (solution_update_config or {}).get("events_config")
    auto = solution["perform_auto_training"] if perform_auto_training is None else perform_auto_training
    now = ctx.now()
    update = {"solution_update_config": solution_update_config or {}, "status": ACTIVE,
              "perform_auto_training": auto, "perform_incremental_update": False,
              "creation_date_time": now, "last_updated_date_time": now}
    config = dict(solution.get("solution_config") or {})
    if (solution_update_config or {}).get("auto_training_config"):
        config["auto_training_config"] = solution_update_config["auto_training_config"]
    if events is not None:
        config["events_config"] = events
        if not solution.get("recipe_arn"):
            raise InvalidInputException("eventsConfig belongs to particular recipes; this solution uses performAutoML.")
        check_events_config(catalog.recipe_name(solution["recipe_arn"]), config, solution.get("event_type"))
    ctx.store.update(KIND, solution_arn, {"perform_auto_training": auto, "solution_config": config,
                                          "latest_solution_update": update, "last_updated_date_time": now})
    return {"solution_arn": solution_arn}
