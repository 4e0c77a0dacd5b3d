"""Dataset groups: Create/Describe/List/Delete."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain.status import ACTIVE, CREATE_FAILED, CREATE_IN_PROGRESS, CREATE_PENDING, DELETE_PENDING
from ..errors import ResourceInUseException
from ._common import check_name, create_active, new_record, remove, require_unused

KIND = "dataset_group"
LIVE = (CREATE_PENDING, CREATE_IN_PROGRESS, ACTIVE, CREATE_FAILED)


def create_dataset_group(ctx: Context, *, name: str, role_arn: str | None = None, kms_key_arn: str | None = None,
                         domain: str | None = None, tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    record = new_record(ctx, "dataset_group_arn", ctx.arn(f"dataset-group/{name}"), name, role_arn=role_arn,
                        kms_key_arn=kms_key_arn, domain=domain)
    create_active(ctx, KIND, record, tags)
    return {"dataset_group_arn": record["arn"], "domain": domain}


def describe_dataset_group(ctx: Context, *, dataset_group_arn: str) -> dict[str, Any]:
    return {"dataset_group": ctx.store.get(KIND, dataset_group_arn)}


def list_dataset_groups(ctx: Context) -> dict[str, Any]:
    return {"dataset_groups": ctx.store.list(KIND)}


def delete_dataset_group(ctx: Context, *, dataset_group_arn: str) -> dict[str, Any]:
    """Marks the group DELETE PENDING first (a Create under it now fails, and a second Delete answers that it is
    being deleted), checks that nothing is left in it, then removes it before returning."""
    group = ctx.store.get(KIND, dataset_group_arn)
    if ctx.store.update(KIND, dataset_group_arn, {"status": DELETE_PENDING},
                        expect_status=[s for s in LIVE if s != DELETE_PENDING]) is None:
        raise ResourceInUseException(f"Dataset group {dataset_group_arn} is {DELETE_PENDING}: it is already "
                                     "being deleted.")
    try:
        require_unused(dataset_group_arn, {
            "datasets": ctx.store.list("dataset", dataset_group_arn=dataset_group_arn),
            "solutions": ctx.store.list("solution", dataset_group_arn=dataset_group_arn),
            "event trackers": ctx.store.list("event_tracker", dataset_group_arn=dataset_group_arn),
            "recommenders": ctx.store.list("recommender", dataset_group_arn=dataset_group_arn),
            "filters": ctx.store.list("filter", dataset_group_arn=dataset_group_arn),
        })
    except ResourceInUseException:
        ctx.store.update(KIND, dataset_group_arn, {"status": group["status"]}, expect_status=[DELETE_PENDING])
        raise
    remove(ctx, KIND, dataset_group_arn)
    ctx.store.delete_live_data(dataset_group_arn=dataset_group_arn)
    return {}

