"""Event trackers: one per dataset group; its trackingId routes PutEvents to the group's interactions."""
from __future__ import annotations

import uuid
from typing import Any

from ..context import Context
from ..domain.arns import hex_id
from ..errors import ResourceAlreadyExistsException
from ._common import check_name, create_active, new_record, remove, require_active

KIND = "event_tracker"
SUMMARY_KEYS = ("name", "event_tracker_arn", "status", "creation_date_time", "last_updated_date_time")


def create_event_tracker(ctx: Context, *, name: str, dataset_group_arn: str,
                         tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    require_active(ctx.store.get("dataset_group", dataset_group_arn), "Dataset group")
    existing = ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)
    if existing:
        raise ResourceAlreadyExistsException(
            f"Dataset group {dataset_group_arn} already has an event tracker ({existing[0]['arn']}); "
            "a dataset group can have only one.")
    record = new_record(ctx, "event_tracker_arn", ctx.arn(f"event-tracker/{hex_id()}"), name,
                        account_id=ctx.account_id, tracking_id=str(uuid.uuid4()),
                        dataset_group_arn=dataset_group_arn)
    create_active(ctx, KIND, record, tags)
    return {"event_tracker_arn": record["arn"], "tracking_id": record["tracking_id"]}


def describe_event_tracker(ctx: Context, *, event_tracker_arn: str) -> dict[str, Any]:
    return {"event_tracker": ctx.store.get(KIND, event_tracker_arn)}


def list_event_trackers(ctx: Context, *, dataset_group_arn: str | None = None) -> dict[str, Any]:
    found = ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)
    return {"event_trackers": [{k: t.get(k) for k in SUMMARY_KEYS} for t in found]}


def delete_event_tracker(ctx: Context, *, event_tracker_arn: str) -> dict[str, Any]:
    record = ctx.store.get(KIND, event_tracker_arn)
    remove(ctx, KIND, event_tracker_arn)
    ctx.serving.tracker_groups.pop(record["tracking_id"], None)
    return {}
