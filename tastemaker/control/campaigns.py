"""Campaigns: Create/Describe/List/Update/Delete; deployment loads the model before the campaign serves."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.status import ACTIVE, CREATE_FAILED, IN_FLIGHT
from ..errors import InvalidInputException, LimitExceededException, ResourceInUseException
from ..jobs import JobFailed, task
from ._common import check_name, create_with_job, new_record, remove

KIND = "campaign"
UPDATE_KIND = "campaign_update"
MAX_ACTIVE = 5
SUMMARY_KEYS = ("name", "campaign_arn", "status", "creation_date_time", "last_updated_date_time", "failure_reason")


def _solution_version(ctx: Context, arn: str, sync_latest: bool) -> dict[str, Any]:
    """The ACTIVE solution version an ARN names (`solution/<name>/$LATEST` with syncWithLatestSolutionVersion)."""
    if arn.endswith("/$LATEST"):
        if not sync_latest:
            raise InvalidInputException(
                f"{arn} names the latest version; set campaignConfig.syncWithLatestSolutionVersion to true to use it.")
        solution_arn = arn[: -len("/$LATEST")]
        ctx.store.get("solution", solution_arn)
        found = [v for v in ctx.store.list("solution_version", solution_arn=solution_arn) if v.get("status") == ACTIVE]
        if not found:
            raise ResourceInUseException(f"Solution {solution_arn} has no ACTIVE solution version yet.")
        return found[-1]
    version = ctx.store.get("solution_version", arn)
    if version.get("status") != ACTIVE:
        raise ResourceInUseException(
            f"Solution version {arn} is {version.get('status')}; it must be ACTIVE before a campaign can use it.")
    return version


def _config(config: dict[str, Any] | None) -> dict[str, Any]:
    """Validate campaignConfig (exploration values are strings on the wire)."""
    config = dict(config or {})
    exploration = config.get("item_exploration_config") or {}
    for key, value in exploration.items():
        if key not in ("explorationWeight", "explorationItemAgeCutOff"):
            raise InvalidInputException(
                f"Unknown itemExplorationConfig key {key!r}: use explorationWeight or explorationItemAgeCutOff.")
        try:
            number = float(value)
        except ValueError:
            raise InvalidInputException(
                f"itemExplorationConfig.{key} must be a number given as a string; got {value!r}.") from None
        if key == "explorationWeight" and not 0.0 <= number <= 1.0:
            raise InvalidInputException(
                f"itemExplorationConfig.explorationWeight must be between 0 and 1; got {value}.")
        if key == "explorationItemAgeCutOff" and not number > 0:
            raise InvalidInputException(
                f"itemExplorationConfig.explorationItemAgeCutOff must be positive; got {value}.")
    for key, value in (config.get("ranking_influence") or {}).items():
        if not 0.0 <= float(value) <= 1.0:
            raise InvalidInputException(f"rankingInfluence.{key} must be between 0 and 1; got {value}.")
    return config


def _check_limit(ctx: Context, group_arn: str) -> None:
    live = [c for c in ctx.store.list(KIND, dataset_group_arn=group_arn) if c.get("status") in (ACTIVE, *IN_FLIGHT)]
    if len(live) >= MAX_ACTIVE:
        raise LimitExceededException(
            "Cannot create a campaign. More than 5 resources in ACTIVE state. Please delete some and try again.")


def create_campaign(ctx: Context, *, name: str, solution_version_arn: str, min_provisioned_tps: int | None = None,
                    campaign_config: dict | None = None, tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    config = _config(campaign_config)
    version = _solution_version(ctx, solution_version_arn, bool(config.get("sync_with_latest_solution_version")))
    _check_limit(ctx, version["dataset_group_arn"])
    record = new_record(ctx, "campaign_arn", ctx.arn(f"campaign/{name}"), name,
                        solution_version_arn=version["solution_version_arn"],
                        requested_solution_version_arn=solution_version_arn,
                        solution_arn=version.get("solution_arn"), dataset_group_arn=version["dataset_group_arn"],
                        min_provisioned_tps=min_provisioned_tps or 1, campaign_config=config)
    create_with_job(ctx, KIND, record, tags, "activate:" + KIND)
    return {"campaign_arn": record["arn"]}


def describe_campaign(ctx: Context, *, campaign_arn: str) -> dict[str, Any]:
    record = ctx.store.get(KIND, campaign_arn)
    update_arn = record.get("latest_update_arn")
    if update_arn:
        update = ctx.store.find(UPDATE_KIND, update_arn)
        if update is not None:
            record["latest_campaign_update"] = update
    return {"campaign": record}


def list_campaigns(ctx: Context, *, solution_arn: str | None = None) -> dict[str, Any]:
    found = ctx.store.list(KIND, solution_arn=solution_arn)
    return {"campaigns": [{k: c.get(k) for k in SUMMARY_KEYS} for c in found]}


def update_campaign(ctx: Context, *, campaign_arn: str, solution_version_arn: str | None = None,
                    min_provisioned_tps: int | None = None, campaign_config: dict | None = None) -> dict[str, Any]:
    record = ctx.store.get(KIND, campaign_arn)
    if record.get("status") not in (ACTIVE, CREATE_FAILED):
        raise ResourceInUseException(
            f"Campaign {campaign_arn} is {record.get('status')}; it must be ACTIVE or CREATE FAILED to be updated.")
    config = _config(campaign_config) if campaign_config is not None else record.get("campaign_config") or {}
    requested = solution_version_arn or record.get("requested_solution_version_arn") or record["solution_version_arn"]
    version = _solution_version(ctx, requested, bool(config.get("sync_with_latest_solution_version")))
    if version["dataset_group_arn"] != record["dataset_group_arn"]:
        raise InvalidInputException(
            f"Solution version {requested} belongs to another dataset group than campaign {campaign_arn}.")
    previous = record.get("latest_update_arn")
    if previous and (ctx.store.find(UPDATE_KIND, previous) or {}).get("status") in IN_FLIGHT:
        raise ResourceInUseException(f"Campaign {campaign_arn} has an update in progress; wait until it is ACTIVE.")
    seq = int(record.get("update_count") or 0) + 1
    update = new_record(ctx, "campaign_update_arn", f"{campaign_arn}#update-{seq}", record["name"],
                        campaign_arn=campaign_arn, solution_version_arn=version["solution_version_arn"],
                        requested_solution_version_arn=requested,
                        min_provisioned_tps=min_provisioned_tps or record.get("min_provisioned_tps") or 1,
                        campaign_config=config)
    ctx.store.insert(UPDATE_KIND, update)
    ctx.store.update(KIND, campaign_arn, {"latest_update_arn": update["arn"], "update_count": seq})
    ctx.submit("update:campaign", update["arn"], None)
    return {"campaign_arn": campaign_arn}


def delete_campaign(ctx: Context, *, campaign_arn: str) -> dict[str, Any]:
    record = ctx.store.get(KIND, campaign_arn)
    for update in ctx.store.list(UPDATE_KIND, campaign_arn=campaign_arn):
        ctx.store.delete(UPDATE_KIND, update["arn"])
    remove(ctx, KIND, record["arn"])
    _forget(ctx, campaign_arn)
    return {}


def _forget(ctx: Context, campaign_arn: str) -> None:
    from ..serving.models import forget_campaign

    forget_campaign(ctx, campaign_arn)


def _warm(ctx: Context, solution_version_arn: str) -> None:
    """Load the model into the serving cache; a model that cannot load fails the deployment."""
    from ..serving.models import served_model

    try:
        served_model(ctx, solution_version_arn)
    except Exception as exc:  # the reason becomes failureReason
        raise JobFailed(f"Could not load the model of solution version {solution_version_arn}: {exc}") from exc


@task("activate:" + KIND, KIND, lane="light")
def deploy_campaign(ctx: Context, arn: str, payload: dict | None, progress: Any) -> dict[str, Any]:
    """Deploy: load the solution version's model so the first request is served at once."""
    progress.update(0.0, "loading the model")
    _warm(ctx, ctx.store.get(KIND, arn)["solution_version_arn"])
    return {}


@task("update:campaign", UPDATE_KIND, lane="light")
def apply_campaign_update(ctx: Context, arn: str, payload: dict | None, progress: Any) -> dict[str, Any]:
    """Load the new model first; only then switch the campaign (the old version serves until then)."""
    update = ctx.store.get(UPDATE_KIND, arn)
    progress.update(0.0, "loading the new model")
    _warm(ctx, update["solution_version_arn"])
    if ctx.store.find(KIND, update["campaign_arn"]) is None:  # deleted meanwhile
        return {}
    ctx.store.update(KIND, update["campaign_arn"], {
        "solution_version_arn": update["solution_version_arn"],
        "requested_solution_version_arn": update["requested_solution_version_arn"],
        "min_provisioned_tps": update["min_provisioned_tps"], "campaign_config": update["campaign_config"],
        "status": ACTIVE, "failure_reason": None,
    })
    _forget(ctx, update["campaign_arn"])
    return {}

