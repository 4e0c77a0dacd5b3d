"""Solution versions: Create (queues training), Describe, List, Stop, GetSolutionMetrics (spec §6.2)."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.arns import hex_id
from ..domain.status import ACTIVE, CREATE_IN_PROGRESS, CREATE_PENDING, CREATE_STOPPED, CREATE_STOPPING
from ..errors import InvalidInputException, LimitExceededException, ResourceInUseException
from ..training import catalog
from ..training.job import latest_full
from ._common import create_with_job, new_record, require_active

KIND = "solution_version"
MAX_IN_FLIGHT = 20


def create_solution_version(ctx: Context, *, solution_arn: str, name: str | None = None,
                            training_mode: str | None = None, tags: list[dict] | None = None) -> dict[str, Any]:
    solution = ctx.store.get("solution", solution_arn)
    require_active(solution, "Solution")
    mode = training_mode or "FULL"
    if mode == "AUTOTRAIN":
        raise InvalidInputException("trainingMode AUTOTRAIN is set by automatic training only; use FULL or UPDATE.")
    if mode == "UPDATE":
        _check_update(ctx, solution)
    return {"solution_version_arn": new_version(ctx, solution, mode, "MANUAL", name, tags)}


def new_version(ctx: Context, solution: dict[str, Any], mode: str, training_type: str, name: str | None = None,
                tags: list[dict] | None = None, suffix: str | None = None) -> str:
    """Store a CREATE PENDING version of `solution` and queue its training; returns its ARN. `suffix`: the 8 hex of
    its ARN (random unless given; ResourceAlreadyExistsException when taken)."""
    in_flight = [v for s in (CREATE_PENDING, CREATE_IN_PROGRESS) for v in ctx.store.list(KIND, status=s)
                 if v["arn"].split(":")[3] == ctx.region]
    if len(in_flight) >= MAX_IN_FLIGHT:
        raise LimitExceededException(
            f"More than {MAX_IN_FLIGHT} solution versions with PENDING or IN_PROGRESS status.")
    suffix = suffix or hex_id()
    arn = f"{solution['arn']}/{suffix}"
    record = new_record(
        ctx, "solution_version_arn", arn, name or f"{solution['name']}/{suffix}", solution_arn=solution["arn"],
        dataset_group_arn=solution["dataset_group_arn"], recipe_arn=_recipe_arn(ctx, solution, mode),
        perform_hpo=solution["perform_hpo"], perform_auto_ml=bool(solution.get("perform_auto_ml")),
        perform_incremental_update=False,
        event_type=solution.get("event_type"), solution_config=solution.get("solution_config") or {},
        training_mode=mode, training_type=training_type,
    )
    create_with_job(ctx, KIND, record, tags, "train")
    return arn


def _recipe_arn(ctx: Context, solution: dict[str, Any], mode: str) -> str | None:
    """The solution's recipe; with performAutoML none until training chooses one (UPDATE: the base's)."""
    if solution.get("recipe_arn") or mode != "UPDATE":
        return solution.get("recipe_arn")
    base = latest_full(ctx, solution["arn"])
    return base["recipe_arn"] if base else None


def _check_update(ctx: Context, solution: dict[str, Any]) -> None:
    recipe_arn = _recipe_arn(ctx, solution, "UPDATE")  # None: performAutoML before its first FULL version
    recipe = catalog.recipe_name(recipe_arn) if recipe_arn else None
    found = catalog.recipes().get(recipe) if recipe is not None else None
    if recipe is not None and (found is None or not found.incremental_update):
        raise InvalidInputException(
            f"trainingMode UPDATE is only for aws-user-personalization solutions; {solution['arn']} uses {recipe}.")
    if recipe is None or latest_full(ctx, solution["arn"]) is None:
        raise InvalidInputException(
            f"trainingMode UPDATE needs an ACTIVE solution version of {solution['arn']} trained with FULL; "
            "create one with trainingMode FULL first.")


def describe_solution_version(ctx: Context, *, solution_version_arn: str) -> dict[str, Any]:
    return {"solution_version": ctx.store.get(KIND, solution_version_arn)}


def list_solution_versions(ctx: Context, *, solution_arn: str | None = None) -> dict[str, Any]:
    if solution_arn:
        ctx.store.get("solution", solution_arn)
        return {"solution_versions": ctx.store.list(KIND, solution_arn=solution_arn)}
    return {"solution_versions": ctx.store.list(KIND)}


def stop_solution_version_creation(ctx: Context, *, solution_version_arn: str) -> dict[str, Any]:
    """CREATE PENDING stops at once; CREATE IN_PROGRESS becomes CREATE STOPPING until the job notices."""
    ctx.store.get(KIND, solution_version_arn)
    now = ctx.now()
    if ctx.store.update(KIND, solution_version_arn, {"status": CREATE_STOPPED, "last_updated_date_time": now},
                        expect_status=[CREATE_PENDING]) is not None:
        return {}
    if ctx.store.update(KIND, solution_version_arn, {"status": CREATE_STOPPING, "last_updated_date_time": now},
                        expect_status=[CREATE_IN_PROGRESS]) is not None:
        return {}
    status = ctx.store.get(KIND, solution_version_arn)["status"]
    raise ResourceInUseException(f"Cannot stop {solution_version_arn}: it is {status}; only a version in "
                                 "CREATE PENDING or CREATE IN_PROGRESS can be stopped.")


def get_solution_metrics(ctx: Context, *, solution_version_arn: str) -> dict[str, Any]:
    version = ctx.store.get(KIND, solution_version_arn)
    if version["status"] != ACTIVE:
        raise ResourceInUseException(f"Solution version {solution_version_arn} is {version['status']}; "
                                     "metrics are available once it is ACTIVE.")
    return {"solution_version_arn": solution_version_arn, "metrics": version.get("metrics") or {}}
