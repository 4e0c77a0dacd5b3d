"""Datasets: Create/Describe/List/Delete/Update (one per type per dataset group)."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain import avro
from ..domain.arns import last_name
from ..domain.status import ACTIVE, IN_FLIGHT
from ..errors import InvalidInputException, ResourceInUseException
from ._common import check_name, create_active, new_record, remove, require_active
from .schemas import schema_fields

KIND = "dataset"


def create_dataset(ctx: Context, *, name: str, schema_arn: str, dataset_group_arn: str, dataset_type: str,
                   tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    dataset_type = avro.normalize_dataset_type(dataset_type)
    group = ctx.store.get("dataset_group", dataset_group_arn)
    require_active(group, "Dataset group")
    avro.check_for_dataset(schema_fields(ctx, schema_arn), dataset_type)
    arn = ctx.arn(f"dataset/{last_name(dataset_group_arn)}/{dataset_type}")
    record = new_record(ctx, "dataset_arn", arn, name, dataset_group_arn=dataset_group_arn,
                        dataset_type=dataset_type, schema_arn=schema_arn, data_key=None)
    create_active(ctx, KIND, record, tags)
    return {"dataset_arn": arn}


def describe_dataset(ctx: Context, *, dataset_arn: str) -> dict[str, Any]:
    dataset = ctx.store.get(KIND, dataset_arn)
    if dataset["dataset_type"] == "INTERACTIONS":
        trackers = ctx.store.list("event_tracker", dataset_group_arn=dataset["dataset_group_arn"])
        if trackers:
            dataset["tracking_id"] = trackers[0].get("tracking_id")
    return {"dataset": dataset}


def list_datasets(ctx: Context, *, dataset_group_arn: str | None = None) -> dict[str, Any]:
    return {"datasets": ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)}


def delete_dataset(ctx: Context, *, dataset_arn: str) -> dict[str, Any]:
    dataset = ctx.store.get(KIND, dataset_arn)
    _require_idle(ctx, dataset)
    remove(ctx, KIND, dataset_arn)
    ctx.store.delete_live_data(dataset_arn=dataset_arn)
    if dataset["dataset_type"] == "INTERACTIONS":
        ctx.store.delete_live_data(dataset_group_arn=dataset["dataset_group_arn"])
    ctx.lake.delete_prefix(data_prefix(dataset))
    for key in (dataset.get("data_key"), dataset.get("previous_data_key")):
        if key:  # versions an older Tastemaker wrote outside the scoped folder
            ctx.lake.delete_prefix(key)
    return {}


def update_dataset(ctx: Context, *, dataset_arn: str, schema_arn: str) -> dict[str, Any]:
    dataset = ctx.store.get(KIND, dataset_arn)
    require_active(dataset, "Dataset")
    new_fields = schema_fields(ctx, schema_arn)
    avro.check_for_dataset(new_fields, dataset["dataset_type"])
    check_compatible(schema_fields(ctx, dataset["schema_arn"]), new_fields)
    now = ctx.now()
    update = {"schema_arn": schema_arn, "status": ACTIVE, "creation_date_time": now, "last_updated_date_time": now}
    ctx.store.update(KIND, dataset_arn, {"schema_arn": schema_arn, "latest_dataset_update": update})
    return {"dataset_arn": dataset_arn}


def check_compatible(old: list[dict], new: list[dict]) -> None:
    """A dataset may move to a schema that keeps every field (same type) and adds only nullable ones."""
    new_by_name = {f["name"]: f for f in new}
    for field in old:
        replacement = new_by_name.get(field["name"])
        if replacement is None:
            raise InvalidInputException(f"The new schema drops field {field['name']}; a dataset's schema can only "
                                        "add fields.")
        if avro.field_type(replacement)[0] != avro.field_type(field)[0]:
            raise InvalidInputException(f"The new schema changes the type of field {field['name']} from "
                                        f"{field['type']!r} to {replacement['type']!r}.")
    old_names = {f["name"] for f in old}
    for field in new:
        if field["name"] not in old_names and not avro.field_type(field)[1]:
            raise InvalidInputException(f"New field {field['name']} must be nullable (e.g. [\"null\", "
                                        f"\"{avro.field_type(field)[0]}\"]): existing data has no value for it.")


def data_prefix(dataset: dict[str, Any]) -> str:
    """Lake folder of a dataset's bulk data versions: `datasets/<account>/<region>/<group>/<TYPE>` (two groups of
    one name in two regions or accounts never share one)."""
    fields = dataset["dataset_group_arn"].split(":")
    return f"datasets/{fields[4]}/{fields[3]}/{last_name(dataset['dataset_group_arn'])}/{dataset['dataset_type']}"


def _require_idle(ctx: Context, dataset: dict[str, Any]) -> None:
    arn = dataset["arn"]
    for kind in ("dataset_import_job", "dataset_export_job"):
        busy = [j for j in ctx.store.list(kind, dataset_arn=arn) if j.get("status") in IN_FLIGHT]
        if busy:
            raise ResourceInUseException(f"Cannot delete {arn}: {kind.replace('_', ' ')} {busy[0]['arn']} is "
                                         f"{busy[0]['status']}.")
    training = [v for v in ctx.store.list("solution_version", dataset_group_arn=dataset["dataset_group_arn"])
                if v.get("status") in IN_FLIGHT]
    if training:
        raise ResourceInUseException(f"Cannot delete {arn}: solution version {training[0]['arn']} of its dataset "
                                     f"group is {training[0]['status']}.")
