"""Dataset groups: Create/Describe/List/Delete."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ._common import check_name, create_and_activate, new_record, require_unused

KIND = "dataset_group"


def create_dataset_group(ctx: Context, *, name: str, role_arn: str | None = None, kms_key_arn: str | None = None,
                         domain: str | None = None, tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    record = new_record(ctx, "dataset_group_arn", ctx.arn(f"dataset-group/{name}"), name, role_arn=role_arn,
                        kms_key_arn=kms_key_arn, domain=domain)
    create_and_activate(ctx, KIND, record, tags)
    return {"dataset_group_arn": record["arn"], "domain": domain}


def describe_dataset_group(ctx: Context, *, dataset_group_arn: str) -> dict[str, Any]:
    return {"dataset_group": ctx.store.get(KIND, dataset_group_arn)}


def list_dataset_groups(ctx: Context) -> dict[str, Any]:
    return {"dataset_groups": ctx.store.list(KIND)}


def delete_dataset_group(ctx: Context, *, dataset_group_arn: str) -> dict[str, Any]:
    ctx.store.get(KIND, dataset_group_arn)
    require_unused(dataset_group_arn, {
        "datasets": ctx.store.list("dataset", dataset_group_arn=dataset_group_arn),
        "solutions": ctx.store.list("solution", dataset_group_arn=dataset_group_arn),
        "event trackers": ctx.store.list("event_tracker", dataset_group_arn=dataset_group_arn),
        "recommenders": ctx.store.list("recommender", dataset_group_arn=dataset_group_arn),
        "filters": ctx.store.list("filter", dataset_group_arn=dataset_group_arn),
    })
    ctx.store.delete(KIND, dataset_group_arn)
    ctx.store.delete_live_data(dataset_group_arn=dataset_group_arn)
    return {}
