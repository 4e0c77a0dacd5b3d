"""Filters: Create/Describe/List/Delete; expressions are parsed and checked against the group's schemas at create."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain import avro
from ..domain.status import IN_FLIGHT
from ..errors import InvalidInputException, LimitExceededException, ResourceInUseException
from ..serving.filtering import CompiledFilter, compile_filter, unsupported_reason
from ._common import check_name, create_active, new_record, remove, require_active
from .schemas import schema_fields

KIND = "filter"
MAX_FILTERS_PER_GROUP = 30
MAX_FIELDS_PER_FILTER = 10
MAX_FIELDS_PER_GROUP = 20
DATASET_OF = {"Items": "ITEMS", "CurrentItem": "ITEMS", "Interactions": "INTERACTIONS", "Users": "USERS",
              "CurrentUser": "USERS"}


def create_filter(ctx: Context, *, name: str, dataset_group_arn: str, filter_expression: str,
                  tags: list[dict] | None = None) -> dict[str, Any]:
    check_name(name)
    require_active(ctx.store.get("dataset_group", dataset_group_arn), "Dataset group")
    compiled = compile_filter(filter_expression)
    reason = unsupported_reason(compiled)
    if reason:
        raise InvalidInputException(f"Could not create filter: {reason}.")
    check_columns(ctx, dataset_group_arn, compiled)
    check_quotas(ctx, dataset_group_arn, compiled)
    record = new_record(ctx, "filter_arn", ctx.arn(f"filter/{name}"), name, dataset_group_arn=dataset_group_arn,
                        filter_expression=filter_expression)
    create_active(ctx, KIND, record, tags)
    return {"filter_arn": record["arn"]}


def describe_filter(ctx: Context, *, filter_arn: str) -> dict[str, Any]:
    return {"filter": ctx.store.get(KIND, filter_arn)}


def list_filters(ctx: Context, *, dataset_group_arn: str | None = None) -> dict[str, Any]:
    return {"filters": ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)}


def delete_filter(ctx: Context, *, filter_arn: str) -> dict[str, Any]:
    ctx.store.get(KIND, filter_arn)
    busy = [j for j in ctx.store.list("batch_inference_job", filter_arn=filter_arn) if j.get("status") in IN_FLIGHT]
    if busy:
        raise ResourceInUseException(f"Cannot delete {filter_arn}: batch inference job {busy[0]['arn']} is "
                                     f"{busy[0]['status']} and uses it.")
    remove(ctx, KIND, filter_arn)
    return {}


def data_fields(compiled: CompiledFilter) -> set[tuple[str, str]]:
    """The dataset columns a filter reads (CurrentItem/CurrentUser references count as their dataset's)."""
    return {(DATASET_OF.get(source, source.upper()), column) for source, column in compiled.fields}


def check_quotas(ctx: Context, dataset_group_arn: str, compiled: CompiledFilter) -> None:
    existing = ctx.store.list(KIND, dataset_group_arn=dataset_group_arn)
    if len(existing) >= MAX_FILTERS_PER_GROUP:
        raise LimitExceededException(f"Dataset group {dataset_group_arn} already has {len(existing)} filters "
                                     f"(at most {MAX_FILTERS_PER_GROUP}); delete one first.")
    mine = data_fields(compiled)
    if len(mine) > MAX_FIELDS_PER_FILTER:
        raise LimitExceededException(f"The filter uses {len(mine)} distinct fields; at most "
                                     f"{MAX_FIELDS_PER_FILTER} are allowed per filter.")
    used = set(mine)
    for other in existing:
        used |= data_fields(compile_filter(other["filter_expression"]))
    if len(used) > MAX_FIELDS_PER_GROUP:
        raise LimitExceededException(f"The filters of {dataset_group_arn} would use {len(used)} distinct fields; "
                                     f"at most {MAX_FIELDS_PER_GROUP} are allowed per dataset group.")


def check_columns(ctx: Context, dataset_group_arn: str, compiled: CompiledFilter) -> None:
    """Each referenced column must exist in its dataset's schema (when that dataset exists) and be filterable."""
    datasets = ctx.store.list("dataset", dataset_group_arn=dataset_group_arn)
    schemas = {d["dataset_type"]: d["schema_arn"] for d in datasets}
    for source, column in sorted(compiled.fields):
        dataset_type = DATASET_OF.get(source)
        if dataset_type not in schemas:
            continue
        fields = schema_fields(ctx, schemas[dataset_type])
        by_name = {f["name"]: f for f in fields}
        if dataset_type == "INTERACTIONS":
            by_name.update({name.upper(): f for name, f in by_name.items() if name.upper() == "EVENT_TYPE"})
        field = by_name.get(column)
        if field is None:
            names = ", ".join(f["name"] for f in fields)
            raise InvalidInputException(f"Could not create filter: {source}.{column} does not exist; the "
                                        f"{dataset_type} dataset's schema has {names}.")
        _check_filterable(source, column, field)


def _check_filterable(source: str, column: str, field: dict[str, Any]) -> None:
    if field.get("textual"):
        raise InvalidInputException(f"Could not create filter: {source}.{column} is a textual field; textual "
                                    "(unstructured text) fields cannot be used in filters.")
    if avro.field_type(field)[0] == "boolean":
        raise InvalidInputException(f"Could not create filter. Invalid Expression: {source}.{column} is a boolean "
                                    "field and cannot be filtered; store it as a string (\"True\"/\"False\") or 0/1.")
