"""Schemas: Create/Describe/List/Delete (schemas have no status; generic Avro rules checked at create)."""
from __future__ import annotations

from typing import Any

from ..context import Context
from ..domain import avro
from ..errors import InvalidInputException
from ._common import check_name, new_record, remove, require_unused

KIND = "schema"
DOMAINS = ("ECOMMERCE", "VIDEO_ON_DEMAND")


def create_schema(ctx: Context, *, name: str, schema: str, domain: str | None = None) -> dict[str, Any]:
    check_name(name)
    if domain is not None and domain not in DOMAINS:
        raise InvalidInputException(f"Invalid domain {domain!r}: use ECOMMERCE or VIDEO_ON_DEMAND.")
    avro.parse_schema(schema)
    record = new_record(ctx, "schema_arn", ctx.arn(f"schema/{name}"), name, status=None, schema=schema,
                        domain=domain)
    ctx.store.insert(KIND, record)
    return {"schema_arn": record["arn"]}


def describe_schema(ctx: Context, *, schema_arn: str) -> dict[str, Any]:
    return {"schema": ctx.store.get(KIND, schema_arn)}


def list_schemas(ctx: Context) -> dict[str, Any]:
    return {"schemas": ctx.store.list(KIND)}


def delete_schema(ctx: Context, *, schema_arn: str) -> dict[str, Any]:
    ctx.store.get(KIND, schema_arn)
    require_unused(schema_arn, {"datasets": ctx.store.list("dataset", schema_arn=schema_arn)})
    remove(ctx, KIND, schema_arn)
    return {}


def schema_fields(ctx: Context, schema_arn: str) -> list[dict[str, Any]]:
    """The Avro field dicts of a stored schema."""
    return avro.parse_schema(ctx.store.get(KIND, schema_arn)["schema"])
